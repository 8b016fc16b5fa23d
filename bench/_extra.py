"""The libraries the benchmarks compare against live in the `bench` extra, not in the hotline's
own dependencies: a benchmark that needs one says so and how to install it, before it starts."""

from __future__ import annotations

import importlib.util

EXTRA = "bench"
INSTALL = f"pip install -e '.[{EXTRA}]'  (scripts/setup dev installs it)"


class MissingExtra(Exception):
    """A library of the bench extra is not installed."""

    def __init__(self, module: str, bench: str) -> None:
        super().__init__(
            f"python -m bench {bench} needs {module}, which is in the '{EXTRA}' extra: {INSTALL}"
        )
        self.module = module


def require(bench: str, *modules: str) -> None:
    """Raises MissingExtra for the first of `modules` that cannot be imported."""
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(module, bench)
