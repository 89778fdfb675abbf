"""The benchmark script runs end to end in --smoke mode, so it cannot rot."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import cifar_available

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/train_step.py", "--smoke", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())
    models = {r["model"] for r in results["runs"]}
    assert {
        "book ViT, explicit softmax",
        "book ViT, fused SDPA",
        "timm VisionTransformer",
        "vit-pytorch ViT (lucidrains)",
    } <= models, proc.stderr[-2000:]
    assert {r["precision"] for r in results["runs"]} == {"fp32", "bf16 autocast"}
    for r in results["runs"]:
        assert r["img_per_s"] > 0 and 0 < r["mfu"]
    assert results["model_flops_per_step"] > 0
    assert "| book ViT, explicit softmax" in proc.stdout


def test_benchmark_fp32_only(tmp_path):
    # on a CPU without native bf16 (AVX2 only) bf16 is emulated and very slow: --precision fp32 skips it
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/train_step.py",
            "--smoke",
            "--precision",
            "fp32",
            "--only",
            "fused SDPA",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())
    assert [(r["model"], r["precision"]) for r in results["runs"]] == [
        ("book ViT, fused SDPA", "fp32")
    ]
    assert set(results["peak_cpu"]) == {"fp32"}
    assert "matmul peak: fp32" in proc.stdout and "bf16" not in proc.stdout


def test_committed_benchmark_results_are_complete():
    results = json.loads(
        (ROOT / "benchmarks" / "results" / "train_step.json").read_text()
    )
    assert results["batch"] == 256 and results["config"]["dim"] == 192
    assert (
        len(results["runs"]) == 10
    )  # 5 models (3 book paths, timm, vit-pytorch) x fp32 and bf16
    names = {r["model"] for r in results["runs"]}
    assert {
        "book ViT, explicit softmax",
        "book ViT, explicit, no shortcut",
    } <= names and len(names) == 5


def test_bf16_detection_reads_the_cpu_flags():
    from vit_tutorial.performance import _cpu_has_bf16_units, bf16_supported

    assert _cpu_has_bf16_units(
        "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n"
    )
    assert _cpu_has_bf16_units("flags\t: fpu avx512f amx_bf16 amx_tile\n")
    assert not _cpu_has_bf16_units(
        "flags\t: fpu sse avx2 avx512f avx512bw\n"
    )  # AVX-512 alone has no bf16 units
    assert not _cpu_has_bf16_units("")
    assert (
        bf16_supported("cpu") == _cpu_has_bf16_units(Path("/proc/cpuinfo").read_text())
        if Path("/proc/cpuinfo").exists()
        else isinstance(bf16_supported("cpu"), bool)
    )


def test_device_cuda_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("the error path exists only on machines without CUDA")
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/train_step.py",
            "--smoke",
            "--device",
            "cuda",
            "--json",
            "unused.json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "--device cuda: no CUDA device is available" in proc.stderr


def test_committed_cuda_results_are_complete():
    expected = {
        "train_step_cuda_h100": (256, 10),
        "train_step_cuda_h100_b1024": (1024, 10),
        "train_step_cuda_h100_compile": (256, 6),
        "train_step_cuda_h100_cifar10_gpu": (512, 6),
    }
    for name, (batch, runs) in expected.items():
        results = json.loads(
            (ROOT / "benchmarks" / "results" / f"{name}.json").read_text()
        )
        dim = 384 if name.endswith("cifar10_gpu") else 192
        assert (
            results["gpu"].startswith("NVIDIA H100")
            and results["batch"] == batch
            and results["config"]["dim"] == dim
        )
        assert len(results["runs"]) == runs and {
            r["device"] for r in results["runs"]
        } == {"cuda"}


def test_unknown_model_config_lists_the_valid_ones():
    proc = subprocess.run(
        [sys.executable, "benchmarks/train_step.py", "--smoke", "--config", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert (
        "unknown config 'nope'; valid: vit_cifar, cifar10_cpu, cifar10_gpu, smoke"
        in proc.stderr
    )


@pytest.mark.skipif(
    not cifar_available(), reason="CIFAR-10 is not in data/ (CI unpacks it there)"
)
def test_loader_throughput_script_runs():
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/loader_throughput.py",
            "--workers",
            "0",
            "--augment",
            "none",
            "--epochs",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "DataLoader alone, none, 0 workers, epoch 1:" in proc.stdout


@pytest.mark.skipif(not cifar_available(), reason="needs CIFAR-10 in data/")
def test_loop_throughput_script_runs(tmp_path):
    out = tmp_path / "loop.json"
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/loop_throughput.py",
            "--config",
            "smoke",
            "--images",
            "128",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["config"]["subset"] == 128 and result["config"]["epochs"] == 1
    assert result["img_per_s"] > 0 and result["precision"] in (
        "float32",
        "bf16 autocast",
    )
    assert "smoke: " in proc.stdout and " img/s (" in proc.stdout


def test_fp32_step_options_smoke(tmp_path):
    "The float32 options benchmark runs and records a ratio per option, on the smoke model."
    out = tmp_path / "options.json"
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/fp32_step_options.py",
            "--recipe",
            "smoke",
            "--pairs",
            "2",
            "--no-compile",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    names = [r["option"] for r in result["results"]]
    assert names == ["fused attention (SDPA)", "batch 64", "batch 256", "1 thread"]
    assert all(r["speed_vs_default_median"] > 0 for r in result["results"])
    assert result["precision"] == "float32" and result["default"]["batch"] == 64
