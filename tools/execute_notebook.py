"""Execute book notebooks in place, the way the book stores them (run from the repository root).

    .venv/bin/python tools/execute_notebook.py book/04_attention.ipynb [more.ipynb ...]
    .venv/bin/python tools/execute_notebook.py --keep-ignored book/07_training.ipynb

Each notebook runs top to bottom in a fresh kernel of this environment, with `book/` as its
working directory (as nbval runs it). Execution counts are renumbered and timing metadata is
dropped, so that a re-run changes only what really changed.

`--keep-ignored` runs with `VIT_TUTORIAL_SMOKE=1` and keeps the stored outputs of the cells
tagged `nbval-ignore-output` (Chapter 7: the full training run's outputs, which only the full run
can produce); every other cell gets the smoke run's output, which is what CI compares.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def merge_streams(outputs: list) -> list:
    """Join consecutive printed outputs of the same stream into one.

    How a kernel splits printed text into messages depends on timing, so without this a
    re-run can change a cell's stored outputs while its text stays the same.
    """
    merged = []
    for out in outputs:
        if (
            out.get("output_type") == "stream"
            and merged
            and merged[-1].get("output_type") == "stream"
            and merged[-1]["name"] == out["name"]
        ):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def execute(path: Path, keep_ignored: bool, timeout: int) -> None:
    nb = nbformat.read(path, as_version=4)
    stored = {
        c.get("id"): c.get("outputs", []) for c in nb.cells if c.cell_type == "code"
    }
    env_before = os.environ.get("VIT_TUTORIAL_SMOKE")
    if keep_ignored:
        os.environ["VIT_TUTORIAL_SMOKE"] = "1"
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        if env_before is None:
            os.environ.pop("VIT_TUTORIAL_SMOKE", None)
        else:
            os.environ["VIT_TUTORIAL_SMOKE"] = env_before
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if keep_ignored and "nbval-ignore-output" in cell.metadata.get("tags", []):
            cell.outputs = stored.get(cell.get("id"), cell.outputs)
        cell.outputs = merge_streams(cell.outputs)
        count += 1
        cell.execution_count = count
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = count
    nb.metadata["language_info"] = {
        "name": "python"
    }  # no interpreter version in the stored notebook
    nbformat.write(nb, path)
    print(f"executed {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--keep-ignored",
        action="store_true",
        help="smoke run; keep the stored outputs of nbval-ignore-output cells",
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()
    for path in args.notebooks:
        if not path.is_file():
            sys.exit(f"no such notebook: {path}")
        execute(path.resolve(), args.keep_ignored, args.timeout)


if __name__ == "__main__":
    main()
