"""Benchmarks: every figure beside a baseline measured in the same run; the ratio is what counts."""
