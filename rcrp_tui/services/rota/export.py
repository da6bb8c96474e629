"""Sharing a rota: an iCalendar file per floorwalker, the whole rota as CSV, a printable view.

Calendar events carry their local time with a TZID and the matching VTIMEZONE, so a phone
or desktop calendar shows a night across a clock change at the right hours.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.private_files import write_private
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.rota.state import RotaView, Slot

MARKING = "OFFICIAL-SENSITIVE"
PRODID = "-//rcrp-tui//Floorwalking rota//EN"
CSV_COLUMNS = (
    "date",
    "weekday",
    "team",
    "shift",
    "start",
    "end",
    "hours",
    "night",
    "weekend",
    "first_shift",
    "floorwalker",
    "override_reason",
)


def _when(slot: Slot) -> str:
    s = slot.shift
    return f"{s.start:%H:%M}-{s.end:%H:%M}"


def calendar_for(view: RotaView, floorwalker_id: int, stamp: datetime) -> bytes:
    """One floorwalker's shifts in ``view`` as an iCalendar file."""
    cal = Calendar.new(prodid=PRODID, name=f"{view.rota.name}: floorwalking")
    cal.add("x-wr-caldesc", f"{MARKING}. Floorwalking rota {view.rota.name}")
    for slot in view.slots:
        if slot.floorwalker_id != floorwalker_id:
            continue
        s = slot.shift
        flags = [f for f, on in (("first shift", s.is_first), ("night", s.is_night)) if on]
        summary = f"Floorwalking: {s.team_name} {s.key.code}"
        if flags:
            summary += f" ({', '.join(flags)})"
        cal.add_component(
            Event.new(
                uid=f"rcrp-rota-{view.rota.id}-{s.key.day:%Y%m%d}-{s.key.team_id}-{s.key.code}",
                summary=summary,
                start=s.start,
                end=s.end,
                stamp=stamp,
                description=f"{MARKING}. Rota {view.rota.name}, phase {view.rota.phase}.",
            )
        )
    # Only the years the window touches: a VTIMEZONE for 1970-2038 is hundreds of lines.
    cal.add_missing_timezones(
        first_date=view.rota.go_live - timedelta(days=366),
        last_date=view.rota.last_day + timedelta(days=366),
    )
    return cal.to_ical()


def rota_csv(view: RotaView) -> str:
    """Every slot of the rota, gaps included, one row each (first row: the marking)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([MARKING])
    writer.writerow(CSV_COLUMNS)
    for slot in view.slots:
        s = slot.shift
        writer.writerow(
            [
                s.key.day.isoformat(),
                f"{s.key.day:%a}",
                s.team_name,
                s.key.code,
                s.start.isoformat(),
                s.end.isoformat(),
                f"{s.hours:g}",
                "yes" if s.is_night else "no",
                "yes" if s.is_weekend else "no",
                "yes" if s.is_first else "no",
                _csv_safe(slot.floorwalker_name or "GAP"),
                _csv_safe(slot.override_reason or ""),
            ]
        )
    return out.getvalue()


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in a spreadsheet: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def printable(view: RotaView) -> str:
    """A Markdown rota, a table per week, gaps written as GAP, then coverage."""
    r = view.rota
    lines = [
        f"**{MARKING}**",
        "",
        f"# Floorwalking rota: {r.name}",
        "",
        f"Phase {r.phase}, go-live {r.go_live:%a %d %b %Y}, {r.window_days} days "
        f"to {r.last_day:%a %d %b %Y} ({r.time_zone}).",
        f"Coverage: {view.coverage.covered} of {view.coverage.total} team-shifts "
        f"({view.coverage.percent:.1f}%). `*` first shift of that type for the team, "
        "`N` night, `W` weekend.",
    ]
    week_start: date | None = None
    for slot in view.slots:
        day = slot.key.day
        monday = r.go_live + timedelta(days=((day - r.go_live).days // 7) * 7)
        if monday != week_start:
            week_start = monday
            end = min(monday + timedelta(days=6), r.last_day)
            lines += [
                "",
                f"## Week {(monday - r.go_live).days // 7 + 1}: {monday:%d %b} to {end:%d %b %Y}",
                "",
                "| Day | Shift | Time | Team | Floorwalker | Flags |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
        s = slot.shift
        flags = "".join(
            f for f, on in (("*", s.is_first), ("N", s.is_night), ("W", s.is_weekend)) if on
        )
        who = _md(slot.floorwalker_name) if slot.floorwalker_name else "**GAP**"
        cells = (f"{day:%a %d %b}", s.key.code, _when(slot), _md(s.team_name), who, flags)
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Coverage by team and shift",
        "",
        "| Team | Shift | Covered | Gaps | First shift |",
    ]
    lines.append("| --- | --- | --- | --- | --- |")
    for c in view.coverage.cells:
        first = "covered" if c.first_covered else "**GAP**"
        lines.append(
            f"| {_md(c.team_name)} | {c.code} | {c.covered}/{c.total} | {c.gaps} | {first} |"
        )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]


def _folder(path: Path) -> Path:
    folder = path.expanduser()
    if not folder.exists():
        raise ValidationFailed("folder", f"{folder} does not exist")
    if not folder.is_dir():
        raise ValidationFailed("folder", f"{folder} is not a folder")
    return folder.resolve()


def export_rota(
    ctx: Ctx,
    rota_id: int,
    folder: Path,
    *,
    calendars: bool = True,
    table: bool = True,
    print_view: bool = True,
) -> ExportResult:
    """Write the chosen exports into ``folder`` (which must exist); return the files written."""
    ctx.require(Permission.VIEW_ROTA)
    target = _folder(folder)
    view = rota_service.rota_view(ctx, rota_id)
    base = _SAFE_NAME.sub("-", view.rota.name).strip("-") or f"rota-{rota_id}"
    outputs: list[tuple[Path, bytes]] = []
    if calendars:
        stamp = ctx.clock.now()
        for walker in view.floorwalkers:
            if any(s.floorwalker_id == walker.id for s in view.slots):
                name = _SAFE_NAME.sub("-", walker.username)
                outputs.append(
                    (target / f"{base}-{name}.ics", calendar_for(view, walker.id, stamp))
                )
    if table:
        outputs.append((target / f"{base}.csv", rota_csv(view).encode("utf-8")))
    if print_view:
        outputs.append((target / f"{base}.md", printable(view).encode("utf-8")))
    try:
        for path, data in outputs:
            write_private(path, data)
    except OSError as exc:
        raise ValidationFailed("folder", f"cannot write to {target}: {exc.strerror}") from None
    return ExportResult(tuple(p for p, _ in outputs))
