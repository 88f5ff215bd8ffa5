"""Scheduling benchmarks C2 (full re-plan) and C3 (interactive booking); see bench/README.md."""
