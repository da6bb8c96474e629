"""The force settings file: the shipped values, and every wrong setting refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.domain.force_settings import (
    ForceSettingsError,
    load_force_settings,
    parse_force_settings,
)


def test_the_shipped_settings_and_a_forces_own_file(tmp_path: Path) -> None:
    assert load_force_settings().calibration_min_agreement == 0.8
    own = tmp_path / "force.toml"
    own.write_text("calibration_min_agreement = 0.75\n", encoding="utf-8")
    assert load_force_settings(own).calibration_min_agreement == 0.75
    assert parse_force_settings("", "empty.toml").calibration_min_agreement == 0.8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("calibration_min_agreement = 80", "must be a number from 0 to 1"),
        ("calibration_min_agreement = true", "must be a number from 0 to 1"),
        ('calibration_min_agreement = "0.8"', "must be a number from 0 to 1"),
        ("calibration_min_agreemnt = 0.8", "unknown setting\\(s\\) calibration_min_agreemnt"),
        ("calibration_min_agreement = ", "is not valid TOML"),
    ],
)
def test_a_wrong_setting_is_refused_naming_the_file_and_setting(text: str, message: str) -> None:
    with pytest.raises(ForceSettingsError, match=message) as refused:
        parse_force_settings(text, "force.toml")
    assert str(refused.value).startswith("force.toml")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ForceSettingsError, match="cannot read"):
        load_force_settings(tmp_path / "nope.toml")
