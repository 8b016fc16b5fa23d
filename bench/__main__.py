"""`python -m bench <name> [args]`: runs bench/<name>.py's main(argv) and prints its figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench
from bench._extra import MissingExtra


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        print("usage: python -m bench {" + "|".join(names) + "} [args]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{sys.argv[1]}")
    try:
        result: int = module.main(sys.argv[2:])
    except MissingExtra as exc:
        print(exc, file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
