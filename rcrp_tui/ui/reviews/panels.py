"""What the review screen draws: a criterion line, the decision summary and guidance.

Pure functions from records to Rich ``Text``; free text always goes through ``visible`` so
it shows exactly as typed.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.review_workflow import Action, ReviewStatus, Who, allowed
from rcrp_tui.domain.scoring import Answer, Judgement, ScoreResult
from rcrp_tui.domain.toolkit import Criterion, Toolkit
from rcrp_tui.domain.verdict import Outcome
from rcrp_tui.services.core.context import Actor
from rcrp_tui.services.decisions.queries import DecisionRow
from rcrp_tui.services.reviews.records import AnswerEntry, ReviewView, ReviewWork
from rcrp_tui.ui.common.literal import visible

LOCAL = ZoneInfo("Europe/London")
#: A mark and a word for each answer, so the list reads without colour.
MARKS: dict[Answer | None, str] = {
    None: "·  ----  ",
    Answer.MET: "✓  Met   ",
    Answer.PARTIAL: "◐  Part  ",
    Answer.NOT_MET: "✗  NotMet",
    Answer.NA: "-  N/A   ",
}


def criterion_line(c: Criterion, entry: AnswerEntry) -> Text:
    """``✓  Met    C05   ‼ ✎ question…`` (‼ critical, ✎ has a note)."""
    text = Text(f"{MARKS[entry.answer]} {c.code:<5}", style="bold")
    text.append(" ‼" if c.critical else "  ", style="bold")
    text.append(" ✎ " if entry.note else "   ")
    text.append(visible(c.question, single_line=True))
    return text


def decision_summary(d: DecisionRow, r: ReviewView) -> Text:
    rows = [
        ("CAD ref", f"{d.cad_ref} ({d.source_system})"),
        ("Received", f"{d.received_at.astimezone(LOCAL):%a %d %b %Y %H:%M}"),
        ("Category", d.category.label + (f" · phase {d.phase}" if d.phase else "")),
        ("Caller", d.caller_type.label),
        ("Outcome", d.outcome.label),
        ("Threshold", d.threshold_basis.label),
        ("Officer", f"{d.staff_id or '-'} · team {d.team or '-'}"),
        ("Shift/grade", f"{d.shift or '-'} · {d.grade or '-'}"),
        ("Qualifiers", d.qualifier_codes or "-"),
        ("Toolkit", f"{r.toolkit_key} {r.toolkit_version}"),
        ("Reviewer", r.reviewer),
    ]
    text = Text()
    for label, value in rows:
        text.append(f"{label:<12}", style="bold")
        text.append(visible(value, single_line=True) + "\n")
    text.append("\nRationale\n", style="bold")
    text.append(visible(d.rationale or "(none recorded)"))
    if r.moderation_reason:
        text.append("\n\nModeration: ", style="bold")
        text.append(visible(r.moderation_reason))
    if r.acknowledgement_comment:
        text.append("\n\nOfficer's comment: ", style="bold")
        text.append(visible(r.acknowledgement_comment))
    return text


def guidance_text(c: Criterion, toolkit: Toolkit, note: str) -> Text:
    text = Text(f"{c.code} ", style="bold")
    text.append(visible(c.question), style="bold")
    flags = [f"weight {c.weight:g}", "N/A allowed" if c.na_allowed else "N/A not allowed"]
    if c.critical:
        flags.insert(0, "‼ CRITICAL: Not met fails the review")
    text.append("\n" + " · ".join(flags) + "\n")
    text.append(visible(c.guidance) + "\n")
    for ref in toolkit.references:
        if c.code in ref.criteria:
            text.append(f"\n{ref.code} ", style="bold")
            text.append(visible(f"({ref.group}) {ref.text}"))
    if note:
        text.append("\n\nNote: ", style="bold")
        text.append(visible(note))
    return text


def score_bar(
    result: ScoreResult,
    work: ReviewWork,
    judgement: Judgement | None,
    status: ReviewStatus,
    dirty: bool,
) -> Text:
    """``Score 88.0% Good FAIL ✗ CRITICAL FAILED: C05 · 24/24 answered · Judgement: … ·
    SUBMITTED``; a draft reads ``Score 94.0% Good · draft 7/23 answered · …`` (never PASS:
    domain/verdict.py)."""
    done = len(work.criteria) - len(result.unanswered)
    chosen = work.toolkit.judgement_label(judgement) if judgement else "(none: press o)"
    state = status.value.upper() + (" · unsaved changes" if dirty else "")
    v = result.verdict(draft=status is ReviewStatus.DRAFT)
    if v.outcome is Outcome.INCOMPLETE:
        bar = Text(f"Score {result.describe(with_verdict=False)} · {v.short} answered · ")
    else:
        bar = Text(f"Score {result.describe()} · {done}/{len(work.criteria)} answered · ")
    bar.append(visible(f"Judgement: {chosen} · {state}", single_line=True))
    return bar


def allowed_keys(actor: Actor, review: ReviewView) -> dict[str, bool]:
    """Which of the review screen's actions this actor may take now (the services check
    again; this only hides keys that would be refused)."""
    who = Who(
        actor.role,
        is_reviewer=actor.user_id == review.reviewer_user_id,
        # The services show a contact officer only their own released reviews.
        is_subject=actor.role is Role.CONTACT_OFFICER,
    )

    def may(action: Action) -> bool:
        return allowed(action, review.status, who)

    editable = may(Action.EDIT_DRAFT) or may(Action.AMEND) or may(Action.MODERATE)
    return {
        "answer": editable,
        "note": editable,
        "judgement": editable,
        "save": editable,
        "submit": may(Action.SUBMIT),
        "moderate": may(Action.MODERATE),
        "release": may(Action.RELEASE),
        "acknowledge": may(Action.ACKNOWLEDGE),
        "live_risk": actor.role in (Role.FLOORWALKER, Role.QA_LEAD),
        "history": actor.role is not Role.CONTACT_OFFICER,
        "coaching_note": can(actor.role, Permission.WRITE_COACHING),
    }
