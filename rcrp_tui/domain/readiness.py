"""Go-live readiness checklists as data: the TOML format, its checks, and the sums.

The College of Policing's SRO guidance ("Go-live checklists") gives a key-milestones
checklist and one per phase. They ship as ``domain/data/readiness.toml``; a force edits its
own copy (``$RCRP_READINESS``, docs/readiness.md). Each item is either **manual** (people
record its status, owner, due date and evidence) or **evidenced**: a named rule works it
out from the data the product holds. Loading is all or nothing: every problem is reported
together, each naming the file, the line and the key, and a file with any problem is never
half used.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.phases import FIRST_PHASE, LAST_PHASE

SHIPPED_FILE = "readiness.toml"
#: The key milestones belong to the whole programme, not to one phase.
MILESTONES = 0
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TEXT_MAX = 300


class ItemStatus(StrEnum):
    """Where a manual item stands. Each has a word and a symbol, never colour alone."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def symbol(self) -> str:
        return _STATUS_SYMBOLS[self]


_STATUS_LABELS = {
    ItemStatus.NOT_STARTED: "not started",
    ItemStatus.IN_PROGRESS: "in progress",
    ItemStatus.DONE: "done",
    ItemStatus.NOT_APPLICABLE: "not applicable",
}
_STATUS_SYMBOLS = {
    ItemStatus.NOT_STARTED: "○",
    ItemStatus.IN_PROGRESS: "…",
    ItemStatus.DONE: "✓",
    ItemStatus.NOT_APPLICABLE: "-",
}


def parse_status(raw: str) -> ItemStatus:
    """The status a person typed (its words, its value, or n/a); ValueError in their words."""
    text = " ".join(raw.strip().lower().replace("-", " ").replace("_", " ").split())
    words = {s.label: s for s in ItemStatus} | {"n/a": ItemStatus.NOT_APPLICABLE}
    if text in words:
        return words[text]
    choices = ", ".join(s.label for s in ItemStatus)
    raise ValueError(f"{raw.strip()!r} is not a status; choose one of: {choices}")


class Rule(StrEnum):
    """The rules an evidenced item may name (docs/readiness.md explains each)."""

    TRAINING_SHARE = "training_share"
    FLOORWALKING_ROTA = "floorwalking_rota"
    SHIFT_BRIEFINGS = "shift_briefings"
    SAMPLING_PLAN = "sampling_plan"
    KPI_BASELINE = "kpi_baseline"
    QUALIFIER_CODES = "qualifier_codes"


#: Each rule's settings and their defaults (a whole number each).
RULE_SETTINGS: dict[Rule, dict[str, int]] = {
    Rule.TRAINING_SHARE: {"threshold_percent": 90},
    Rule.FLOORWALKING_ROTA: {"min_days": 42},
    Rule.SHIFT_BRIEFINGS: {},
    Rule.SAMPLING_PLAN: {"min_plans": 1},
    Rule.KPI_BASELINE: {"min_decisions": 1},
    Rule.QUALIFIER_CODES: {"threshold_percent": 90, "days": 28},
}
_SETTING_RANGES: dict[str, tuple[int, int]] = {
    "threshold_percent": (1, 100),
    "min_days": (1, 366),
    "min_plans": (1, 100),
    "min_decisions": (1, 1_000_000),
    "days": (1, 366),
}


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a checklist: manual (``rule`` None) or evidenced by ``rule``."""

    key: str
    text: str
    guidance: str
    rule: Rule | None = None
    settings: dict[str, int] = field(default_factory=dict)

    @property
    def evidenced(self) -> bool:
        return self.rule is not None

    def setting(self, name: str) -> int:
        return self.settings[name]


@dataclass(frozen=True)
class Checklist:
    """The key milestones (``phase`` 0) or one phase's checklist."""

    phase: int
    title: str
    categories: tuple[Category, ...]
    items: tuple[ChecklistItem, ...]

    def item(self, key: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.key == key), None)


@dataclass(frozen=True)
class Checklists:
    """Every checklist in a file, and where the file came from."""

    source: str
    lists: tuple[Checklist, ...]

    @property
    def milestones(self) -> Checklist | None:
        return self.for_phase(MILESTONES)

    def for_phase(self, phase: int) -> Checklist | None:
        return next((c for c in self.lists if c.phase == phase), None)

    @property
    def phases(self) -> tuple[int, ...]:
        return tuple(c.phase for c in self.lists if c.phase != MILESTONES)


class ChecklistError(ValueError):
    """A checklist file is wrong; ``problems`` holds one "file, line N, key: why" each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        count = len(problems)
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{source} is not a valid readiness checklist file "
            f"({count} problem{'s' if count != 1 else ''}):\n{listed}"
        )


# --- where each key is written -------------------------------------------------------

_ARRAY = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\s]+?)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\s]+?)\s*\]")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _locate(text: str) -> dict[str, int]:
    """Each key (``checklists[1].items[2].rule``) -> the line it is written on; each
    table (``checklists[1].items[2]``) -> its header's line."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    parent_index = -1
    for number, line in enumerate(text.splitlines(), 1):
        if array := _ARRAY.match(line):
            name = "".join(array.group(1).split())
            if name == "checklists":
                counts["checklists"] = counts.get("checklists", -1) + 1
                parent_index = counts["checklists"]
                counts.pop("items", None)
                table = f"checklists[{parent_index}]"
            elif name == "checklists.items":
                counts["items"] = counts.get("items", -1) + 1
                table = f"checklists[{parent_index}].items[{counts['items']}]"
            else:
                table = name
            lines.setdefault(table, number)
            continue
        if plain := _TABLE.match(line):
            table = "".join(plain.group(1).split())
            lines.setdefault(table, number)
            continue
        if assign := _ASSIGN.match(line):
            key = f"{table}.{assign.group(1)}" if table else assign.group(1)
            lines.setdefault(key, number)
    return lines


class _Checker:
    """Collects problems, each placed at the line of its key (or of the nearest table)."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = _locate(text)
        self.problems: list[str] = []

    def add(self, key: str, message: str) -> None:
        probe = key
        line = None
        while probe:
            line = self.lines.get(probe)
            if line is not None:
                break
            # categories[1] is written on the line of categories; else the table's line.
            trimmed = re.sub(r"\[\d+\]$", "", probe)
            probe = trimmed if trimmed != probe else probe.rsplit(".", 1)[0] if "." in probe else ""
        where = f", line {line}" if line else ""
        self.problems.append(f"{self.source}{where}, {key}: {message}")

    def text(self, table: dict[str, Any], name: str, key: str, *, required: bool = True) -> str:
        value = table.get(name)
        if value is None:
            if required:
                self.add(f"{key}.{name}", "is required")
            return ""
        if not isinstance(value, str):
            self.add(f"{key}.{name}", f"must be text in quotes, not {value!r}")
            return ""
        value = " ".join(value.split())
        if required and not value:
            self.add(f"{key}.{name}", "must not be empty")
        if len(value) > TEXT_MAX:
            self.add(f"{key}.{name}", f"{len(value)} characters; at most {TEXT_MAX}")
        return value

    def unknown(self, table: dict[str, Any], allowed: set[str], key: str) -> None:
        for name in table:
            if name not in allowed:
                self.add(
                    f"{key}.{name}" if key else name,
                    f"unknown key; expected one of: {', '.join(sorted(allowed))}",
                )


# --- parsing -------------------------------------------------------------------------

_LIST_KEYS = {"phase", "title", "categories", "items"}
_ITEM_KEYS = {"key", "text", "guidance", "rule", *{s for d in RULE_SETTINGS.values() for s in d}}


def parse_checklists(text: str, source: str) -> Checklists:
    """Check a checklist file's TOML; raise ChecklistError listing every problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        where = f", line {match.group(1)}" if match else ""
        raise ChecklistError(source, [f"{source}{where}: not valid TOML ({exc})"]) from None
    ck = _Checker(source, text)
    ck.unknown(doc, {"checklists"}, "")
    raw_lists = doc.get("checklists")
    if not isinstance(raw_lists, list) or not raw_lists:
        ck.add("checklists", "at least one [[checklists]] table is required")
        raw_lists = []
    lists: list[Checklist] = []
    seen_phases: dict[int, str] = {}
    for ci, raw in enumerate(raw_lists):
        key = f"checklists[{ci}]"
        if not isinstance(raw, dict):
            ck.add(key, "must be a table ([[checklists]])")
            continue
        ck.unknown(raw, _LIST_KEYS, key)
        phase = _phase(ck, raw.get("phase"), f"{key}.phase")
        if phase is not None:
            if phase in seen_phases:
                ck.add(
                    f"{key}.phase", f"phase {phase} already has a checklist ({seen_phases[phase]})"
                )
            seen_phases[phase] = key
        title = ck.text(raw, "title", key)
        categories = _categories(ck, raw.get("categories"), f"{key}.categories", phase)
        items = _items(ck, raw.get("items"), key, categories)
        lists.append(Checklist(phase or 0, title, categories, items))
    if ck.problems:
        raise ChecklistError(source, ck.problems)
    lists.sort(key=lambda c: c.phase)
    return Checklists(source, tuple(lists))


def _phase(ck: _Checker, raw: Any, key: str) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        ck.add(
            key,
            f"must be a whole number: {MILESTONES} for the key milestones, "
            f"or a phase from {FIRST_PHASE} to {LAST_PHASE}",
        )
        return None
    if raw != MILESTONES and not FIRST_PHASE <= raw <= LAST_PHASE:
        ck.add(
            key,
            f"{raw} is not {MILESTONES} (key milestones) or a phase from "
            f"{FIRST_PHASE} to {LAST_PHASE}",
        )
        return None
    return raw


def _categories(ck: _Checker, raw: Any, key: str, phase: int | None) -> tuple[Category, ...]:
    if raw is None:
        if phase not in (None, MILESTONES):
            ck.add(key, "is required for a phase: the decision categories it brings in")
        return ()
    if phase == MILESTONES:
        ck.add(key, "the key milestones belong to no categories; remove it")
        return ()
    if not isinstance(raw, list) or not raw:
        ck.add(key, 'must be a list of categories, e.g. ["concern_for_welfare"]')
        return ()
    found: list[Category] = []
    for i, value in enumerate(raw):
        try:
            category = Category(value)
        except ValueError:
            choices = ", ".join(c.value for c in Category)
            ck.add(f"{key}[{i}]", f"unknown category {value!r}; expected one of: {choices}")
            continue
        if category not in found:
            found.append(category)
    return tuple(found)


def _items(
    ck: _Checker, raw: Any, key: str, categories: tuple[Category, ...]
) -> tuple[ChecklistItem, ...]:
    if not isinstance(raw, list) or not raw:
        ck.add(f"{key}.items", "the checklist is empty: add [[checklists.items]]")
        return ()
    items: list[ChecklistItem] = []
    seen: dict[str, str] = {}
    for ii, table in enumerate(raw):
        ikey = f"{key}.items[{ii}]"
        if not isinstance(table, dict):
            ck.add(ikey, "must be a table ([[checklists.items]])")
            continue
        ck.unknown(table, _ITEM_KEYS, ikey)
        item_key = ck.text(table, "key", ikey)
        if item_key and not KEY_RE.match(item_key):
            ck.add(
                f"{ikey}.key", f"{item_key!r}: lower-case letters, digits and hyphens, at most 64"
            )
        elif item_key in seen:
            ck.add(f"{ikey}.key", f"{item_key!r} is already used by {seen[item_key]}")
        seen.setdefault(item_key, ikey)
        text = ck.text(table, "text", ikey)
        guidance = ck.text(table, "guidance", ikey, required=False)
        rule: Rule | None = None
        settings: dict[str, int] = {}
        raw_rule = table.get("rule")
        if raw_rule is not None:
            try:
                rule = Rule(raw_rule)
            except ValueError:
                choices = ", ".join(r.value for r in Rule)
                ck.add(f"{ikey}.rule", f"unknown rule {raw_rule!r}; expected one of: {choices}")
        if rule is not None and not categories and rule is not Rule.SHIFT_BRIEFINGS:
            ck.add(
                f"{ikey}.rule",
                f"the rule {rule.value} needs a phase with categories; "
                "the key milestones have none",
            )
        allowed = RULE_SETTINGS.get(rule, {}) if rule is not None else {}
        for name in sorted(set(table) & {s for d in RULE_SETTINGS.values() for s in d}):
            if name not in allowed:
                what = f"the rule {rule.value}" if rule is not None else "a manual item"
                ck.add(f"{ikey}.{name}", f"{what} takes no {name}")
        for name, default in allowed.items():
            value = table.get(name, default)
            low, high = _SETTING_RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                ck.add(
                    f"{ikey}.{name}", f"must be a whole number from {low} to {high}, not {value!r}"
                )
                value = default
            settings[name] = value
        items.append(ChecklistItem(item_key, text, guidance, rule, settings))
    return tuple(items)


#: A force's own checklist file replaces the shipped one when this is set.
READINESS_ENV = "RCRP_READINESS"


def shipped_text() -> str:
    """The shipped checklists' TOML."""
    return resources.files("rcrp_tui.domain.data").joinpath(SHIPPED_FILE).read_text("utf-8")


def load_checklists(path: Path | None = None) -> Checklists:
    """The checklists in ``path``, else the shipped ones; ChecklistError when wrong."""
    if path is None:
        return parse_checklists(shipped_text(), SHIPPED_FILE)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError(str(path), [f"{path}: the file cannot be read ({exc})"]) from None
    return parse_checklists(text, str(path))


# --- the sums ------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """How far a checklist has got: done (or met) out of the items that apply."""

    done: int
    applicable: int

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.done, self.applicable) if self.applicable else None

    @property
    def percent_text(self) -> str:
        """Whole per cent, rounded down, so 14 of 15 never reads as 100%."""
        if not self.applicable:
            return "nothing applies"
        return f"{(self.done * 100) // self.applicable}%"


def countdown(go_live: date | None, today: date, phase: int) -> str:
    """ "Phase 2 goes live in 12 days", "… goes live tomorrow/today", "… went live 3 days
    ago", or that no go-live date is set (no rota for the phase)."""
    if go_live is None:
        return f"Phase {phase}: no go-live date (no floorwalking rota for the phase yet)"
    days = (go_live - today).days
    when = f"{go_live:%a %d %b %Y}"
    if days > 1:
        return f"Phase {phase} goes live in {days} days ({when})"
    if days == 1:
        return f"Phase {phase} goes live tomorrow ({when})"
    if days == 0:
        return f"Phase {phase} goes live today ({when})"
    ago = -days
    return f"Phase {phase} went live {ago} day{'s' if ago != 1 else ''} ago ({when})"
