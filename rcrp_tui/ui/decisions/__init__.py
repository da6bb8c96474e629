"""The decision browser: the table, the filter dialog and one decision in full."""
