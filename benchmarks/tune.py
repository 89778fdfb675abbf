"""Short training runs that compare recipe variants on the validation split (never on the test split).

Every variant starts from `BASE`, the recipe of the book's first full run (Chapter 6's `vit_cifar`
model, batch 256, learned position embeddings, crop + flip), changes a few fields, and trains with
`eval_test=False`. Its resolved configuration and history go to `benchmarks/results/tuning/<name>.json`,
which Chapter 7 reads.

    python benchmarks/tune.py small_basic        # one variant from VARIANTS (about 8 minutes on 2 CPU cores)
    python benchmarks/tune.py --all              # all of them, one after another
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from vit_tutorial.train import TrainConfig, train
from vit_tutorial.vit import ViTConfig

BASE = dict(
    epochs=9,
    batch_size=256,
    lr=1e-3,
    weight_decay=0.05,
    warmup_epochs=1,
    label_smoothing=0.1,
    max_grad_norm=1.0,
    augment="basic",
    mix="none",
    model=dict(
        image_size=32,
        patch_size=4,
        num_classes=10,
        dim=192,
        depth=6,
        heads=3,
        mlp_dim=384,
    ),
)
SMALL = {"dim": 128, "heads": 4, "mlp_dim": 256}
VARIANTS = {  # name -> changes to BASE ("model" entries change single ViT arguments)
    "small_basic": {"epochs": 6, "batch_size": 128, "model": SMALL},
    "small_trivial": {
        "epochs": 6,
        "batch_size": 128,
        "augment": "trivial",
        "model": SMALL,
    },
    "small_sincos": {
        "epochs": 6,
        "batch_size": 128,
        "model": {**SMALL, "pos_embedding": "sincos"},
    },
    "small_lsincos": {
        "epochs": 6,
        "batch_size": 128,
        "model": {**SMALL, "pos_embedding": "learned_sincos"},
    },
    "small_mix": {
        "epochs": 6,
        "batch_size": 128,
        "mix": "mixup_cutmix",
        "model": SMALL,
    },
    "small_lr2": {"epochs": 6, "batch_size": 128, "lr": 2e-3, "model": SMALL},
    "small_mean": {"epochs": 6, "batch_size": 128, "model": {**SMALL, "pool": "mean"}},
    "tiny96": {
        "epochs": 10,
        "batch_size": 128,
        "model": {"dim": 96, "heads": 3, "mlp_dim": 192},
    },
}
OUT = Path(__file__).resolve().parent / "results" / "tuning"


def resolve(name: str, changes: dict) -> TrainConfig:
    changes = dict(changes)
    model = ViTConfig(**{**BASE["model"], **changes.pop("model", {})})
    return TrainConfig(
        name=name, **{**BASE, **changes, "model": model}, eval_test=False
    )


def run(name: str, changes: dict) -> dict:
    cfg = resolve(name, changes)
    t = time.perf_counter()
    history = train(cfg, progress=False)
    result = {
        "name": name,
        "changes": changes,
        "config": asdict(cfg),
        "history": history,
        "total_s": time.perf_counter() - t,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    names = list(VARIANTS) if sys.argv[1:] == ["--all"] else sys.argv[1:]
    for name in names:
        run(name, VARIANTS[name])
