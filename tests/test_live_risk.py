"""Live risk found during a review: raised with escalation, listed, closed with a note."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.errors import Conflict, PermissionDenied, ValidationFailed
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW
from tests.review_helpers import build_cast


def test_live_risk_lifecycle(any_db: Database, clock: FixedClock) -> None:
    cast = build_cast(any_db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    when = FIXED_NOW - timedelta(minutes=4)
    alert = live_risk.raise_live_risk(
        cast.floorwalker, work.review.id, escalated_to="Force Incident Manager", escalated_at=when
    )
    assert alert.is_open and alert.escalated_at == when and alert.cad_ref == "CAD-0001"
    assert alert.raised_by == "Fw One"
    for ctx in (cast.qa, cast.supervisor, cast.other_supervisor):
        assert [a.id for a in live_risk.open_alerts(ctx)] == [alert.id]
        assert live_risk.open_count(ctx) == 1
    with pytest.raises(PermissionDenied):
        live_risk.open_alerts(cast.floorwalker)
    with pytest.raises(PermissionDenied):
        live_risk.close_alert(cast.floorwalker, alert.id, "done")
    with pytest.raises(ValidationFailed, match="note"):
        live_risk.close_alert(cast.supervisor, alert.id, "   ")
    closed = live_risk.close_alert(cast.supervisor, alert.id, "FIM confirmed unit attended")
    assert not closed.is_open and closed.closed_by == "Sup Red"
    assert live_risk.open_alerts(cast.qa) == []
    with pytest.raises(Conflict, match="already closed"):
        live_risk.close_alert(cast.qa, alert.id, "again")
    trail = audit.entries(cast.admin, entity="live_risk", entity_id=alert.id)
    assert [e.action for e in trail] == ["live_risk_closed", "live_risk_raised"]
    history = [h.action for h in reviews.history(cast.floorwalker, work.review.id)]
    assert history[-2:] == ["live_risk_raised", "live_risk_closed"]


BAD_ESCALATIONS = [
    ("", FIXED_NOW, "escalated_to"),
    ("PC Smith", FIXED_NOW, "escalated_to"),
    ("Mrs Jones on 07700 900123", FIXED_NOW, "escalated_to"),
    ("Force Incident Manager", FIXED_NOW + timedelta(hours=1), "escalated_at"),
    ("Force Incident Manager", datetime(2026, 11, 24, 10, 0), "escalated_at"),
]


def test_escalation_must_be_recorded_properly(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    for to, at, field in BAD_ESCALATIONS:
        with pytest.raises(ValidationFailed) as info:
            live_risk.raise_live_risk(
                cast.floorwalker, work.review.id, escalated_to=to, escalated_at=at
            )
        assert info.value.field == field, (to, at)
    assert live_risk.open_count(cast.qa) == 0
