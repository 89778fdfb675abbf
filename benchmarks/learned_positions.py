"""Does a ViT learn the 2-D layout of its patches from data alone? (Chapter 3)

Trains the book's `cifar10_cpu` model with `pos_embedding="learned"`, i.e. position embeddings
that start as random noise (std 0.02) and carry no layout at all, for a short run scored on the
validation split only (`eval_test=False`). It writes the history, the configuration and the
position embeddings before and after training to `benchmarks/results/learned_positions/`, which
Chapter 3 reads to draw its figure.

    python benchmarks/learned_positions.py            # 3 epochs, the committed run
    python benchmarks/learned_positions.py --epochs 1
    python benchmarks/learned_positions.py --note "other work shared the 2 cores during this run"
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
from safetensors.torch import save_file

from vit_tutorial.train import get_recipe, train

OUT = Path(__file__).resolve().parent / "results" / "learned_positions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument(
        "--note",
        help="a remark stored with the results (e.g. that other work shared the CPU)",
    )
    args = parser.parse_args()
    base = get_recipe("cifar10_cpu")
    cfg = replace(
        base,
        name="learned_positions",
        epochs=args.epochs,
        eval_test=False,
        notes="Chapter 3: cifar10_cpu's model with positions that start as random noise; "
        "validation split only",
        model=replace(base.model, pos_embedding="learned"),
    )
    t = time.perf_counter()
    history = train(cfg, out_dir=OUT / "run", progress=False)
    total = time.perf_counter() - t
    from vit_tutorial.weights import load_weights

    final = load_weights(
        OUT / "run" / "final.safetensors"
    ).embedding.pos_embedding.detach()
    torch.manual_seed(cfg.seed)  # the same draw train() made: the initial positions
    from vit_tutorial.vit import ViT

    initial = ViT(cfg.model).embedding.pos_embedding.detach()
    OUT.mkdir(parents=True, exist_ok=True)
    save_file(
        {"initial": initial.contiguous(), "final": final.contiguous()},
        str(OUT / "pos_embedding.safetensors"),
    )
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from train_step import machine_note  # CPU model, cores and the bf16-relevant flags

    from vit_tutorial.performance import bf16_supported

    (OUT / "metrics.json").write_text(
        json.dumps(
            {
                "config": asdict(cfg),
                "history": history,
                "total_s": total,
                "cpu": machine_note(),
                "precision": "bf16 autocast"
                if cfg.bf16 and bf16_supported("cpu")
                else "float32",
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                **({"note": args.note} if args.note else {}),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
