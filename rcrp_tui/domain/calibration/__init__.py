"""Grader calibration: how far graders agree with one another and with a reference.

Pure rules only (no database, no screens). The statistics are in
:mod:`rcrp_tui.domain.calibration.agreement`; it loads numerical libraries only while
computing Krippendorff's alpha, so importing this package costs nothing at start-up.
"""
