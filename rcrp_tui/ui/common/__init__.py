"""Widgets and dialogs every feature uses: forms, literal text, paste, table sizing, worker errors,
the personal-data dialog.
"""
