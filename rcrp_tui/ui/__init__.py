"""The terminal UI (Textual): one package per feature, screens and their dialogs together."""
