"""rcrp-tui: quality assurance of Right Care, Right Person control-room decisions."""

__version__ = "0.1.0"
