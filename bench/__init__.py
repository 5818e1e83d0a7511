"""`make bench`: speed and cost figures for Anchor.band, each next to its goal (see docs/benchmarks.md)."""
