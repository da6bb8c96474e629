"""Coaching notes and each officer's development record (CPD)."""
