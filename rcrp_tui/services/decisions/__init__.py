"""Decisions: reading them a page at a time, recording one by hand, counting them by stratum."""
