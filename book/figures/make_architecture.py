"""Draw the architecture overview on the book's front page (book/figures/vit_architecture.png).

Run from the repository root: `.venv/bin/python book/figures/make_architecture.py`.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

OUT = Path(__file__).with_name("vit_architecture.png")
INK = "#333333"
SKIP = "#1f5fa8"  # the two skip connections


def box(ax, x, y, w, h, text, color, fontsize=9):
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            fc=color,
            ec=INK,
            lw=1.0,
        )
    )
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize)


def arrow(ax, x0, y0, x1, y1, color=INK, lw=1.2):
    ax.add_patch(
        FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            arrowstyle="-|>",
            mutation_scale=12,
            lw=lw,
            color=color,
            shrinkA=0,
            shrinkB=0,
        )
    )


def path_arrow(ax, points, color=INK, lw=1.2):
    "A polyline through `points`, with an arrow head on its last segment."
    xs, ys = zip(*points)
    ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, solid_capstyle="butt")
    arrow(ax, *points[-2], *points[-1], color=color, lw=lw)


def add_node(ax, x, y, r=0.15):
    "The '+' where a skip connection joins the residual stream."
    ax.add_patch(Circle((x, y), r, fc="white", ec=INK, lw=1.2, zorder=3))
    ax.text(x, y - 0.01, "+", ha="center", va="center", fontsize=12, zorder=4)


def main():
    fig, ax = plt.subplots(figsize=(12, 5.6))
    ax.set_xlim(0, 12.2)
    ax.set_ylim(0, 5.6)
    ax.axis("off")

    # 1. the image and its patch grid (chapter 1)
    ax.add_patch(Rectangle((0.2, 1.6), 1.6, 1.6, fc="#cfe3f5", ec=INK))
    for k in range(1, 4):
        ax.plot([0.2 + 0.4 * k] * 2, [1.6, 3.2], color="white", lw=1.5)
        ax.plot([0.2, 1.8], [1.6 + 0.4 * k] * 2, color="white", lw=1.5)
    ax.text(
        1.0,
        1.3,
        "image (B, C, H, W)\ncut into N = HW/P² patches",
        ha="center",
        va="top",
        fontsize=8,
    )
    ax.text(1.0, 3.45, "Ch. 1", ha="center", fontsize=8, color="#555555")
    arrow(ax, 1.9, 2.4, 2.4, 2.4)

    # 2. patch embedding + [CLS] + positions (chapters 2 and 3)
    box(
        ax,
        2.45,
        1.45,
        1.8,
        1.9,
        "patch embedding\nLinear(P²C → D)\n(B, N, D)",
        "#fde2c8",
    )
    ax.text(3.35, 3.5, "Ch. 2", ha="center", fontsize=8, color="#555555")
    arrow(ax, 4.3, 2.4, 4.7, 2.4)
    box(
        ax, 4.75, 1.45, 1.8, 1.9, "prepend [CLS]\nadd positions\n(B, N+1, D)", "#fff2b3"
    )
    ax.text(5.65, 3.5, "Ch. 3", ha="center", fontsize=8, color="#555555")

    # 3. the encoder block (chapters 4 and 5), read from the bottom up as in the ViT paper.
    # The residual stream runs up the middle; each branch (LayerNorm, then attention or MLP)
    # sits on it, and a skip connection leaves the stream below the branch and rejoins it at
    # the "+" above it.
    ax.add_patch(
        FancyBboxPatch(
            (6.95, 0.3),
            2.95,
            4.75,
            boxstyle="round,pad=0.02,rounding_size=0.1",
            fc="#eeeeee",
            ec=INK,
            lw=1.0,
            ls="--",
        )
    )
    ax.text(
        8.42,
        5.22,
        "encoder block, repeated depth times (Ch. 4, 5)",
        ha="center",
        fontsize=9,
    )
    cx, bw = 8.1, 1.7  # the stream's x, the width of a branch box
    x0 = cx - bw / 2
    path_arrow(
        ax, [(6.6, 2.4), (7.15, 2.4), (7.15, 0.5), (cx, 0.5), (cx, 0.8)]
    )  # tokens enter
    box(ax, x0, 0.8, bw, 0.42, "LayerNorm", "#dddddd", fontsize=8)
    arrow(ax, cx, 1.24, cx, 1.42)
    box(ax, x0, 1.42, bw, 0.58, "multi-head\nself-attention", "#cde8c8", fontsize=8)
    arrow(ax, cx, 2.02, cx, 2.2)
    add_node(ax, cx, 2.35)
    arrow(ax, cx, 2.5, cx, 2.95)
    box(ax, x0, 2.95, bw, 0.42, "LayerNorm", "#dddddd", fontsize=8)
    arrow(ax, cx, 3.39, cx, 3.57)
    box(ax, x0, 3.57, bw, 0.5, "MLP (GELU)", "#e2d3f0", fontsize=8)
    arrow(ax, cx, 4.09, cx, 4.27)
    add_node(ax, cx, 4.42)

    # the two skip connections: they bypass each branch and join the stream at its "+"
    xs = 9.4
    for y_from, y_plus in [(0.62, 2.35), (2.72, 4.42)]:
        ax.plot([cx], [y_from], "o", color=SKIP, ms=4, zorder=4)
        path_arrow(
            ax,
            [(cx, y_from), (xs, y_from), (xs, y_plus), (cx + 0.16, y_plus)],
            color=SKIP,
            lw=1.6,
        )
        ax.text(
            xs + 0.1,
            (y_from + y_plus) / 2,
            "skip",
            rotation=90,
            ha="left",
            va="center",
            fontsize=8,
            color=SKIP,
        )

    # the block's output leaves at the top and goes to the head
    path_arrow(ax, [(cx, 4.57), (cx, 4.85), (10.9, 4.85), (10.9, 3.4)])

    # 4. the head (chapter 6)
    box(
        ax,
        10.0,
        1.45,
        1.8,
        1.9,
        "[CLS] token\nLayerNorm → Linear\nclass logits (B, K)",
        "#f5c9c9",
    )
    ax.text(10.9, 1.2, "Ch. 6", ha="center", fontsize=8, color="#555555")

    fig.suptitle("The Vision Transformer, chapter by chapter", fontsize=12)
    fig.savefig(OUT, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()
