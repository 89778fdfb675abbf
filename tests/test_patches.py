import pytest
import torch

from vit_tutorial import num_patches, patchify, unpatchify


@pytest.mark.parametrize(
    "b,c,h,w,p",
    [
        (16, 3, 32, 32, 8),
        (2, 3, 32, 32, 4),
        (1, 3, 224, 224, 16),
        (3, 1, 12, 8, 4),
        (2, 2, 6, 6, 1),
    ],
)
def test_shapes_and_round_trip(b, c, h, w, p):
    x = torch.randn(b, c, h, w)
    patches = patchify(x, p)
    assert patches.shape == (b, (h // p) * (w // p), p * p * c)
    assert torch.equal(unpatchify(patches, p, h, w), x)


def test_num_patches_worked_examples():
    assert num_patches(32, 4) == 64
    assert num_patches(32, 8) == 16
    assert num_patches(224, 16) == 196
    assert num_patches((32, 16), 8) == 8


def test_ordering_on_hand_made_tensor():
    # value = c*16 + row*4 + col, so each entry names its own coordinates
    x = torch.arange(2 * 4 * 4).reshape(1, 2, 4, 4)
    patches = patchify(x, 2)
    assert patches.shape == (1, 4, 8)
    # (p1 p2 c): pixel by pixel, both channels of a pixel side by side; patches row-major
    assert patches[0, 0].tolist() == [0, 16, 1, 17, 4, 20, 5, 21]
    assert patches[0, 1].tolist() == [2, 18, 3, 19, 6, 22, 7, 23]
    assert patches[0, 2].tolist() == [8, 24, 9, 25, 12, 28, 13, 29]
    assert patches[0, 3].tolist() == [10, 26, 11, 27, 14, 30, 15, 31]


def test_patch_matches_manual_slice():
    x = torch.randn(2, 3, 32, 32)
    patches = patchify(x, 8)
    # patch (row 1, col 2) of a 4x4 grid is token 1*4 + 2 = 6
    manual = x[:, :, 8:16, 16:24].permute(0, 2, 3, 1).reshape(2, -1)
    torch.testing.assert_close(patches[:, 6], manual, rtol=0, atol=0)


def test_not_divisible_raises_clear_error():
    with pytest.raises(
        ValueError, match=r"image size 30x32 is not divisible by patch size 8"
    ):
        patchify(torch.zeros(1, 3, 30, 32), 8)
    with pytest.raises(
        ValueError, match=r"image size 32x20 is not divisible by patch size 8"
    ):
        patchify(torch.zeros(1, 3, 32, 20), 8)
    with pytest.raises(
        ValueError, match=r"image size 30x30 is not divisible by patch size 4"
    ):
        unpatchify(torch.zeros(1, 49, 48), 4, 30, 30)
    with pytest.raises(ValueError, match=r"expects a batch of images \(B, C, H, W\)"):
        patchify(torch.zeros(3, 32, 32), 8)
    with pytest.raises(
        ValueError, match=r"patch_size must be a positive integer, got 0"
    ):
        patchify(torch.zeros(1, 3, 32, 32), 0)


def test_unpatchify_rejects_wrong_token_count():
    with pytest.raises(
        ValueError,
        match=r"do not fit a 32x32 image with patch size 8: expected \(B, 16, 8\*8\*C\)",
    ):
        unpatchify(torch.zeros(1, 15, 192), 8, 32, 32)
