"""Benchmarks with recorded results (docs/benchmarks.md); not part of the test run.

Each benchmark is a module `bench/<name>.py` with a docstring and `main(argv) -> int`;
`python -m bench <name> [args]` runs one, `python -m bench` runs them all.
"""
