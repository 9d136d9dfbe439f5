"""Hydra sweeper ``wijksim``: grids and SALib designs, deterministic resumable sweep directories.

Select with ``hydra/sweeper: wijksim`` (the project's configs do). See ``sweeper.py`` and
``docs/sweeps.md``.
"""
