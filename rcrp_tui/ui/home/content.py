"""What each role's home panels say: the figures from ``services.home.summary`` as lines of text.

Targets name where Enter goes: ``review:<id>`` opens a review,
``queue:<sample id>:<decision id>`` a sample item (its sample's queue), ``sample:<id>`` a
sample's queue, ``alert-review:<review id>`` the review an alert was raised on,
``cpd:<staff id>`` (or ``cpd:`` for one's own place) the development record,
``appeal:<id>`` an appeal, ``readiness:<phase>`` go-live readiness, and ``live-risk:`` /
``rota:`` those screens. Nothing here is
signalled by colour alone: gaps, overdue notes and alerts carry a word or a symbol.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from rcrp_tui.domain.appeals import format_minutes
from rcrp_tui.domain.coaching import LOCAL_ZONE
from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.sampling import SampleItemStatus
from rcrp_tui.domain.statistics import Proportion
from rcrp_tui.services.home.records import (
    AdministratorHome,
    Alerts,
    FloorwalkerHome,
    FollowUps,
    GoLive,
    Home,
    MonthCompliance,
    OfficerHome,
    QaLeadHome,
    ReviewList,
    ShiftInfo,
    SupervisorHome,
)
from rcrp_tui.services.reviews.records import ReviewSummary
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.home.panel import PanelContent, PanelItem, join

if TYPE_CHECKING:
    from rcrp_tui.services.core.audit_verify import ChainState

#: Each role's panels, top to bottom: (id, title, has a list to open from).
PANELS: dict[Role, tuple[tuple[str, str, bool], ...]] = {
    Role.FLOORWALKER: (
        ("duty", "Your shift", True),
        ("queue", "Your sample queue", True),
        ("drafts", "Your draft reviews", True),
        ("alerts", "Live-risk alerts you raised (open)", True),
        ("authored", "Your notes with overdue follow-ups", True),
    ),
    Role.QA_LEAD: (
        ("compliance", "Compliance this month against last", False),
        ("alerts", "Open live-risk alerts", True),
        ("golive", "Go-live", True),
        ("moderation", "Awaiting moderation", True),
        ("samples", "Samples in progress", True),
        ("overdue", "Overdue coaching follow-ups (every team)", True),
    ),
    Role.SUPERVISOR: (
        ("alerts", "Open live-risk alerts", True),
        ("appeals", "Open live appeals (999)", True),
        ("coverage", "Floorwalker cover, next 7 days", True),
        ("golive", "Go-live", True),
        ("results", "Team results this month", False),
        ("team-overdue", "Overdue follow-ups in your team", True),
        ("authored", "Your notes with overdue follow-ups", True),
    ),
    Role.CONTACT_OFFICER: (
        ("acknowledge", "Released reviews to acknowledge", True),
        ("notes", "Your open coaching notes and actions", True),
    ),
    Role.ADMINISTRATOR: (
        ("golive", "Go-live", True),
        ("accounts", "Accounts and teams", False),
        ("activity", "Imports and audit", False),
        ("chain", "Audit trail integrity", False),
    ),
}

#: The panels each change-feed topic touches (``services.home.summary.PARTS`` reads them
#: again): a change elsewhere redraws only these, and a topic not listed reads nothing.
LIVE_PANELS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.FLOORWALKER: {
        "queue": ("queue",),
        "reviews": ("drafts",),
        "live_risk": ("alerts",),
        "rota": ("duty",),
    },
    Role.QA_LEAD: {
        "queue": ("samples",),
        "reviews": ("moderation", "compliance"),
        "live_risk": ("alerts",),
    },
    Role.SUPERVISOR: {
        "rota": ("coverage",),
        "live_risk": ("alerts",),
        "appeals": ("appeals",),
        "reviews": ("results",),
    },
    Role.CONTACT_OFFICER: {"reviews": ("acknowledge",)},
    Role.ADMINISTRATOR: {},
}


def when(instant: datetime) -> str:
    """ "Tue 24 Nov 19:00": an instant in London time."""
    return f"{instant.astimezone(LOCAL_ZONE):%a %d %b %H:%M}"


def month_name(month: MonthCompliance) -> str:
    return f"{month.start.astimezone(LOCAL_ZONE):%B %Y}"


def _result(r: ReviewSummary) -> str:
    v = r.verdict
    if r.score is None:
        return v.short if v.answered else "not scored"
    return f"{r.score:.0f}% {v.short}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _shown(total: int, listed: int) -> str:
    return f" (first {listed} shown)" if total > listed else ""


def _said(label: str, value: str) -> Text:
    """``label`` then someone's words, shown exactly as typed."""
    return Text(f"{label} ").append_text(literal(value, single_line=True))


def _reviews(
    reviews: ReviewList, what: str, *, dated: str = "saved", reviewer: bool = False
) -> PanelContent:
    items = []
    for r in reviews.first:
        parts: list[str | Text] = [r.cad_ref, Category.label_of(r.category), r.status.label]
        if reviewer:
            parts.append(_said("by", r.reviewer))
        if r.score is not None:
            parts.append(_result(r))
        parts.append(f"{dated} {when(r.updated_at)}")
        items.append(PanelItem(join(parts), f"review:{r.id}"))
    summary = Text(_count(reviews.count, what) + _shown(reviews.count, len(items)))
    return PanelContent(summary, tuple(items), "None.")


def _alerts(alerts: Alerts, target: str) -> PanelContent:
    items = tuple(
        PanelItem(
            join(
                [
                    Text("⚠ LIVE RISK", style="bold"),
                    a.cad_ref,
                    Text(f"raised {when(a.raised_at)} ").append_text(_said("by", a.raised_by)),
                    _said("escalated to", a.escalated_to),
                ]
            ),
            target.format(review=a.review_id),
        )
        for a in alerts.first
    )
    summary = Text(_count(alerts.count, "open alert") + _shown(alerts.count, len(items)))
    if alerts.count:
        summary.stylize("bold")
    return PanelContent(summary, items, "No open alerts.")


def _follow_ups(follow_ups: FollowUps, own_place: bool) -> PanelContent:
    items = tuple(
        PanelItem(
            join(
                [
                    f"⚠ OVERDUE {_count(f.days_overdue, 'day')}",
                    f.staff_id,
                    f"note {f.note_id}",
                    f"due {f.follow_up_on:%d %b}",
                    f.theme,
                    f.status,
                    _said("by", f.author),
                ]
            ),
            "cpd:" if own_place else f"cpd:{f.staff_id}",
        )
        for f in follow_ups.first
    )
    total = follow_ups.count
    summary = Text(_count(total, "overdue follow-up") + _shown(total, len(items)))
    return PanelContent(summary, items, "No overdue follow-ups.")


def _shift(shift: ShiftInfo) -> str:
    end = f"{shift.end.astimezone(LOCAL_ZONE):%H:%M}"
    return f"{shift.team_name} {shift.shift_code}, {when(shift.start)} to {end}"


def floorwalker(h: FloorwalkerHome) -> dict[str, PanelContent]:
    duty = h.duty
    if duty.on_shift is not None:
        line = join(["● ON SHIFT now", _shift(duty.on_shift), f"rota {duty.on_shift.rota_name}"])
    elif duty.next_shift is not None:
        line = join(["○ Not on shift", "next: " + _shift(duty.next_shift)])
    else:
        line = Text("○ Not on shift, and no shift of yours on a rota ahead.")
    queue = tuple(
        PanelItem(
            join(
                [
                    "▶ claimed" if e.status == SampleItemStatus.CLAIMED else "○ assigned",
                    e.cad_ref,
                    Category.label_of(e.category),
                    f"{e.sample_name} #{e.position}",
                ]
            ),
            f"queue:{e.sample_id}:{e.decision_id}",
        )
        for e in h.queue
    )
    waiting = f"; {h.waiting_in_open_samples} more waiting for anyone in open samples"
    return {
        "duty": PanelContent(Text(""), (PanelItem(line, "rota:"),)),
        "queue": PanelContent(
            Text(_count(h.queue_count, "item") + " claimed by or assigned to you" + waiting),
            queue,
            "Nothing claimed by or assigned to you.",
        ),
        "drafts": _reviews(h.drafts, "draft"),
        "alerts": _alerts(h.alerts, "alert-review:{review}"),
        "authored": _follow_ups(h.authored_overdue, own_place=True),
    }


def _proportion(p: Proportion) -> str:
    return p.describe() if p.total else "no reviews submitted"


def qa_lead(h: QaLeadHome) -> dict[str, PanelContent]:
    this, last = h.this_month, h.last_month
    lines = Text()
    lines.append(f"{month_name(this)}: ", style="bold")
    lines.append(_proportion(this.compliance) + "\n")
    lines.append(f"{month_name(last)}: ", style="bold")
    lines.append(_proportion(last.compliance))
    if this.reviews and last.reviews:
        change = 100 * (this.compliance.estimate - last.compliance.estimate)
        arrow = "▲ up" if change > 0 else "▼ down" if change < 0 else "= level"
        lines.append(f"\n{arrow} {abs(change):.1f} points on last month (passed ÷ submitted)")
    samples = tuple(
        PanelItem(
            join(
                [
                    s.name,
                    f"{s.done}/{s.total} done",
                    f"{s.skipped} skipped, {s.replaced} replaced",
                    f"drawn {when(s.drawn_at)}",
                ]
            ),
            f"sample:{s.sample_id}",
        )
        for s in h.samples
    )
    return {
        "compliance": PanelContent(lines),
        "samples": PanelContent(
            Text(_count(h.open_samples, "open sample") + _shown(h.open_samples, len(samples))),
            samples,
            "No open samples.",
        ),
        "moderation": _reviews(h.moderation, "review", dated="updated", reviewer=True),
        "alerts": _alerts(h.alerts, "live-risk:"),
        "overdue": _follow_ups(h.overdue, own_place=False),
    }


def supervisor(h: SupervisorHome) -> dict[str, PanelContent]:
    cov = h.coverage
    if cov.total:
        head = (
            f"{cov.scope}: {cov.covered} of {_count(cov.total, 'shift')} covered "
            f"({cov.percent or 0:.0f}%), {_count(cov.gap_count, 'gap')}"
        )
        head += f" · rota {', '.join(cov.rotas)}"
    else:
        head = f"{cov.scope}: no rota has shifts in the coming week."
    if cov.briefings_due:
        n = len(cov.briefings_due)
        head += f"\n⚠ {_count(n, 'first shift')} within 24 h with no go-live briefing planned"
    gaps = []
    for g in cov.gaps:
        flags = [w for w, on in (("night", g.is_night), ("weekend", g.is_weekend)) if on]
        if g.is_first:
            flags.append("FIRST shift: go-live briefing")
        parts = ["✗ GAP", when(g.start), f"{g.team_name} {g.shift_code}"]
        gaps.append(PanelItem(join(parts + ([", ".join(flags)] if flags else [])), "rota:"))
    # A first shift about to start with no briefing leads: it is the most urgent thing here.
    briefings = [
        PanelItem(
            join(
                [
                    "⚠ NO BRIEFING",
                    when(b.start),
                    f"{b.team_name} {b.shift_code}",
                    f"phase {b.phase} first shift: plan its go-live briefing",
                ]
            ),
            "rota:",
        )
        for b in cov.briefings_due
    ]
    gaps = briefings + gaps
    appeals = tuple(
        PanelItem(
            join(
                [
                    f"⏱ waiting {format_minutes(a.waiting_minutes)}",
                    a.cad_ref,
                    a.partner,
                    f"received {when(a.received_at)}",
                ]
            ),
            f"appeal:{a.id}",
        )
        for a in h.appeals.first
    )
    results = h.results
    month = results.month
    summary = Text(f"{results.scope}, {month_name(month)}: ")
    summary.append(_count(month.reviews, "review") + " · compliance ")
    summary.append(_proportion(month.compliance))
    missed = results.should_have_deployed
    summary.append(
        f"\n{'⚠ ' if missed else ''}Should have deployed: {missed}",
        style="bold" if missed else "",
    )
    if h.team_name is None:
        summary.append("\nThis account has no team: figures are for every team.")
    team = _follow_ups(h.team_overdue, own_place=False)
    if h.team_name is None:
        team = PanelContent(Text("This account has no team."), (), "No team follow-ups.")
    return {
        "coverage": PanelContent(
            Text(head),
            tuple(gaps),
            # With no shifts planned there is nothing covered: "no gaps" would mislead.
            "No gaps in the coming week." if cov.total else "No cover planned: add a rota (F8).",
        ),
        "alerts": _alerts(h.alerts, "live-risk:"),
        "appeals": PanelContent(
            Text(_count(h.appeals.count, "open live appeal")),
            appeals,
            "No live appeal waiting.",
        ),
        "results": PanelContent(summary),
        "team-overdue": team,
        "authored": _follow_ups(h.authored_overdue, own_place=False),
    }


def officer(h: OfficerHome) -> dict[str, PanelContent]:
    notes = []
    for n in h.notes:
        parts: list[str | Text] = []
        if n.overdue:
            parts.append("⚠ OVERDUE")
        due = f"follow-up {n.follow_up_on:%d %b}" if n.follow_up_on else "no follow-up date"
        parts += [n.theme, n.status, due]
        if n.needs_acknowledging:
            parts.append("please acknowledge")
        if n.agreed_actions:
            parts.append(_said("actions:", n.agreed_actions))
        notes.append(PanelItem(join(parts), "cpd:"))
    return {
        "acknowledge": _reviews(h.to_acknowledge, "review", dated="released"),
        "notes": PanelContent(
            Text(_count(h.notes_count, "open note") + _shown(h.notes_count, len(notes))),
            tuple(notes),
            "No open coaching notes.",
        ),
    }


def administrator(h: AdministratorHome, import_key: str = "ctrl+l") -> dict[str, PanelContent]:
    accounts = Text("Active accounts: ")
    accounts.append(", ".join(f"{label} {n}" for label, n in h.users_by_role))
    accounts.append(f"\nTeams: {h.teams} · active contact officers: {h.contact_officers}")
    activity = Text()
    if h.last_import is None:
        activity.append("No import yet.")
    else:
        i = h.last_import
        activity.append_text(
            join(
                [
                    f"Last import {when(i.at)}",
                    i.file,
                    f"by {i.actor}",
                    f"{i.inserted} inserted, {i.updated} updated, {i.rejected} rejected",
                ]
            )
        )
    activity.append(f"\nAudit log: {h.audit_entries} entries, {h.audit_last_week} in 7 days")
    activity.append(
        f"\nImport a CAD export (CSV or .xlsx): {import_key}, or Open Import in the "
        "command palette."
    )
    return {"accounts": PanelContent(accounts), "activity": PanelContent(activity)}


#: What the administrator's audit-trail panel says while the chain is being walked.
CHAIN_CHECKING = PanelContent(Text("Checking the audit trail's hash chain in the background…"))


def chain(state: ChainState | None, failure: str | None = None) -> PanelContent:
    """The administrator's audit-trail panel: verified up to a row, or broken at one.

    A word and a symbol carry the verdict, not only the colour.
    """
    out = Text()
    if state is None:
        out.append("? Audit trail not checked: ", style="bold")
        out.append_text(literal(failure or "the check did not finish", single_line=True))
        return PanelContent(out)
    if state.intact:
        out.append(f"✓ Audit trail verified up to row {state.head_id}", style="bold")
        keyed = f", {state.keyed_rows} keyed" if state.keyed_rows else ""
        out.append(f" ({state.rows} rows{keyed})")
    else:
        out.append(f"✗ Audit trail BROKEN at row {state.broken_at}: ", style="bold reverse")
        out.append_text(literal(state.detail))
        out.append("\nRun `rcrp-tui audit verify` for the full check.")
    for problem in state.guard_problems:
        out.append("\n⚠ Not guarded: ", style="bold")
        out.append_text(literal(problem, single_line=True))
    return PanelContent(out)


def go_live(g: GoLive | None, readiness_key: str = "ctrl+y") -> PanelContent:
    """The next phase's go-live countdown and readiness; Enter opens the readiness screen
    (``readiness_key``: how the panel names its key, as the keymap has it)."""
    if g is None:
        return PanelContent(
            Text("No phase has a floorwalking rota yet, so no go-live date."),
            (PanelItem(Text(f"Go-live readiness ({readiness_key})"), "readiness:"),),
        )
    if g.problem:
        return PanelContent(literal(f"{g.countdown}: {g.problem}"))
    blocking = (
        f"✗ {_count(g.blockers, 'item')} blocking go-live"
        if g.blockers
        else "✓ nothing blocks go-live"
    )
    return PanelContent(
        Text(g.countdown, style="bold"),
        (
            PanelItem(
                join([f"Readiness {g.percent_text}", blocking, readiness_key]),
                f"readiness:{g.phase}",
            ),
        ),
    )


def contents(
    h: Home, import_key: str = "ctrl+l", readiness_key: str = "ctrl+y"
) -> dict[str, PanelContent]:
    """Every panel's content for whichever role's home ``h`` is (``import_key`` and
    ``readiness_key``: how the panels name the Import and readiness screens' keys)."""
    if isinstance(h, FloorwalkerHome):
        return floorwalker(h)
    if isinstance(h, OfficerHome):
        return officer(h)
    if isinstance(h, QaLeadHome):
        panels = qa_lead(h)
    elif isinstance(h, SupervisorHome):
        panels = supervisor(h)
    else:
        panels = administrator(h, import_key)
    return {"golive": go_live(h.go_live, readiness_key), **panels}
