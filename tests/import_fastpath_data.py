"""Profiles and cells for the fast path equivalence tests (test_import_fastpath.py)."""

from __future__ import annotations

HEADER = ["Ref", "Received", "Type", "Result", "Caller", "Officer", "Team", "Grade"]
HEADER += ["Phase", "Qualifiers", "Note", "Address"]
#: Two profiles over the same columns: every field from a column with the common blank
#: rules, and one with a skipped blank call type, a mapped shift and constants.
FULL = """
[profile]
name = "full"
source_system = "{source}"
[dates]
formats = ["%Y-%m-%d %H:%M:%S"]
timezone = "{zone}"
[fields.cad_ref]
column = "Ref"
[fields.received_at]
column = "Received"
[fields.category]
column = "Type"
[fields.category.map]
CFW = "concern_for_welfare"
MH = "s136_s135"
SS = "medical"
[fields.outcome]
column = "Result"
skip = ["TEST"]
[fields.outcome.map]
DEP = "deployed"
AMB = "transferred_ambulance"
[fields.caller_type]
column = "Caller"
blank = "default"
default = "public"
[fields.caller_type.map]
PUB = "public"
NHS = "ambulance"
[fields.staff_id]
column = "Officer"
[fields.team]
column = "Team"
[fields.grade]
column = "Grade"
[fields.phase]
column = "Phase"
[fields.qualifier_codes]
column = "Qualifiers"
[fields.rationale]
column = "Note"
[fields.shift]
derive = [{{shift = "day", from = "07:00", to = "19:00"}},
          {{shift = "night", from = "19:00", to = "07:00"}}]
"""
LEAN = """
[profile]
name = "lean"
source_system = "{source}"
[dates]
formats = ["%Y-%m-%dT%H:%M"]
timezone = "{zone}"
[fields.cad_ref]
column = "Ref"
[fields.received_at]
column = "Received"
[fields.category]
column = "Type"
blank = "skip"
[fields.category.map]
CFW = "concern_for_welfare"
MH = "s136_s135"
[fields.outcome]
column = "Result"
blank = "default"
default = "deployed"
[fields.outcome.map]
DEP = "deployed"
AMB = "transferred_ambulance"
[fields.caller_type]
constant = "public"
[fields.staff_id]
constant = "CO-1"
[fields.phase]
constant = "2"
[fields.shift]
column = "Team"
[fields.shift.map]
A = "day"
B = "night"
"""
DEFAULTS = """
[profile]
name = "defaults"
source_system = "{source}"
[dates]
formats = ["%Y-%m-%d %H:%M"]
timezone = "{zone}"
[fields.cad_ref]
column = "Ref"
[fields.received_at]
column = "Received"
[fields.category]
column = "Type"
blank = "default"
default = "other"
[fields.category.map]
CFW = "concern_for_welfare"
"" = "medical"
[fields.outcome]
column = "Result"
[fields.outcome.map]
DEP = "deployed"
[fields.caller_type]
constant = "public"
[fields.team]
column = "Team"
blank = "default"
default = "B"
[fields.grade]
column = "Grade"
blank = "default"
default = "G0"
[fields.phase]
column = "Phase"
blank = "default"
default = "5"
[fields.rationale]
column = "Note"
blank = "default"
default = "no note"
"""
#: For every column: cells the fast path takes, then cells that must take the Python path.
PLAIN: dict[str, list[str]] = {
    "Ref": ["CAD-1", "CAD-2", "CAD-3", "CAD-4", "CAD-5", "CAD-6", "A/B_C.D-7", "S1"],
    "Received": [
        "2026-07-01 12:00:00",
        "2026-07-01 06:59:59",
        "2026-07-01 19:00:00",
        "2026-07-01T12:00",
        "2026-07-01 12:00",
        "2026-01-15 23:59:59",
    ],
    "Type": ["CFW", "MH", "cfw", "BURG", "burg", "SS", "other", "OTHER"],
    "Result": ["DEP", "AMB", "amb"],
    "Caller": ["PUB", "", "NHS", "pub"],
    "Officer": ["CO-1", "", "CO-2"],
    "Team": ["A", "", "B"],
    "Grade": ["G1", "", "1"],
    "Phase": ["1", "", "9"],
    "Qualifiers": ["Q1", "", "Q1;Q2"],
    "Note": [""],
    "Address": ["1 High St", ""],
}
ODD: dict[str, list[str]] = {
    "Ref": ["cad-1", " CAD-2", "CAD 9", "\u017f1", "", "X" * 65, "CAD-\u00e9", "CAD-3\t"],
    "Received": [
        "2026-03-29 01:30:00",  # London: the clocks go forward
        "2026-10-25 01:30:00",  # London: the hour repeats
        "2026-03-08 02:30:00",  # Los Angeles: the clocks go forward
        "2026-11-01 01:30:00",  # Los Angeles: the hour repeats
        "2023-02-30 10:00:00",
        "2026-13-01 10:00:00",
        " 2026-07-01 12:00:00",
        "0099-07-01 12:00:00",
        "2026-07-01 12:00:00.5",
        "yesterday",
        "",
    ],
    "Type": [" MH", "", "\u00df", "caf\u00e9", "\tBURG", "CFW\u00a0"],
    "Result": ["TEST", "test", "XYZ", "", " DEP", "D\u00c9P"],
    "Caller": ["pub ", "\u00a0PUB", "ZZZ", " "],
    "Officer": ["CO-99", " CO-1", "co-1"],
    "Team": ["Z", "a", "A\u00a0"],
    "Grade": ["X" * 17, "\u00e9", " G2", "G\u00e9"],
    "Phase": ["0", "10", " 2", "\uff19"],
    "Qualifiers": ["Q" * 256, " Q1"],
    "Note": ["risk to life", "call back on 07700 900123", "[bold]"],
    "Address": ["2 High St"],
}
