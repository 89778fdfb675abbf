"""The book's prose has no placeholders left in it (one was once committed: TUNING-TEXT in Chapter 7)."""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
PLACEHOLDER = re.compile(r"\b[A-Z]{3,}-[A-Z]{3,}\b|\bTODO\b|\bFIXME\b|\bTBD\b|\bXXX\b")


def markdown_cells(path: Path):
    cells = json.loads(path.read_text())["cells"]
    return [
        (i, "".join(c["source"]))
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown"
    ]


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_no_placeholder_in_the_prose(path):
    found = [
        (i, m.group())
        for i, text in markdown_cells(path)
        for m in PLACEHOLDER.finditer(text)
    ]
    assert not found, f"{path.name}: placeholder text in markdown cells {found}"
    assert all(text.strip() for _, text in markdown_cells(path)), (
        f"{path.name} has an empty markdown cell"
    )


def test_the_check_catches_a_placeholder():
    assert PLACEHOLDER.search("## Choosing the recipe\n\nTUNING-TEXT")
    assert not PLACEHOLDER.search(
        "the [CLS] token, ViT-B/16, AVX-512 BF16, MixUp/CutMix, GELU"
    )


# ---- the rendered page shows the lesson, and its figures and numbers are tied to the code ----
MAX_CODE_LINE = 90  # what the rendered page shows without a scroll bar
GLUE_ROLE = re.compile(
    r"\{glue(?::text|:md|:any)?\}`(?:[^`:]+::)?([\w\-]+)|\{glue:figure\}[ \t]+([\w\-]+)"
)


def code_cells(path: Path):
    cells = json.loads(path.read_text())["cells"]
    return [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def long_lines(source: str):
    return [line for line in source.splitlines() if len(line) > MAX_CODE_LINE]


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_code_lines_fit_the_page(path):
    found = [
        (i, line)
        for i, c in code_cells(path)
        for line in long_lines("".join(c["source"]))
    ]
    assert not found, (
        f"{path.name}: code lines over {MAX_CODE_LINE} characters: {found[:5]}"
    )


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_export_plumbing_is_hidden(path):
    shown = [
        i
        for i, c in code_cells(path)
        if "".join(c["source"]).lstrip().startswith("#| default_exp")
        and "remove-cell" not in c.get("metadata", {}).get("tags", [])
    ]
    assert not shown, (
        f"{path.name}: `#| default_exp` cells {shown} are not tagged remove-cell"
    )


def figure_outputs(cell) -> bool:
    return any(
        "image/png" in o.get("data", {}) and "scrapbook" not in o.get("metadata", {})
        for o in cell.get("outputs", [])
    )


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_figure_has_a_numbered_caption(path):
    # a figure is shown either by its cell, captioned in the cell's `mystnb.figure` metadata, or
    # glued (`glue(name, fig, display=False)`) and placed by a {glue:figure} directive with a caption
    missing = [
        i
        for i, c in code_cells(path)
        if figure_outputs(c)
        and not (
            c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption")
            and c["metadata"]["mystnb"]["figure"].get("name")
        )
    ]
    assert not missing, (
        f"{path.name}: code cells {missing} show a figure without a caption and a name"
    )


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_glued_number_exists(path):
    glued = {
        o["metadata"]["scrapbook"]["name"]
        for _, c in code_cells(path)
        for o in c.get("outputs", [])
        if "scrapbook" in o.get("metadata", {})
    }
    used = {
        m.group(1) or m.group(2)
        for _, text in markdown_cells(path)
        for m in GLUE_ROLE.finditer(text)
    }
    assert used <= glued, (
        f"{path.name}: markdown uses glue keys no cell stores: {sorted(used - glued)}"
    )


def test_the_page_checks_can_fail():
    assert long_lines("x = 1\n" + "y" * (MAX_CODE_LINE + 1))
    assert figure_outputs(
        {"outputs": [{"data": {"image/png": "", "text/plain": ""}, "metadata": {}}]}
    )
    assert not figure_outputs(
        {"outputs": [{"data": {"image/png": ""}, "metadata": {"scrapbook": {}}}]}
    )
    text = (
        "{glue:text}`ch7_acc:.2%` and {glue}`x`\n```{glue:figure} fig-y\n:name: f\n```"
    )
    assert [m.group(1) or m.group(2) for m in GLUE_ROLE.finditer(text)] == [
        "ch7_acc",
        "x",
        "fig-y",
    ]
