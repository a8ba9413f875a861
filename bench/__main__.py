"""`python -m bench [<name> [args...]]`: run one benchmark module, or all of them in turn.

Benchmarks are discovered, not listed here: adding `bench/<name>.py` with `main(argv) -> int`
is all it takes.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(here)])
        if not module.name.startswith("_") and not module.ispkg
    )


def runner(name: str) -> Callable[[list[str]], int]:
    module = importlib.import_module(f"bench.{name}")
    main: Callable[[list[str]], int] = module.main
    return main


def main(argv: list[str]) -> int:
    names = available()
    if argv and argv[0] in ("-h", "--help"):
        print("usage: python -m bench [<name> [args...]]\n\nbenchmarks:")
        for name in names:
            doc = (importlib.import_module(f"bench.{name}").__doc__ or "").strip()
            print(f"  {name:<16} {doc.splitlines()[0] if doc else ''}")
        return 0
    if argv:
        if argv[0] not in names:
            print(f"unknown benchmark {argv[0]!r}; available: {', '.join(names)}", file=sys.stderr)
            return 2
        return runner(argv[0])(argv[1:])
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        failed += runner(name)([]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
