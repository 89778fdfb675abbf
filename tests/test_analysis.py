import json
from pathlib import Path

import pytest
import torch

from conftest import cifar_available
from vit_tutorial.analysis import (
    attention_rollout,
    mean_attention_distance,
    patch_embedding_filters,
    position_similarity,
    principal_components,
)

ROOT = Path(__file__).resolve().parent.parent


def test_rollout_of_identity_attention_is_identity():
    eye = torch.eye(5).expand(2, 3, 5, 5)
    torch.testing.assert_close(
        attention_rollout([eye, eye, eye]), torch.eye(5).expand(2, 5, 5)
    )


def test_rollout_single_layer_mixes_in_residual():
    a = torch.softmax(torch.randn(1, 2, 4, 4), dim=-1)
    expected = 0.5 * torch.eye(4) + 0.5 * a.mean(1)
    torch.testing.assert_close(
        attention_rollout([a]), expected / expected.sum(-1, keepdim=True)
    )


def test_rollout_of_uniform_attention_known_answer():
    # one uniform layer: 0.5 I + 0.5/T everywhere; two layers: the square of that matrix
    t = 4
    u = torch.full((1, 1, t, t), 1 / t)
    m = 0.5 * torch.eye(t) + 0.5 / t
    torch.testing.assert_close(attention_rollout([u, u])[0], m @ m)
    assert torch.allclose(attention_rollout([u, u]).sum(-1), torch.ones(1, t))


def test_rollout_multiplies_last_layer_on_the_left():
    a1 = torch.softmax(torch.randn(1, 1, 3, 3), -1)
    a2 = torch.softmax(torch.randn(1, 1, 3, 3), -1)
    m1, m2 = (
        (0.5 * torch.eye(3) + 0.5 * a1[0, 0]),
        (0.5 * torch.eye(3) + 0.5 * a2[0, 0]),
    )
    torch.testing.assert_close(attention_rollout([a1, a2])[0], m2 @ m1)


def test_mean_distance_self_attention_is_zero():
    eye = torch.eye(17)[None, None].expand(2, 3, 17, 17)  # with [CLS]: 1 + 4x4 patches
    torch.testing.assert_close(
        mean_attention_distance(eye, grid=4, patch_size=8), torch.zeros(3)
    )


def test_mean_distance_right_neighbour_is_one_patch():
    n = 2 * 2
    w = torch.zeros(1, 1, n, n)
    # 2x2 grid: 0 1 / 2 3 ; each patch attends to its horizontal neighbour
    for q, k in [(0, 1), (1, 0), (2, 3), (3, 2)]:
        w[0, 0, q, k] = 1.0
    torch.testing.assert_close(
        mean_attention_distance(w, grid=2, patch_size=4, has_cls=False),
        torch.tensor([4.0]),
    )


def test_mean_distance_uniform_on_2x2_grid():
    w = torch.full((1, 2, 4, 4), 0.25)
    # from each corner: distances 0, 1, 1, sqrt(2) patches, averaged
    expected = (2 + 2**0.5) / 4
    torch.testing.assert_close(
        mean_attention_distance(w, 2, 1, has_cls=False),
        torch.tensor([expected, expected]),
    )


def test_mean_distance_ignores_cls_and_renormalises():
    w = torch.zeros(1, 1, 5, 5)
    w[0, 0, :, 0] = 0.5  # half of every row on [CLS]
    w[0, 0, 1:, 1:] = torch.eye(4) * 0.5
    torch.testing.assert_close(mean_attention_distance(w, 2, 4), torch.tensor([0.0]))
    with pytest.raises(
        ValueError, match="expected 9 patch tokens for a 3x3 grid, got 4"
    ):
        mean_attention_distance(w, 3, 4)


def test_principal_components_recover_known_directions():
    g = torch.Generator().manual_seed(0)
    d1, d2 = torch.zeros(12), torch.zeros(12)
    d1[0], d2[5] = 1.0, 1.0
    x = (
        5 * torch.randn(200, 1, generator=g) * d1
        + 1 * torch.randn(200, 1, generator=g) * d2
        + 0.01 * torch.randn(200, 12, generator=g)
    )
    pcs, var = principal_components(x.reshape(200, 2, 2, 3), 2)
    assert pcs.shape == (2, 2, 2, 3)
    assert abs(pcs[0].flatten()[0]) > 0.99 and abs(pcs[1].flatten()[5]) > 0.99
    assert var[0] > 0.9 and var.sum() <= 1


def test_position_similarity_shape_and_diagonal():
    sim = position_similarity(torch.randn(16, 8), 4)
    assert sim.shape == (4, 4, 4, 4)
    torch.testing.assert_close(
        torch.stack([sim[i, j, i, j] for i in range(4) for j in range(4)]),
        torch.ones(16),
    )


def test_patch_embedding_filters_layout():
    from vit_tutorial import vit_cifar

    model = vit_cifar()
    f = patch_embedding_filters(model)
    assert f.shape == (192, 4, 4, 3)
    # filter d, pixel (p1, p2), channel c is weight[d, (p1*4 + p2)*3 + c]
    torch.testing.assert_close(
        f[7, 1, 2, 0],
        model.embedding.patch_embedding.proj.weight[7, (1 * 4 + 2) * 3 + 0],
    )


@pytest.mark.skipif(
    not cifar_available(), reason="CIFAR-10 is not in data/ (CI unpacks it there)"
)
def test_committed_weights_reproduce_reported_accuracy():
    from vit_tutorial.data import load_cifar10
    from vit_tutorial.train import evaluate
    from vit_tutorial.weights import load_weights

    ckpt = ROOT / "book" / "checkpoints"
    model = load_weights(ckpt / "vit_cifar10_cpu.safetensors")
    assert (ckpt / "vit_cifar10_cpu.safetensors").stat().st_size <= 10_000_000
    reported = json.loads((ckpt / "vit_cifar10_cpu_metrics.json").read_text())[-1][
        "test_accuracy_fp32"
    ]
    assert evaluate(model, load_cifar10(train=False))["accuracy"] == reported
