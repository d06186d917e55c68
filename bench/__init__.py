"""Benchmark of the data layer: `python -m bench.generate`, `python -m bench.run`."""
