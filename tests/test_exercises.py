"""Every chapter ends with exercises whose collapsed solutions prove themselves (issue #15).

The format is described in the chapters' `## Exercises` sections: an `### Exercise N.k: ...`
cell whose body starts with its kind, a dropdown admonition `Solution N.k` that explains it,
then code cells tagged `hide-cell` starting `# Solution N.k`, the last of which asserts.
"""

import re
from pathlib import Path

import nbformat
import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(p.name for p in BOOK.glob("0[1-8]_*.ipynb")) + [
    "appendix_performance.ipynb"
]
KINDS = ("**Predict, then check.**", "**Build.**", "**Break it.**", "**Experiment.**")
ASSERTS = re.compile(
    r"^\s*(assert\b|torch\.testing\.assert_close\(|raise AssertionError)", re.M
)


def exercises(cells):
    """Parse the exercises: a list of dicts (title, kind, solution markdown, solution code)."""
    heads = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and c.source.splitlines()[:1] == ["## Exercises"]
    ]
    if len(heads) != 1:
        raise AssertionError(f"expected one '## Exercises' section, found {len(heads)}")
    recap = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and c.source.startswith("## Recap")
    ]
    if not recap or recap[-1] > heads[0]:
        raise AssertionError("'## Exercises' must come after '## Recap'")
    rest = cells[heads[0] + 1 :]
    if any(c.cell_type == "markdown" and c.source.startswith("## ") for c in rest):
        raise AssertionError("'## Exercises' must be the last section")
    found, current = [], None
    for c in rest:
        first = c.source.splitlines()[0] if c.source else ""
        if c.cell_type == "markdown" and first.startswith("### Exercise "):
            body = "\n".join(c.source.splitlines()[1:]).strip()
            kind = next((k for k in KINDS if body.startswith(k)), None)
            current = dict(title=first, kind=kind, solution_md=[], code=[])
            found.append(current)
        elif current is None:
            continue
        elif c.cell_type == "markdown":
            current["solution_md"].append(c)
        else:
            current["code"].append(c)
    return found


def check(cells):
    found = exercises(cells)
    if not 3 <= len(found) <= 6:
        raise AssertionError(f"expected 3 to 6 exercises, found {len(found)}")
    for ex in found:
        label = ex["title"].split(":")[0].removeprefix("### Exercise ")
        if ex["kind"] is None:
            raise AssertionError(
                f"{ex['title']}: the body must start with one of {KINDS}"
            )
        md = ex["solution_md"]
        if (
            not md
            or not re.search(
                r"\{admonition\} Solution " + re.escape(label) + r"\b", md[0].source
            )
            or ":class: dropdown" not in md[0].source
        ):
            raise AssertionError(
                f"{ex['title']}: no collapsed '{{admonition}} Solution "
                f"{label}' (:class: dropdown) after it"
            )
        if not ex["code"]:
            raise AssertionError(f"{ex['title']}: no solution code")
        for c in ex["code"]:
            if "hide-cell" not in c.metadata.get("tags", []):
                raise AssertionError(
                    f"{ex['title']}: solution code is not tagged hide-cell"
                )
            if not c.source.startswith(f"# Solution {label}"):
                raise AssertionError(
                    f"{ex['title']}: solution code must start '# Solution {label}'"
                )
        if not ASSERTS.search(ex["code"][-1].source):
            raise AssertionError(f"{ex['title']}: the solution has no assertion")
    kinds = {ex["kind"] for ex in found}
    for needed in KINDS[:3]:
        if needed not in kinds:
            raise AssertionError(f"no exercise of the kind {needed}")
    return found


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_exercises_with_proven_solutions(name):
    nb = nbformat.read(BOOK / name, as_version=4)
    found = check(nb.cells)
    for ex in found:
        for c in ex["code"]:
            assert c.get("outputs") is not None and c.get("execution_count"), (
                f"{name}: {ex['title']}: solution not executed"
            )


def _cells(spec):
    out = []
    for kind, src, tags in spec:
        cell = (
            nbformat.v4.new_markdown_cell(src)
            if kind == "md"
            else nbformat.v4.new_code_cell(src)
        )
        if tags:
            cell.metadata["tags"] = tags
        out.append(cell)
    return out


def _good(k, kind="**Build.**", code="# Solution 1.{k}\nassert 1 + 1 == 2"):
    return [
        ("md", f"### Exercise 1.{k}: t\n{kind} Do it.", None),
        ("md", f"```{{admonition}} Solution 1.{k}\n:class: dropdown\nWhy.\n```", None),
        ("code", code.format(k=k), ["hide-cell"]),
    ]


def test_the_check_can_fail():
    kinds = ["**Predict, then check.**", "**Build.**", "**Break it.**"]
    base = [("md", "## Recap\n...", None), ("md", "## Exercises\nTry first.", None)]
    good = base + sum((_good(k + 1, kinds[k]) for k in range(3)), [])
    assert len(check(_cells(good))) == 3
    bad_cases = {
        "expected 3 to 6": base + _good(1, kinds[0]) + _good(2, kinds[1]),
        "has no assertion": base
        + _good(1, kinds[0])
        + _good(2, kinds[1])
        + _good(3, kinds[2], code="# Solution 1.{k}\nprint(2)"),
        "no exercise of the kind": base + sum((_good(k) for k in (1, 2, 3)), []),
        "not tagged hide-cell": good[:-1]
        + [("code", "# Solution 1.3\nassert True", None)],
        "must come after": [base[1], base[0]] + good[2:],
        "no collapsed": good[:-2] + [("md", "Solution 1.3: open", None), good[-1]],
    }
    for message, spec in bad_cases.items():
        with pytest.raises(AssertionError, match=message):
            check(_cells(spec))
