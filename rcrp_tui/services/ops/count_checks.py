"""Stored counts against a direct count: the month and day counts of the decisions, and
the review and answer day counts of the reviews that count (``rcrp-tui db check``, and the
tests of every writer that keeps them). Each ``*_differences`` gives key -> (stored,
counted) for every key that differs; each ``*_counts`` check says so in a
:class:`CheckResult`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from rcrp_tui.storage.db import Database
from rcrp_tui.storage.kpi_models import (
    NO_JUDGEMENT,
    NO_OFFICER,
    NO_PHASE,
    answer_day_counts_table,
    decision_day_counts_table,
    review_day_counts_table,
)
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table
from rcrp_tui.storage.sampling_models import decision_stratum_months_table

_D = decisions_table.c
_C = decision_stratum_months_table.c
_C_KEY = (_C.category, _C.shift, _C.team_id, _C.not_deployed, _C.partner, _C.month)
_K = decision_day_counts_table.c
_K_KEY = (_K.slot, _K.category, _K.phase, _K.caller_type, _K.deployed)


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str
    applies: bool = True

    def line(self) -> str:
        if not self.applies:
            return f"n/a   {self.name}: {self.detail}"
        return f"{'ok   ' if self.passed else 'FAIL '} {self.name}: {self.detail}"


def month_count_differences(db: Database) -> dict[tuple[object, ...], tuple[int, int]]:
    """Every (category, shift, team, not deployed, partner, month) whose stored month count
    differs from a direct count of the decisions: key -> (stored, counted)."""
    month = (
        func.substr(_D.received_at, 1, 7)
        if db.is_sqlite
        else func.to_char(func.timezone("UTC", _D.received_at), "YYYY-MM")
    )
    key = (
        _D.category,
        func.coalesce(_D.shift, ""),
        func.coalesce(_D.team_id, 0),
        _D.outcome != "deployed",
        _D.caller_type != "public",
        month,
    )
    with db.read() as session:
        direct = {
            (c, s, t, bool(nd), bool(p), m): int(n)
            for c, s, t, nd, p, m, n in session.execute(select(*key, func.count()).group_by(*key))
        }
        stored = {
            (c, s, t, bool(nd), bool(p), m): int(n)
            for c, s, t, nd, p, m, n in session.execute(select(*_C_KEY, _C.n))
            if n
        }
    return {
        k: (stored.get(k, 0), direct.get(k, 0))
        for k in set(direct) | set(stored)
        if stored.get(k, 0) != direct.get(k, 0)
    }


def _compared(
    name: str,
    differences: Mapping[Any, tuple[Any, Any]],
    what: str,
    line: Callable[[Any, Any, Any], str],
    equal: Callable[[], str],
) -> CheckResult:
    """A stored-counts check's result: ``equal()`` when nothing differs, else how many
    ``what`` differ and the first five, each described by ``line(key, stored, counted)``."""
    if not differences:
        return CheckResult(name, True, equal())
    shown = "; ".join(
        line(key, s, d) for key, (s, d) in sorted(differences.items(), key=lambda i: str(i[0]))[:5]
    )
    more = f"; and {len(differences) - 5} more" if len(differences) > 5 else ""
    return CheckResult(name, False, f"{len(differences)} {what} differ: {shown}{more}")


def _equal_to_the_decisions(db: Database) -> Callable[[], str]:
    def equal() -> str:
        with db.read() as session:
            total = session.execute(select(func.count()).select_from(decisions_table)).scalar()
        return f"equal to a direct count of the {total} decisions"

    return equal


def month_counts_check(db: Database) -> CheckResult:
    def line(key: Any, s: Any, d: Any) -> str:
        category, shift, team, _nd, _p, month = key
        where = f"{month} {category} (shift {shift or '-'}, team {team or '-'})"
        return f"{where}: stored {s}, counted {d}"

    return _compared(
        "month counts (decision_stratum_months against the decisions)",
        month_count_differences(db),
        "stratum-month(s)",
        line,
        _equal_to_the_decisions(db),
    )


def _slot(db: Database) -> Any:
    """The slot of a decision's ``received_at`` (``"YYYY-MM-DD 00"`` or ``" 23"``), in SQL."""
    if db.is_sqlite:
        day, hour = func.substr(_D.received_at, 1, 10), func.substr(_D.received_at, 12, 2)
        late = hour == "23"
    else:
        utc = func.timezone("UTC", _D.received_at)
        day, late = func.to_char(utc, "YYYY-MM-DD"), func.to_char(utc, "HH24") == "23"
    return day.concat(case((late, " 23"), else_=" 00"))


def day_count_differences(db: Database) -> dict[tuple[object, ...], tuple[int, int]]:
    """Every (slot, category, phase, caller type, deployed) whose stored day count
    differs from a direct count of the decisions: key -> (stored, counted)."""
    slot = _slot(db)
    key = (
        slot,
        _D.category,
        func.coalesce(_D.phase, NO_PHASE),
        _D.caller_type,
        _D.outcome == "deployed",
    )
    with db.read() as session:
        direct = {
            (s, c, int(p), ct, bool(d)): int(n)
            for s, c, p, ct, d, n in session.execute(select(*key, func.count()).group_by(*key))
        }
        stored = {
            (s, c, int(p), ct, bool(d)): int(n)
            for s, c, p, ct, d, n in session.execute(select(*_K_KEY, _K.n))
            if n
        }
    return {
        k: (stored.get(k, 0), direct.get(k, 0))
        for k in set(direct) | set(stored)
        if stored.get(k, 0) != direct.get(k, 0)
    }


def day_counts_check(db: Database) -> CheckResult:
    def line(key: Any, s: Any, d: Any) -> str:
        slot, category, phase, caller, deployed = key
        return (
            f"{slot}:00 UTC {category} (phase {phase or '-'}, {caller}, "
            f"{'deployed' if deployed else 'not deployed'}): stored {s}, counted {d}"
        )

    return _compared(
        "day counts (decision_day_counts against the decisions)",
        day_count_differences(db),
        "day count(s)",
        line,
        _equal_to_the_decisions(db),
    )


def _differences(
    stored: dict[tuple[object, ...], tuple[int, ...]],
    direct: dict[tuple[object, ...], tuple[int, ...]],
) -> dict[tuple[object, ...], tuple[tuple[int, ...], tuple[int, ...]]]:
    """Keys whose stored counts differ from the direct ones (a missing key counts 0)."""
    zero = {k: tuple(0 for _ in v) for k, v in [*stored.items(), *direct.items()]}
    return {
        k: (stored.get(k, zero[k]), direct.get(k, zero[k]))
        for k in set(direct) | set(stored)
        if stored.get(k, zero[k]) != direct.get(k, zero[k])
    }


def review_count_differences(
    db: Database,
) -> dict[tuple[object, ...], tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every stored review or answer day count that differs from a direct count of the
    reviews that count (per decision, its latest review past draft): ``("review", slot,
    officer, judgement, passed)`` -> ((n stored), (n counted)), and ``("answer", slot,
    criterion)`` -> ((answers, met, partial, not met, n/a) stored, (...) counted)."""
    r, a = reviews_table.c, review_answers_table.c
    latest = (
        select(func.max(r.id).label("id"))
        .where(r.status != "draft")
        .group_by(r.decision_id)
        .subquery("latest")
    )
    counted = latest.join(reviews_table, r.id == latest.c.id).join(
        decisions_table, _D.id == r.decision_id
    )
    slot = _slot(db)
    review_key = (
        slot,
        func.coalesce(_D.contact_officer_id, NO_OFFICER),
        func.coalesce(r.judgement, NO_JUDGEMENT),
        r.passed,
    )

    def answered(value: str) -> Any:
        return func.sum(case((a.answer == value, 1), else_=0))

    answers = (func.count(), *(answered(v) for v in ("met", "partial", "not_met", "na")))
    _RC, _AC = review_day_counts_table.c, answer_day_counts_table.c
    with db.read() as session:
        direct: dict[tuple[object, ...], tuple[int, ...]] = {
            ("review", s, int(o), j, bool(p)): (int(n),)
            for s, o, j, p, n in session.execute(
                select(*review_key, func.count()).select_from(counted).group_by(*review_key)
            )
        }
        direct |= {
            ("answer", s, code): tuple(int(x) for x in rest)
            for s, code, *rest in session.execute(
                select(slot, a.criterion_code, *answers)
                .select_from(counted.join(review_answers_table, a.review_id == r.id))
                .group_by(slot, a.criterion_code)
            )
        }
        stored: dict[tuple[object, ...], tuple[int, ...]] = {
            ("review", s, int(o), j, bool(p)): (int(n),)
            for s, o, j, p, n in session.execute(
                select(_RC.slot, _RC.officer_id, _RC.judgement, _RC.passed, _RC.n)
            )
            if n
        }
        stored |= {
            ("answer", s, code): (int(n), int(m), int(pa), int(nm), int(na))
            for s, code, n, m, pa, nm, na in session.execute(
                select(
                    _AC.slot,
                    _AC.criterion_code,
                    _AC.answers,
                    _AC.met,
                    _AC.partial,
                    _AC.not_met,
                    _AC.na,
                )
            )
            if n or m or pa or nm or na
        }
    return _differences(stored, direct)


def review_counts_check(db: Database) -> CheckResult:
    return _compared(
        "review counts (review_day_counts and answer_day_counts against the reviews)",
        review_count_differences(db),
        "review count(s)",
        lambda key, s, d: (
            f"{' '.join(str(part) for part in key)}: stored {list(s)}, counted {list(d)}"
        ),
        lambda: "equal to a direct count of the reviews that count",
    )
