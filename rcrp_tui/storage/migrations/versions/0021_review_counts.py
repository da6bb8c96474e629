"""Counted reviews and their answers per UTC day-part, kept exact by triggers, for KPIs.

The KPIs count, per decision, its latest review past draft (as the sample results do).
``review_day_counts`` holds, per slot of the decision's UTC day (as in
``decision_day_counts``, migration 0020), contact officer, judgement and passed or not,
how many decisions have such a counted review; ``answer_day_counts`` holds, per slot and
criterion code, how many answers the counted reviews have and how many of them are met,
partially met, not met and not applicable. The tables are filled from the existing reviews
when they are created, and the database keeps them exact on every write that can change
which review counts, what it says or where its decision falls:

- ``reviews`` (insert, delete, and an update of its decision, status, judgement or
  passed): the decisions touched are taken out of the counts before the change and put
  back after it. SQLite fires a row trigger before and after each row; PostgreSQL runs
  row triggers after the whole statement, so there one trigger per statement rebuilds
  each touched decision's counted review before and after from the transition tables.
- ``review_answers`` (insert, delete, update): an answer of a counted review is added or
  taken away.
- ``decisions`` (an update of ``received_at`` or ``contact_officer_id``): its counted
  review moves to the new slot or officer. A decision is inserted before its reviews and
  deleted after them (foreign keys), so inserting or deleting one changes no count here.

Calibration answers live in their own tables (migration 0017) and never reach these.

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0016"
branch_labels = None
depends_on = None

_R_KEY = "slot, officer_id, judgement, passed"
_A_KEY = "slot, criterion_code"
_A_COLUMNS = ("answers", "met", "partial", "not_met", "na")
_ANSWERS = ("met", "partial", "not_met", "na")  # domain.scoring.Answer values
_ROW = "id, decision_id, status, judgement, passed"


def _sqlite_slot(row: str) -> str:
    # As in 0020: SQLite keeps received_at as UTC text "YYYY-MM-DD HH:MM:SS.ffffff".
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


def _counted(decision_id: str) -> str:
    """The id of the review that counts for a decision (NULL when none does)."""
    return (
        f"(SELECT max(id) FROM reviews WHERE decision_id = {decision_id} AND status <> 'draft')"
    )


def _upsert_reviews(sqlite: bool) -> str:
    n = "n" if sqlite else "review_day_counts.n"
    return f"ON CONFLICT ({_R_KEY}) DO UPDATE SET n = {n} + excluded.n"


def _upsert_answers(sqlite: bool) -> str:
    table = "" if sqlite else "answer_day_counts."
    sets = ", ".join(f"{c} = {table}{c} + excluded.{c}" for c in _A_COLUMNS)
    return f"ON CONFLICT ({_A_KEY}) DO UPDATE SET {sets}"


def _answer_sums(sign: str, answer: str) -> list[str]:
    """``answers, met, partial, not_met, na`` of a group of answer rows, times ``sign``."""
    return [f"sum({sign})"] + [
        f"sum({sign} * CASE WHEN {answer} = '{a}' THEN 1 ELSE 0 END)" for a in _ANSWERS
    ]


def _answer_of_row(sign: str, row: str) -> list[str]:
    return [sign] + [f"CASE WHEN {row}answer = '{a}' THEN {sign} ELSE 0 END" for a in _ANSWERS]


def _insert_answers(
    sqlite: bool, select_rest: str, values: list[str], slot: str, code: str = "a.criterion_code"
) -> str:
    return (
        f"INSERT INTO answer_day_counts ({_A_KEY}, {', '.join(_A_COLUMNS)}) "
        f"SELECT {slot}, {code}, {', '.join(values)} {select_rest} "
        f"{_upsert_answers(sqlite)}"
    )


# -- the whole contribution of some decisions (their counted review and its answers) --------


def _decisions_contribution(sqlite: bool, sign: str, where: str) -> list[str]:
    """Add (``sign`` 1) or take away (-1) the counted reviews of the decisions ``d`` that
    ``where`` picks, as the tables stand now, under their slot and officer."""
    slot = (_sqlite_slot if sqlite else _postgresql_slot)("d.")
    reviews = (
        f"INSERT INTO review_day_counts ({_R_KEY}, n) "
        f"SELECT {slot}, COALESCE(d.contact_officer_id, 0), COALESCE(r.judgement, ''), "
        f"r.passed, sum({sign}) "
        f"FROM decisions d JOIN reviews r ON r.id = {_counted('d.id')} "
        f"WHERE {where} GROUP BY 1, 2, 3, 4 {_upsert_reviews(sqlite)}"
    )
    answers = _insert_answers(
        sqlite,
        f"FROM decisions d JOIN review_answers a ON a.review_id = {_counted('d.id')} "
        f"WHERE {where} GROUP BY 1, 2",
        _answer_sums(sign, "a.answer"),
        slot,
    )
    return [reviews, answers]


def _moved_decision(sqlite: bool, sign: str, row: str) -> list[str]:
    """Add or take away one decision's counted review under the slot and officer of its
    ``row`` values (``OLD.`` or ``NEW.``), the reviews as they stand."""
    slot = (_sqlite_slot if sqlite else _postgresql_slot)(row)
    counted = _counted(f"{row}id")
    reviews = (
        f"INSERT INTO review_day_counts ({_R_KEY}, n) "
        f"SELECT {slot}, COALESCE({row}contact_officer_id, 0), COALESCE(r.judgement, ''), "
        f"r.passed, {sign} FROM reviews r WHERE r.id = {counted} {_upsert_reviews(sqlite)}"
    )
    answers = _insert_answers(
        sqlite,
        f"FROM review_answers a WHERE a.review_id = {counted} GROUP BY a.criterion_code",
        _answer_sums(sign, "a.answer"),
        slot,
    )
    return [reviews, answers]


def _one_answer(sqlite: bool, sign: str, row: str) -> str:
    """Add or take away one answer row (``OLD.``/``NEW.``) if its review counts."""
    slot = (_sqlite_slot if sqlite else _postgresql_slot)("d.")
    return _insert_answers(
        sqlite,
        "FROM reviews r JOIN decisions d ON d.id = r.decision_id "
        f"WHERE r.id = {row}review_id AND r.id = {_counted('r.decision_id')}",
        _answer_of_row(sign, row),
        slot,
        f"{row}criterion_code",
    )


_DECISION_MOVED_SQLITE = (
    "OLD.received_at IS NOT NEW.received_at OR OLD.contact_officer_id IS NOT NEW.contact_officer_id"
)
_DECISION_MOVED_POSTGRESQL = (
    "OLD.received_at IS DISTINCT FROM NEW.received_at "
    "OR OLD.contact_officer_id IS DISTINCT FROM NEW.contact_officer_id"
)


def _sqlite_triggers() -> None:
    def trigger(name: str, when: str, event: str, condition: str, body: list[str]) -> None:
        where = f" WHEN {condition}" if condition else ""
        op.execute(
            f"CREATE TRIGGER {name} {when} {event}{where} BEGIN "
            + " ".join(s + ";" for s in body)
            + " END"
        )

    # A review that is or was past draft, or whose counted fields changed: its decision is
    # taken out of the counts before the row changes and put back after (row by row).
    changed = (
        "NOT (OLD.status = 'draft' AND NEW.status = 'draft') AND ("
        "(OLD.status = 'draft') IS NOT (NEW.status = 'draft') "
        "OR OLD.judgement IS NOT NEW.judgement OR OLD.passed IS NOT NEW.passed "
        "OR OLD.decision_id IS NOT NEW.decision_id OR OLD.id IS NOT NEW.id)"
    )
    for event, condition, ids in (
        ("INSERT ON reviews", "NEW.status <> 'draft'", "NEW.decision_id"),
        (
            "UPDATE OF id, decision_id, status, judgement, passed ON reviews",
            changed,
            "OLD.decision_id, NEW.decision_id",
        ),
        ("DELETE ON reviews", "OLD.status <> 'draft'", "OLD.decision_id"),
    ):
        name = event.split()[0].lower()
        where = f"d.id IN ({ids})"
        trigger(
            f"review_counts_before_{name}",
            "BEFORE",
            event,
            condition,
            _decisions_contribution(True, "-1", where),
        )
        trigger(
            f"review_counts_after_{name}",
            "AFTER",
            event,
            condition,
            _decisions_contribution(True, "1", where),
        )
    trigger(
        "answer_counts_insert", "AFTER", "INSERT ON review_answers", "", [_one_answer(True, "1", "NEW.")]
    )
    trigger(
        "answer_counts_delete", "AFTER", "DELETE ON review_answers", "", [_one_answer(True, "-1", "OLD.")]
    )
    trigger(
        "answer_counts_update",
        "AFTER",
        "UPDATE OF review_id, criterion_code, answer ON review_answers",
        "OLD.review_id IS NOT NEW.review_id OR OLD.criterion_code IS NOT NEW.criterion_code "
        "OR OLD.answer IS NOT NEW.answer",
        [_one_answer(True, "-1", "OLD."), _one_answer(True, "1", "NEW.")],
    )
    trigger(
        "review_counts_decision_moved",
        "AFTER",
        "UPDATE OF received_at, contact_officer_id ON decisions",
        _DECISION_MOVED_SQLITE,
        [*_moved_decision(True, "-1", "OLD."), *_moved_decision(True, "1", "NEW.")],
    )


def _postgresql_review_function(name: str, old: bool, new: bool) -> None:
    """One statement-level trigger function for reviews: each decision a changed row
    belongs to loses its counted review as it was before the statement (rebuilt from the
    rows the statement did not change plus ``old_rows``) and gains the one it has now."""

    def shown(table: str) -> str:
        # What matters of a row: a draft never counts, whatever it says.
        return (
            "SELECT id, decision_id, status <> 'draft' AS counts, "
            "CASE WHEN status <> 'draft' THEN judgement END AS judgement, "
            f"CASE WHEN status <> 'draft' THEN passed END AS passed FROM {table}"
        )

    if old and new:
        affected = (
            f"SELECT decision_id FROM ({shown('old_rows')} EXCEPT {shown('new_rows')}) o "
            f"UNION SELECT decision_id FROM ({shown('new_rows')} EXCEPT {shown('old_rows')}) n"
        )
    else:
        affected = (
            f"SELECT decision_id FROM {'old_rows' if old else 'new_rows'} "
            "WHERE status <> 'draft'"
        )
    kept = "" if not new else " AND id NOT IN (SELECT id FROM new_rows)"
    before = f"SELECT {_ROW} FROM reviews WHERE decision_id IN (SELECT * FROM affected){kept}"
    if old:
        before += f" UNION ALL SELECT {_ROW} FROM old_rows WHERE decision_id IN "
        before += "(SELECT * FROM affected)"
    after = f"SELECT {_ROW} FROM reviews WHERE decision_id IN (SELECT * FROM affected)"

    def counted(rows: str) -> str:
        return (
            "SELECT DISTINCT ON (decision_id) id, decision_id, judgement, passed "
            f"FROM ({rows}) s WHERE status <> 'draft' ORDER BY decision_id, id DESC"
        )

    delta = (
        f"WITH affected AS ({affected}), delta AS ("
        f"SELECT -1 AS sign, b.* FROM ({counted(before)}) b "
        f"UNION ALL SELECT 1 AS sign, a.* FROM ({counted(after)}) a) "
    )
    slot = _postgresql_slot("d.")
    reviews = (
        f"{delta} INSERT INTO review_day_counts ({_R_KEY}, n) "
        f"SELECT {slot}, COALESCE(d.contact_officer_id, 0), COALESCE(c.judgement, ''), "
        "c.passed, sum(c.sign) FROM delta c JOIN decisions d ON d.id = c.decision_id "
        f"GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0 {_upsert_reviews(False)}"
    )
    sums = _answer_sums("c.sign", "x.answer")
    answers = (
        f"{delta} INSERT INTO answer_day_counts ({_A_KEY}, {', '.join(_A_COLUMNS)}) "
        f"SELECT {slot}, x.criterion_code, {', '.join(sums)} "
        "FROM delta c JOIN decisions d ON d.id = c.decision_id "
        "JOIN review_answers x ON x.review_id = c.id GROUP BY 1, 2 "
        f"HAVING {' OR '.join(s + ' <> 0' for s in sums)} {_upsert_answers(False)}"
    )
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {reviews}; {answers}; RETURN NULL; END $$"
    )


def _postgresql_triggers() -> None:
    for event, old, new in (("insert", False, True), ("update", True, True), ("delete", True, False)):
        function = f"review_counts_{event}"
        _postgresql_review_function(function, old, new)
        tables = " ".join(
            part
            for part, wanted in (("OLD TABLE AS old_rows", old), ("NEW TABLE AS new_rows", new))
            if wanted
        )
        op.execute(
            f"CREATE TRIGGER {function} AFTER {event.upper()} ON reviews "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(
        "CREATE FUNCTION answer_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"{_one_answer(False, '-1', 'OLD.')}; "
        "END IF; "
        "IF TG_OP IN ('UPDATE', 'INSERT') THEN "
        f"{_one_answer(False, '1', 'NEW.')}; "
        "END IF; "
        "RETURN NULL; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER answer_counts_insert_delete AFTER INSERT OR DELETE ON review_answers "
        "FOR EACH ROW EXECUTE FUNCTION answer_counts_row()"
    )
    op.execute(
        "CREATE TRIGGER answer_counts_update AFTER UPDATE OF review_id, criterion_code, answer "
        "ON review_answers FOR EACH ROW WHEN (OLD.review_id IS DISTINCT FROM NEW.review_id "
        "OR OLD.criterion_code IS DISTINCT FROM NEW.criterion_code "
        "OR OLD.answer IS DISTINCT FROM NEW.answer) EXECUTE FUNCTION answer_counts_row()"
    )
    moved = " ".join(
        s + ";" for s in [*_moved_decision(False, "-1", "OLD."), *_moved_decision(False, "1", "NEW.")]
    )
    op.execute(
        "CREATE FUNCTION review_counts_decision_moved() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {moved} RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER review_counts_decision_moved AFTER UPDATE OF received_at, "
        f"contact_officer_id ON decisions FOR EACH ROW WHEN ({_DECISION_MOVED_POSTGRESQL}) "
        "EXECUTE FUNCTION review_counts_decision_moved()"
    )


def _backfill(sqlite: bool) -> None:
    slot = (_sqlite_slot if sqlite else _postgresql_slot)("d.")
    counted = (
        "(SELECT max(id) AS id FROM reviews WHERE status <> 'draft' GROUP BY decision_id) c "
        "JOIN reviews r ON r.id = c.id JOIN decisions d ON d.id = r.decision_id"
    )
    op.execute(
        f"INSERT INTO review_day_counts ({_R_KEY}, n) "
        f"SELECT {slot}, COALESCE(d.contact_officer_id, 0), COALESCE(r.judgement, ''), "
        f"r.passed, count(*) FROM {counted} GROUP BY 1, 2, 3, 4"
    )
    op.execute(
        f"INSERT INTO answer_day_counts ({_A_KEY}, {', '.join(_A_COLUMNS)}) "
        f"SELECT {slot}, a.criterion_code, {', '.join(_answer_sums('1', 'a.answer'))} "
        f"FROM {counted} JOIN review_answers a ON a.review_id = c.id GROUP BY 1, 2"
    )


def upgrade() -> None:
    op.create_table(
        "review_day_counts",
        sa.Column("slot", sa.String(13), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("judgement", sa.String(32), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "slot", "officer_id", "judgement", "passed", name="pk_review_day_counts"
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "answer_day_counts",
        sa.Column("slot", sa.String(13), nullable=False),
        sa.Column("criterion_code", sa.String(16), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in _A_COLUMNS),
        sa.PrimaryKeyConstraint("slot", "criterion_code", name="pk_answer_day_counts"),
        sqlite_with_rowid=False,
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    _backfill(sqlite)
    if sqlite:
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            for when in ("before", "after"):
                op.execute(f"DROP TRIGGER IF EXISTS review_counts_{when}_{event}")
            op.execute(f"DROP TRIGGER IF EXISTS answer_counts_{event}")
        op.execute("DROP TRIGGER IF EXISTS review_counts_decision_moved")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS review_counts_{event} ON reviews")
            op.execute(f"DROP FUNCTION IF EXISTS review_counts_{event}()")
        op.execute("DROP TRIGGER IF EXISTS answer_counts_insert_delete ON review_answers")
        op.execute("DROP TRIGGER IF EXISTS answer_counts_update ON review_answers")
        op.execute("DROP FUNCTION IF EXISTS answer_counts_row()")
        op.execute("DROP TRIGGER IF EXISTS review_counts_decision_moved ON decisions")
        op.execute("DROP FUNCTION IF EXISTS review_counts_decision_moved()")
    op.drop_table("answer_day_counts")
    op.drop_table("review_day_counts")
