"""Dip sampling: named plans, and drawing reproducible samples from them.

QA leads plan and draw (``Permission.PLAN_SAMPLES``). A sample stores who drew it, when,
the seed, a copy of the plan as it was, and the population size, so it can be defended to
an inspector and drawn again: the same plan and seed on the same data give the same sample.
The queue (claiming, skipping, replacing) is in ``sampling.queue``; results in
``sampling.results``.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.sampling import (
    Draw,
    DrawnItem,
    SampleItemStatus,
    SamplingMethod,
    SamplingSpec,
    allocate_strata,
    draw_ranks,
    month_key,
    queue_order,
)
from rcrp_tui.domain.sampling import draw_sample as draw_from_candidates
from rcrp_tui.domain.statistics import margin_of_error
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import cas_update, check_seen
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.sampling.population import (
    LIVE_ITEM_STATUSES,
    OPEN_SAMPLE,
    PopulationFilter,
    conditions,
    load_candidates,
    method_conditions,
)
from rcrp_tui.services.sampling.strata import RankLookup, count_strata
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import reviews_table
from rcrp_tui.storage.sampling_models import (
    sample_items_table,
    samples_table,
    sampling_plans_table,
)

_D = decisions_table.c
_P = sampling_plans_table.c
_S = samples_table.c
_I = sample_items_table.c
NAME_MAX = 80
SEED_MAX = 2**63 - 1


@dataclass(frozen=True)
class PlanView:
    id: int
    name: str
    population: PopulationFilter
    spec: SamplingSpec
    seed: int
    created_by: str
    created_at: datetime

    @property
    def description(self) -> str:
        return self.spec.describe()


@dataclass(frozen=True)
class SampleView:
    """A drawn sample, with the provenance an inspector asks for."""

    id: int
    plan_id: int | None
    plan_name: str
    drawn_by: str
    drawn_at: datetime
    seed: int
    population_size: int
    method: SamplingMethod
    method_description: str
    population: PopulationFilter
    spec: SamplingSpec
    status: str
    size: int
    row_version: int = 1

    @property
    def margin(self) -> float | None:
        """The ± margin at 95% this sample gives for a proportion (worst case p = 0.5)."""
        if self.size < 1 or self.population_size < self.size:
            return None
        return margin_of_error(self.size, population=self.population_size)


def new_seed() -> int:
    """A fresh random seed, for a plan saved without one."""
    return secrets.randbelow(2**31)


def _validate(name: str, population: PopulationFilter, spec: SamplingSpec, seed: int) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed("name", f"a plan name is 1 to {NAME_MAX} characters")
    for field, message in spec.problems():
        raise ValidationFailed(field, message)
    if not 0 <= seed <= SEED_MAX:
        raise ValidationFailed("seed", "the seed must be a whole number from 0 to 2^63-1")
    if (
        population.received_from is not None
        and population.received_to is not None
        and population.received_to <= population.received_from
    ):
        raise ValidationFailed("received_to", "the end of the date range must be after its start")
    return name


def _plan_view(row: object) -> PlanView:
    r = row._mapping  # type: ignore[attr-defined]
    return PlanView(
        id=r["id"],
        name=r["name"],
        population=PopulationFilter.from_json(json.loads(r["population_json"])),
        spec=SamplingSpec.from_json(json.loads(r["parameters_json"])),
        seed=int(r["seed"]),
        created_by=r["created_by"],
        created_at=r["created_at"],
    )


def save_plan(
    ctx: Ctx,
    name: str,
    population: PopulationFilter,
    spec: SamplingSpec,
    *,
    seed: int | None = None,
) -> PlanView:
    """Save a named plan (a fresh seed is chosen and stored when none is given)."""
    chosen = new_seed() if seed is None else seed
    name = _validate(name, population, spec, chosen)
    values = {
        "name": name,
        "population_json": json.dumps(population.to_json(), sort_keys=True),
        "method": spec.method.value,
        "parameters_json": json.dumps(spec.to_json(), sort_keys=True),
        "seed": chosen,
        "created_by": ctx.actor.username,
        "created_at": ctx.clock.now(),
    }
    with ctx.writing(Permission.PLAN_SAMPLES) as session:
        taken = ValidationFailed("name", f"a plan called {name!r} already exists")
        if session.execute(select(_P.id).where(_P.name == name)).first():
            raise taken
        try:
            plan_id = session.execute(
                insert(sampling_plans_table).values(values).returning(_P.id)
            ).scalar_one()
        except IntegrityError:  # saved by another terminal at the same moment
            raise taken from None
        audit.record(session, ctx, "sampling_plan.save", "sampling_plan", plan_id, after=values)
        row = session.execute(select(sampling_plans_table).where(_P.id == plan_id)).one()
    return _plan_view(row)


def list_plans(ctx: Ctx) -> list[PlanView]:
    """Every saved plan, by name."""
    ctx.require(Permission.PLAN_SAMPLES)
    with ctx.db.read() as session:
        rows = session.execute(select(sampling_plans_table).order_by(_P.name)).all()
    return [_plan_view(row) for row in rows]


def get_plan(ctx: Ctx, plan_id: int) -> PlanView:
    ctx.require(Permission.PLAN_SAMPLES)
    with ctx.db.read() as session:
        row = session.execute(select(sampling_plans_table).where(_P.id == plan_id)).first()
    if row is None:
        raise NotFound(f"There is no sampling plan {plan_id}.")
    return _plan_view(row)


def _existing_reviews(session: Session, population: PopulationFilter) -> Counter[tuple[int, str]]:
    """Reviews (or live sample items) each officer already has, per London calendar month."""
    live_items = (
        select(_I.decision_id)
        .join(samples_table, _S.id == _I.sample_id)
        .where(_S.status == OPEN_SAMPLE, _I.status.in_(LIVE_ITEM_STATUSES))
    )
    reviewed = select(reviews_table.c.decision_id)
    stmt = select(_D.contact_officer_id, _D.received_at).where(
        *conditions(population),
        _D.contact_officer_id.is_not(None),
        _D.id.in_(reviewed.union(live_items)),
    )
    counts: Counter[tuple[int, str]] = Counter()
    for officer, received_at in session.execute(stmt):
        counts[(int(officer), month_key(received_at))] += 1
    return counts


def compute_draw(
    session: Session, population: PopulationFilter, spec: SamplingSpec, seed: int
) -> Draw:
    """Draw without writing anything: the same answer ``draw_sample`` stores."""
    if spec.method in (SamplingMethod.SIMPLE, SamplingMethod.STRATIFIED):
        counts = count_strata(session, population, spec)
        strata = draw_ranks(counts.sizes, allocate_strata(counts.sizes, spec), seed)
        lookup = RankLookup(session, conditions(population))
        items = []
        for stratum in strata:
            excluded = counts.excluded.get(stratum.key, [])
            months = counts.months.get(stratum.key)
            for decision_id in lookup.ids(stratum.key, stratum.ranks, excluded, months):
                items.append(DrawnItem(decision_id, stratum.key, stratum.weight))
        return Draw(queue_order(items, seed), tuple(strata), sum(counts.sizes.values()))
    extra = method_conditions(spec)
    candidates = load_candidates(session, population, extra)
    existing = (
        _existing_reviews(session, population)
        if spec.method is SamplingMethod.OFFICER_QUOTA
        else None
    )
    return draw_from_candidates(candidates, spec, seed, existing_reviews=existing)


def resolve_cad_refs(ctx: Ctx, cad_refs: list[str]) -> tuple[int, ...]:
    """Decision ids for a list of CAD references (for a targeted plan); unknown refs refused."""
    ctx.require(Permission.PLAN_SAMPLES)
    refs = sorted({ref.strip().upper() for ref in cad_refs if ref.strip()})
    if not refs:
        raise ValidationFailed("cad_refs", "give at least one CAD reference")
    with ctx.db.read() as session:
        rows = session.execute(select(_D.id, _D.cad_ref).where(_D.cad_ref.in_(refs))).all()
    found = {ref for _, ref in rows}
    missing = [ref for ref in refs if ref not in found]
    if missing:
        raise ValidationFailed("cad_refs", f"no decision has CAD reference {', '.join(missing)}")
    return tuple(sorted(int(i) for i, _ in rows))


class LargerThanPopulation(Conflict):
    """The plan asks for more decisions than its population holds: the caller asks the
    person first, then draws again with ``whole_population=True``."""

    def __init__(self, asked: int, population: int) -> None:
        super().__init__(
            f"The plan asks for {asked:,} decisions but its population has only "
            f"{population:,} (after exclusions): drawing would take all {population:,}."
        )
        self.asked, self.population = asked, population


def draw_sample(
    ctx: Ctx, plan_id: int, *, seed: int | None = None, whole_population: bool = False
) -> SampleView:
    """Draw a sample from a saved plan (with its stored seed unless another is given).

    A sized plan (simple or stratified) whose size is over the population is refused with
    ``LargerThanPopulation`` unless ``whole_population`` says the person agreed to take it all.
    """
    with ctx.writing(Permission.PLAN_SAMPLES) as session:
        row = session.execute(select(sampling_plans_table).where(_P.id == plan_id)).first()
        if row is None:
            raise NotFound(f"There is no sampling plan {plan_id}.")
        plan = _plan_view(row)
        used_seed = plan.seed if seed is None else seed
        if not 0 <= used_seed <= SEED_MAX:
            raise ValidationFailed("seed", "the seed must be a whole number from 0 to 2^63-1")
        drawn = compute_draw(session, plan.population, plan.spec, used_seed)
        if not drawn.items:
            raise Conflict(
                "No decisions are left to sample: the population is empty after exclusions."
            )
        sized = plan.spec.method in (SamplingMethod.SIMPLE, SamplingMethod.STRATIFIED)
        if sized and plan.spec.size > drawn.population and not whole_population:
            raise LargerThanPopulation(plan.spec.size, drawn.population)
        values = {
            "plan_id": plan.id,
            "plan_name": plan.name,
            "drawn_by": ctx.actor.username,
            "drawn_at": ctx.clock.now(),
            "seed": used_seed,
            "population_size": drawn.population,
            "method": plan.spec.method.value,
            "method_description": plan.spec.describe()[:300],
            "population_json": json.dumps(plan.population.to_json(), sort_keys=True),
            "parameters_json": json.dumps(plan.spec.to_json(), sort_keys=True),
            "status": OPEN_SAMPLE,
        }
        sample_id = int(
            session.execute(insert(samples_table).values(values).returning(_S.id)).scalar_one()
        )
        try:
            session.execute(
                insert(sample_items_table),
                [
                    {
                        "sample_id": sample_id,
                        "decision_id": item.decision_id,
                        "position": position,
                        "stratum": item.stratum,
                        "design_weight": item.design_weight,
                        "status": SampleItemStatus.OPEN,
                    }
                    for position, item in enumerate(drawn.items, start=1)
                ],
            )
        except IntegrityError as exc:  # a duplicate would mean a broken draw: refuse it whole
            raise Conflict("The draw chose a decision twice; nothing was saved.") from exc
        audit.record(
            session,
            ctx,
            "sample.draw",
            "sample",
            sample_id,
            after={**values, "size": len(drawn.items)},
        )
    return get_sample(ctx, sample_id)


def get_sample(ctx: Ctx, sample_id: int) -> SampleView:
    """One sample's provenance and size (QA leads and those who work samples)."""
    require_sample_reader(ctx)
    with ctx.db.read() as session:
        row = session.execute(select(samples_table).where(_S.id == sample_id)).first()
        if row is None:
            raise NotFound(f"There is no sample {sample_id}.")
        sizes = _drawn_sizes(session, [sample_id])
    return _sample_view(row, sizes.get(sample_id, 0))


def check_sample_exists(session: Session, sample_id: int) -> None:
    """Raise NotFound unless sample ``sample_id`` exists (one indexed look-up, no view)."""
    if session.execute(select(_S.id).where(_S.id == sample_id)).first() is None:
        raise NotFound(f"There is no sample {sample_id}.")


def _drawn_sizes(session: Session, sample_ids: list[int]) -> dict[int, int]:
    # The size as drawn: replacements are extra items and do not add to it.
    rows = session.execute(
        select(_I.sample_id, func.count())
        .where(_I.sample_id.in_(sample_ids), _I.replacement_of_item_id.is_(None))
        .group_by(_I.sample_id)
    ).all()
    return {int(sample): int(n) for sample, n in rows}


def list_samples(
    ctx: Ctx, *, status: str | None = OPEN_SAMPLE, limit: int = 100
) -> list[SampleView]:
    """The newest samples (open ones by default)."""
    require_sample_reader(ctx)
    stmt = select(samples_table).order_by(_S.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(_S.status == status)
    with ctx.db.read() as session:
        rows = session.execute(stmt).all()
        sizes = _drawn_sizes(session, [row.id for row in rows])
    return [_sample_view(row, sizes.get(row.id, 0)) for row in rows]


def close_sample(ctx: Ctx, sample_id: int, *, expected_version: int | None = None) -> None:
    """Close a sample: its decisions no longer count as "in an open sample".

    Closing a closed sample changes nothing.
    """
    with ctx.writing(Permission.PLAN_SAMPLES) as session:
        found = session.execute(select(_S.status, _S.row_version).where(_S.id == sample_id)).first()
        if found is None:
            raise NotFound(f"There is no sample {sample_id}.")
        status, version = found
        check_seen("samples", version, expected_version)
        if status == "closed":
            return
        cas_update(session, samples_table, sample_id, version, {"status": "closed"})
        audit.record(
            session,
            ctx,
            "sample.close",
            "sample",
            sample_id,
            before={"status": status},
            after={"status": "closed"},
        )


def require_sample_reader(ctx: Ctx) -> None:
    """QA leads (who plan) and floorwalkers (who work samples) may read samples."""
    if not can(ctx.actor.role, Permission.PLAN_SAMPLES):
        ctx.require(Permission.WORK_SAMPLES)


def _sample_view(row: object, size: int) -> SampleView:
    r = row._mapping  # type: ignore[attr-defined]
    return SampleView(
        id=r["id"],
        plan_id=r["plan_id"],
        plan_name=r["plan_name"],
        drawn_by=r["drawn_by"],
        drawn_at=r["drawn_at"],
        seed=int(r["seed"]),
        population_size=r["population_size"],
        method=SamplingMethod(r["method"]),
        method_description=r["method_description"],
        population=PopulationFilter.from_json(json.loads(r["population_json"])),
        spec=SamplingSpec.from_json(json.loads(r["parameters_json"])),
        status=r["status"],
        size=size,
        row_version=r["row_version"],
    )
