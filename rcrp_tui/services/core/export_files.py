"""Writing an export where the person asked: a file, or a folder that gets the default name.

Every report export (KPIs, readiness, calibration results) resolves its target and writes
it the same way, owner-only through ``private_files``; refusals name the form's field.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rcrp_tui.domain.safe_text import quoted
from rcrp_tui.private_files import write_private
from rcrp_tui.services.core.errors import ValidationFailed


def write_export(
    path: Path | str, default_name: str, render: Callable[[], bytes], *, field: str = "path"
) -> tuple[Path, int]:
    """Render and write the export to ``path``; return the file written and its size.

    A folder gets ``default_name``. Typed text ending in a slash names a folder, which
    must exist (``Path`` would drop the slash and write a file named after the folder).
    The target is checked before ``render`` runs, so a bad path costs no rendering.
    """
    target = Path(path).expanduser()
    try:
        if isinstance(path, str) and path.endswith(("/", os.sep)) and not target.is_dir():
            raise ValidationFailed(field, f"no such folder: {target}")
        if target.is_dir():
            target = target / default_name
        if not target.parent.is_dir():
            raise ValidationFailed(field, f"no such folder: {target.parent}")
    except OSError as exc:  # the system will not look at it (a name too long, say)
        reason = (exc.strerror or "it cannot be used").lower()
        raise ValidationFailed(field, f"cannot use {quoted(str(path))}: {reason}") from None
    data = render()
    try:
        write_private(target, data)
    except OSError as exc:
        raise ValidationFailed(field, f"cannot write {target}: {exc.strerror}") from None
    return target, len(data)
