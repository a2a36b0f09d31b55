"""Small helpers shared by the solver benchmarks: quiet native stdout, memory, formatting."""

from __future__ import annotations

import contextlib
import math
import os
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def native_stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr: HiGHS prints banners there, tables go to stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def fmt(value: float | None, digits: int = 1) -> str:
    """A number or '-' when missing or not finite."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 3) -> str:
    """A ratio as a percentage, or '-'."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{100.0 * value:.{digits}f}%"


def table(rows: list[list[str]], header: list[str]) -> str:
    """A Markdown table with columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True)) + " |"
        for r in rows
    ]
    return "\n".join([line, sep, *body])
