"""The tutorial notebooks run end to end in a fresh kernel (DESIGN.md §4: notebooks executed in CI)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _execute(path: Path, cwd: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    # "python3" is the venv's own kernel: jupyter_client starts it with this interpreter.
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") or o.get("data", {}).get("text/plain", ""))
    return "\n".join(out)


def _images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_error(path, tmp_path):
    nb = _execute(path, tmp_path)  # raises CellExecutionError on any failing cell
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    if path.name == "01_first_run.ipynb":
        text = _text(nb)
        assert "Generation at age 25, mean over seeds" in text
        assert "by origin" in text and "by place" in text
        assert "no_programme" in text and "long_term" in text
        assert "long_term minus no_programme, paired by seed" in text
        assert _images(nb) >= 2  # the time series and the by-origin/by-place chart
        runs = list((tmp_path / "outputs" / "notebook").glob("*/*/seed_*/manifest.json"))
        assert len(runs) == 8
