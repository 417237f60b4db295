"""Porte-Voix benchmarks, run by `make bench`: each measures a baseline in the same run."""
