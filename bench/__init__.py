"""Benchmarks of banner against its peers; run by hand (see ``bench/README.md``).

Every figure is a median over repeated runs with its min and max, and a ratio
against a reference measured in the same run, because these machines are
shared and noisy.
"""
