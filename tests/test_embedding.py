import math

import pytest
import torch
from einops import rearrange
from torch import nn

from vit_tutorial import (
    PatchEmbedding,
    ViTEmbedding,
    patchify,
    sincos_2d_position_embedding,
)


@pytest.mark.parametrize(
    "size,p,c,dim",
    [(32, 4, 3, 192), (32, 8, 3, 768), (224, 16, 3, 768), (12, 3, 1, 10)],
)
def test_patch_embedding_shapes_and_param_count(size, p, c, dim):
    layer = PatchEmbedding(size, p, c, dim)
    out = layer(torch.randn(2, c, size, size))
    n = (size // p) ** 2
    assert out.shape == (2, n, dim)
    assert layer.num_patches == n
    assert sum(t.numel() for t in layer.parameters()) == p * p * c * dim + dim


def test_vit_b16_patch_embedding_param_count():
    assert (
        sum(t.numel() for t in PatchEmbedding(224, 16, 3, 768).parameters()) == 590_592
    )


def test_patch_embedding_is_v_w_plus_b():
    layer = PatchEmbedding(32, 8, 3, 64)
    x = torch.randn(3, 3, 32, 32)
    expected = patchify(x, 8) @ layer.proj.weight.T + layer.proj.bias
    torch.testing.assert_close(layer(x), expected)


@pytest.mark.parametrize(
    "size,p,c,dim", [(32, 4, 3, 192), (32, 8, 3, 768), (16, 4, 2, 24)]
)
def test_linear_equals_conv2d(size, p, c, dim):
    layer = PatchEmbedding(size, p, c, dim)
    with torch.no_grad():
        layer.proj.bias.normal_()
    conv = nn.Conv2d(c, dim, kernel_size=p, stride=p)
    with torch.no_grad():
        conv.weight.copy_(
            rearrange(layer.proj.weight, "d (p1 p2 c) -> d c p1 p2", p1=p, p2=p, c=c)
        )
        conv.bias.copy_(layer.proj.bias)
    x = torch.randn(2, c, size, size)
    torch.testing.assert_close(
        rearrange(conv(x), "b d h w -> b (h w) d"), layer(x), rtol=1e-5, atol=1e-5
    )
    # and the check can fail: the wrong permutation gives different numbers
    with torch.no_grad():
        conv.weight.copy_(
            rearrange(layer.proj.weight, "d (c p1 p2) -> d c p1 p2", p1=p, p2=p, c=c)
        )
    assert not torch.allclose(
        rearrange(conv(x), "b d h w -> b (h w) d"), layer(x), atol=1e-3
    )


def test_patch_embedding_init():
    layer = PatchEmbedding(224, 16, 3, 768)
    assert torch.count_nonzero(layer.proj.bias) == 0
    assert abs(layer.proj.weight.std().item() - math.sqrt(1 / 768)) < 2e-3


def test_patch_embedding_errors():
    with pytest.raises(
        ValueError, match="image size 30x30 is not divisible by patch size 8"
    ):
        PatchEmbedding(30, 8)
    with pytest.raises(ValueError, match="dim must be a positive integer, got 0"):
        PatchEmbedding(32, 8, 3, 0)
    layer = PatchEmbedding(32, 8, 3, 16)
    with pytest.raises(
        ValueError, match=r"expects images \(B, 3, 32, 32\), got shape \(2, 1, 32, 32\)"
    ):
        layer(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match="built for 32x32 images, got 64x64"):
        layer(torch.zeros(2, 3, 64, 64))


def test_sincos_deterministic_shape_distinct():
    pe = sincos_2d_position_embedding(8, 8, 192)
    assert pe.shape == (64, 192)
    torch.testing.assert_close(
        pe, sincos_2d_position_embedding(8, 8, 192), rtol=0, atol=0
    )
    assert torch.unique(pe, dim=0).shape[0] == 64
    d = torch.cdist(pe, pe) + torch.eye(64) * 1e9
    assert d.min() > 0.1
    # position (row 0, col 0) is sin(0)=0 / cos(0)=1 in every frequency
    assert pe[0, :48].abs().max() == 0 and torch.all(pe[0, 48:96] == 1)
    # rectangular grids too: row-major order, x (column) first
    pe2 = sincos_2d_position_embedding(2, 3, 8)
    assert pe2.shape == (6, 8)
    torch.testing.assert_close(
        pe2[1, :2], torch.tensor([math.sin(1.0), math.sin(1 / 100)])
    )


def test_sincos_needs_dim_divisible_by_4():
    message = r"divisible by 4 \(sin and cos for x and y\), got dim="
    with pytest.raises(ValueError, match=message + "30"):
        sincos_2d_position_embedding(8, 8, 30)
    with pytest.raises(ValueError, match=message + "190"):
        ViTEmbedding(32, 4, 3, 190, pos_embedding="sincos")
    # one message for one condition, wherever it is checked
    messages = []
    for build in (
        lambda: sincos_2d_position_embedding(8, 8, 30),
        lambda: ViTEmbedding(32, 4, 3, 30, pos_embedding="sincos"),
        lambda: ViTEmbedding(32, 4, 3, 30, pos_embedding="learned_sincos"),
    ):
        with pytest.raises(ValueError) as err:
            build()
        messages.append(str(err.value))
    assert messages == [messages[0]] * 3
    assert (
        messages[0]
        == "sin-cos position embeddings need dim divisible by 4 (sin and cos for x and y), got dim=30"
    )


@pytest.mark.parametrize("size,p,dim", [(32, 8, 768), (32, 4, 192), (224, 16, 768)])
def test_vit_embedding_shapes(size, p, dim):
    n = (size // p) ** 2
    emb = ViTEmbedding(size, p, 3, dim)
    assert emb.cls_token.shape == (1, 1, dim) and emb.pos_embedding.shape == (
        1,
        n + 1,
        dim,
    )
    assert emb(torch.randn(2, 3, size, size)).shape == (2, n + 1, dim)
    mean = ViTEmbedding(size, p, 3, dim, pool="mean")
    assert mean.cls_token is None and mean(torch.randn(2, 3, size, size)).shape == (
        2,
        n,
        dim,
    )


def test_vit_embedding_cls_is_first_and_positions_added():
    emb = ViTEmbedding(16, 4, 3, 8).eval()
    with torch.no_grad():
        emb.cls_token.fill_(1.0)
    x = torch.randn(2, 3, 16, 16)
    out = emb(x)
    torch.testing.assert_close(out[:, 0], (1.0 + emb.pos_embedding[0, 0]).expand(2, 8))
    torch.testing.assert_close(
        out[:, 1:], emb.patch_embedding(x) + emb.pos_embedding[:, 1:]
    )


def test_vit_embedding_sincos_is_fixed_buffer():
    emb = ViTEmbedding(32, 4, 3, 192, pos_embedding="sincos")
    assert "pos_embedding" not in dict(emb.named_parameters())
    torch.testing.assert_close(
        emb.pos_embedding[0, 1:], sincos_2d_position_embedding(8, 8, 192)
    )
    assert torch.all(emb.pos_embedding[0, 0] == 0)


def test_vit_embedding_errors():
    with pytest.raises(ValueError, match="pool must be 'cls' or 'mean', got 'max'"):
        ViTEmbedding(pool="max")
    with pytest.raises(
        ValueError,
        match="pos_embedding must be 'learned', 'sincos' or 'learned_sincos', got 'rope'",
    ):
        ViTEmbedding(pos_embedding="rope")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.5"):
        ViTEmbedding(dropout=1.5)


def test_learned_pos_init_std():
    emb = ViTEmbedding(224, 16, 3, 768)
    assert abs(emb.pos_embedding.std().item() - 0.02) < 1e-3
    assert torch.count_nonzero(emb.cls_token) == 0


def test_learned_sincos_starts_at_the_fixed_values_and_is_trained():
    fixed = ViTEmbedding(32, 4, 3, 128, pos_embedding="sincos")
    learned = ViTEmbedding(32, 4, 3, 128, pos_embedding="learned_sincos")
    assert isinstance(
        learned.pos_embedding, torch.nn.Parameter
    ) and learned.pos_embedding.shape == (1, 65, 128)
    assert "pos_embedding" not in dict(fixed.named_parameters())
    torch.testing.assert_close(
        learned.pos_embedding.detach(), fixed.pos_embedding, rtol=0, atol=0
    )
    torch.testing.assert_close(
        learned.pos_embedding[0, 1:].detach(), sincos_2d_position_embedding(8, 8, 128)
    )
    assert (
        torch.count_nonzero(learned.pos_embedding[0, 0]) == 0
    )  # [CLS]: no place on the grid
    with pytest.raises(ValueError, match="divisible by 4"):
        ViTEmbedding(32, 4, 3, 130, pos_embedding="learned_sincos")
