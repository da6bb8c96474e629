"""Decision counts per UTC day-part, kept exact by triggers, for KPIs over long periods.

``decision_day_counts`` (see ``storage.kpi_models``) holds, per slot of a UTC day (00:00
to 23:00, and 23:00 to midnight), category, phase, caller type and deployed or not, how
many decisions there are. Whole London days, and so every period, ISO week and month the
KPIs and appeal figures group by, are ranges of slots. The database keeps the counts on
every insert, update of a counted column and delete of a decision (the app, the
importer, a retention purge or a hand-run statement alike). The table is filled from the
existing decisions when it is created.

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0016"
branch_labels = None
depends_on = None

_KEY = "slot, category, phase, caller_type, deployed"
_COUNTED = ("category", "phase", "caller_type", "outcome")


def _sqlite_slot(row: str) -> str:
    # SQLite keeps received_at as UTC text "YYYY-MM-DD HH:MM:SS.ffffff".
    return (
        f"substr({row}received_at, 1, 10) || "
        f"CASE WHEN substr({row}received_at, 12, 2) = '23' THEN ' 23' ELSE ' 00' END"
    )


def _postgresql_slot(row: str) -> str:
    utc = f"({row}received_at AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD') || "
        f"CASE WHEN extract(hour FROM {utc}) = 23 THEN ' 23' ELSE ' 00' END"
    )


def _values(row: str, slot: str) -> str:
    """The counted key of a decision row (``NEW.``, ``OLD.`` or none), as SQL."""
    return (
        f"{slot}, {row}category, COALESCE({row}phase, 0), {row}caller_type, "
        f"{row}outcome = 'deployed'"
    )


def _where(row: str, slot: str) -> str:
    return (
        f"slot = {slot} AND category = {row}category AND phase = COALESCE({row}phase, 0) "
        f"AND caller_type = {row}caller_type AND deployed = ({row}outcome = 'deployed')"
    )


def _sqlite_triggers() -> None:
    new, old = _sqlite_slot("NEW."), _sqlite_slot("OLD.")
    add = (
        f"INSERT INTO decision_day_counts ({_KEY}, n) VALUES ({_values('NEW.', new)}, 1) "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = n + 1;"
    )
    remove = f"UPDATE decision_day_counts SET n = n - 1 WHERE {_where('OLD.', old)};"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _COUNTED)
    op.execute(f"CREATE TRIGGER decision_days_insert AFTER INSERT ON decisions BEGIN {add} END")
    op.execute(f"CREATE TRIGGER decision_days_delete AFTER DELETE ON decisions BEGIN {remove} END")
    op.execute(
        "CREATE TRIGGER decision_days_update AFTER UPDATE OF received_at, "
        f"{', '.join(_COUNTED)} ON decisions WHEN ({old}) IS NOT ({new}) OR {changed} "
        f"BEGIN {remove} {add} END"
    )


def _postgresql_triggers() -> None:
    new, old = _postgresql_slot("NEW."), _postgresql_slot("OLD.")
    op.execute(
        "CREATE FUNCTION decision_days_count() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"UPDATE decision_day_counts SET n = n - 1 WHERE {_where('OLD.', old)}; "
        "END IF; "
        "IF TG_OP IN ('UPDATE', 'INSERT') THEN "
        f"INSERT INTO decision_day_counts ({_KEY}, n) VALUES ({_values('NEW.', new)}, 1) "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = decision_day_counts.n + 1; "
        "END IF; "
        "RETURN NULL; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER decision_days_insert_delete AFTER INSERT OR DELETE ON decisions "
        "FOR EACH ROW EXECUTE FUNCTION decision_days_count()"
    )
    changed = " OR ".join(
        f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ("received_at", *_COUNTED)
    )
    op.execute(
        "CREATE TRIGGER decision_days_update AFTER UPDATE OF received_at, "
        f"{', '.join(_COUNTED)} ON decisions FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION decision_days_count()"
    )


def upgrade() -> None:
    op.create_table(
        "decision_day_counts",
        sa.Column("slot", sa.String(13), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("caller_type", sa.String(32), nullable=False),
        sa.Column("deployed", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "slot", "category", "phase", "caller_type", "deployed", name="pk_decision_day_counts"
        ),
        sqlite_with_rowid=False,  # the key is the table: one B-tree per upsert and range
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    slot = _sqlite_slot("") if sqlite else _postgresql_slot("")
    key = _values("", slot)
    op.execute(
        f"INSERT INTO decision_day_counts ({_KEY}, n) "
        f"SELECT {key}, count(*) FROM decisions GROUP BY {key}"
    )
    if sqlite:
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS decision_days_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS decision_days_insert_delete ON decisions")
        op.execute("DROP TRIGGER IF EXISTS decision_days_update ON decisions")
        op.execute("DROP FUNCTION IF EXISTS decision_days_count()")
    op.drop_table("decision_day_counts")
