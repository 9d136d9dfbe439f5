# wijksim — every target builds the environment itself from the lock file.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12+: the repo's .python-version selects it through pyenv; fall back to python3.12 on PATH.
PYTHON_SYS ?= $(shell (pyenv which python3.12 2>/dev/null) || command -v python3.12 || command -v python3)
UV_VERSION := 0.13.9
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := false
export HYDRA_FULL_ERROR := 0

.PHONY: env demo test test-slow bench lock clean env-ray lock-ray bench-sweep readme-chart lab app notebooks screenshot gallery

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $@

env: $(VENV)/.installed

demo: env
	$(PY) -m sim.demo

# The README's scenario chart (docs/img/scenario-differences.png), from a fresh make demo.
readme-chart: demo
	$(PY) scripts/readme_chart.py

# The README's gallery (docs/img/gallery/*.png): every study of experiments/ at a preview size.
gallery: env
	$(PY) -m experiments.gallery

test: env
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# The slow statistical checks over many seeds and the cluster checks (CI runs these too).
test-slow: env
	$(PY) -m pytest -q -m "slow or cluster"

# Students: JupyterLab from the project's environment (opens notebooks/; jupytext pairs .py and .ipynb).
# Listens on 127.0.0.1 only; as root (containers) Jupyter needs --allow-root. LAB_ARGS for more.
lab: env
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --notebook-dir=notebooks \
	    $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The interactive view (Mesa SolaraViz) on http://127.0.0.1:8765.
app: env
	$(PY) -m sim.app

# Regenerate every notebook's .ipynb from its jupytext .py source (the source of truth), without outputs.
# --update keeps the cell ids (quiet diffs); nbconvert then drops any outputs a saved run left.
notebooks: env
	$(VENV)/bin/jupytext --quiet --update --to ipynb notebooks/[0-9][0-9]_*.py
	$(VENV)/bin/jupyter nbconvert --log-level=WARN --clear-output --inplace notebooks/[0-9][0-9]_*.ipynb

# The README's screenshot of the interactive view (real server, real Chromium via Playwright).
screenshot: env
	$(PY) -m sim.app_browser docs/img/app.png

bench: env
	$(PY) benchmarks/bench_model.py

# Ray launcher (optional extra `ray`): its own venv, because hydra-ray-launcher pins cloudpickle<3.
VENV_RAY := .venv-ray
$(VENV_RAY)/.installed: requirements-ray.lock pyproject.toml
	@test -x $(VENV_RAY)/bin/python || $(PYTHON_SYS) -m venv $(VENV_RAY)
	$(VENV_RAY)/bin/python -m pip install -q "uv==$(UV_VERSION)"
	$(VENV_RAY)/bin/uv pip sync -q --python $(VENV_RAY)/bin/python requirements-ray.lock
	$(VENV_RAY)/bin/uv pip install -q --python $(VENV_RAY)/bin/python --no-deps -e .
	@touch $@

env-ray: $(VENV_RAY)/.installed

lock-ray:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra ray -o requirements-ray.lock --python-version 3.12

bench-sweep: env
	$(PY) benchmarks/bench_sweep.py

lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra app --extra notebooks --extra analysis -o requirements.lock --python-version 3.12

clean:
	rm -rf $(VENV) outputs multirun
