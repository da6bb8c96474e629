"""Coaching notes and the development record (CPD) with its exports."""
