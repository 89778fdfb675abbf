"""Draw the architecture overview on the book's front page (book/figures/vit_architecture.png).

Run from the repository root: `.venv/bin/python book/figures/make_architecture.py`.
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

OUT = Path(__file__).with_name("vit_architecture.png")


def box(ax, x, y, w, h, text, color, fontsize=9):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                fc=color, ec="#333333", lw=1.0))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize)


def arrow(ax, x0, y0, x1, y1):
    ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, lw=1.2, color="#333333"))


def main():
    fig, ax = plt.subplots(figsize=(12, 5.2))
    ax.set_xlim(0, 12); ax.set_ylim(0, 5.2); ax.axis("off")

    # 1. the image and its patch grid (chapter 1)
    ax.add_patch(Rectangle((0.2, 1.6), 1.6, 1.6, fc="#cfe3f5", ec="#333333"))
    for k in range(1, 4):
        ax.plot([0.2 + 0.4 * k] * 2, [1.6, 3.2], color="white", lw=1.5)
        ax.plot([0.2, 1.8], [1.6 + 0.4 * k] * 2, color="white", lw=1.5)
    ax.text(1.0, 1.3, "image (B, C, H, W)\ncut into N = HW/P² patches", ha="center", va="top", fontsize=8)
    ax.text(1.0, 3.45, "Ch. 1", ha="center", fontsize=8, color="#555555")
    arrow(ax, 1.9, 2.4, 2.4, 2.4)

    # 2. patch embedding + [CLS] + positions (chapters 2 and 3)
    box(ax, 2.45, 1.45, 1.8, 1.9, "patch embedding\nLinear(P²C → D)\n(B, N, D)", "#fde2c8")
    ax.text(3.35, 3.5, "Ch. 2", ha="center", fontsize=8, color="#555555")
    arrow(ax, 4.3, 2.4, 4.7, 2.4)
    box(ax, 4.75, 1.45, 1.8, 1.9, "prepend [CLS]\nadd positions\n(B, N+1, D)", "#fff2b3")
    ax.text(5.65, 3.5, "Ch. 3", ha="center", fontsize=8, color="#555555")
    arrow(ax, 6.6, 2.4, 7.0, 2.4)

    # 3. the encoder (chapters 4 and 5)
    ax.add_patch(FancyBboxPatch((7.0, 0.35), 2.5, 4.3, boxstyle="round,pad=0.02,rounding_size=0.1",
                                fc="#eeeeee", ec="#333333", lw=1.0, ls="--"))
    ax.text(8.25, 4.85, "encoder block × depth (Ch. 4, 5)", ha="center", fontsize=9)
    steps = [("LayerNorm", "#dddddd"), ("multi-head\nself-attention", "#cde8c8"), ("+ residual", "#ffffff"),
             ("LayerNorm", "#dddddd"), ("MLP (GELU)", "#e2d3f0"), ("+ residual", "#ffffff")]
    y = 0.55
    for i, (label, color) in enumerate(steps):
        box(ax, 7.3, y, 1.9, 0.5, label, color, fontsize=8)
        if i < len(steps) - 1:
            arrow(ax, 8.25, y + 0.52, 8.25, y + 0.66)
        y += 0.68
    arrow(ax, 9.55, 2.4, 9.95, 2.4)

    # 4. the head (chapter 6)
    box(ax, 10.0, 1.45, 1.8, 1.9, "[CLS] token\nLayerNorm → Linear\nclass logits (B, K)", "#f5c9c9")
    ax.text(10.9, 3.5, "Ch. 6", ha="center", fontsize=8, color="#555555")

    fig.suptitle("The Vision Transformer, chapter by chapter", fontsize=12)
    fig.savefig(OUT, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()
