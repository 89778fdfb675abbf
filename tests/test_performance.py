"The [CLS]-only last block of Appendix C (`vit_tutorial.performance`)."

import pytest
import torch

from conftest import DEVICES, counted_flops
from vit_tutorial import (
    ClsShortcut,
    EncoderBlock,
    MultiHeadSelfAttention,
    ViT,
    cls_only_attention,
    cls_only_block,
    vit_cifar,
    vit_flops,
    with_cls_shortcut,
)
from vit_tutorial.vit import VIT_CONFIGS


@pytest.mark.parametrize("fused", [False, True])
def test_cls_only_attention_is_the_first_row(fused):
    torch.manual_seed(0)
    attn = MultiHeadSelfAttention(dim=32, heads=4, fused=fused).eval()
    x = torch.randn(3, 9, 32)
    with torch.no_grad():
        out = cls_only_attention(attn, x)
        assert out.shape == (3, 1, 32)
        torch.testing.assert_close(out, attn(x)[:, :1])


def test_cls_only_block_is_the_first_row():
    torch.manual_seed(0)
    block = EncoderBlock(dim=32, heads=4, mlp_dim=64).eval()
    x = torch.randn(3, 9, 32)
    with torch.no_grad():
        out = cls_only_block(block, x)
    assert out.shape == (3, 1, 32)
    torch.testing.assert_close(out, block(x)[:, :1])


@pytest.mark.parametrize("name", ["vit_cifar", "vit_base"])
def test_shortcut_flops_formula_matches_counter(name):
    model = ViT(VIT_CONFIGS[name]).eval()
    s = VIT_CONFIGS[name].image_size
    assert counted_flops(ClsShortcut(model), s) == vit_flops(
        VIT_CONFIGS[name], cls_shortcut=True
    )
    assert counted_flops(model, s) == vit_flops(VIT_CONFIGS[name])


def test_recipe_shortcut_flops():
    from vit_tutorial.train import get_recipe

    cfg = get_recipe("cifar10_cpu").model
    assert counted_flops(ClsShortcut(ViT(cfg).eval()), 32) == 60_338_304


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("fused", [False, True])
def test_cls_shortcut_same_logits_and_gradients(fused, device):
    torch.manual_seed(0)
    model = vit_cifar(depth=3, fused=fused)
    for p in (
        model.parameters()
    ):  # the head starts at zero: perturb so that gradients reach every block
        p.data.add_(torch.randn_like(p) * 0.02)
    model = model.to(device)
    x, y = torch.randn(6, 3, 32, 32).to(device), torch.randint(0, 10, (6,)).to(device)
    grads = []
    for forward in (ClsShortcut(model), model):
        model.zero_grad()
        logits = forward(x)
        assert logits.shape == (6, 10)
        torch.nn.functional.cross_entropy(logits, y).backward()
        grads.append(
            (logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters()})
        )
    torch.testing.assert_close(grads[0][0], grads[1][0])
    for name in grads[1][1]:
        torch.testing.assert_close(grads[0][1][name], grads[1][1][name], msg=name)


def test_shortcut_holds_no_parameters_of_its_own():
    model = vit_cifar(depth=2)
    fast = ClsShortcut(model)
    assert [id(p) for p in fast.parameters()] == [id(p) for p in model.parameters()]
    assert with_cls_shortcut(model).vit is model


def test_shortcut_checks_its_input():
    fast = ClsShortcut(vit_cifar(depth=2))
    with pytest.raises(
        ValueError,
        match=r"ViT was built for images of shape \(B, 3, 32, 32\), got \(2, 3, 28, 28\)",
    ):
        fast(torch.randn(2, 3, 28, 28))


def test_mean_pool_gets_no_shortcut():
    model = vit_cifar(depth=2, pool="mean")
    assert with_cls_shortcut(model) is model
    with pytest.raises(
        ValueError,
        match="the \\[CLS\\] shortcut needs a ViT with pool='cls', got pool='mean'",
    ):
        ClsShortcut(model)
    linear = torch.nn.Linear(3, 2)
    assert with_cls_shortcut(linear) is linear
