import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from vit_tutorial.data import default_data_root


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# the fast paths are tested on every device present: the CPU always, CUDA where there is one (CI has none)
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def counted_flops(model, size: int) -> int:
    "FLOPs of one forward pass of a `(1, 3, size, size)` image, as `FlopCounterMode` counts them."
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(1, 3, size, size))
    return counter.get_total_flops()


def cifar_available() -> bool:
    root = default_data_root()
    return (root / "cifar-10-batches-py" / "batches.meta").exists() or (
        root / "cifar10-jpeg" / "test"
    ).is_dir()
