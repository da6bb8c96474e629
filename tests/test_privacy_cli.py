"""``rcrp-tui privacy scan``: findings per line and the exit status, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLEAN_LINES = (
    "Detained under s136 MHA at 23:40; CAD-20261102-0188 graded P2.\n"
    "Victoria Police and the Crisis Resolution Home Treatment Team were consulted.\n"
)
PERSONAL_LINES = (
    "Good THRIVE rationale on CAD-20261102-0188.\n"
    "Handler spoke to John Smith at 14 Acacia Avenue, Leeds.\n"
    "\n"
    "Car AB12 CDE, callback 07700 900123.\n"
)


def privacy_scan(*args: str, stdin: bytes | None = None, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RCRP_CONFIG_DIR": str(tmp / "config")}
    return subprocess.run(
        [sys.executable, "-m", "rcrp_tui", "privacy", "scan", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
    )


def test_a_clean_file_exits_0_and_prints_no_findings(tmp_path: Path) -> None:
    note = tmp_path / "template.txt"
    note.write_text(CLEAN_LINES, encoding="utf-8")
    done = privacy_scan(str(note), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert b"No personal data found in 2 lines." in done.stderr


def test_findings_are_listed_by_line_with_kind_and_text_and_exit_1(tmp_path: Path) -> None:
    note = tmp_path / "export.txt"
    note.write_text(PERSONAL_LINES, encoding="utf-8")
    done = privacy_scan(str(note), tmp=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode().splitlines() == [
        "line 2:",
        "  Name: John Smith",
        "  Street address: 14 Acacia Avenue, Leeds",
        "line 4:",
        "  Vehicle registration: AB12 CDE",
        "  Phone number: 07700 900123",
    ]
    assert b"2 of 4 lines hold what looks like personal data." in done.stderr


@pytest.mark.parametrize("args", [("-",), ()])
def test_standard_input_is_read_for_a_dash_or_no_file(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = privacy_scan(*args, stdin=PERSONAL_LINES.encode(), tmp=tmp_path)
    assert done.returncode == 1
    assert done.stdout.decode().startswith("line 2:\n  Name: John Smith\n")
    clean = privacy_scan(*args, stdin=CLEAN_LINES.encode(), tmp=tmp_path)
    assert clean.returncode == 0


def test_a_missing_file_is_a_read_error_exit_2(tmp_path: Path) -> None:
    done = privacy_scan(str(tmp_path / "nope.txt"), tmp=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == f"error: {tmp_path / 'nope.txt'}: no such file"
    assert done.stdout == b""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
        ("Caller Zoë rang".encode("latin-1"), "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_text_is_a_read_error_exit_2(
    tmp_path: Path, content: bytes, message: str
) -> None:
    binary = tmp_path / "picture.png"
    binary.write_bytes(content)
    done = privacy_scan(str(binary), tmp=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr.decode()
    assert b"Traceback" not in done.stderr


def test_a_folder_is_a_read_error_exit_2(tmp_path: Path) -> None:
    done = privacy_scan(str(tmp_path), tmp=tmp_path)
    assert done.returncode == 2
    assert "is a folder, not a file" in done.stderr.decode()


def test_the_force_allow_list_applies_and_a_broken_one_is_warned_about(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("The Harriet Tubman unit took the call.\n", encoding="utf-8")
    assert privacy_scan(str(note), tmp=tmp_path).returncode == 1
    config = tmp_path / "config"
    config.mkdir()
    allow = config / "personal-data-allow.toml"
    allow.write_text('[allow]\nphrases = ["Harriet Tubman"]\n', encoding="utf-8")
    assert privacy_scan(str(note), tmp=tmp_path).returncode == 0
    allow.write_text("[allow\n", encoding="utf-8")
    done = privacy_scan(str(note), tmp=tmp_path)
    assert done.returncode == 1
    assert "warning: the force allow-list was not used" in done.stderr.decode()
