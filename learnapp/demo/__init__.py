"""Demo data: the small province that `make run` opens with, and a large one for benchmarks."""
