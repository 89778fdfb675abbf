"""Images per second of the whole training loop of a recipe on this machine (augmentation included).

`benchmarks/train_step.py` times the step alone on random tensors; this runs `train()` itself for
one epoch on a random subset of the training split (per-image crop and flip, normalisation, the
step, the loss bookkeeping) and reports the rate `train()` measured, with the machine and precision.

    python benchmarks/loop_throughput.py                         # cifar10_cpu, 6,400 images
    python benchmarks/loop_throughput.py --config smoke --images 512
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import torch

from vit_tutorial.performance import bf16_supported
from vit_tutorial.train import get_recipe, train

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_step import machine_note  # noqa: E402  (CPU model, cores and the bf16-relevant flags)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="cifar10_cpu")
    p.add_argument(
        "--images", type=int, default=6400, help="training images in the timed epoch"
    )
    p.add_argument("--json", default="benchmarks/results/loop_throughput.json")
    args = p.parse_args(argv)
    cfg = replace(
        get_recipe(args.config), epochs=1, subset=args.images, eval_test=False
    )
    history = train(cfg, progress=False, log=lambda *a, **k: None)
    result = {
        "config": asdict(cfg),
        "machine_note": machine_note(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "precision": "bf16 autocast"
        if cfg.bf16 and bf16_supported("cpu")
        else "float32",
        "img_per_s": history[-1]["img_per_s"],
        "hours_for_recipe_epochs": get_recipe(args.config).epochs
        * 45_000
        / history[-1]["img_per_s"]
        / 3600,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1))
    print(
        f"{args.config}: {result['img_per_s']:.0f} img/s ({result['precision']}, "
        f"{result['machine_note']}); {get_recipe(args.config).epochs} epochs of 45,000 images: "
        f"{result['hours_for_recipe_epochs']:.2f} h of training steps"
    )
    return result


if __name__ == "__main__":
    main()
