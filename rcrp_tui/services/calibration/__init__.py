"""Calibration sessions: blind scoring by several graders, the reveal, reference answers,
agreement statistics and each grader's drift (docs/calibration.md)."""
