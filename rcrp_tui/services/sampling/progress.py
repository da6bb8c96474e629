"""Progress of a sample's queue: done / total per stratum, with skips and replacements.

Re-exported by ``sampling.queue`` (``sampling.queue.progress``), where callers have always
found it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from rcrp_tui.domain.sampling import SampleItemStatus
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.sampling.plans import check_sample_exists, require_sample_reader
from rcrp_tui.storage.sampling_models import sample_items_table

_I = sample_items_table.c


@dataclass(frozen=True)
class StratumProgress:
    stratum: str
    done: int
    total: int  # items still in the sample: open, claimed or done
    skipped: int
    replaced: int


@dataclass(frozen=True)
class SampleProgress:
    sample_id: int
    strata: tuple[StratumProgress, ...]

    @property
    def done(self) -> int:
        return sum(s.done for s in self.strata)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.strata)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.strata)

    @property
    def replaced(self) -> int:
        return sum(s.replaced for s in self.strata)


def progress(ctx: Ctx, sample_id: int) -> SampleProgress:
    """Done / total per stratum, with skips and replacements counted (one GROUP BY)."""
    require_sample_reader(ctx)
    with ctx.db.read() as session:
        check_sample_exists(session, sample_id)
        rows = session.execute(
            select(_I.stratum, _I.status, func.count())
            .where(_I.sample_id == sample_id)
            .group_by(_I.stratum, _I.status)
        ).all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for stratum, status, n in rows:
        counts[stratum][status] += int(n)
    strata = tuple(
        StratumProgress(
            stratum=key,
            done=c[SampleItemStatus.DONE],
            total=c[SampleItemStatus.OPEN] + c[SampleItemStatus.CLAIMED] + c[SampleItemStatus.DONE],
            skipped=c[SampleItemStatus.SKIPPED],
            replaced=c[SampleItemStatus.REPLACED],
        )
        for key, c in sorted(counts.items())
    )
    return SampleProgress(sample_id, strata)
