"""The force's retention schedule: how long each kind of record is kept, and from when.

A force writes its schedule as TOML (docs/operations.md has an example), one table per
kind of record, each with how long it is kept and the event the time counts from::

    [decisions]
    keep = "6 years"
    from = "decision date"

A kind left out of the file is kept: nothing is ever due for deletion without a rule
someone wrote. Every mistake (an unknown kind, an event that is not that kind's, a period
that is not "N years", "N months" or "N days") is refused with the file, the kind and what
is allowed, so a typo never deletes, or keeps, the wrong thing silently.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RecordKind(StrEnum):
    DECISIONS = "decisions"
    COACHING_NOTES = "coaching_notes"
    APPEALS = "appeals"
    AUDIT_ROWS = "audit_rows"
    ROTA = "rota"


#: The event each kind's time counts from, in the words the TOML file uses.
EVENTS: dict[RecordKind, str] = {
    RecordKind.DECISIONS: "decision date",
    RecordKind.COACHING_NOTES: "note closed",
    RecordKind.APPEALS: "appeal decided",
    RecordKind.AUDIT_ROWS: "row written",
    RecordKind.ROTA: "shift worked",
}

#: What a kind covers, for a person reading the plan.
LABELS: dict[RecordKind, str] = {
    RecordKind.DECISIONS: "decisions, with their reviews",
    RecordKind.COACHING_NOTES: "closed coaching notes",
    RecordKind.APPEALS: "decided partner appeals",
    RecordKind.AUDIT_ROWS: "audit rows",
    RecordKind.ROTA: "rota shifts (assignments)",
}

_PERIOD = re.compile(r"^\s*(\d{1,4})\s+(year|month|day)s?\s*$", re.IGNORECASE)
_MAX_DAYS = 200 * 366


class RetentionRulesError(ValueError):
    """A retention schedule that cannot be used; ``str()`` says where and why."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # "year", "month" or "day"

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"

    def before(self, moment: datetime) -> datetime:
        """``moment`` moved back by this period (calendar years and months; the 29th to
        31st of a shorter month fall back to its last day)."""
        if self.unit == "day":
            return moment - timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "year" else 1)
        index = moment.year * 12 + (moment.month - 1) - months
        year, month = divmod(index, 12)
        month += 1
        day = moment.day
        while True:
            try:
                return moment.replace(year=year, month=month, day=day)
            except ValueError:
                day -= 1


@dataclass(frozen=True)
class Rule:
    kind: RecordKind
    keep: Period
    event: str

    def cutoff(self, now: datetime) -> datetime:
        """Records whose event came before this instant are due for deletion."""
        return self.keep.before(now)

    def describe(self) -> str:
        return f'kept {self.keep}, counted from "{self.event}"'


@dataclass(frozen=True)
class RetentionRules:
    rules: dict[RecordKind, Rule]
    source: str

    def rule(self, kind: RecordKind) -> Rule | None:
        return self.rules.get(kind)


def parse_period(text: object, where: str) -> Period:
    if not isinstance(text, str) or not (match := _PERIOD.match(text)):
        raise RetentionRulesError(
            f'{where}: keep = {text!r} is not a period; write "N years", "N months" or '
            '"N days", e.g. keep = "6 years"'
        )
    period = Period(int(match.group(1)), match.group(2).lower())
    days = period.amount * {"year": 366, "month": 31, "day": 1}[period.unit]
    if period.amount == 0 or days > _MAX_DAYS:
        raise RetentionRulesError(
            f"{where}: keep = {text!r} must be at least one day and at most 200 years"
        )
    return period


def parse_rules(text: str, source: str) -> RetentionRules:
    """Read a retention schedule from TOML ``text`` (``source`` names it in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RetentionRulesError(f"{source} is not valid TOML: {exc}") from None
    kinds = ", ".join(k.value for k in RecordKind)
    rules: dict[RecordKind, Rule] = {}
    for name, table in data.items():
        where = f"{source} [{name}]"
        try:
            kind = RecordKind(name)
        except ValueError:
            raise RetentionRulesError(
                f"{where}: no such kind of record; the kinds are {kinds}"
            ) from None
        if not isinstance(table, dict):
            raise RetentionRulesError(f'{where}: write it as a table: [{name}] keep = "…"')
        unknown = sorted(set(table) - {"keep", "from"})
        if unknown:
            raise RetentionRulesError(
                f"{where}: unknown setting(s) {', '.join(unknown)}; a rule has keep and from"
            )
        if "keep" not in table or "from" not in table:
            raise RetentionRulesError(
                f'{where}: a rule needs both keep (e.g. "6 years") and from (here "{EVENTS[kind]}")'
            )
        event = table["from"]
        if event != EVENTS[kind]:
            raise RetentionRulesError(
                f'{where}: from = {event!r}: {name} are counted from "{EVENTS[kind]}"'
            )
        rules[kind] = Rule(kind, parse_period(table["keep"], where), EVENTS[kind])
    return RetentionRules(rules, source)
