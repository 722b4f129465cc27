"""Benchmarks against a hand-written numpy baseline and micrograd; see README.md."""
