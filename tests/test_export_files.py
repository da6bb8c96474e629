"""Every report export resolves and writes its file through one helper; refusals in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.export_files import write_export


def test_a_folder_gets_the_default_name_and_the_size_is_returned(tmp_path: Path) -> None:
    target, size = write_export(tmp_path, "report.md", lambda: b"# Report\n")
    assert target == tmp_path / "report.md"
    assert size == 9 and target.read_bytes() == b"# Report\n"
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_missing_folder_is_refused_before_anything_is_rendered(tmp_path: Path) -> None:
    rendered: list[bool] = []

    def render() -> bytes:
        rendered.append(True)
        return b"x"

    with pytest.raises(ValidationFailed, match="no such folder"):
        write_export(str(tmp_path / "nowhere") + "/", "r.md", render, field="output")
    assert rendered == []


def test_a_name_too_long_for_the_system_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="cannot use '") as caught:
        write_export(str(tmp_path / ("y" * 2000)), "r.md", lambda: b"x")
    assert caught.value.field == "path" and len(str(caught.value)) < 300
