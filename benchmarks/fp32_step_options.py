"""Which float32 training step is fastest on this CPU: attention path, batch size, threads, and
torch.compile, for a recipe's model (the [CLS]-only last block, as train() runs it).

Each option is timed against the default (explicit attention, the recipe's batch, all threads,
eager) in one process, the two steps interleaved, so that a ratio, not a machine's absolute
speed, is the result. For the question of Issue #17: does a different step help where there is no
native bf16?

    python benchmarks/fp32_step_options.py --json benchmarks/results/fp32_step_options_avx2.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from vit_tutorial.performance import ClsShortcut, train_step
from vit_tutorial.train import get_recipe, param_groups
from vit_tutorial.vit import ViT

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_step import machine_note  # noqa: E402


def make_step(cfg, fused: bool, batch: int, compiled: bool):
    torch.manual_seed(0)
    model = ViT(cfg.model, fused=fused)
    net = ClsShortcut(model)
    if compiled:
        net = torch.compile(net)
    opt = torch.optim.AdamW(param_groups(model, 0.05), lr=1e-3)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))

    def step():
        loss, _ = train_step(
            net, opt, x, y, bf16=False, label_smoothing=0.1, max_grad_norm=1.0
        )
        loss.item()

    return step


def per_image(step, batch: int, threads: int) -> float:
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    step()
    return (time.perf_counter() - t0) / batch


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", default="cifar10_cpu")
    p.add_argument(
        "--pairs", type=int, default=12, help="timed pairs of steps per option"
    )
    p.add_argument("--no-compile", action="store_true", help="leave torch.compile out")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    cfg = get_recipe(args.recipe)
    threads = torch.get_num_threads()
    base = dict(fused=False, batch=cfg.batch_size, compiled=False, threads=threads)
    options = {
        "fused attention (SDPA)": dict(base, fused=True),
        "batch 64": dict(base, batch=64),
        "batch 256": dict(base, batch=256),
        "1 thread": dict(base, threads=1),
        "torch.compile": dict(base, compiled=True),
    }
    if args.no_compile:
        del options["torch.compile"]
    default = make_step(cfg, base["fused"], base["batch"], False)
    results = []
    for name, o in options.items():
        other = make_step(cfg, o["fused"], o["batch"], o["compiled"])
        for _ in range(3):  # warm-up (and compilation)
            per_image(default, base["batch"], threads)
            per_image(other, o["batch"], o["threads"])
        ratios, rates = [], []
        for i in range(args.pairs):
            if i % 2:
                a = per_image(default, base["batch"], threads)
                b = per_image(other, o["batch"], o["threads"])
            else:
                b = per_image(other, o["batch"], o["threads"])
                a = per_image(default, base["batch"], threads)
            ratios.append(a / b)
            rates.append((1 / a, 1 / b))
        torch.set_num_threads(threads)
        q = statistics.quantiles(ratios, n=4)
        row = {
            "option": name,
            "speed_vs_default_median": statistics.median(ratios),
            "speed_vs_default_quartiles": [q[0], q[2]],
            "default_img_per_s": statistics.median(r[0] for r in rates),
            "option_img_per_s": statistics.median(r[1] for r in rates),
        }
        results.append(row)
        print(
            f"{name:24s} {row['option_img_per_s']:6.0f} img/s vs {row['default_img_per_s']:4.0f}: "
            f"x{row['speed_vs_default_median']:.3f} (quartiles {q[0]:.3f}-{q[2]:.3f})"
        )
    out = {
        "recipe": args.recipe,
        "default": base,
        "precision": "float32",
        "machine_note": machine_note(),
        "torch": torch.__version__,
        "pairs": args.pairs,
        "results": results,
    }
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
        print(f"wrote {args.json}")
    return out


if __name__ == "__main__":
    main()
