"""Dip sampling: plans, the population, draws, the shared queue, progress and results."""
