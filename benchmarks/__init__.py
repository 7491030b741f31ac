"""Benchmarks: ``python -m benchmarks [--quick]`` prints figures and writes benchmarks/RESULTS.md.

They are commands that measure, not timed unit tests: nothing here asserts a timing. Ratios
(bot vs naive baseline, real vs synthetic knowledge base) are always measured in the same run.
"""
