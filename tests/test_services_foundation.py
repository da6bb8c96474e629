"""Service layer: roles on every write, audit in the same transaction, sign-in and lock-out,
and keyset paging of decisions, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.services.core import auth, people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import AuthenticationFailed, PermissionDenied, ValidationFailed
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.conftest import TEST_ADMIN

PASSWORD = "long-enough-password"


def _actor(role: Role) -> Actor:
    return Actor(user_id=None, username=f"test-{role.value}", display_name="T", role=role)


def _audit_actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def _decision(ref: str, at: datetime, **kw: object) -> DecisionInput:
    base: dict[str, object] = dict(
        cad_ref=ref,
        source_system="TEST",
        received_at=at,
        category=Category.CONCERN_FOR_WELFARE,
        caller_type=CallerType.PUBLIC,
        outcome=Outcome.SIGNPOSTED,
    )
    base.update(kw)
    return DecisionInput(**base)  # type: ignore[arg-type]


WRITES: dict[str, tuple[Callable[[Ctx], object], set[Role]]] = {
    "add_team": (lambda c: people.add_team(c, "Team Z", "6on4off-10h"), {Role.ADMINISTRATOR}),
    "add_contact_officer": (
        lambda c: people.add_contact_officer(c, "CO-9", None),
        {Role.ADMINISTRATOR},
    ),
    "add_user": (
        lambda c: people.add_user(
            c, username="new.user", display_name="New", role=Role.FLOORWALKER, password=PASSWORD
        ),
        {Role.ADMINISTRATOR},
    ),
    "set_password": (
        lambda c: people.set_password(c, "existing", PASSWORD + "2"),
        {Role.ADMINISTRATOR},
    ),
    "set_active": (lambda c: people.set_active(c, "existing", False), {Role.ADMINISTRATOR}),
    "record_decision": (
        lambda c: record_decision(c, _decision("X-1", datetime(2026, 1, 1, tzinfo=UTC))),
        {Role.ADMINISTRATOR},
    ),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_checks_the_role_and_is_audited(admin_ctx: Ctx, role: Role, write: str) -> None:
    people.add_user(
        admin_ctx, username="existing", display_name="E", role=Role.FLOORWALKER, password=PASSWORD
    )
    before = _audit_actions(admin_ctx.db)
    action, allowed = WRITES[write]
    ctx = admin_ctx.as_actor(_actor(role))
    if role in allowed:
        action(ctx)
        after = _audit_actions(admin_ctx.db)
        assert len(after) == len(before) + 1
    else:
        with pytest.raises(PermissionDenied, match=f"(?i){role.label}"):
            action(ctx)
        assert _audit_actions(admin_ctx.db) == before


def test_a_refused_write_leaves_nothing_behind(admin_ctx: Ctx) -> None:
    people.add_team(admin_ctx, "Team A", "6on4off-10h")
    with pytest.raises(ValidationFailed, match="already exists"):
        people.add_team(admin_ctx, "Team A", "6on4off-10h")
    assert _audit_actions(admin_ctx.db) == ["team_added"]
    assert [t.name for t in people.list_teams(admin_ctx)] == ["Team A"]


def test_audit_row_holds_before_and_after(admin_ctx: Ctx) -> None:
    from rcrp_tui.services.core import audit

    people.add_user(
        admin_ctx, username="fw", display_name="F", role=Role.FLOORWALKER, password=PASSWORD
    )
    people.set_active(admin_ctx, "fw", False)
    row = audit.entries(admin_ctx, entity="user")[0]
    assert row.action == "user_deactivated"
    assert row.before == {"active": True} and row.after == {"active": False}
    assert row.actor == TEST_ADMIN.username and row.at == admin_ctx.clock.now()
    added = audit.entries(admin_ctx, entity="user")[1]
    assert added.after is not None and "password_hash" not in added.after


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("username", {"username": "Bad Name!"}),
        ("password", {"password": "short"}),
        ("display_name", {"display_name": "  "}),
        ("staff_id", {"role": Role.CONTACT_OFFICER}),
        ("team", {"team": "No Such Team"}),
    ],
)
def test_add_user_validation_names_the_field(admin_ctx: Ctx, field: str, kwargs: dict) -> None:
    args = dict(username="ok.user", display_name="Ok", role=Role.FLOORWALKER, password=PASSWORD)
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as err:
        people.add_user(admin_ctx, **args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_sign_in_lock_out_and_recovery(admin_ctx: Ctx, clock: FixedClock) -> None:
    db = admin_ctx.db
    people.add_user(
        admin_ctx, username="sup", display_name="S", role=Role.SUPERVISOR, password=PASSWORD
    )
    actor = auth.sign_in(db, clock, "sup", PASSWORD)
    assert actor.role is Role.SUPERVISOR and actor.username == "sup"
    for attempt in range(4):
        with pytest.raises(AuthenticationFailed) as refused:
            auth.sign_in(db, clock, "sup", f"wrong-{attempt}")
        assert refused.value.message == auth.REFUSED
    # The fifth locks the account, but says no more than the others: a different
    # message would tell a stranger that "sup" exists.
    with pytest.raises(AuthenticationFailed) as refused:
        auth.sign_in(db, clock, "sup", "wrong-5")
    assert refused.value.message == auth.REFUSED
    # Locked: even the right password is refused until the lock expires.
    with pytest.raises(AuthenticationFailed) as refused:
        auth.sign_in(db, clock, "sup", PASSWORD)
    assert refused.value.message == auth.REFUSED
    clock.advance(minutes=5, seconds=1)
    assert auth.sign_in(db, clock, "sup", PASSWORD).username == "sup"
    actions = _audit_actions(db)
    assert actions.count("sign_in_failed") == 5
    assert "account_locked" in actions and "sign_in_refused_locked" in actions
    assert actions[-1] == "signed_in"


def test_unknown_and_inactive_users_get_the_same_message(admin_ctx: Ctx, clock: FixedClock) -> None:
    people.add_user(
        admin_ctx, username="gone", display_name="G", role=Role.FLOORWALKER, password=PASSWORD
    )
    people.set_active(admin_ctx, "gone", False)
    for name in ("gone", "nobody"):
        with pytest.raises(AuthenticationFailed) as refused:
            auth.sign_in(admin_ctx.db, clock, name, PASSWORD)
        assert refused.value.message == auth.REFUSED


@pytest.mark.parametrize("typed", ["nobody", "Winter-Sunrise-2026!", "  p@ss word  "])
def test_what_was_typed_as_an_unknown_username_is_never_stored(
    admin_ctx: Ctx, clock: FixedClock, typed: str
) -> None:
    """People type their password into the username box: the audit must not keep it."""
    people.add_user(
        admin_ctx, username="gone", display_name="G", role=Role.FLOORWALKER, password=PASSWORD
    )
    people.set_active(admin_ctx, "gone", False)
    with admin_ctx.db.read() as session:
        before = len(session.exec(select(AuditEntry)).all())
    for name in (typed, "gone"):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(admin_ctx.db, clock, name, PASSWORD)
    with admin_ctx.db.read() as session:
        rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()[before:]
    unknown, inactive = rows
    assert (unknown.actor, unknown.actor_role, unknown.actor_user_id) == (
        auth.UNKNOWN_ACCOUNT,
        "anonymous",
        None,
    )
    assert unknown.action == "sign_in_failed" and "unknown username" in (unknown.after_json or "")
    # An inactive account is a real username, so it is named, with its own reason.
    assert inactive.actor == "gone" and "inactive account" in (inactive.after_json or "")
    for row in rows:
        assert typed.strip() not in repr(row.model_dump())


def test_every_refusal_reads_the_same_for_known_and_unknown_names(
    admin_ctx: Ctx, clock: FixedClock
) -> None:
    people.add_user(
        admin_ctx, username="known", display_name="K", role=Role.FLOORWALKER, password=PASSWORD
    )
    messages: dict[str, list[str]] = {"known": [], "nobody": []}
    for name, said in messages.items():
        for attempt in range(auth.MAX_FAILED_SIGN_INS + 2):  # past the lock-out
            with pytest.raises(AuthenticationFailed) as refused:
                auth.sign_in(admin_ctx.db, clock, name, f"wrong-{attempt}")
            said.append(refused.value.message)
    assert messages["known"] == messages["nobody"] == [auth.REFUSED] * 7
    # The lock still happened, and is in the audit log.
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(admin_ctx.db, clock, "known", PASSWORD)
    assert _audit_actions(admin_ctx.db).count("account_locked") == 1


def test_password_reset_clears_lock_out(admin_ctx: Ctx, clock: FixedClock) -> None:
    people.add_user(
        admin_ctx, username="fw", display_name="F", role=Role.FLOORWALKER, password=PASSWORD
    )
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(admin_ctx.db, clock, "fw", "nope-nope-nope")
    people.set_password(admin_ctx, "fw", "a-new-password")
    assert auth.sign_in(admin_ctx.db, clock, "fw", "a-new-password").username == "fw"


@pytest.fixture
def paging_ctx(any_db: Database) -> Ctx:
    clock = FixedClock(datetime(2026, 11, 24, tzinfo=UTC))
    ctx = Ctx(any_db, TEST_ADMIN, clock)
    people.add_team(ctx, "Team A", "6on4off-10h")
    people.add_contact_officer(ctx, "CO-1", "Team A")
    start = datetime(2026, 10, 1, tzinfo=UTC)
    for i in range(130):
        record_decision(
            ctx,
            _decision(
                f"REF-{i:04d}",
                # Pairs of decisions share a timestamp, so paging must break ties by id.
                start + timedelta(minutes=10 * (i // 2)),
                outcome=Outcome.DEPLOYED if i % 3 == 0 else Outcome.REFERRED_HEALTH,
                staff_id="CO-1" if i % 5 == 0 else None,
                category=Category.MEDICAL if i % 4 == 0 else Category.CONCERN_FOR_WELFARE,
            ),
        )
    return ctx.as_actor(_actor(Role.FLOORWALKER))


def test_paging_walks_every_row_once_in_both_directions(paging_ctx: Ctx) -> None:
    seen: list[str] = []
    page = decisions.page(paging_ctx)
    assert not page.has_newer
    while True:
        seen.extend(r.cad_ref for r in page.rows)
        if not page.has_older:
            break
        page = decisions.page(paging_ctx, older_than=page.rows[-1].cursor)
    assert len(seen) == 130 == len(set(seen))
    assert seen[0] == "REF-0129" and seen[-1] == "REF-0000"
    back: list[str] = []
    page = decisions.page(paging_ctx, oldest=True)
    assert not page.has_older
    while True:
        back[:0] = [r.cad_ref for r in page.rows]
        if not page.has_newer:
            break
        page = decisions.page(paging_ctx, newer_than=page.rows[0].cursor)
    assert back == seen


def test_filters_and_count(paging_ctx: Ctx) -> None:
    flt = decisions.DecisionFilter(not_deployed_only=True, staff_id="CO-1")
    rows = decisions.page(paging_ctx, flt, limit=500).rows
    expected = [i for i in range(130) if i % 5 == 0 and i % 3 != 0]
    assert sorted(int(r.cad_ref[4:]) for r in rows) == expected
    assert decisions.count(paging_ctx, flt) == len(expected)
    medical = decisions.DecisionFilter(categories=(Category.MEDICAL,))
    assert decisions.count(paging_ctx, medical) == len(range(0, 130, 4))
    assert decisions.count(paging_ctx, decisions.DecisionFilter(cad_ref_prefix="ref-001")) == 10
    window = decisions.DecisionFilter(
        received_from=datetime(2026, 10, 1, 1, tzinfo=UTC),
        received_to=datetime(2026, 10, 1, 2, tzinfo=UTC),
    )
    assert decisions.count(paging_ctx, window) == 12


def test_contact_officers_cannot_browse_decisions(paging_ctx: Ctx) -> None:
    with pytest.raises(PermissionDenied):
        decisions.page(paging_ctx.as_actor(_actor(Role.CONTACT_OFFICER)))


def test_record_decision_validation(admin_ctx: Ctx) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    record_decision(admin_ctx, _decision("dup-1", at))
    with pytest.raises(ValidationFailed, match="already exists"):
        record_decision(admin_ctx, _decision("DUP-1 ", at))
    with pytest.raises(ValidationFailed) as err:
        record_decision(admin_ctx, _decision("bad ref with spaces", at))
    assert err.value.field == "cad_ref"
    with pytest.raises(ValidationFailed) as err:
        record_decision(admin_ctx, _decision("R-2", datetime(2026, 1, 1)))
    assert err.value.field == "received_at"
    with pytest.raises(ValidationFailed) as err:
        record_decision(admin_ctx, _decision("R-3", at, rationale="x" * 501))
    assert err.value.field == "rationale"
