"""Dip samples: the list, the plan dialog, the queue and the results."""
