"""Progress over runs: a bar on a terminal, a plain line every ~10 % otherwise.

On a terminal (``stream.isatty()``) a tqdm bar redraws in place. In CI logs, Slurm output files or
``nohup`` a redrawn bar becomes thousands of carriage returns, so there it prints one line
``<label>: 12 of 120 runs (10 %), 34 s`` each time another ~10 % of the runs has finished (and at
the end); a failed run is counted and named in the line. ``initial`` runs already finished (a
resumed sweep) count towards the total from the start.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


class Progress:
    """Counts finished runs; ``update(ok=...)`` after each. Use as a context manager."""

    def __init__(self, total: int, label: str = "runs", *, stream: IO[str] | None = None,
                 tty: bool | None = None, every: float = 0.1, initial: int = 0) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)()) if tty is None else tty
        self.step = max(1, round(self.total * every))
        self.done = min(max(int(initial), 0), self.total)
        self.failed = 0
        self.started = time.perf_counter()
        self._next = (self.done // self.step + 1) * self.step
        self._bar: Any = None
        if self.tty and self.total:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, initial=self.done, unit="run", file=self.stream,
                             desc=label, dynamic_ncols=True, smoothing=0.1)

    def update(self, n: int = 1, *, ok: bool = True) -> None:
        """Record ``n`` more finished runs (``ok=False``: they failed)."""
        self.done += n
        self.failed += 0 if ok else n
        if self._bar is not None:
            self._bar.update(n)
            if self.failed:
                self._bar.set_postfix(failed=self.failed)
            return
        if self.done >= self._next or self.done >= self.total:
            while self._next <= self.done:
                self._next += self.step
            self.line()

    def line(self) -> None:
        """Print the plain progress line now."""
        pct = 100 * self.done / self.total if self.total else 100
        failed = f", {self.failed} failed" if self.failed else ""
        print(f"{self.label}: {self.done} of {self.total} runs ({pct:.0f} %){failed}, "
              f"{time.perf_counter() - self.started:.0f} s", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
