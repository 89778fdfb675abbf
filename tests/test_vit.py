from functools import partial

import pytest
import torch
import torchvision
from torch import nn

from conftest import counted_flops
import dataclasses
from dataclasses import replace

from vit_tutorial import (
    VIT_CONFIGS,
    ViT,
    ViTConfig,
    from_torchvision,
    to_torchvision,
    vit_base,
    vit_cifar,
    vit_flops,
    vit_small,
    vit_tiny,
)


def count(m):
    return sum(p.numel() for p in m.parameters())


def randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return module


def test_vit_b16_parameter_count_matches_torchvision():
    assert count(vit_base()) == 86_567_656 == count(torchvision.models.vit_b_16())


@pytest.mark.parametrize(
    "fn,expected",
    [(vit_cifar, 1_806_538), (vit_tiny, 5_717_416), (vit_small, 22_050_664)],
)
def test_named_config_parameter_counts(fn, expected):
    assert count(fn()) == expected


def test_parity_vit_b16_both_ways():
    tv = randomize(torchvision.models.vit_b_16()).eval()
    ours = from_torchvision(tv).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), tv(x), rtol=1e-4, atol=1e-4)
        back = to_torchvision(ours).eval()
        torch.testing.assert_close(back(x), tv(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "cfg",
    [
        dict(
            image_size=32,
            patch_size=8,
            num_layers=3,
            num_heads=4,
            hidden_dim=64,
            mlp_dim=96,
            num_classes=7,
        ),
        dict(
            image_size=16,
            patch_size=4,
            num_layers=1,
            num_heads=1,
            hidden_dim=8,
            mlp_dim=8,
            num_classes=3,
        ),
    ],
)
def test_parity_small_custom_configs(cfg):
    tv = randomize(
        torchvision.models.VisionTransformer(
            **cfg, norm_layer=partial(nn.LayerNorm, eps=1e-6)
        )
    ).eval()
    ours = from_torchvision(tv).eval()
    assert (
        ours.config.depth == cfg["num_layers"] and ours.config.heads == cfg["num_heads"]
    )
    x = torch.randn(3, 3, cfg["image_size"], cfg["image_size"])
    with torch.no_grad():
        torch.testing.assert_close(ours(x), tv(x), rtol=1e-4, atol=1e-5)
        mine = randomize(ViT(ours.config))
        torch.testing.assert_close(
            to_torchvision(mine).eval()(x), mine.eval()(x), rtol=1e-4, atol=1e-5
        )


def test_parity_detects_a_wrong_mapping():
    tv = randomize(
        torchvision.models.VisionTransformer(32, 8, 2, 4, 64, 96, num_classes=5)
    ).eval()
    ours = from_torchvision(tv).eval()
    with torch.no_grad():  # swap two blocks' MLPs: logits must change
        ours.encoder.blocks[0].mlp.fc1.weight.copy_(tv.encoder.layers[1].mlp[0].weight)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(ours(x), tv(x), atol=1e-3)


@pytest.mark.parametrize(
    "cfg,b,t",
    [
        (VIT_CONFIGS["vit_cifar"], 4, 65),
        (replace(VIT_CONFIGS["vit_cifar"], pool="mean", pos_embedding="sincos"), 2, 64),
        (
            ViTConfig(
                image_size=48,
                patch_size=16,
                num_classes=3,
                dim=32,
                depth=2,
                heads=2,
                mlp_dim=64,
                in_channels=1,
            ),
            5,
            10,
        ),
    ],
)
def test_shapes(cfg, b, t):
    model = ViT(cfg)
    logits, maps = model(
        torch.randn(b, cfg.in_channels, cfg.image_size, cfg.image_size),
        return_attention=True,
    )
    assert logits.shape == (b, cfg.num_classes)
    assert len(maps) == cfg.depth and maps[0].shape == (b, cfg.heads, t, t)


def test_mean_pool_is_carried_through():
    model = vit_cifar(pool="mean").eval()
    assert model.embedding.cls_token is None
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        tokens = model.encoder(model.embedding(x))
        torch.testing.assert_close(model(x), model.head(tokens.mean(1)))


def test_untrained_model_predicts_uniform():
    logits = vit_cifar()(torch.randn(3, 3, 32, 32))
    torch.testing.assert_close(logits, torch.zeros(3, 10))


@pytest.mark.parametrize("name", ["vit_cifar", "vit_base"])
def test_flops_formula_matches_counter(name):
    model = {"vit_cifar": vit_cifar, "vit_base": vit_base}[name]().eval()
    s = VIT_CONFIGS[name].image_size
    assert counted_flops(model, s) == vit_flops(VIT_CONFIGS[name])
    if name == "vit_base":
        assert vit_flops(VIT_CONFIGS[name]) == 35_127_656_448
    if name == "vit_cifar":  # the last of 6 blocks shrinks to about a quarter
        assert vit_flops(VIT_CONFIGS[name]) == 250_683_648
        assert vit_flops(VIT_CONFIGS[name], cls_shortcut=True) == 223_895_808


def test_mean_pool_has_no_shortcut():
    assert vit_flops(
        replace(VIT_CONFIGS["vit_cifar"], pool="mean"), cls_shortcut=True
    ) == vit_flops(replace(VIT_CONFIGS["vit_cifar"], pool="mean"))
    model = vit_cifar(pool="mean").eval()
    assert counted_flops(model, 32) == vit_flops(
        replace(VIT_CONFIGS["vit_cifar"], pool="mean")
    )


def test_constructor_errors_before_any_layer(monkeypatch):
    built = []
    monkeypatch.setattr(
        nn.Module,
        "__init__",
        lambda self, *a, **k: built.append(self) or None,
        raising=True,
    )
    with pytest.raises(ValueError, match="dim=192 is not divisible by heads=5"):
        ViT(dim=192, heads=5)
    assert built == []


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (
            dict(image_size=32, patch_size=5),
            "image_size=32 is not divisible by patch_size=5",
        ),
        (dict(pool="max"), "pool must be 'cls' or 'mean', got 'max'"),
        (dict(depth=0), "depth must be a positive integer, got 0"),
        (
            dict(pos_embedding="sincos", dim=190, heads=5),
            r"sin-cos position embeddings need dim divisible by 4 \(sin and cos for x and y\), got dim=190",
        ),
        (dict(attn_dropout=1.0), r"attn_dropout must be in \[0, 1\), got 1.0"),
    ],
)
def test_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ViT(**kwargs)


def test_forward_errors():
    model = vit_cifar()
    with pytest.raises(
        ValueError,
        match=r"built for images of shape \(B, 3, 32, 32\), got \(2, 3, 64, 64\)",
    ):
        model(torch.zeros(2, 3, 64, 64))
    with pytest.raises(ValueError, match=r"got \(3, 32, 32\)"):
        model(torch.zeros(3, 32, 32))


def test_to_torchvision_rejects_what_it_cannot_express():
    with pytest.raises(ValueError, match="only pool='cls'"):
        to_torchvision(vit_cifar(pool="mean"))


def test_from_torchvision_rejects_representation_layer():
    tv = torchvision.models.VisionTransformer(
        32, 8, 1, 2, 16, 32, num_classes=3, representation_size=8
    )
    with pytest.raises(ValueError, match="representation layer"):
        from_torchvision(tv)


def test_torch_compile_runs_one_forward_on_cpu():
    model = ViT(
        image_size=16, patch_size=4, num_classes=3, dim=32, depth=1, heads=2, mlp_dim=64
    ).eval()
    x = torch.randn(2, 3, 16, 16)
    compiled = torch.compile(model)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-5)


def test_recipe_model_counts():
    "Chapter 6 counts Chapter 7's tuned model (`cifar10_cpu`) next to the named sizes."
    from vit_tutorial.train import get_recipe

    cfg = get_recipe("cifar10_cpu").model
    model = ViT(cfg).eval()
    assert count(model) == 460_906
    assert vit_flops(cfg) == 67_833_984
    assert vit_flops(cfg, cls_shortcut=True) == 60_338_304
    assert counted_flops(model, 32) == vit_flops(cfg)


def test_initialisation_scheme():
    "What Chapter 6 says the book's ViT starts with."
    torch.manual_seed(0)
    model = vit_cifar()
    linears = [m for m in model.encoder.modules() if isinstance(m, nn.Linear)]
    w = torch.cat([m.weight.flatten() for m in linears])
    assert (
        abs(w.std().item() / 0.02 - 1) < 0.02 and w.abs().max() < 0.2
    )  # trunc_normal_ cuts at ±2
    assert all((m.bias == 0).all() for m in linears)
    norms = [m for m in model.modules() if isinstance(m, nn.LayerNorm)]
    assert len(norms) == 2 * 6 + 1 and all(
        (m.weight == 1).all() and (m.bias == 0).all() for m in norms
    )
    assert (model.head.weight == 0).all() and (model.head.bias == 0).all()
    assert (model.embedding.cls_token == 0).all()
    proj = model.embedding.patch_embedding.proj
    assert (
        abs(proj.weight.std().item() / (1 / 48) ** 0.5 - 1) < 0.05
        and (proj.bias == 0).all()
    )
    assert abs(model.embedding.pos_embedding.std().item() / 0.02 - 1) < 0.05


def test_initialisation_compared_with_timm_default():
    "Chapter 6's statements about timm's default scheme (timm is not a dependency of the book)."
    timm_vit = pytest.importorskip("timm.models.vision_transformer")
    torch.manual_seed(0)
    t = timm_vit.VisionTransformer(
        img_size=32,
        patch_size=4,
        num_classes=10,
        embed_dim=192,
        depth=2,
        num_heads=3,
        mlp_ratio=2.0,
    )
    for m in t.blocks.modules():  # as the book: weights at std 0.02, zero biases
        if isinstance(m, nn.Linear):
            assert abs(m.weight.std().item() / 0.02 - 1) < 0.05 and (m.bias == 0).all()
    assert abs(t.pos_embed.std().item() / 0.02 - 1) < 0.05
    assert (
        abs(t.head.weight.std().item() / 0.02 - 1) < 0.2
    )  # unlike the book's zero head
    assert 0 < t.cls_token.abs().max() < 1e-5  # standard deviation 1e-6, not zero
    bound = (
        1 / 48**0.5
    )  # the patch embedding keeps nn.Conv2d's default, U(±1/sqrt(fan_in))
    assert 0.9 * bound < t.patch_embed.proj.weight.abs().max() <= bound


def test_conversions_carry_dropout_rates():
    tv = torchvision.models.VisionTransformer(
        32, 8, 2, 4, 64, 96, dropout=0.1, attention_dropout=0.2, num_classes=5
    )
    ours = from_torchvision(tv)
    assert ours.config.dropout == 0.1 and ours.config.attn_dropout == 0.2
    back = to_torchvision(ours)
    assert back.dropout == 0.1 and back.attention_dropout == 0.2
    assert back.encoder.layers[0].self_attention.dropout == 0.2


def test_to_torchvision_rejects_unmapped_tensors():
    model = vit_cifar(depth=1)
    model.extra = nn.Parameter(torch.zeros(3))
    with pytest.raises(ValueError, match=r"no place in torchvision's: \['extra'\]"):
        to_torchvision(model)


def test_reset_parameters_sets_every_parameter():
    "One method gives every parameter its starting value: nothing keeps what it had before."
    for pos in ("learned", "learned_sincos", "sincos"):
        model = vit_cifar(depth=2, pos_embedding=pos)
        with torch.no_grad():
            for p in model.parameters():
                p.fill_(float("nan"))
        torch.manual_seed(1)
        model.reset_parameters()
        torch.manual_seed(1)
        fresh = vit_cifar(depth=2, pos_embedding=pos)
        torch.manual_seed(1)
        fresh.reset_parameters()
        for (name, p), q in zip(model.named_parameters(), fresh.parameters()):
            assert not p.isnan().any(), name
            torch.testing.assert_close(p, q, rtol=0, atol=0, msg=name)


def test_vit_config_is_typed_and_frozen():
    cfg = VIT_CONFIGS["vit_cifar"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.dim = 64
    with pytest.raises(TypeError, match="unexpected keyword argument 'dimm'"):
        ViT(dimm=96)
    with pytest.raises(
        TypeError, match="ViT takes a ViTConfig or keyword arguments, got dict"
    ):
        ViT({"dim": 96})
    with pytest.raises(ValueError, match="heads must be a positive integer, got 2.0"):
        ViTConfig(heads=2.0)
    assert ViT(cfg, dim=96).config == replace(cfg, dim=96)
    with pytest.raises(TypeError, match="unexpected keyword argument 'cls_shortcutt'"):
        vit_flops(cfg, cls_shortcutt=True)


def test_no_weight_decay_names():
    model = vit_cifar(depth=1)
    skip = model.no_weight_decay()
    matrices = {n for n, p in model.named_parameters() if p.ndim == 2}
    assert {
        "embedding.cls_token",
        "embedding.pos_embedding",
        "head.bias",
        "encoder.norm.weight",
    } <= skip
    assert skip.isdisjoint(matrices) and len(skip) + len(matrices) == len(
        list(model.parameters())
    )


def test_layer_options_are_keyword_only():
    from vit_tutorial import (
        MLP,
        Encoder,
        EncoderBlock,
        MultiHeadSelfAttention,
        ViTEmbedding,
    )

    for build in (
        lambda: EncoderBlock(32, 4, 64, 0.1),
        lambda: Encoder(32, 2, 4, 64, 0.1, 0.2),
        lambda: MultiHeadSelfAttention(32, 4, 0.1),
        lambda: MLP(32, 64, 0.1),
        lambda: ViTEmbedding(32, 4, 3, 64, "mean"),
    ):
        with pytest.raises(TypeError, match="positional argument"):
            build()


def test_uint8_images_give_a_clear_error():
    "Pixels straight from a file: say what the model expects instead of a dtype clash."
    from vit_tutorial.performance import ClsShortcut

    model = vit_cifar(depth=1)
    images = torch.zeros(2, 3, 32, 32, dtype=torch.uint8)
    for forward in (model, ClsShortcut(model)):
        with pytest.raises(
            ValueError,
            match=r"ViT expects float images, standardised per channel, got torch.uint8; "
            r"for uint8 CIFAR-10 images use vit_tutorial.normalize\(images\)",
        ):
            forward(images)
