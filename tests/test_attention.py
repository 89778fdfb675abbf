import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from conftest import DEVICES
from vit_tutorial import MultiHeadSelfAttention, scaled_dot_product_attention

CASES = [(2, 65, 192, 3), (3, 1, 64, 4), (1, 17, 768, 12), (4, 31, 48, 6), (2, 7, 8, 1)]


def to_torch(ours):
    ref = nn.MultiheadAttention(ours.dim, ours.heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(ours.qkv.weight)
        ref.in_proj_bias.copy_(ours.qkv.bias)
        ref.out_proj.weight.copy_(ours.proj.weight)
        ref.out_proj.bias.copy_(ours.proj.bias)
    return ref.eval()


@pytest.mark.parametrize("b,n,d", [(2, 17, 16), (1, 1, 8), (3, 9, 64)])
def test_teaching_function_matches_sdpa(b, n, d):
    q, k, v = torch.randn(3, b, 2, n, d)
    out, w = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(
        out, F.scaled_dot_product_attention(q, k, v), rtol=1e-5, atol=1e-6
    )
    assert w.shape == (b, 2, n, n)
    manual = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)
    torch.testing.assert_close(w, manual)


@pytest.mark.parametrize("b,n,dim,heads", CASES)
def test_equivalence_with_multihead_attention_and_sdpa(b, n, dim, heads):
    ours = MultiHeadSelfAttention(dim, heads).eval()
    with torch.no_grad():
        for p in ours.parameters():
            p.normal_(0, 0.2)
    ref = to_torch(ours)
    x = torch.randn(b, n, dim)
    expected, expected_w = ref(x, x, x, need_weights=True, average_attn_weights=False)
    out, w = ours(x, return_attention=True)
    assert out.shape == (b, n, dim) and w.shape == (b, heads, n, n)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(w, expected_w, rtol=1e-5, atol=1e-6)
    ours.fused = True
    torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_fused_and_explicit_gradients_agree(device):
    torch.manual_seed(1)
    a = MultiHeadSelfAttention(48, 6).to(device)
    b = MultiHeadSelfAttention(48, 6, fused=True).to(device)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 13, 48, device=device)
    a(x).pow(2).sum().backward()
    b(x).pow(2).sum().backward()
    for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(pa.grad, pb.grad, rtol=1e-4, atol=1e-5, msg=name)


def test_rows_sum_to_one_and_positive():
    _, w = MultiHeadSelfAttention(64, 4)(torch.randn(3, 10, 64), return_attention=True)
    torch.testing.assert_close(w.sum(-1), torch.ones(3, 4, 10))
    assert (w > 0).all()


def test_permutation_equivariance():
    layer = MultiHeadSelfAttention(32, 4).eval()
    x = torch.randn(2, 11, 32)
    perm = torch.randperm(11)
    torch.testing.assert_close(
        layer(x[:, perm]), layer(x)[:, perm], rtol=1e-5, atol=1e-5
    )


def test_gradients_reach_every_parameter():
    layer = MultiHeadSelfAttention(32, 4)
    layer(torch.randn(2, 5, 32)).sum().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_scaling_uses_head_dim_not_dim():
    # A layer scaled by sqrt(dim) would not match nn.MultiheadAttention; ours does (checked above).
    q, k, v = torch.randn(3, 1, 12, 9, 64)
    wrong = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(768), -1) @ v
    assert not torch.allclose(
        scaled_dot_product_attention(q, k, v)[0], wrong, atol=1e-2
    )


def test_attention_dropout_only_in_training():
    layer = MultiHeadSelfAttention(32, 4, attn_dropout=0.5)
    x = torch.randn(2, 9, 32)
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))
    layer.train()
    assert not torch.allclose(layer(x), layer(x))


def test_dim_not_divisible_by_heads():
    with pytest.raises(ValueError, match=r"dim=192 is not divisible by heads=5"):
        MultiHeadSelfAttention(192, 5)
    with pytest.raises(
        ValueError, match=r"dim and heads must be positive, got dim=64, heads=0"
    ):
        MultiHeadSelfAttention(64, 0)
    with pytest.raises(ValueError, match=r"attn_dropout must be in \[0, 1\), got 1.0"):
        MultiHeadSelfAttention(64, 4, attn_dropout=1.0)
    with pytest.raises(
        ValueError, match=r"expects \(B, N, 64\), got shape \(2, 5, 32\)"
    ):
        MultiHeadSelfAttention(64, 4)(torch.zeros(2, 5, 32))


@pytest.mark.parametrize("device", DEVICES)
def test_fast_path_matches_teaching_path_under_bf16_autocast(device):
    "The fused path, run the way training runs it (bf16 autocast), agrees with the teaching path to bf16 precision."
    from vit_tutorial import ViT

    torch.manual_seed(2)
    teach = ViT(
        image_size=16, patch_size=4, num_classes=5, dim=48, depth=2, heads=3, mlp_dim=96
    )
    torch.nn.init.normal_(teach.head.weight, std=0.02)
    fast = ViT(
        image_size=16,
        patch_size=4,
        num_classes=5,
        dim=48,
        depth=2,
        heads=3,
        mlp_dim=96,
        fused=True,
    )
    fast.load_state_dict(teach.state_dict())
    teach, fast = teach.to(device), fast.to(device)
    x = torch.randn(4, 3, 16, 16, device=device)
    ref = teach(x)  # float32 teaching path
    ref.square().sum().backward()
    with torch.autocast(device, dtype=torch.bfloat16):
        out = fast(x).float()
    out.square().sum().backward()
    torch.testing.assert_close(out, ref, rtol=0.05, atol=0.02)
    for (name, a), b in zip(teach.named_parameters(), fast.parameters()):
        torch.testing.assert_close(b.grad, a.grad, rtol=0.1, atol=2e-2, msg=name)


@pytest.mark.parametrize("dim,heads", [(192, 3), (48, 6), (8, 1)])
def test_layer_is_the_multihead_equation(dim, heads):
    "MultiHead(X) = Concat(head_1, ..., head_h) W_O, head_i = Attention(X W_Q^i, X W_K^i, X W_V^i)."
    torch.manual_seed(3)
    layer = MultiHeadSelfAttention(dim, heads).eval()
    x = torch.randn(2, 9, dim)
    d = dim // heads
    W, b = layer.qkv.weight.T, layer.qkv.bias
    heads_out = []
    for i in range(heads):
        Q, K, V = (
            x @ W[:, p * dim + i * d : p * dim + (i + 1) * d]
            + b[p * dim + i * d : p * dim + (i + 1) * d]
            for p in range(3)
        )
        heads_out.append(torch.softmax(Q @ K.transpose(-2, -1) / math.sqrt(d), -1) @ V)
    expected = torch.cat(heads_out, -1) @ layer.proj.weight.T + layer.proj.bias
    torch.testing.assert_close(layer(x), expected)


def test_qkv_split_and_merge_layout():
    "The 3D features are read as (three, heads, head_dim); the merge puts the heads side by side."
    from einops import rearrange

    B, N, h, d = 2, 4, 3, 2
    D = h * d
    features = torch.arange(3 * D).expand(B, N, 3 * D)
    q, k, v = rearrange(features, "b n (three h d) -> three b h n d", three=3, h=h)
    assert q.shape == k.shape == v.shape == (B, h, N, d)
    for i in range(h):
        head = torch.arange(i * d, (i + 1) * d)
        assert (
            (q[:, i] == head).all()
            and (k[:, i] == D + head).all()
            and (v[:, i] == 2 * D + head).all()
        )
    assert torch.equal(rearrange(q, "b h n d -> b n (h d)"), features[..., :D])


def test_floor_division_is_the_floor_of_the_scaled_score():
    q, k = torch.randn(1, 65, 64), torch.randn(1, 65, 64)
    scores = q @ k.transpose(-2, -1)
    torch.testing.assert_close(
        scores // math.sqrt(64), torch.floor(scores / 8), rtol=0, atol=0
    )
