"""How fast the DataLoader alone delivers augmented CIFAR-10 batches (no model): is training bound by augmentation?

    python benchmarks/loader_throughput.py --workers 8 15      # TrivialAugment, batch 512, two epochs each

Each epoch builds a new DataLoader, as `train()` does, so worker start-up is included.
"""

import argparse
import time

import torch

from vit_tutorial.data import Augmented, cifar10_splits, train_transform


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, nargs="+", default=[0, 8])
    p.add_argument("--augment", default="trivial", choices=["none", "basic", "trivial"])
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args(argv)
    train, _, _ = cifar10_splits()
    ds = Augmented(train, train_transform(args.augment))
    cuda = torch.cuda.is_available()
    for workers in args.workers:
        for rep in range(args.epochs):
            torch.manual_seed(rep)
            loader = torch.utils.data.DataLoader(
                ds,
                batch_size=args.batch,
                shuffle=True,
                num_workers=workers,
                pin_memory=cuda,
            )
            t, n = time.perf_counter(), 0
            for x, y in loader:
                if cuda:
                    x = x.cuda(non_blocking=True)
                n += len(y)
            if cuda:
                torch.cuda.synchronize()
            print(
                f"DataLoader alone, {args.augment}, {workers} workers, epoch {rep + 1}: "
                f"{n / (time.perf_counter() - t):.0f} img/s (worker start-up included)"
            )


if __name__ == "__main__":
    main()
