"""The demo's coaching notes: fifteen development conversations with contact officers.

Written through ``services.coaching.notes`` by the floorwalkers, QA leads and team supervisors who
had them, at fixed moments in the six weeks, and moved on by the officer (acknowledge, with
a comment) and the author (follow-up done, close) as far as each got. Every state is
there; several notes point at a demo review and its criteria; two are restricted. Five are
still unsettled with a follow-up day before the demo's "as of" moment, four of them in
Team A, so ``supervisor1``'s and the QA leads' home screens list overdue follow-ups, and
``officer1`` (``CO-1001``) has open agreed actions. Texts are short phrases about practice,
never about a person: no names, places, numbers or dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import (
    NoteStatus,
    NoteText,
    Theme,
    Transition,
    Visibility,
    local_date,
)
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.models import contact_officers_table, decisions_table
from rcrp_tui.storage.review_models import reviews_table

S = NoteStatus


@dataclass(frozen=True)
class PlannedNote:
    """One note: author, officer, when (days after go-live), follow-up (days after writing;
    None for none), how far it gets, and whether it points at one of the officer's reviews."""

    author: str
    staff_id: str
    theme: Theme
    day: float
    went_well: str
    to_develop: str
    actions: str = ""
    follow_up: int | None = None
    target: NoteStatus = S.OPEN
    comment: str = ""
    review: bool = False
    criteria: tuple[str, ...] = ()
    restricted: bool = False


NOTES: tuple[PlannedNote, ...] = (
    PlannedNote(
        "qalead1",
        "CO-1001",
        Theme.GUIDELINES,
        39.2,
        "Call control was calm and the caller was kept informed throughout.",
        "The real and immediate test was named but not applied to what the caller described.",
        "Talk through two recent welfare calls against the threshold with a floorwalker.",
        follow_up=9,
        review=True,
        criteria=("C05",),
    ),
    PlannedNote(
        "floorwalker1",
        "CO-1001",
        Theme.BETTER_PRACTICE,
        15.4,
        "Clear warm transfer to the ambulance clinical hub with the risk summarised.",
        "",
        "Share the handover wording with the team at the next briefing.",
        follow_up=7,
        target=S.CLOSED,
        comment="Happy to share it; I used the handover prompt card.",
    ),
    PlannedNote(
        "supervisor1",
        "CO-1001",
        Theme.COMPLIANCE,
        28.5,
        "Outcome was appropriate for the information given.",
        "Closing code had no RCRP qualifier and the rationale was a single phrase.",
        "Add the qualifier code and a reasoned THRIVE line to every RCRP closure.",
        follow_up=7,
        target=S.ACKNOWLEDGED,
        review=True,
        criteria=("C12",),
        comment="Understood. I will use the rationale template on every RCRP closure.",
    ),
    PlannedNote(
        "supervisor1",
        "CO-1006",
        Theme.HUMAN_ERROR,
        23.6,
        "Good questioning about the caller's immediate safety.",
        "Log was closed as not deployed before the partner confirmed they would attend.",
        "Confirm partner attendance before closing; practise on the next two shifts.",
        follow_up=7,
    ),
    PlannedNote(
        "floorwalker6",
        "CO-1011",
        Theme.GUIDELINES,
        29.3,
        "Recognised quickly that the call was a medical matter.",
        "Advice only was given where the toolkit expects a warm transfer.",
        "Read the warm transfer guidance and shadow a handover with a floorwalker.",
        follow_up=7,
    ),
    PlannedNote(
        "qalead2",
        "CO-1016",
        Theme.RESOURCES,
        31.4,
        "",
        "Wellbeing conversation following a difficult call; support options discussed.",
        "Check in after the next run of night shifts and review the support offered.",
        follow_up=7,
        restricted=True,
    ),
    PlannedNote(
        "qalead1",
        "CO-1002",
        Theme.GOVERNANCE,
        9.5,
        "Rationale recorded the partner's duty of care clearly.",
        "Supervisor was not made aware of a partner challenge during the call.",
        "Flag partner challenges to the supervisor before closing the log.",
        follow_up=7,
        target=S.FOLLOW_UP_DONE,
        review=True,
        criteria=("C10",),
        comment="Agreed, I will flag challenges to the supervisor straight away.",
    ),
    PlannedNote(
        "supervisor2",
        "CO-1002",
        Theme.RESOURCES,
        35.3,
        "Kept the caller on the line while the ambulance hub was reached.",
        "Long hold before the transfer was accepted.",
        "Use the direct hub line listed on the desk card and record any delay.",
        follow_up=11,
    ),
    PlannedNote(
        "floorwalker2",
        "CO-1007",
        Theme.BETTER_PRACTICE,
        33.6,
        "Excellent summary of risk factors; a model RCRP rationale for the team.",
        "",
    ),
    PlannedNote(
        "floorwalker3",
        "CO-1003",
        Theme.GUIDELINES,
        38.4,
        "Caller reassured and advice given clearly.",
        "Referred to the wrong service: a walk-out returns to the hospital, which keeps "
        "the duty of care.",
        "Go through the walk-out flowchart with a floorwalker on the next shift.",
        follow_up=10,
        target=S.ACKNOWLEDGED,
        review=True,
        criteria=("C09",),
        comment="I had the flowchart open but misread it; will go through it.",
    ),
    PlannedNote(
        "qalead2",
        "CO-1003",
        Theme.HUMAN_ERROR,
        17.3,
        "Honest account of what happened on the call.",
        "Stress after a call that ended badly; time off the phones was agreed.",
        "Review support with the officer before returning to the RCRP desk.",
        follow_up=5,
        target=S.CLOSED,
        restricted=True,
        comment="Thank you for the support.",
    ),
    PlannedNote(
        "supervisor3",
        "CO-1008",
        Theme.COMPLIANCE,
        32.4,
        "Decision was appropriate.",
        "No rationale beyond a closing phrase.",
        "Complete the rationale refresher module.",
        follow_up=5,
    ),
    PlannedNote(
        "floorwalker4",
        "CO-1001",
        Theme.BETTER_PRACTICE,
        4.7,
        "Applied the threshold confidently on a busy first week.",
        "",
        "Mentor a newer colleague on the RCRP desk for one shift.",
        follow_up=10,
        target=S.CLOSED,
        comment="Glad to help.",
    ),
    PlannedNote(
        "qalead1",
        "CO-1002",
        Theme.COMPLIANCE,
        40.3,
        "Threshold reasoning was sound.",
        "Rationale repeated the caller's words without saying what was decided and why.",
        "Use the rationale template for the next shift's RCRP decisions.",
        follow_up=6,
        review=True,
        criteria=("C12",),
    ),
    PlannedNote(
        "floorwalker7",
        "CO-1012",
        Theme.GUIDELINES,
        37.5,
        "Calm, structured call handling.",
        "Unsure whether a voluntary patient leaving the ward is a police matter.",
        "Read the voluntary patient guidance and discuss it with a floorwalker.",
        follow_up=8,
    ),
)
_ORDER = (S.OPEN, S.ACKNOWLEDGED, S.FOLLOW_UP_DONE, S.CLOSED)


def add_notes(
    ctx_for: dict[str, Ctx],
    clock: FixedClock,
    *,
    first: datetime,
    officers: dict[str, str],
    until: datetime | None = None,
) -> int:
    """Write the notes and move them on; ``officers`` maps staff id → demo username.

    With ``until`` (a live demo's "now") nothing later happens: a note is written only
    if it is due by then, and moved on only as far as it had got."""
    author = ctx_for["qalead1"]
    if coaching.list_notes(author, limit=1):
        return 0
    reviews = _reviews_by_officer(author, [n.staff_id for n in NOTES if n.review])
    used: set[int] = set()
    events: list[tuple[datetime, int, int]] = []
    ids: dict[int, int] = {}
    planned = sorted(NOTES, key=lambda n: n.day)
    for index, note in enumerate(planned):
        written = first + timedelta(days=note.day)
        events.append((written, index, 0))
        for step in range(1, _ORDER.index(note.target) + 1):
            events.append((written + timedelta(days=_STEP_DAYS[step], hours=step), index, step))
    for at, index, step in sorted(events):
        if until is not None and (at > until or (step > 0 and index not in ids)):
            continue
        clock.instant = at
        note = planned[index]
        if step == 0:
            review_id = next((r for r in reviews.get(note.staff_id, []) if r not in used), None)
            if review_id is not None and note.review:
                used.add(review_id)
            follow = (
                None if note.follow_up is None else local_date(at) + timedelta(days=note.follow_up)
            )
            view = coaching.write_note(
                ctx_for[note.author],
                coaching.NoteInput(
                    staff_id=note.staff_id,
                    theme=note.theme,
                    text=NoteText(note.went_well, note.to_develop, note.actions),
                    follow_up_on=follow,
                    visibility=Visibility.RESTRICTED if note.restricted else Visibility.NORMAL,
                    review_id=review_id if note.review else None,
                    criteria=note.criteria if note.review else (),
                ),
            )
            ids[index] = view.id
            continue
        mover = ctx_for[officers[note.staff_id]] if step == 1 else ctx_for[note.author]
        current = coaching.get_note(mover, ids[index])
        coaching.move(
            mover,
            ids[index],
            (Transition.ACKNOWLEDGE, Transition.FOLLOW_UP_DONE, Transition.CLOSE)[step - 1],
            row_version=current.row_version,
            comment=note.comment if step == 1 else "",
        )
    return len(ids)


#: Days after writing that each later step happens: acknowledge, follow up, close.
_STEP_DAYS = (0, 1, 6, 7)


def _reviews_by_officer(ctx: Ctx, staff_ids: list[str]) -> dict[str, list[int]]:
    """The officers' released or acknowledged reviews, oldest first (a read for choosing
    which review a note points at; every write goes through the services)."""
    r, d, o = reviews_table.c, decisions_table.c, contact_officers_table.c
    stmt = (
        select(o.staff_id, r.id)
        .join(decisions_table, d.id == r.decision_id)
        .join(contact_officers_table, o.id == d.contact_officer_id)
        .where(o.staff_id.in_(sorted(set(staff_ids))), r.status.in_(("released", "acknowledged")))
        .order_by(r.id)
    )
    found: dict[str, list[int]] = {}
    with ctx.db.read() as session:
        for staff_id, review_id in session.execute(stmt):
            found.setdefault(staff_id, []).append(int(review_id))
    return found
