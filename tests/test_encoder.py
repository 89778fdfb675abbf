import pytest
import torch
from torch import nn

from vit_tutorial import MLP, Encoder, EncoderBlock


def test_mlp_structure_and_exact_gelu():
    mlp = MLP(16, 64, dropout=0.1).eval()
    assert isinstance(mlp.act, nn.GELU) and mlp.act.approximate == "none"
    x = torch.randn(2, 5, 16)
    expected = mlp.fc2(nn.functional.gelu(mlp.fc1(x)))
    torch.testing.assert_close(mlp(x), expected)
    assert sum(p.numel() for p in mlp.parameters()) == 2 * 16 * 64 + 64 + 16


def test_block_is_pre_norm_residual():
    block = EncoderBlock(32, 4, 64).eval()
    x = torch.randn(3, 9, 32)
    h = x + block.attn(block.norm1(x))
    torch.testing.assert_close(block(x), h + block.mlp(block.norm2(h)))
    out, w = block(x, return_attention=True)
    torch.testing.assert_close(out, block(x))
    assert w.shape == (3, 4, 9, 9)


def test_layernorm_eps_is_configurable():
    assert EncoderBlock(32, 4, 64).norm1.eps == 1e-6
    assert EncoderBlock(32, 4, 64, eps=1e-5).norm2.eps == 1e-5
    assert Encoder(32, 2, 4, 64, eps=1e-5).norm.eps == 1e-5


def test_encoder_stack_and_final_norm():
    enc = Encoder(32, 3, 4, 64).eval()
    assert len(enc.blocks) == 3
    x = torch.randn(2, 7, 32)
    h = x
    for b in enc.blocks:
        h = b(h)
    torch.testing.assert_close(enc(x), enc.norm(h))
    out, maps = enc(x, return_attention=True)
    assert len(maps) == 3 and all(m.shape == (2, 4, 7, 7) for m in maps)


def test_encoder_errors():
    with pytest.raises(
        ValueError, match="depth must be a positive number of blocks, got 0"
    ):
        Encoder(32, 0, 4, 64)
    with pytest.raises(
        ValueError, match="dim and mlp_dim must be positive, got dim=32, mlp_dim=0"
    ):
        MLP(32, 0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got -0.1"):
        MLP(32, 64, dropout=-0.1)
