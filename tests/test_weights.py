"save_weights / load_weights: one safetensors file that rebuilds the model; clear errors for bad files."

import json
from pathlib import Path

import pytest
import torch
import torchvision
from safetensors.torch import save_file

from vit_tutorial.data import CIFAR10_MEAN, CIFAR10_STD
from vit_tutorial.train import TrainConfig, train
from vit_tutorial.vit import ViT, ViTConfig
from vit_tutorial.weights import (
    from_torchvision,
    load_weights,
    read_metadata,
    save_weights,
)

ROOT = Path(__file__).resolve().parent.parent
SMALL = ViTConfig(
    image_size=32, patch_size=8, num_classes=10, dim=32, depth=1, heads=2, mlp_dim=64
)


def _logits(model, x):
    with torch.no_grad():
        return model.eval()(x)


def test_round_trip_of_a_trained_model(tmp_path):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 255, (64, 3, 32, 32), generator=g, dtype=torch.uint8)
    labels = torch.randint(0, 10, (64,), generator=g)
    from vit_tutorial.data import CIFAR10Tensors

    split = CIFAR10Tensors(images, labels, "synthetic")
    cfg = TrainConfig(name="t", model=SMALL, epochs=1, batch_size=32, bf16=False)
    train(
        cfg,
        out_dir=tmp_path,
        data=(split, split, split),
        progress=False,
        log=lambda *a: None,
    )
    path = tmp_path / "final.safetensors"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint.pt",
        "final.safetensors",
        "metrics.json",
    ]
    meta = read_metadata(path)
    assert meta["model"] == SMALL and meta["train_config"]["name"] == "t"
    assert meta["train_config"]["model"] == json.loads(json.dumps(SMALL.__dict__))
    assert meta["mean"] == pytest.approx(CIFAR10_MEAN) and meta["std"] == pytest.approx(
        CIFAR10_STD
    )
    model = load_weights(path)
    from vit_tutorial.weights import load_checkpoint

    trained = ViT(SMALL)
    trained.load_state_dict(load_checkpoint(tmp_path / "checkpoint.pt")["model"])
    assert any((p != 0).any() for p in trained.head.parameters())  # it did train
    x = torch.randn(4, 3, 32, 32)
    torch.testing.assert_close(_logits(model, x), _logits(trained, x), rtol=0, atol=0)


def test_round_trip_of_a_torchvision_model(tmp_path):
    tv = torchvision.models.VisionTransformer(32, 8, 2, 4, 64, 96, num_classes=7)
    with torch.no_grad():
        for p in tv.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    ours = from_torchvision(tv)
    path = save_weights(
        ours,
        tmp_path / "tv.safetensors",
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
    )
    back = load_weights(path)
    assert back.config == ours.config and read_metadata(path)["train_config"] is None
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(_logits(back, x), _logits(ours, x), rtol=0, atol=0)
    torch.testing.assert_close(_logits(back, x), _logits(tv, x), rtol=1e-4, atol=1e-5)


def test_bad_weights_files(tmp_path):
    path = save_weights(ViT(SMALL), tmp_path / "w.safetensors")
    with pytest.raises(
        FileNotFoundError, match="no weights file at .*nowhere.safetensors"
    ):
        load_weights(tmp_path / "nowhere.safetensors")
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="cut.safetensors is truncated or corrupt"):
        load_weights(cut)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))
    with pytest.raises(
        ValueError, match="not one written by vit_tutorial.weights.save_weights"
    ):
        load_weights(foreign)
    # a header that says one model, tensors of another
    wrong = tmp_path / "wrong.safetensors"
    meta = {
        "format": "vit_tutorial.weights/1",
        "model": json.dumps(ViTConfig(dim=64, heads=2).__dict__),
        "mean": "[0, 0, 0]",
        "std": "[1, 1, 1]",
        "train_config": "null",
    }
    save_file(
        {
            k: v.contiguous()
            for k, v in ViT(ViTConfig(dim=32, heads=2)).state_dict().items()
        },
        str(wrong),
        metadata=meta,
    )
    with pytest.raises(
        ValueError,
        match=r"wrong.safetensors: embedding.cls_token has shape \(1, 1, 32\), "
        r"the configuration needs \(1, 1, 64\)",
    ):
        load_weights(wrong)
    with pytest.raises(
        ValueError, match="weights files end in .safetensors, got 'w.pt'"
    ):
        save_weights(ViT(SMALL), tmp_path / "w.pt")
    with pytest.raises(ValueError, match="mean and std need 3 values each"):
        save_weights(ViT(SMALL), tmp_path / "x.safetensors", mean=(0.5,), std=(0.5,))


def test_book_weights_load_from_one_file():
    path = ROOT / "book" / "checkpoints" / "vit_cifar10_cpu.safetensors"
    assert not path.with_suffix(".json").exists()
    meta = read_metadata(path)
    model = load_weights(path)
    assert (
        model.config == meta["model"] and meta["train_config"]["name"] == "cifar10_cpu"
    )
    assert sum(p.numel() for p in model.parameters()) == 460_906


def test_damaged_metadata_is_a_clear_error(tmp_path):
    model = ViT(SMALL)
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    meta = {
        "format": "vit_tutorial.weights/1",
        "model": json.dumps({"dimm": 32}),
        "mean": "[0, 0, 0]",
        "std": "[1, 1, 1]",
        "train_config": "null",
    }
    path = tmp_path / "edited.safetensors"
    save_file(tensors, str(path), metadata=meta)
    with pytest.raises(
        ValueError, match=r"edited.safetensors: its metadata is not valid \(.*dimm"
    ):
        load_weights(path)
    save_file(tensors, str(path), metadata={**meta, "model": "{not json"})
    with pytest.raises(
        ValueError, match="edited.safetensors: its metadata is not valid"
    ):
        load_weights(path)


def test_normalisation_is_recorded_only_when_given(tmp_path):
    "A converted model does not inherit CIFAR-10's statistics by default."
    path = save_weights(ViT(SMALL), tmp_path / "n.safetensors")
    meta = read_metadata(path)
    assert meta["mean"] is None and meta["std"] is None
    path = save_weights(
        ViT(SMALL), tmp_path / "m.safetensors", mean=(0.5,) * 3, std=(0.25,) * 3
    )
    assert (
        read_metadata(path)["mean"] == [0.5] * 3
        and read_metadata(path)["std"] == [0.25] * 3
    )
