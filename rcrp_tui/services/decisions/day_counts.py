"""Decision counts over whole London days, from ``decision_day_counts`` (migration 0020).

The table counts decisions per slot of a UTC day: 00:00 to 23:00 (``"YYYY-MM-DD 00"``)
and 23:00 to midnight (``"YYYY-MM-DD 23"``). A range of instants whose ends both fall on
a slot boundary (00:00 or 23:00 UTC on the hour, as every London midnight does, in GMT
or BST) is exactly a range of slots; for any other range ``covers`` says no and the
callers count the decisions directly. Nothing here rounds: a range is either exactly
slots or not used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import CompoundSelect, Select, and_, case, func, literal, select, union_all

from rcrp_tui.storage.kpi_models import NO_PHASE, decision_day_counts_table
from rcrp_tui.storage.models import decisions_table

_K = decision_day_counts_table.c
_D = decisions_table.c
#: The UTC hours a slot starts at.
SLOT_HOURS = (0, 23)


class Span(Protocol):
    """A range of UTC instants ``[start, end)`` (a period, week or month bucket)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


def is_boundary(moment: datetime) -> bool:
    """Whether a slot starts at ``moment`` (00:00 or 23:00 UTC, on the hour)."""
    utc = moment.astimezone(UTC)
    return utc.hour in SLOT_HOURS and (utc.minute, utc.second, utc.microsecond) == (0, 0, 0)


def covers(spans: Iterable[Span]) -> bool:
    """Whether every span begins and ends on a slot boundary (the counts answer exactly)."""
    return all(is_boundary(s.start) and is_boundary(s.end) for s in spans)


def slot(moment: datetime) -> str:
    """The slot starting at ``moment`` (a boundary), e.g. ``"2026-03-28 23"``."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%d} {utc.hour:02d}"


def _in(span: Span) -> Any:
    return and_(_K.slot >= slot(span.start), _K.slot < slot(span.end))


def _group_columns() -> list[Any]:
    return [_K.category, func.nullif(_K.phase, NO_PHASE).label("phase"), _K.caller_type]


def _sums() -> list[Any]:
    return [
        func.sum(_K.n).label("decisions"),
        func.sum(case((_K.deployed.is_(True), _K.n), else_=0)).label("deployed"),
    ]


def _bucket(spans: Sequence[tuple[str, Span]]) -> Any:
    """The key of the span a slot falls in (the spans are in order and contiguous): a
    ``CASE`` that halves the spans at each level, a few comparisons per count."""
    if len(spans) == 1:
        return case((_K.slot < slot(spans[0][1].end), spans[0][0]), else_=None)
    middle = len(spans) // 2
    return case(
        (_K.slot < slot(spans[middle - 1][1].end), _bucket(spans[:middle])),
        else_=_bucket(spans[middle:]),
    )


def deployment(period: Span, weeks: Sequence[tuple[str, Span]] | None) -> Select[Any]:
    """Decisions and deployments per category x phase x caller type (x week key), as
    ``services.kpis.queries.deployment`` counts them (phase None when not recorded);
    only groups with at least one decision. The weeks tile the period, and every span
    must be ``covers``-ed."""
    columns = _group_columns()
    if weeks:
        columns.append(_bucket(weeks).label("week"))
    return (
        select(*columns, *_sums()).where(_in(period)).group_by(*columns).having(func.sum(_K.n) > 0)
    )


def not_deployed(months: Sequence[tuple[str, Span]]) -> CompoundSelect[Any]:
    """Per key: the decisions in its span whose outcome is not "deployed"."""
    return union_all(
        *(
            select(literal(key), func.coalesce(func.sum(_K.n), 0)).where(
                _in(span), _K.deployed.is_(False)
            )
            for key, span in months
        )
    )


def first_and_last(period: Span) -> Select[Any]:
    """The first and last decision received in ``period`` (two seeks of the index)."""
    inside = and_(_D.received_at >= period.start, _D.received_at < period.end)
    return select(
        select(func.min(_D.received_at)).where(inside).scalar_subquery().label("first_at"),
        select(func.max(_D.received_at)).where(inside).scalar_subquery().label("last_at"),
    )
