import pytest
import torch

from conftest import cifar_available
from vit_tutorial.data import CIFAR10_CLASSES, load_cifar10, show_images


def test_missing_dataset_offline_names_both_ways(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_cifar10(train=False, root=tmp_path, download=False)
    msg = str(err.value)
    assert "torchvision.datasets.CIFAR10" in msg and "download=True" in msg
    assert "cifar10-jpeg/test/<class>/*.jpg" in msg


def test_download_failure_is_a_clear_error(tmp_path, monkeypatch):
    # Simulate "no network": torchvision's downloader raises; the user sees one FileNotFoundError.
    import torchvision.datasets

    def offline(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline)
    with pytest.raises(FileNotFoundError, match="was not found under"):
        load_cifar10(train=True, root=tmp_path, download=True)


def test_jpeg_folder_with_wrong_classes(tmp_path):
    (tmp_path / "cifar10-jpeg" / "test" / "cats").mkdir(parents=True)
    with pytest.raises(ValueError, match="should hold the 10 CIFAR-10 class folders"):
        load_cifar10(train=False, root=tmp_path, download=False)


def test_incomplete_copy_is_reported(tmp_path):
    from torchvision.io import encode_jpeg

    for name in CIFAR10_CLASSES:
        d = tmp_path / "cifar10-jpeg" / "test" / name
        d.mkdir(parents=True)
        (d / "0000.jpg").write_bytes(
            encode_jpeg(torch.zeros(3, 32, 32, dtype=torch.uint8)).numpy().tobytes()
        )
    with pytest.raises(ValueError, match="should have 10000 images, found 10"):
        load_cifar10(train=False, root=tmp_path, download=False)


@pytest.mark.skipif(
    not cifar_available(), reason="CIFAR-10 is not in data/ (CI unpacks it there)"
)
def test_real_test_split():
    ds = load_cifar10(train=False, download=False)
    assert ds.images.shape == (10_000, 3, 32, 32) and ds.images.dtype == torch.uint8
    assert torch.bincount(ds.labels).tolist() == [1000] * 10
    assert "CIFAR-10" in ds.source
    image, label = ds[0]
    assert image.shape == (3, 32, 32) and isinstance(label, int)


def test_show_images_checks_shape():
    with pytest.raises(ValueError, match=r"expects a batch \(B, C, H, W\)"):
        show_images(torch.zeros(3, 32, 32))
    import matplotlib

    matplotlib.use("Agg")
    fig = show_images(
        torch.zeros(3, 3, 8, 8, dtype=torch.uint8),
        labels=[0, 1, 2],
        highlight=[True, False, False],
    )
    assert len(fig.axes) == 3


def _image_folder(root, sizes, per_class=4, seed=0):
    from torchvision.io import write_png

    g = torch.Generator().manual_seed(seed)
    for name, (h, w) in sizes.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            write_png(
                torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g),
                str(root / name / f"{i}.png"),
            )
    return root


def test_load_image_folder_resizes_splits_and_normalises(tmp_path):
    from vit_tutorial.data import load_image_folder

    root = _image_folder(
        tmp_path / "f", {"a": (40, 60), "b": (64, 64), "c": (90, 30)}, per_class=10
    )
    data = load_image_folder(root, (24, 32), val_fraction=0.2, seed=1)
    assert data.classes == ["a", "b", "c"]
    assert (
        data.train.images.shape == (24, 3, 24, 32)
        and data.train.images.dtype == torch.uint8
    )
    assert data.val.images.shape == (6, 3, 24, 32) and sorted(
        data.val.labels.tolist()
    ) == [0, 0, 1, 1, 2, 2]
    pixels = (
        data.train.images.float() / 255
    )  # the statistics of the training images alone
    torch.testing.assert_close(torch.tensor(data.mean), pixels.mean(dim=(0, 2, 3)))
    torch.testing.assert_close(torch.tensor(data.std), pixels.std(dim=(0, 2, 3)))
    again = load_image_folder(root, (24, 32), val_fraction=0.2, seed=1)
    assert torch.equal(again.val.images, data.val.images)  # seeded
    # a folder with its own split: train/ and val/
    split = tmp_path / "s"
    _image_folder(split / "train", {"a": (32, 32), "b": (32, 32)}, per_class=3)
    _image_folder(split / "val", {"a": (32, 32), "b": (32, 32)}, per_class=2, seed=1)
    own = load_image_folder(split, 16)
    assert (
        len(own.train.labels) == 6
        and len(own.val.labels) == 4
        and own.classes == ["a", "b"]
    )


def test_load_image_folder_errors(tmp_path):
    from vit_tutorial.data import load_image_folder

    with pytest.raises(FileNotFoundError, match="no image folder at .*nowhere"):
        load_image_folder(tmp_path / "nowhere", 32)
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        ValueError,
        match=r"should hold one subfolder per class, at least two; found 0 \(none\)",
    ):
        load_image_folder(tmp_path / "empty", 32)
    one = _image_folder(tmp_path / "one", {"only": (32, 32)})
    with pytest.raises(ValueError, match=r"at least two; found 1 \(only\)"):
        load_image_folder(one, 32)
    root = _image_folder(tmp_path / "r", {"a": (32, 32), "b": (40, 20)})
    (root / "c").mkdir()
    with pytest.raises(ValueError, match=r"class folder .*r/c holds no images"):
        load_image_folder(root, 32)
    (root / "c" / "x.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match=r"cannot decode image .*r/c/x.png"):
        load_image_folder(root, 32)
    with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\), got 1.5"):
        load_image_folder(root, 32, val_fraction=1.5)
