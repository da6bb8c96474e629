"""Stratum counts per month, kept exact by triggers, for fast sample draws.

Counting every stratum of a million decisions costs a pass over a million index entries.
``decision_stratum_months`` holds the same counts per UTC month, maintained by the database
itself on every insert, update and delete of a decision (whatever writes it: the app,
the importer, the demo builder or a hand-run SQL statement), so a draw sums a few hundred
rows per month instead. The table is filled from the existing decisions when it is created.

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

_KEY = "category, shift, team_id, not_deployed, partner, month"


def _values(row: str, month: str) -> str:
    """The counted key of a decision row (``NEW`` or ``OLD``), as SQL expressions."""
    return (
        f"{row}.category, COALESCE({row}.shift, ''), COALESCE({row}.team_id, 0), "
        f"{row}.outcome <> 'deployed', {row}.caller_type <> 'public', {month}"
    )


def _where(row: str, month: str) -> str:
    return (
        f"month = {month} AND category = {row}.category AND shift = COALESCE({row}.shift, '') "
        f"AND team_id = COALESCE({row}.team_id, 0) "
        f"AND not_deployed = ({row}.outcome <> 'deployed') "
        f"AND partner = ({row}.caller_type <> 'public')"
    )


def _sqlite_triggers() -> None:
    # SQLite keeps received_at as UTC text "YYYY-MM-DD HH:MM:SS.ffffff": its month is
    # the first seven characters.
    new_month, old_month = "substr(NEW.received_at, 1, 7)", "substr(OLD.received_at, 1, 7)"
    add = (
        f"INSERT INTO decision_stratum_months ({_KEY}, n) VALUES ({_values('NEW', new_month)}, 1) "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = n + 1;"
    )
    remove = f"UPDATE decision_stratum_months SET n = n - 1 WHERE {_where('OLD', old_month)};"
    changed = " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}"
        for c in ("category", "shift", "team_id", "outcome", "caller_type")
    )
    op.execute(f"CREATE TRIGGER decision_strata_insert AFTER INSERT ON decisions BEGIN {add} END")
    op.execute(
        f"CREATE TRIGGER decision_strata_delete AFTER DELETE ON decisions BEGIN {remove} END"
    )
    op.execute(
        "CREATE TRIGGER decision_strata_update AFTER UPDATE OF received_at, category, shift, "
        f"team_id, outcome, caller_type ON decisions WHEN {old_month} IS NOT {new_month} "
        f"OR {changed} BEGIN {remove} {add} END"
    )


def _postgresql_triggers() -> None:
    new_month = "to_char(NEW.received_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    old_month = "to_char(OLD.received_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    op.execute(
        "CREATE FUNCTION decision_strata_count() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"UPDATE decision_stratum_months SET n = n - 1 WHERE {_where('OLD', old_month)}; "
        "END IF; "
        "IF TG_OP IN ('UPDATE', 'INSERT') THEN "
        f"INSERT INTO decision_stratum_months ({_KEY}, n) VALUES ({_values('NEW', new_month)}, 1) "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = decision_stratum_months.n + 1; "
        "END IF; "
        "RETURN NULL; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER decision_strata_insert_delete AFTER INSERT OR DELETE ON decisions "
        "FOR EACH ROW EXECUTE FUNCTION decision_strata_count()"
    )
    changed = " OR ".join(
        f"OLD.{c} IS DISTINCT FROM NEW.{c}"
        for c in ("received_at", "category", "shift", "team_id", "outcome", "caller_type")
    )
    op.execute(
        "CREATE TRIGGER decision_strata_update AFTER UPDATE OF received_at, category, shift, "
        f"team_id, outcome, caller_type ON decisions FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION decision_strata_count()"
    )


def upgrade() -> None:
    op.create_table(
        "decision_stratum_months",
                sa.Column("category", sa.String(32), nullable=False),
        sa.Column("shift", sa.String(16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("not_deployed", sa.Boolean(), nullable=False),
        sa.Column("partner", sa.Boolean(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        # Month last: summing a range of months per stratum then reads the key in order.
        sa.PrimaryKeyConstraint(
            "category",
            "shift",
            "team_id",
            "not_deployed",
            "partner",
            "month",
            name="pk_decision_stratum_months",
        ),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    month = (
        "substr(received_at, 1, 7)"
        if sqlite
        else "to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    )
    op.execute(
        f"INSERT INTO decision_stratum_months ({_KEY}, n) "
        "SELECT category, COALESCE(shift, ''), COALESCE(team_id, 0), "
        f"outcome <> 'deployed', caller_type <> 'public', {month}, count(*) FROM decisions "
        "GROUP BY category, COALESCE(shift, ''), COALESCE(team_id, 0), "
        f"outcome <> 'deployed', caller_type <> 'public', {month}"
    )
    if sqlite:
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS decision_strata_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS decision_strata_insert_delete ON decisions")
        op.execute("DROP TRIGGER IF EXISTS decision_strata_update ON decisions")
        op.execute("DROP FUNCTION IF EXISTS decision_strata_count()")
    op.drop_table("decision_stratum_months")
