"""The changes the concurrency suite races, one function per change, run in the workers.

Each takes the worker's ``Database`` and a plain dict (picklable: ids, versions, frozen
dataclasses), acts as the ``Actor`` in it through the real service, and returns something
small and picklable. The dict carries the version the person "saw" when they began: every
worker of a round sends the same one, so at most one of them may succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)

Payload = dict[str, Any]


def _ctx(db: Database, p: Payload) -> Ctx:
    return Ctx(db, p["actor"], FixedClock(p.get("now", NOW)))


def decide_appeal(db: Database, p: Payload) -> None:
    from rcrp_tui.domain.appeals import AppealOutcome
    from rcrp_tui.services.appeals import recording as appeals

    appeals.decide_appeal(
        _ctx(db, p),
        p["id"],
        outcome=AppealOutcome(p["outcome"]),
        rationale=p["rationale"],
        expected_version=p["seen"],
    )


def set_themes(db: Database, p: Payload) -> None:
    from rcrp_tui.services.appeals import recording as appeals

    appeals.set_themes(_ctx(db, p), p["id"], p["themes"], expected_version=p["seen"])


def complete_action(db: Database, p: Payload) -> None:
    from rcrp_tui.services.appeals import learning as appeal_learning

    appeal_learning.complete_learning_action(_ctx(db, p), p["id"], expected_version=p["seen"])


def move_note(db: Database, p: Payload) -> None:
    from rcrp_tui.domain.coaching import Transition
    from rcrp_tui.services.coaching import notes as coaching

    coaching.move(_ctx(db, p), p["id"], Transition(p["transition"]), row_version=p["seen"])


def save_review(db: Database, p: Payload) -> None:
    from rcrp_tui.services.reviews import saving as reviews

    reviews.save(_ctx(db, p), p["base"], p["answers"], None)


def close_alert(db: Database, p: Payload) -> None:
    from rcrp_tui.services.reviews import live_risk

    live_risk.close_alert(_ctx(db, p), p["id"], p["note"], expected_version=p["seen"])


def assign_shift(db: Database, p: Payload) -> None:
    from rcrp_tui.services.rota import planning as rota

    rota.assign(_ctx(db, p), p["rota"], p["key"], p["walker"], "Cover agreed with the team")


def unassign_shift(db: Database, p: Payload) -> None:
    from rcrp_tui.services.rota import planning as rota

    rota.unassign(_ctx(db, p), p["rota"], p["key"], expected_version=p["seen"])


def skip_item(db: Database, p: Payload) -> None:
    from rcrp_tui.services.sampling import queue as sample_queue

    sample_queue.skip(_ctx(db, p), p["id"], p["reason"], expected_version=p["seen"])


def close_sample(db: Database, p: Payload) -> None:
    from rcrp_tui.services.sampling import plans as sampling

    sampling.close_sample(_ctx(db, p), p["id"], expected_version=p["seen"])


def set_active(db: Database, p: Payload) -> None:
    from rcrp_tui.services.core import people

    people.set_active(_ctx(db, p), p["username"], p["active"], expected_version=p["seen"])


def take_all(db: Database, p: Payload) -> list[int]:
    """Take next and finish it, until the queue is empty; return the items taken."""
    from rcrp_tui.services.sampling import queue as sample_queue

    ctx = _ctx(db, p)
    taken = []
    while (item := sample_queue.take_next(ctx, p["sample"])) is not None:
        taken.append(item.id)
        sample_queue.complete(ctx, item.id, expected_version=item.row_version)
    return taken


def sign_in(db: Database, p: Payload) -> None:
    from rcrp_tui.services.core import auth

    auth.sign_in(db, FixedClock(NOW), p["username"], p["password"])


def import_training(db: Database, p: Payload) -> tuple[int, int, int]:
    from pathlib import Path

    from rcrp_tui.services.training.records import import_training_csv

    done = import_training_csv(_ctx(db, p), Path(p["file"]))
    return done.added, done.changed, done.unchanged


def calibration_save(db: Database, p: Payload) -> int:
    """Save (or submit) a grader's calibration score: every criterion Met."""
    from rcrp_tui.domain.scoring import Answer, Judgement
    from rcrp_tui.services.calibration import grading
    from rcrp_tui.services.reviews.records import AnswerEntry

    ctx = _ctx(db, p)
    work = grading.open_decision(ctx, p["session_id"], p["decision_id"])
    answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
    done = grading.save_score(
        ctx, p["session_id"], p["decision_id"], answers, Judgement.APPROPRIATE,
        expected_version=p.get("expected_version", work.row_version), submit=p["submit"],
    )  # fmt: skip
    return done.row_version or 0


def update_readiness_item(db: Database, p: Payload) -> int:
    from rcrp_tui.services.readiness.checklist import update_item

    return update_item(_ctx(db, p), p["phase"], p["key"], p["update"], expected_version=p["seen"])


def record_briefing(db: Database, p: Payload) -> int:
    from rcrp_tui.services.readiness.briefings import record_briefing as record

    return record(_ctx(db, p), p["briefing"], expected_version=p["seen"]).row_version


def set_baseline(db: Database, p: Payload) -> int:
    from rcrp_tui.services.readiness.checklist import set_baseline as set_it

    return set_it(_ctx(db, p), p["phase"], p["first"], p["end"], expected_version=p["seen"])


OPERATIONS: dict[str, Callable[[Database, Payload], Any]] = {
    "decide_appeal": decide_appeal,
    "set_themes": set_themes,
    "complete_action": complete_action,
    "move_note": move_note,
    "save_review": save_review,
    "close_alert": close_alert,
    "assign_shift": assign_shift,
    "unassign_shift": unassign_shift,
    "skip_item": skip_item,
    "close_sample": close_sample,
    "set_active": set_active,
    "take_all": take_all,
    "sign_in": sign_in,
    "import_training": import_training,
    "calibration_save": calibration_save,
    "update_readiness_item": update_readiness_item,
    "record_briefing": record_briefing,
    "set_baseline": set_baseline,
}
