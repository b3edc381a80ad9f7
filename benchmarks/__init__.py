"""Benchmarks: the same workloads in shenjing and PyTorch, in one process (see README.md)."""
