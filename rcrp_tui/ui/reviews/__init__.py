"""Scoring a decision: the review screen, its dialogs and notes, review lists and history, live
risk.
"""
