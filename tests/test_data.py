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
