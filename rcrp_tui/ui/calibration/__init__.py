"""Calibration screens: sessions, blind grading, the reveal, agreement results and drift."""
