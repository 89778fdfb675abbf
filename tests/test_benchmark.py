"""The benchmark script runs end to end in --smoke mode, so it cannot rot."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "benchmarks/train_step.py", "--smoke", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())
    models = {r["model"] for r in results["runs"]}
    assert {"book ViT, explicit softmax", "book ViT, fused SDPA", "timm VisionTransformer",
            "vit-pytorch ViT (lucidrains)"} <= models, proc.stderr[-2000:]
    assert {r["precision"] for r in results["runs"]} == {"fp32", "bf16 autocast"}
    for r in results["runs"]:
        assert r["img_per_s"] > 0 and 0 < r["mfu"]
    assert results["model_flops_per_step"] > 0
    assert "| book ViT, explicit softmax" in proc.stdout


def test_committed_benchmark_results_are_complete():
    results = json.loads((ROOT / "benchmarks" / "results" / "train_step.json").read_text())
    assert results["batch"] == 256 and results["config"]["dim"] == 192
    assert len(results["runs"]) == 8
