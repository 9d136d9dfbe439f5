"""The tutorial notebooks: kept in sync with their jupytext twins, stripped, and run for real.

Each notebook is a jupytext percent ``.py`` file (what is reviewed and diffed) paired with an
``.ipynb`` without outputs (what a student opens). The ``.ipynb`` is executed in a fresh kernel
(nbclient, the venv's ``python3`` kernel) with its working directory and ``TMPDIR`` in a temporary
directory, and the test checks that nothing appeared in the project's tree.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
NB_DIR = ROOT / "notebooks"
SOURCES = sorted(NB_DIR.glob("[0-9][0-9]_*.py"))
SKIP_DIRS = {".git", ".venv", ".venv-ray", "__pycache__", ".pytest_cache", ".ruff_cache",
             ".ipynb_checkpoints", ".hypothesis"}


def _tree() -> dict[str, float]:
    """Every file of the project (outside caches and environments) with its modification time."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for f in filenames:
            p = Path(dirpath, f)
            out[str(p.relative_to(ROOT))] = p.stat().st_mtime
    return out


def _execute(path: Path, cwd: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    # "python3" is the venv's own kernel: jupyter_client starts it with this interpreter.
    NotebookClient(nb, timeout=600, kernel_name="python3",
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
    assert [p.name[:2] for p in SOURCES] == ["01", "02", "03", "04", "05"], SOURCES


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_pair_in_sync_and_stripped(src):
    """The .ipynb has the .py's cells, no outputs and no execution counts (`make notebooks`)."""
    ipynb = src.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} missing: run `make notebooks`"
    text = jupytext.read(src)
    nb = nbformat.read(ipynb, as_version=4)
    assert [(c.cell_type, c.source) for c in nb.cells] == \
        [(c.cell_type, c.source) for c in text.cells], f"{ipynb.name} differs from {src.name}: " \
        "run `make notebooks`"
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, f"{ipynb.name} has outputs"
    # Every notebook ends with exercises and worked answers.
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Try it yourself" in md and "## Worked answers" in md


# The first notebook runs in the everyday suite; the others (1-2 minutes each on a busy two-core
# machine) with the slow checks, which CI runs too (`make test-slow`).
EXECUTED = [pytest.param(p, id=p.stem, marks=() if p.name.startswith("01_") else pytest.mark.slow)
            for p in SOURCES]


@pytest.mark.parametrize("src", EXECUTED)
def test_notebook_runs_and_leaves_nothing_behind(src, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel's tempfile.mkdtemp lands here
    before = _tree()
    t0 = time.perf_counter()
    nb = _execute(src.with_suffix(".ipynb"), tmp_path)  # raises CellExecutionError on a failing cell
    seconds = time.perf_counter() - t0
    print(f"{src.stem}: executed in {seconds:.1f} s")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    after = _tree()
    assert after == before, f"files changed in the project: {sorted(set(after) ^ set(before))[:10]}"
    # In the temporary directory: only the notebook's own temporary folders.
    assert all(p.name.startswith("wijksim_") for p in tmp_path.iterdir()), list(tmp_path.iterdir())
    CHECKS[src.stem[:2]](nb, tmp_path)


def _check_01(nb, tmp):
    text = _text(nb)
    assert "Generation at age 25, mean over seeds" in text
    assert "by origin" in text and "by place" in text
    assert "no_programme" in text and "long_term" in text
    assert "long_term minus no_programme, paired by seed" in text
    assert "project_carousel" in text and "long_term_turnover_0.2" in text  # the answers ran
    assert _images(nb) >= 2  # the time series and the by-origin/by-place chart
    runs = list(tmp.glob("wijksim_01_*/*/seed_*/manifest.json"))
    assert len(runs) == 8


def _check_02(nb, tmp):
    text = _text(nb)
    assert "each arm minus long_term, paired by seed" in text
    for arm in ("long_term_short_horizon", "long_term_exposed_to_politics",
                "long_term_unsupported_staff", "long_term_unstable_staff", "long_term_no_initiatives",
                "long_term_no_crime_approach", "long_term_no_visitations", "carousel_same_money"):
        assert arm in text
    assert _images(nb) >= 2  # the differences chart and the fan chart
    assert len(list(tmp.glob("wijksim_02_*/arms/*/seed_*/manifest.json"))) == 27


def _check_03(nb, tmp):
    text = _text(nb)
    assert "runs.parquet" in text and "series.parquet" in text
    assert "se_paired" in text and "se_unpaired" in text
    assert "runs needed without common random numbers" in text
    assert list(tmp.glob("wijksim_03_*/sweep/runs.parquet"))
    assert _images(nb) >= 1


def _check_04(nb, tmp):
    text = _text(nb)
    assert "mu_star" in text and "sigma" in text
    assert "ST" in text and "S1" in text
    assert "Ishigami" in text
    assert list(tmp.glob("wijksim_04_*/morris/design.parquet"))


def _check_05(nb, tmp):
    text = _text(nb)
    assert "one child's life" in text
    assert "passed" in text  # the new mechanism's test ran in the notebook
    # The interactive view displayed as a widget inside the notebook.
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", []))


CHECKS = {"01": _check_01, "02": _check_02, "03": _check_03, "04": _check_04, "05": _check_05}


def test_make_lab_serves_the_notebooks_as_paired_notebooks():
    """`make lab` starts JupyterLab from .venv; jupytext opens a .py source as a notebook."""
    import json
    import secrets
    import signal
    import subprocess
    import urllib.request

    from sim.app_browser import free_port

    port, token = free_port(), secrets.token_hex(8)
    args = f"--no-browser --port {port} --IdentityProvider.token={token}"
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            try:
                with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "make lab did not serve within 180 s"
            time.sleep(0.5)  # polling a server that is starting
        src = SOURCES[0]
        with urllib.request.urlopen(f"{base}/api/contents/{src.name}?type=notebook&token={token}",
                                    timeout=30) as r:
            model = json.load(r)
        assert model["type"] == "notebook"
        assert len(model["content"]["cells"]) == len(jupytext.read(src).cells)
        with urllib.request.urlopen(f"{base}/api/kernelspecs?token={token}", timeout=30) as r:
            assert "python3" in json.load(r)["kernelspecs"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
