import importlib
import json
import math
from dataclasses import asdict, replace
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import cifar_available
from vit_tutorial.data import CIFAR10Tensors
from vit_tutorial.__main__ import main
from vit_tutorial.data import batch_mix
from vit_tutorial.train import (
    TrainConfig,
    get_recipe,
    param_groups,
    train,
    warmup_cosine,
)
from vit_tutorial.train import _config_changes, _epoch_seed
from vit_tutorial.vit import ViT, ViTConfig
from vit_tutorial.weights import (
    load_checkpoint,
    load_weights,
    read_metadata,
    save_checkpoint,
)

ROOT = Path(__file__).resolve().parent.parent
needs_cifar = pytest.mark.skipif(
    not cifar_available(), reason="CIFAR-10 is not in data/ (CI unpacks it there)"
)

TINY = TrainConfig(
    name="tiny",
    epochs=2,
    batch_size=32,
    lr=2e-3,
    warmup_epochs=0.5,
    bf16=False,
    model=ViTConfig(
        image_size=32,
        patch_size=8,
        num_classes=10,
        dim=32,
        depth=1,
        heads=2,
        mlp_dim=64,
    ),
)


def synthetic_splits(n=128, seed=0):
    "Images whose class is visible (a bright band at a class-specific row): learnable in a few steps."
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (n,), generator=g)
    images = torch.randint(0, 60, (n, 3, 32, 32), generator=g, dtype=torch.uint8)
    for i, y in enumerate(labels.tolist()):
        images[i, :, 3 * y : 3 * y + 3, :] = 250
    ds = CIFAR10Tensors(images, labels, "synthetic")
    return (
        ds,
        CIFAR10Tensors(images[:32], labels[:32], "synthetic"),
        CIFAR10Tensors(images[:32], labels[:32], "synthetic"),
    )


def test_resume_equals_uninterrupted(tmp_path):
    data = synthetic_splits()
    full = train(
        TINY, out_dir=tmp_path / "a", data=data, progress=False, log=lambda *a: None
    )
    part = train(
        TINY,
        out_dir=tmp_path / "b",
        data=data,
        progress=False,
        stop_after=1,
        log=lambda *a: None,
    )
    assert len(part) == 1
    resumed = train(
        TINY,
        out_dir=tmp_path / "b",
        data=data,
        progress=False,
        resume=tmp_path / "b" / "checkpoint.pt",
        log=lambda *a: None,
    )
    assert [h["epoch"] for h in resumed] == [1, 2]
    a, b = (
        load_checkpoint(tmp_path / "a" / "checkpoint.pt"),
        load_checkpoint(tmp_path / "b" / "checkpoint.pt"),
    )
    for k in a["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=0, atol=0, msg=k)
    assert resumed[-1]["train_loss"] == full[-1]["train_loss"]
    metrics = json.loads((tmp_path / "b" / "metrics.json").read_text())
    per_epoch = {
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "test_loss",
        "test_accuracy",
        "lr",
        "img_per_s",
        "wall_time_s",
        "test_eval_s",
    }
    assert all(set(m) >= per_epoch for m in metrics)
    assert "test_accuracy_fp32" not in metrics[0] and {
        "test_loss_fp32",
        "test_accuracy_fp32",
    } <= set(metrics[-1])
    assert [m["epoch"] for m in metrics] == [1, 2]
    model = load_weights(tmp_path / "b" / "final.safetensors")
    assert isinstance(model, ViT) and model.config.dim == 32


def test_epoch_seeds_are_distinct():
    "Every (seed, epoch, rank) gets its own seed; the formula `seed * 1000 + epoch * 10 + rank` did not."
    grid = [(s, e, r) for s in range(4) for e in range(250) for r in range(16)]
    seeds = [_epoch_seed(*key) for key in grid]
    assert len(set(seeds)) == len(grid)
    assert all(0 <= x < 2**64 for x in seeds)  # what torch.manual_seed accepts
    # rank 0 keeps the formula the committed run used, for its first 100 epochs
    assert [_epoch_seed(0, e) for e in range(3)] == [0, 10, 20] and _epoch_seed(
        2, 99
    ) == 2990

    def old(s, e, r):
        return s * 1000 + e * 10 + r

    assert old(0, 0, 10) == old(0, 1, 0) and old(0, 100, 0) == old(
        1, 0, 0
    )  # the collisions
    assert _epoch_seed(0, 0, 10) != _epoch_seed(0, 1, 0) and _epoch_seed(
        0, 100
    ) != _epoch_seed(1, 0)


def test_resume_ignores_notes_only(tmp_path):
    "A checkpoint's free-text notes may differ from the config's; any other field may not."
    assert _config_changes({"lr": 1e-3, "notes": "a"}, {"lr": 1e-3, "notes": "b"}) == []
    assert _config_changes(
        {"lr": 1e-3, "epochs": 2}, {"lr": 2e-3, "epochs": 2, "notes": ""}
    ) == ["lr"]
    data = synthetic_splits()
    quiet = dict(data=data, progress=False, log=lambda *a: None)
    train(replace(TINY, notes="first note"), out_dir=tmp_path, stop_after=1, **quiet)
    ckpt = tmp_path / "checkpoint.pt"
    resumed = train(
        replace(TINY, notes="edited note"), out_dir=tmp_path, resume=ckpt, **quiet
    )
    assert [h["epoch"] for h in resumed] == [1, 2]
    with pytest.raises(
        ValueError, match=r"different configuration \(it differs in lr\)"
    ):
        train(replace(TINY, lr=1e-2), out_dir=tmp_path / "x", resume=ckpt, **quiet)


@pytest.mark.parametrize("mix", ["mixup", "cutmix", "mixup_cutmix"])
def test_batch_mix_gives_soft_labels_and_trains(mix):
    torch.manual_seed(0)
    images, labels = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    mixed, soft = batch_mix(mix)(images, labels)
    assert mixed.shape == (16, 3, 32, 32) and soft.shape == (16, 10)
    torch.testing.assert_close(soft.sum(dim=1), torch.ones(16))
    assert not torch.equal(mixed, images)  # each image is blended with another one
    history = train(
        replace(TINY, mix=mix, epochs=1, eval_test=False),
        data=synthetic_splits(),
        progress=False,
        log=lambda *a: None,
    )
    assert (
        math.isfinite(history[-1]["train_loss"]) and "test_accuracy" not in history[-1]
    )


def test_batch_mix_rejects_unknown_names():
    assert batch_mix("none") is None
    with pytest.raises(
        ValueError,
        match="mix must be 'none', 'mixup', 'cutmix' or 'mixup_cutmix', got 'mixcut'",
    ):
        batch_mix("mixcut")


def test_checkpoint_is_written_atomically(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    save_checkpoint(
        path, model={"w": torch.ones(2)}, optimizer={}, scheduler={}, epoch=0, config={}
    )
    real_save = torch.save

    def crash(obj, f, *a, **k):
        real_save(obj, f, *a, **k)
        raise KeyboardInterrupt  # killed after writing the temporary file, before the rename

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(
            path,
            model={"w": torch.zeros(2)},
            optimizer={},
            scheduler={},
            epoch=1,
            config={},
        )
    assert load_checkpoint(path)["epoch"] == 0  # the old checkpoint is intact


def test_corrupt_checkpoint_gives_clear_error(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_checkpoint(
        path,
        model={"w": torch.ones(1000)},
        optimizer={},
        scheduler={},
        epoch=0,
        config={},
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_checkpoint(path)
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_refuses_pickled_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"model": Evil()}, path)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_checkpoint(path)


def test_param_groups_exclude_norms_biases_tokens():
    model = ViT(TINY.model)
    decay, no_decay = param_groups(model, 0.05)
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(names[id(p)].endswith("weight") and p.ndim == 2 for p in decay["params"])
    skipped = {names[id(p)] for p in no_decay["params"]}
    assert {
        "embedding.cls_token",
        "embedding.pos_embedding",
        "encoder.norm.weight",
        "head.bias",
    } <= skipped
    assert no_decay["weight_decay"] == 0.0 and decay["weight_decay"] == 0.05


def test_warmup_cosine_schedule():
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = warmup_cosine(opt, warmup_steps=10, total_steps=110)
    lrs = []
    for _ in range(110):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[60] == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))
    assert lrs[-1] < 0.001


def test_cli_errors(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--recipe", "imagenet"])
    err = capsys.readouterr().err
    assert (
        "unknown recipe 'imagenet'; valid names: cifar10_cpu, cifar10_gpu, smoke" in err
    )
    with pytest.raises(SystemExit):
        main(["train", "--epochs", "0"])
    assert "--epochs must be a positive integer, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--resume", "nowhere.pt"])
    assert "--resume: no checkpoint at nowhere.pt" in capsys.readouterr().err
    with pytest.raises(
        ValueError, match="valid names: cifar10_cpu, cifar10_gpu, smoke"
    ):
        get_recipe("nope")


@needs_cifar
def test_smoke_training_loss_decreases(tmp_path):
    cfg = get_recipe("smoke", epochs=4)
    history = train(cfg, out_dir=tmp_path, progress=False, log=lambda *a: None)
    losses = [h["train_loss"] for h in history]
    assert all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0] - 0.05, losses
    assert history[-1]["wall_time_s"] < 120


@needs_cifar
def test_cli_smoke_run(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vit_tutorial",
            "train",
            "--smoke",
            "--epochs",
            "1",
            "--out",
            str(tmp_path),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "epoch   1/1" in proc.stdout
    assert "Warning" not in proc.stderr, (
        proc.stderr
    )  # no runpy double import, nothing else
    assert (tmp_path / "final.safetensors").exists() and (
        tmp_path / "checkpoint.pt"
    ).exists()


DDP_SCRIPT = """
import json, os, sys
import torch
from vit_tutorial.train import get_recipe, train

out = sys.argv[1]

def checksum(record, model):  # in every process: a fingerprint of its weights
    flat = torch.cat([p.detach().double().flatten() for p in model.parameters()])
    weights = torch.arange(len(flat), dtype=torch.float64) % 97
    with open(os.path.join(out, f"rank{os.environ['RANK']}.json"), "w") as f:
        json.dump([flat.sum().item(), (flat * weights).sum().item()], f)

train(get_recipe("smoke", epochs=1), out_dir=out, progress=False, on_epoch_end=checksum)
"""


@needs_cifar
def test_ddp_two_processes_identical_weights(tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    script = tmp_path / "ddp.py"
    script.write_text(DDP_SCRIPT)
    env = dict(
        os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES=""
    )  # CPU processes with gloo, GPUs or not
    proc = subprocess.run(
        [
            str(torchrun),
            "--nproc_per_node=2",
            "--master_port=29517",
            str(script),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    sums = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert sums[0] == sums[1] and sums[0][0] != 0
    assert proc.stdout.count("epoch   1/1") == 1  # rank 0 alone logs
    assert (tmp_path / "metrics.json").exists() and (
        tmp_path / "final.safetensors"
    ).exists()


def test_cli_runs_under_torchrun_as_a_module():
    "`torchrun -m vit_tutorial` runs __main__.py with its package set, as `python -m` does."
    torchrun = Path(sys.executable).with_name("torchrun")
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run(
        [
            str(torchrun),
            "--nproc_per_node=1",
            "--master_port=29518",
            "-m",
            "vit_tutorial",
            "train",
            "--recipe",
            "nope",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env=env,
    )
    assert proc.returncode != 0 and "unknown recipe 'nope'" in proc.stderr


def test_dataloader_workers_are_repeatable():
    "With DataLoader worker processes (the GPU recipe's augmentation), two runs still give the same losses."
    cfg = replace(TINY, epochs=1, num_workers=2, augment="basic")
    first, second = (
        train(cfg, data=synthetic_splits(), progress=False, log=lambda *a: None)
        for _ in range(2)
    )
    assert math.isfinite(first[0]["train_loss"])
    assert (
        first[0]["train_loss"] == second[0]["train_loss"]
        and first[0]["val_loss"] == second[0]["val_loss"]
    )


def test_committed_gpu_run_matches_the_config_in_code():
    "The GPU run the book reports was made with today's cifar10_gpu (only its notes were edited afterwards)."
    run = ROOT / "benchmarks" / "results" / "cifar10_gpu"
    used = json.loads((run / "config.json").read_text())["train_config"]
    used["model"] = asdict(
        ViTConfig(**used["model"])
    )  # recorded before ViTConfig: the fields it set
    now = asdict(get_recipe("cifar10_gpu"))
    # added after the run, with the value that means what the run did (the DataLoader)
    assert set(now) - set(used) == {"data_on_device"} and now["data_on_device"] is False
    assert {k: v for k, v in used.items() if k != "notes"} == {
        k: now[k] for k in used if k != "notes"
    }
    assert (
        used["notes"] == now["notes"]
    )  # the committed record's note is kept in step with the code's
    history = json.loads((run / "metrics.json").read_text())
    assert [h["epoch"] for h in history] == list(range(1, now["epochs"] + 1))
    assert 0.8 < history[-1]["test_accuracy_fp32"] < 1


def test_committed_cpu_weights_match_the_config_in_code():
    "The book's weights were trained with today's cifar10_cpu; fields added since then keep the values it ran with."
    used = read_metadata(ROOT / "book" / "checkpoints" / "vit_cifar10_cpu.safetensors")[
        "train_config"
    ]
    now = asdict(get_recipe("cifar10_cpu"))
    assert {k: now[k] for k in used if k != "notes"} == {
        k: v for k, v in used.items() if k != "notes"
    }
    # added later, with the values that mean what the run did (no workers, the DataLoader)
    assert set(now) - set(used) == {"num_workers", "data_on_device"}
    assert now["num_workers"] == 0 and now["data_on_device"] is None  # None: on a CPU


def test_more_processes_than_gpus_is_a_clear_error(monkeypatch):
    "Under torchrun with CUDA present, each process needs its own GPU; say so before any process group starts."
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    for key, value in dict(
        WORLD_SIZE="2", LOCAL_WORLD_SIZE="2", RANK="0", LOCAL_RANK="0"
    ).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(
        ValueError,
        match=r"2 processes per node but 1 CUDA device\(s\): start at most one process per GPU "
        r"\(torchrun --nproc_per_node=1\), or hide the GPUs \(CUDA_VISIBLE_DEVICES=\)",
    ):
        train(TINY, data=synthetic_splits(), progress=False, log=lambda *a: None)


def test_budget_minutes_sets_the_epochs_once(tmp_path, monkeypatch):
    "The measured number of epochs drives the run, is logged, and a resumed run keeps it."
    module = importlib.import_module("vit_tutorial.train")
    calls = []

    def measured(minutes, *args, **kwargs):
        calls.append(minutes)
        return 3, 1234.0

    monkeypatch.setattr(module, "_epochs_for_budget", measured)
    logs, cfg, data = [], replace(TINY, epochs=1), synthetic_splits()
    kwargs = dict(data=data, progress=False, budget_minutes=0.5)
    part = train(cfg, out_dir=tmp_path, stop_after=2, log=logs.append, **kwargs)
    assert [h["epoch"] for h in part] == [1, 2] and calls == [0.5]
    assert "budget 0.5 min: 1234 training images/s measured here -> 3 epochs" in logs
    assert load_checkpoint(tmp_path / "checkpoint.pt")["config"]["epochs"] == 3
    resume = tmp_path / "checkpoint.pt"
    done = train(cfg, out_dir=tmp_path, resume=resume, log=lambda *a: None, **kwargs)
    assert calls == [0.5]  # not measured again
    assert [h["epoch"] for h in done] == [1, 2, 3]


def test_budget_measurement_leaves_the_run_untouched():
    module = importlib.import_module("vit_tutorial.train")
    from vit_tutorial.performance import with_cls_shortcut

    train_data, val_data, _ = synthetic_splits()
    model = ViT(TINY.model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    batches = module._epoch_batches(TINY, train_data, torch.device("cpu"), 1, 0)
    kwargs = dict(n_train=len(train_data), val_data=val_data, n_test=0, lr=1e-3)
    kwargs |= dict(device=torch.device("cpu"), bf16=False, world=1)
    net = with_cls_shortcut(model)
    short, rate = module._epochs_for_budget(1e-6, net, batches, **kwargs)
    long, _ = module._epochs_for_budget(1e4, net, batches, **kwargs)
    assert short == 1 and long > 100 and rate > 0
    assert torch.equal(torch.get_rng_state(), rng)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_cli_minutes_errors(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--minutes", "5", "--epochs", "2"])
    assert "give --epochs or --minutes, not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--minutes", "0"])
    assert "--minutes must be positive, got 0.0" in capsys.readouterr().err


def test_crop_flip_per_image_matches_slicing():
    "The batched crop and flip equals cropping (and mirroring) each padded image alone."
    from vit_tutorial.data import _crop_flip

    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=g)
    top = torch.tensor([0, 8, 4, 3, 8, 0])
    left = torch.tensor([0, 8, 4, 7, 0, 5])
    flip = torch.tensor([False, True, False, True, True, False])
    out = _crop_flip(images, top, left, flip)
    padded = torch.nn.functional.pad(images, (4, 4, 4, 4))
    assert out.shape == (6, 3, 32, 32) and out.dtype == torch.uint8
    for b in range(6):
        t, lft = int(top[b]), int(left[b])
        crop = padded[b, :, t : t + 32, lft : lft + 32]
        torch.testing.assert_close(
            out[b], crop.flip(-1) if flip[b] else crop, rtol=0, atol=0
        )


def test_device_batches_per_image_randomness_and_repeatability():
    from vit_tutorial.data import Augmented, DeviceBatches

    one = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8)
    same = CIFAR10Tensors(one.repeat(64, 1, 1, 1), torch.zeros(64).long(), "")
    torch.manual_seed(0)
    images, _ = next(iter(DeviceBatches(same, 64, "cpu")))
    assert not torch.equal(images[0], images[1]) or not torch.equal(
        images[1], images[2]
    )
    assert (
        len({bytes(im.flatten().numpy()) for im in images}) > 20
    )  # per image, not per batch
    data = synthetic_splits(n=200)[0]
    batches = []
    for _ in range(2):
        torch.manual_seed(3)
        batches.append([(x, y) for x, y in DeviceBatches(data, 48, "cpu")])
    assert len(batches[0]) == 5 and [len(y) for _, y in batches[0]] == [48] * 4 + [8]
    for (x, y), (x2, y2) in zip(*batches, strict=True):
        assert torch.equal(x, x2) and torch.equal(y, y2)
    # without augmentation: exactly the DataLoader's batches for the same generator state
    torch.manual_seed(4)
    plain = list(DeviceBatches(data, 48, "cpu", augment="none"))
    torch.manual_seed(4)
    loader = torch.utils.data.DataLoader(Augmented(data), batch_size=48, shuffle=True)
    for (x, y), (x2, y2) in zip(plain, loader, strict=True):
        assert torch.equal(x, x2) and torch.equal(y, y2)
    with pytest.raises(
        ValueError,
        match="on the device, augment must be 'none' or 'basic', got 'trivial'",
    ):
        DeviceBatches(data, 48, "cpu", augment="trivial")


def test_training_with_the_data_on_the_device(tmp_path):
    "The on-device path trains, and a resumed run still ends where an uninterrupted one does."
    cfg = replace(TINY, data_on_device=True)
    data = synthetic_splits()
    quiet = dict(data=data, progress=False, log=lambda *a: None)
    full = train(cfg, out_dir=tmp_path / "a", **quiet)
    train(cfg, out_dir=tmp_path / "b", stop_after=1, **quiet)
    resumed = train(
        cfg, out_dir=tmp_path / "b", resume=tmp_path / "b" / "checkpoint.pt", **quiet
    )
    assert (
        math.isfinite(full[-1]["train_loss"])
        and resumed[-1]["train_loss"] == full[-1]["train_loss"]
    )
    a, b = (load_checkpoint(tmp_path / d / "checkpoint.pt")["model"] for d in "ab")
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)
    with pytest.raises(
        ValueError, match="on the device, augment must be 'none' or 'basic'"
    ):
        train(replace(cfg, augment="trivial"), **quiet)


def test_budget_with_fewer_batches_than_the_warm_up():
    "Two batches in all: the measurement times them instead of dividing by zero."
    module = importlib.import_module("vit_tutorial.train")
    from vit_tutorial.performance import with_cls_shortcut

    train_data, val_data, _ = synthetic_splits(n=64)
    batches = module._epoch_batches(TINY, train_data, torch.device("cpu"), 1, 0)
    kwargs = dict(n_train=64, val_data=val_data, n_test=0, lr=1e-3)
    kwargs |= dict(device=torch.device("cpu"), bf16=False, world=1)
    net = with_cls_shortcut(ViT(TINY.model))
    epochs, rate = module._epochs_for_budget(1.0, net, batches, **kwargs)
    assert epochs >= 1 and rate > 0


def test_default_data_path_keeps_trivial_augment_on_the_dataloader(monkeypatch):
    "On CUDA by default the data goes to the device only for augmentations done there."
    module = importlib.import_module("vit_tutorial.train")
    from vit_tutorial.data import DeviceBatches

    data = synthetic_splits(n=64)[0]
    cuda = torch.device("cuda")
    monkeypatch.setattr(module, "DeviceBatches", lambda *a, **k: "on the device")
    for augment, on_device in (("basic", True), ("none", True), ("trivial", False)):
        batches = module._epoch_batches(
            replace(TINY, augment=augment), data, cuda, 1, 0
        )(0)
        assert (batches == "on the device") == on_device, augment
    assert DeviceBatches  # the real class is untouched
