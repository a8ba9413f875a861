"""Benchmarks: `python -m bench <name>` runs `bench/<name>.py`'s `main(args)`. Results and the
commands that reproduce them are recorded in docs/benchmarks.md."""
