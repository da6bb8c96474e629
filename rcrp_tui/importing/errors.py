"""Why an import did not happen."""

from __future__ import annotations


class ImportFailed(Exception):
    """The file cannot be imported at all; nothing was written."""


class ImportRunning(ImportFailed):
    """Another import is running on this database; this one did not start."""


class ImportCancelled(ImportFailed):
    """The person stopped the import while the file was being read; nothing was written."""
