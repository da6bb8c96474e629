"""The import screen: a CAD export (CSV or .xlsx) into decisions, dry run first."""
