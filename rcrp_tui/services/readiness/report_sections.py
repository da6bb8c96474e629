"""What every format of the readiness report shows: its title, header lines and rows."""

from __future__ import annotations

from dataclasses import dataclass

from rcrp_tui.services.readiness.checklist import ChecklistView, ItemView, ReadinessReport

COLUMNS = ("Checklist", "Status", "Item", "Figure or evidence", "Owner", "Due", "Where")


@dataclass(frozen=True)
class Row:
    checklist: str
    #: In words (OVERDUE, NOT MET... in capitals); ``symbol`` beside it where it can show.
    status: str
    symbol: str
    item: str
    figure: str
    owner: str
    due: str
    where: str


def title(report: ReadinessReport) -> str:
    return f"Go-live readiness: phase {report.phase}, {report.title}"


def header_lines(report: ReadinessReport) -> list[str]:
    """The countdown, each checklist's readiness and the number of blockers."""
    c = report.checklist
    lines = [
        report.countdown + ".",
        f"Phase {report.phase} readiness: {c.tally.percent_text} "
        f"({c.tally.done} of {c.tally.applicable} items done or met; "
        f"{len(c.items) - c.tally.applicable} not applicable).",
    ]
    if report.milestones is not None:
        m = report.milestones
        lines.append(
            f"Key milestones: {m.tally.percent_text} ({m.tally.done} of {m.tally.applicable} done)."
        )
    lines.append(f"Blocking go-live: {len(report.blockers)} items (listed first).")
    lines.append(f"As of {report.today:%d %B %Y}. Checklists from {report.source}.")
    return lines


def _status(item: ItemView) -> str:
    word = item.status if item.done or not item.applicable else item.status.upper()
    return word + (" (OVERDUE)" if item.overdue else "")


def _row(name: str, item: ItemView) -> Row:
    figure = item.figure if item.evidenced else item.evidence
    return Row(
        name,
        _status(item),
        item.symbol,
        item.text,
        figure,
        item.owner,
        f"{item.due_on:%d %b %Y}" if item.due_on else "",
        item.where if item.evidenced else "manual item",
    )


def rows(report: ReadinessReport) -> tuple[list[Row], list[Row]]:
    """(what blocks go-live, every item by checklist)."""
    names = {report.phase: f"Phase {report.phase}", 0: "Key milestones"}
    blockers = [_row(names.get(i.phase, str(i.phase)), i) for i in report.blockers]
    lists: list[ChecklistView] = [report.checklist]
    if report.milestones is not None:
        lists.append(report.milestones)
    everything = [_row(names.get(c.phase, c.title), i) for c in lists for i in c.items]
    return blockers, everything
