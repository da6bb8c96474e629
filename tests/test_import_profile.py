"""Import mapping profiles: loading, every complaint naming the file and the key, and
the date parsing a profile sets up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcrp_tui.importing.profile import (
    ProfileError,
    load_profile,
    parse_profile,
    shipped_profile,
    shipped_profile_names,
)
from rcrp_tui.importing.rows import NoSuchLocalTime, date_parser

MINIMAL = """
[profile]
name = "minimal"
source_system = "TEST-CAD"

[dates]
formats = ["%d/%m/%Y %H:%M"]
timezone = "Europe/London"

[fields.cad_ref]
column = "Ref"

[fields.received_at]
column = "Received"

[fields.category]
column = "Type"
[fields.category.map]
CFW = "concern_for_welfare"

[fields.outcome]
column = "Result"
[fields.outcome.map]
DEP = "deployed"

[fields.caller_type]
constant = "public"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "force.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ProfileError) as caught:
        load_profile(_write(tmp_path, text))
    return str(caught.value)


def test_minimal_profile_loads_with_defaults(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path, MINIMAL))
    assert profile.name == "minimal"
    assert profile.source_system == "TEST-CAD"
    assert profile.columns == ("Ref", "Received", "Type", "Result")
    assert profile.encoding == "utf-8" and profile.delimiter == ","
    assert profile.fields["threshold_basis"].constant == "none"
    assert profile.fields["outcome"].blank == "reject"


def test_codes_are_matched_without_case(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path, MINIMAL.replace("CFW =", "cfw =")))
    assert profile.fields["category"].codes == {"CFW": "concern_for_welfare"}


def test_san_diego_profile_is_shipped_and_maps_no_address_column() -> None:
    assert "san-diego" in shipped_profile_names()
    profile = shipped_profile("san-diego")
    assert profile.source_system == "SDPD-CAD"
    assert profile.timezone == ZoneInfo("America/Los_Angeles")
    assert profile.fields["category"].codes == {
        "CW": "concern_for_welfare",
        "5150": "s136_s135",
        "5150V": "s136_s135",
    }
    assert profile.fields["outcome"].codes["W"] == "signposted"
    assert profile.fields["caller_type"].constant == "public"
    assert profile.fields["grade"].column == "priority"
    assert not [c for c in profile.columns if c.startswith("address")]


def test_a_bare_name_loads_the_shipped_profile() -> None:
    assert load_profile(Path("san-diego")).source_system == "SDPD-CAD"


def test_an_unknown_shipped_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ProfileError, match="san-diego"):
        load_profile(Path("no-such-force"))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"absent\.toml"):
        load_profile(tmp_path / "absent.toml")


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    message = _error(tmp_path, MINIMAL + "\n[fields.outcome\n")
    assert message.startswith("force.toml: not valid TOML")


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, MINIMAL + '\n[fields.caller_name]\ncolumn = "Name"\n')
    assert message.startswith("force.toml: fields.caller_name: unknown key")


def test_an_unknown_key_inside_a_field_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('column = "Ref"', 'column = "Ref"\ncolum = "Ref"')
    assert "fields.cad_ref.colum: unknown key" in _error(tmp_path, text)


def test_an_unknown_category_in_a_map_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('CFW = "concern_for_welfare"', 'CFW = "welfare"')
    message = _error(tmp_path, text)
    assert "fields.category.map.CFW: 'welfare' is not one of" in message
    assert "concern_for_welfare" in message


def test_a_missing_source_system_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('source_system = "TEST-CAD"', "")
    assert _error(tmp_path, text) == "force.toml: profile.source_system: is required"


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('[fields.caller_type]\nconstant = "public"', "")
    assert _error(tmp_path, text) == "force.toml: fields.caller_type: is required"


def test_a_missing_timezone_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('timezone = "Europe/London"', "")
    assert _error(tmp_path, text) == "force.toml: dates.timezone: is required"


def test_an_unknown_timezone_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace("Europe/London", "Europe/Atlantis")
    assert "dates.timezone: 'Europe/Atlantis' is not a time-zone name" in _error(tmp_path, text)


@pytest.mark.parametrize("name", ["America", "Europe", "America/", "../etc", "zone.tab", ""])
def test_a_zone_folder_or_odd_name_is_named_not_a_traceback(tmp_path: Path, name: str) -> None:
    """``America`` is a folder of the zone database: ZoneInfo raised IsADirectoryError."""
    text = MINIMAL.replace('"Europe/London"', f"{name!r}")
    error = _error(tmp_path, text)
    assert error.startswith("force.toml: dates.timezone: ")
    assert (f"{name!r} is not a time-zone name" in error) if name else ("is needed" in error)


def test_column_and_constant_together_are_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace('constant = "public"', 'constant = "public"\ncolumn = "Caller"')
    assert "fields.caller_type: give exactly one of" in _error(tmp_path, text)


def test_a_coded_column_needs_a_map(tmp_path: Path) -> None:
    text = MINIMAL + '\n[fields.threshold_basis]\ncolumn = "Basis"\n'
    assert "fields.threshold_basis.map: a column for threshold_basis needs a map" in _error(
        tmp_path, text
    )


def test_a_bad_blank_rule_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('column = "Result"', 'column = "Result"\nblank = "ignore"')
    assert "fields.outcome.blank: 'ignore' is not one of" in _error(tmp_path, text)


def test_a_required_field_cannot_be_left_empty(tmp_path: Path) -> None:
    text = MINIMAL.replace('column = "Result"', 'column = "Result"\nblank = "empty"')
    assert "fields.outcome.blank: outcome cannot be left empty" in _error(tmp_path, text)


def test_blank_default_needs_a_valid_default(tmp_path: Path) -> None:
    text = MINIMAL.replace('column = "Result"', 'column = "Result"\nblank = "default"')
    assert "fields.outcome.default: is required" in _error(tmp_path, text)
    text = text.replace('blank = "default"', 'blank = "default"\ndefault = "maybe"')
    assert "fields.outcome.default: 'maybe' is not one of" in _error(tmp_path, text)


def test_cad_ref_cannot_be_a_constant(tmp_path: Path) -> None:
    text = MINIMAL.replace('[fields.cad_ref]\ncolumn = "Ref"', '[fields.cad_ref]\nconstant = "X"')
    assert "fields.cad_ref.constant: cad_ref must come from a column" in _error(tmp_path, text)


def test_a_bad_delimiter_and_encoding_are_named(tmp_path: Path) -> None:
    text = MINIMAL + '\n[csv]\ndelimiter = ";;"\n'
    assert "csv.delimiter: must be exactly one character" in _error(tmp_path, text)
    text = MINIMAL + '\n[csv]\nencoding = "klingon"\n'
    assert "csv.encoding: 'klingon' is not an encoding" in _error(tmp_path, text)


def test_shift_windows_are_checked(tmp_path: Path) -> None:
    good = MINIMAL + (
        '\n[fields.shift]\nderive = [{shift = "day", from = "07:00", to = "19:00"},'
        ' {shift = "night", from = "19:00", to = "07:00"}]\n'
    )
    windows = load_profile(_write(tmp_path, good)).fields["shift"].derive
    assert [w.shift for w in windows] == ["day", "night"]
    assert "fields.shift.derive[1].to: '7am' is not a time" in _error(
        tmp_path, good.replace('to = "07:00"', 'to = "7am"')
    )


def test_london_wall_time_becomes_utc() -> None:
    parse = date_parser(["%d/%m/%Y %H:%M"], ZoneInfo("Europe/London"))
    assert parse("01/07/2026 12:00") == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert parse("01/12/2026 12:00") == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_iso_fast_path_refuses_what_the_format_would() -> None:
    parse = date_parser(["%Y-%m-%d %H:%M:%S"], ZoneInfo("America/Los_Angeles"))
    assert parse("2023-01-01 00:00:05") == datetime(2023, 1, 1, 8, 0, 5, tzinfo=UTC)
    for bad in ("2023-01-01", "2023-01-01 00:00", "2023-13-01 00:00:05", "yesterday"):
        with pytest.raises(ValueError):
            parse(bad)


def test_iso_with_an_offset_keeps_the_offset() -> None:
    parse = date_parser(["iso"], ZoneInfo("Europe/London"))
    assert parse("2026-07-01T12:00:00+02:00") == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)))
def test_fast_path_agrees_with_strptime(local: datetime) -> None:
    zone = ZoneInfo("America/Los_Angeles")
    local = local.replace(microsecond=0)
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    fast = date_parser(["%Y-%m-%d %H:%M:%S"], zone)(text)
    slow = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).astimezone(UTC)
    assert fast == slow
    assert fast.utcoffset() == timedelta(0)


def test_parse_profile_names_the_given_path() -> None:
    with pytest.raises(ProfileError, match=r"^other\.toml: "):
        parse_profile("[profile]\n", Path("other.toml"))


@pytest.mark.parametrize(
    "text",
    [
        "2023-03-12 01:59:59",  # the last second before the clocks go forward
        "2023-03-12 02:30:00",  # an hour that does not exist
        "2023-03-12 03:00:00",
        "2023-11-05 00:59:59",
        "2023-11-05 01:30:00",  # an hour that happens twice: the first is taken
        "2023-11-05 02:00:00",
    ],
)
def test_fast_path_agrees_with_strptime_around_clock_changes(text: str) -> None:
    zone = ZoneInfo("America/Los_Angeles")
    parse = date_parser(["%Y-%m-%d %H:%M:%S"], zone)
    if text == "2023-03-12 02:30:00":
        # A time the clocks skipped is refused, never stored as some other hour.
        for _ in range(2):  # and again, after the per-hour cache has seen the hour
            with pytest.raises(NoSuchLocalTime):
                parse(text)
        return
    slow = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).astimezone(UTC)
    assert parse(text) == slow
    assert parse(text) == slow  # and again, from the per-hour cache
