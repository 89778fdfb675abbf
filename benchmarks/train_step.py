"""Time one training step (forward + backward + AdamW) of the book's ViT against timm and vit-pytorch.

Same configuration and batch for every model, in one process: the CIFAR model of the book
(patch 4, dim 192, depth 6, 3 heads, MLP 384, 10 classes, 32x32 images), batch 256, in fp32 and
under bf16 autocast, on the CPU and on CUDA when available. It also measures the machine's own
fp32 and bf16 matmul peak and reports each model's MFU: the FLOPs of its own step as FlopCounterMode
counts them (the book's model skips most of its last block, see Chapter 6, so it counts fewer), divided
by the step time and by the measured peak.

    python benchmarks/train_step.py                  # full run, prints a table, writes JSON
    python benchmarks/train_step.py --smoke          # a few tiny steps: checks that it runs
    python benchmarks/train_step.py --config cifar10_gpu --batch 512 --device cuda   # another model size

timm and vit-pytorch are benchmark-only dependencies: `pip install -r requirements-bench.txt`.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from vit_tutorial import VIT_CONFIGS, ViT, ViTConfig
from vit_tutorial.performance import ClsShortcut, train_step

CFG = VIT_CONFIGS["vit_cifar"]
ARCHITECTURE = (
    "image_size",
    "patch_size",
    "num_classes",
    "dim",
    "depth",
    "heads",
    "mlp_dim",
)


def model_config(name: str) -> ViTConfig:
    "The architecture of Chapter 6's `vit_cifar` or of a training recipe's model (no dropout: every model alike)."
    from vit_tutorial.train import RECIPES

    if name == "vit_cifar":
        return VIT_CONFIGS["vit_cifar"]
    if name not in RECIPES:
        raise ValueError(
            f"unknown config {name!r}; valid: vit_cifar, {', '.join(sorted(RECIPES))}"
        )
    return ViTConfig(**{k: getattr(RECIPES[name].model, k) for k in ARCHITECTURE})


def book_model(fused: bool, cls_shortcut: bool = True):
    model = ViT(CFG, fused=fused)
    # as train() runs it: the last block computes the [CLS] token alone (Appendix C); off, the
    # last block runs every token, as timm's and vit-pytorch's do
    return ClsShortcut(model) if cls_shortcut else model


def timm_model():
    from timm.models.vision_transformer import VisionTransformer

    return VisionTransformer(
        img_size=CFG.image_size,
        patch_size=CFG.patch_size,
        num_classes=CFG.num_classes,
        embed_dim=CFG.dim,
        depth=CFG.depth,
        num_heads=CFG.heads,
        mlp_ratio=CFG.mlp_dim / CFG.dim,
    )


def lucidrains_model():
    from vit_pytorch import ViT as LucidViT

    return LucidViT(
        image_size=CFG.image_size,
        patch_size=CFG.patch_size,
        num_classes=CFG.num_classes,
        dim=CFG.dim,
        depth=CFG.depth,
        heads=CFG.heads,
        mlp_dim=CFG.mlp_dim,
        dim_head=CFG.dim // CFG.heads,
    )


MODELS = {
    "book ViT, explicit softmax": lambda: book_model(fused=False),
    "book ViT, explicit, no shortcut": lambda: book_model(
        fused=False, cls_shortcut=False
    ),
    "book ViT, fused SDPA": lambda: book_model(fused=True),
    "timm VisionTransformer": timm_model,
    "vit-pytorch ViT (lucidrains)": lucidrains_model,
}


def machine_note() -> str:
    "CPU model, core count and the matrix extensions that matter for bf16 (from /proc/cpuinfo on Linux)."
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in info.splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    flags = set(
        next(
            (
                line.split(":", 1)[1].split()
                for line in info.splitlines()
                if line.startswith("flags")
            ),
            [],
        )
    )
    ext = [f for f in ("avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    cores = info.count("processor\t:")
    return f"{model}, {cores} cores, {'/'.join(ext) or 'no AVX-512'}{'' if 'amx_bf16' in flags else ', no AMX'}"


def matmul_peak(
    device: str, dtype: torch.dtype, sizes=(1024, 2048, 3072), repeats: int = 5
) -> float:
    """Best FLOP/s over square matmuls of several sizes: the machine's practical peak for this dtype.

    The best (not the median) time is used, since a peak is what the hardware can do when nothing interferes.
    """
    best = 0.0
    for n in sizes:
        a, b = (
            torch.randn(n, n, device=device, dtype=dtype),
            torch.randn(n, n, device=device, dtype=dtype),
        )
        for _ in range(2):
            a @ b
        for _ in range(repeats):
            _sync(device)
            t = time.perf_counter()
            a @ b
            _sync(device)
            best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def _sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def step_flops(model, batch, device) -> int:
    "FLOPs of one forward + backward pass, counted by FlopCounterMode (the optimizer step is not a matmul)."
    x = torch.randn(batch, 3, CFG.image_size, CFG.image_size, device=device)
    y = torch.randint(0, CFG.num_classes, (batch,), device=device)
    with FlopCounterMode(display=False) as counter:
        nn.functional.cross_entropy(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def time_model(make, device, bf16, batch, warmup, steps, compile=False):
    torch.manual_seed(0)
    model = make().to(device).train()
    flops = step_flops(
        model, batch, device
    )  # its own count: on the CPU, FlopCounterMode has no formula for fused SDPA
    if compile:  # the forward and backward through Inductor; the warm-up steps absorb the compilation
        model = torch.compile(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(batch, 3, CFG.image_size, CFG.image_size, device=device)
    y = torch.randint(0, CFG.num_classes, (batch,), device=device)
    times = []
    for i in range(warmup + steps):
        _sync(device)
        t = time.perf_counter()
        train_step(model, opt, x, y, bf16=bf16)
        _sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return statistics.median(times), flops


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument(
        "--steps", type=int, default=7, help="timed steps; the median is reported"
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help="tiny run (batch 8, 1+2 steps) to check the script",
    )
    p.add_argument(
        "--json",
        default="benchmarks/results/train_step.json",
        help="where to write the results",
    )
    p.add_argument(
        "--only", nargs="*", help="substrings of model names to run (default: all)"
    )
    p.add_argument(
        "--config",
        default="vit_cifar",
        help="model size: vit_cifar (default) or a training recipe's model, e.g. cifar10_gpu",
    )
    p.add_argument(
        "--compile",
        action="store_true",
        help="time each model under torch.compile (default Inductor)",
    )
    p.add_argument(
        "--device",
        choices=["all", "cpu", "cuda"],
        default="all",
        help="where to time the models (default: the CPU, and CUDA when available)",
    )
    p.add_argument(
        "--precision",
        choices=["both", "fp32", "bf16"],
        default="both",
        help="fp32 alone on CPUs without native bf16 (AVX2 only), where bf16 is emulated and slow",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead of the table: profile two bf16 steps of the book's model and write the top operators",
    )
    args = p.parse_args(argv)
    global CFG
    try:
        CFG = model_config(args.config)
    except ValueError as err:
        p.error(str(err))
    if args.profile:
        return profile(args.batch, Path(args.json).with_name("profile_bf16.txt"))
    if args.smoke:
        args.batch, args.warmup, args.steps = 8, 1, 2

    results = {
        "machine": platform.processor() or platform.machine(),
        "machine_note": machine_note(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "config": {k: getattr(CFG, k) for k in ARCHITECTURE},
        "runs": [],
    }
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if args.device != "all":
        if args.device == "cuda" and not torch.cuda.is_available():
            p.error("--device cuda: no CUDA device is available")
        devices = [args.device]
    if "cuda" in devices:
        results["gpu"] = torch.cuda.get_device_name()
    # every model computes the same function, but not with the same work: the book's model runs its last block for
    # the [CLS] token only. So each model's MFU uses the FLOPs it actually runs (its own FlopCounterMode count).
    model_flops = step_flops(book_model(False, cls_shortcut=False), args.batch, "cpu")
    results["model_flops_per_step"] = (
        model_flops  # the full function, every token through every block
    )
    for device in devices:
        sizes = (
            (256,)
            if args.smoke
            else ((1024, 2048, 3072) if device == "cpu" else (4096, 8192))
        )
        dtypes = {
            "both": (torch.float32, torch.bfloat16),
            "fp32": (torch.float32,),
            "bf16": (torch.bfloat16,),
        }
        peaks = {
            dt: matmul_peak(device, dt, sizes, 2 if args.smoke else 5)
            for dt in dtypes[args.precision]
        }
        results[f"peak_{device}"] = {
            ("bf16" if dt == torch.bfloat16 else "fp32"): v for dt, v in peaks.items()
        }
        for bf16 in [dt == torch.bfloat16 for dt in dtypes[args.precision]]:
            for name, make in MODELS.items():
                if args.only and not any(s in name for s in args.only):
                    continue
                try:
                    t, flops = time_model(
                        make,
                        device,
                        bf16,
                        args.batch,
                        args.warmup,
                        args.steps,
                        args.compile,
                    )
                except ImportError as err:
                    print(
                        f"skipping {name}: {err} (pip install -r requirements-bench.txt)",
                        file=sys.stderr,
                    )
                    continue
                peak = peaks[torch.bfloat16 if bf16 else torch.float32]
                results["runs"].append(
                    {
                        "model": name + (" (torch.compile)" if args.compile else ""),
                        "device": device,
                        "precision": "bf16 autocast" if bf16 else "fp32",
                        "step_s": t,
                        "img_per_s": args.batch / t,
                        "counted_flops_per_step": flops,
                        "mfu": flops / t / peak,
                    }
                )
    print(table(results))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return results


def profile(batch: int, out: Path) -> str:
    "torch.profiler table of two bf16 training steps of the book's model (after two warm-up steps)."
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    torch.manual_seed(0)
    model = book_model(fused=False).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 3, CFG.image_size, CFG.image_size)
    y = torch.randint(0, CFG.num_classes, (batch,))
    for _ in range(2):
        train_step(model, opt, x, y, bf16=True)
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(2):
            train_step(model, opt, x, y, bf16=True)
    text = (
        f"# two bf16 training steps of the book's ViT, batch {batch}, {machine_note()}\n"
        + prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    return text


def table(results) -> str:
    lines = [
        f"batch {results['batch']}, torch {results['torch']}, {results['threads']} threads"
    ]
    for key in [k for k in results if k.startswith("peak_")]:
        pk = results[key]
        peaks = ", ".join(f"{dt} {v / 1e12:.3f} TFLOP/s" for dt, v in pk.items())
        lines.append(f"{key[5:]} matmul peak: {peaks}")
    lines.append(
        f"| {'model':32s} | device | precision     |   img/s | step (s) | MFU   |"
    )
    lines.append(
        f"| {'-' * 32} | ------ | ------------- | ------- | -------- | ----- |"
    )
    for r in results["runs"]:
        lines.append(
            f"| {r['model']:32s} | {r['device']:6s} | {r['precision']:13s} | {r['img_per_s']:7.1f} | "
            f"{r['step_s']:8.3f} | {100 * r['mfu']:4.1f}% |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
