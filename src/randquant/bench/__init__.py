"""Benchmarks: the op's speed and memory, and the accuracy suite."""
