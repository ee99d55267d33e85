"""Helpers shared by the tests and the benchmarks (bench may import them; tests never import bench)."""
