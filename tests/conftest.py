import pytest
import torch

from vit_tutorial.data import default_data_root


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def cifar_available() -> bool:
    root = default_data_root()
    return (root / "cifar-10-batches-py" / "batches.meta").exists() or (root / "cifar10-jpeg" / "test").is_dir()
