"""The book's prose has no placeholders left in it (one was once committed: TUNING-TEXT in Chapter 7)."""
import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
PLACEHOLDER = re.compile(r"\b[A-Z]{3,}-[A-Z]{3,}\b|\bTODO\b|\bFIXME\b|\bTBD\b|\bXXX\b")


def markdown_cells(path: Path):
    cells = json.loads(path.read_text())["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_no_placeholder_in_the_prose(path):
    found = [(i, m.group()) for i, text in markdown_cells(path) for m in PLACEHOLDER.finditer(text)]
    assert not found, f"{path.name}: placeholder text in markdown cells {found}"
    assert all(text.strip() for _, text in markdown_cells(path)), f"{path.name} has an empty markdown cell"


def test_the_check_catches_a_placeholder():
    assert PLACEHOLDER.search("## Choosing the recipe\n\nTUNING-TEXT")
    assert not PLACEHOLDER.search("the [CLS] token, ViT-B/16, AVX-512 BF16, MixUp/CutMix, GELU")
