"""Decision and review counts per UTC day-part for the KPIs over long periods
(migrations 0020 and 0021).

A London calendar day starts at 00:00 UTC (GMT) or 23:00 UTC the day before (BST), so
each UTC day is counted in two slots: ``"YYYY-MM-DD 00"`` (00:00 to 23:00 UTC) and
``"YYYY-MM-DD 23"`` (23:00 to midnight UTC). Any run of whole London days (a period, its
ISO weeks, its months) is then a range of slots, whatever the clocks did, and its
decisions per category, phase and caller type, deployed or not, are a sum of a few
dozen counts a day instead of a pass over every decision. The counts are kept exact by
triggers on ``decisions`` (every insert, update of a counted column and delete, whatever
writes it), never by services; an import of new decisions on SQLite alone adds its own
per-key totals once, with the insert triggers dropped inside its write transaction
(``importing.counting``); ``rcrp-tui db check`` compares them with the decisions.
A decision without a phase is counted under phase 0 (never a real phase), because
primary-key columns cannot be NULL.

``review_day_counts`` and ``answer_day_counts`` (migration 0021) count the same way, per
slot of the decision's day, the reviews that count (per decision, its latest review past
draft) and their answers, kept exact by triggers on ``reviews``, ``review_answers`` and
``decisions``.
"""

from sqlalchemy import Boolean, Column, Integer, PrimaryKeyConstraint, String, Table
from sqlmodel import SQLModel

NO_PHASE = 0

decision_day_counts_table = Table(
    "decision_day_counts",
    SQLModel.metadata,
    Column("slot", String(13), nullable=False),
    Column("category", String(32), nullable=False),
    Column("phase", Integer, nullable=False),
    Column("caller_type", String(32), nullable=False),
    Column("deployed", Boolean, nullable=False),
    Column("n", Integer, nullable=False),
    # Slot first: a period, a week or a month is one range of the key.
    PrimaryKeyConstraint(
        "slot", "category", "phase", "caller_type", "deployed", name="pk_decision_day_counts"
    ),
    # On SQLite the key is the table: a trigger's upsert and a range of slots each walk one
    # B-tree, not an index and then the rows behind it.
    sqlite_with_rowid=False,
)

#: ``review_day_counts.officer_id`` of a decision without a contact officer (never a real id).
NO_OFFICER = 0
#: ``review_day_counts.judgement`` of a review without a judgement (never a real judgement).
NO_JUDGEMENT = ""

# The counted reviews (per decision, its latest review past draft, as the sample results
# and the KPIs count them) per slot of their decision's UTC day (migration 0021), kept
# exact by triggers on ``reviews``, ``review_answers`` and ``decisions``, never by
# services. Calibration answers live in their own tables and never reach these.
review_day_counts_table = Table(
    "review_day_counts",
    SQLModel.metadata,
    Column("slot", String(13), nullable=False),
    Column("officer_id", Integer, nullable=False),  # the decision's officer, or NO_OFFICER
    Column("judgement", String(32), nullable=False),  # or NO_JUDGEMENT
    Column("passed", Boolean, nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("slot", "officer_id", "judgement", "passed", name="pk_review_day_counts"),
    sqlite_with_rowid=False,
)

# The answers of the counted reviews per slot and criterion: how many answers (``answers``,
# whatever they say) and how many of them met, partially met, not met, not applicable.
answer_day_counts_table = Table(
    "answer_day_counts",
    SQLModel.metadata,
    Column("slot", String(13), nullable=False),
    Column("criterion_code", String(16), nullable=False),
    Column("answers", Integer, nullable=False),
    Column("met", Integer, nullable=False),
    Column("partial", Integer, nullable=False),
    Column("not_met", Integer, nullable=False),
    Column("na", Integer, nullable=False),
    PrimaryKeyConstraint("slot", "criterion_code", name="pk_answer_day_counts"),
    sqlite_with_rowid=False,
)
