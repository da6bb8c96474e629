"""The demo's go-live readiness: phase 1 live, phase 2 planned.

Phase 1's go-live briefings were given before each team's first shift of each type (one
was not: a night of high demand). Phase 2 (walk-outs and AWOL) goes live a week after
phase 1's six weeks of floorwalking end: its rota is made and auto-filled a few days
before the demo's "now", some of its briefings are planned, a QA lead saves its go-live
sampling plan, and the SRO's team has recorded where the key milestones and both phases'
manual items stand, some overdue. Phase 1's KPI baseline is the four weeks before its
go-live; the demo holds no decisions from then, so that item shows as not met, which is
what a force that baselined outside the product would see. Everything goes through the
services as the demo users, so it is all validated and audited.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.readiness import ItemStatus
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.sample_data import qa_work
from rcrp_tui.sample_data.accounts import SHIFT_PATTERN
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.readiness.briefings import (
    BriefingInput,
    BriefingStatus,
    first_shifts,
    record_briefing,
)
from rcrp_tui.services.readiness.checklist import ItemUpdate, set_baseline, update_item
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.readiness_models import kpi_baselines_table

PHASE_2_ROTA = "Phase 2 floorwalking"
PHASE_2_PLAN = "Phase 2 go-live: walk-outs and AWOL not deployed"
#: Phase 2 goes live this many days after phase 1 (a week after its floorwalking ends).
PHASE_2_AFTER = 49
#: Phase 2 briefings already planned, of fifteen.
PHASE_2_PLANNED = 6

_S, _I, _D, _N = (
    ItemStatus.NOT_STARTED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.DONE,
    ItemStatus.NOT_APPLICABLE,
)
#: (phase, item, status, owner, due in days from phase 1's go-live, evidence).
MANUAL: tuple[tuple[int, str, ItemStatus, str, int | None, str], ...] = (
    (
        0,
        "sro-command",
        _D,
        "ACC Operations",
        -120,
        "Gold/silver/bronze agreed at chief officer group",
    ),
    (0, "pcc-engagement", _D, "Chief of staff", -90, "Monthly PCC briefing since June"),
    (0, "programme-manager", _D, "Programme office", -110, "Implementation plan v3 signed off"),
    (0, "evidence-base", _D, "Performance team", -80, "Demand analysis by business area"),
    (0, "phasing", _D, "SRO", -75, "Four phases, review after each"),
    (0, "policy-decisions", _I, "SRO", 35, "Phases 1 and 2 decided; 3 and 4 pending"),
    (0, "stakeholder-mapping", _D, "Programme office", -70, ""),
    (0, "senior-partnership", _D, "SRO", -60, "Meets monthly with ICB and trusts"),
    (0, "tactical-partnership", _D, "Programme manager", -45, "Fortnightly"),
    (0, "comms-plan", _D, "Corporate comms", -40, ""),
    (0, "stakeholders-briefed", _D, "Programme manager", -10, ""),
    (0, "staff-survey", _D, "HR business partner", -20, "Federation and Unison consulted"),
    (0, "mh-expertise", _D, "MH lead", -50, "Trust liaison seconded to the programme"),
    (0, "app-reviewed", _I, "Policy team", 20, "Two APP modules left to check"),
    (0, "kpis-agreed", _D, "Performance team", -14, "KPI set published to the board"),
    (0, "evaluation-plan", _S, "Performance team", 28, ""),
    (1, "demand-review", _D, "QA lead 1", -30, "A day's calls re-scored with the toolkit"),
    (1, "policy", _D, "Policy team", -21, "Welfare policy v2 in force"),
    (1, "toolkit-ready", _D, "QA lead 1", -14, "National toolkit installed"),
    (1, "toolkit-trial", _D, "QA lead 2", -10, "No change in average handling time"),
    (1, "train-the-trainers", _D, "Training school", -28, ""),
    (1, "checks-policy", _D, "SRO", -14, "Checks before a no-deploy: yes"),
    (1, "stakeholders", _D, "Programme manager", -7, ""),
    (1, "media", _D, "Corporate comms", -3, "Statement issued on go-live day"),
    (1, "escalation", _D, "Control room inspector", -7, "Agreed with ambulance and trust"),
    (1, "wider-training", _I, "Training school", 21, "Response officers 70% done"),
    (1, "equality-assessment", _D, "Equality lead", -5, ""),
    (2, "demand-review", _D, "QA lead 2", 28, "Six months of walk-outs reviewed"),
    (2, "policy", _I, "Policy team", 14, "Draft with the trust's lawyers"),
    (
        2,
        "stakeholders",
        _I,
        "Programme manager",
        35,
        "Acute trusts briefed; mental health trust next",
    ),
    (2, "media", _S, "Corporate comms", PHASE_2_AFTER - 3, ""),
    (2, "escalation", _I, "Control room inspector", 40, ""),
    (2, "train-the-trainers", _D, "Training school", 21, ""),
    (2, "wider-training", _S, "Training school", PHASE_2_AFTER + 14, ""),
    (2, "equality-assessment", _S, "Equality lead", PHASE_2_AFTER - 7, ""),
)


def is_added(db: Database) -> bool:
    """True when the demo's readiness records are in ``db`` (the baseline is written last)."""
    stmt = select(kpi_baselines_table.c.id).limit(1)
    with db.engine.connect() as conn:
        return conn.execute(stmt).first() is not None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=DEFAULT_TZ)


def add_readiness(
    ctx: Ctx,
    *,
    seed: int,
    go_live: date,
    as_of: datetime,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Add the briefings, phase 2's rota and plan, the manual items and phase 1's
    baseline; return how many briefings were recorded."""
    say = progress or (lambda _line: None)
    say("Recording go-live readiness…")
    rng = random.Random(f"{seed}-readiness")
    clock = FixedClock(_at(go_live - timedelta(days=20), 9))
    actor = qa_work.actors(ctx, clock)
    sup, lead1, lead2 = actor("supervisor1"), actor("qalead1"), actor("qalead2")
    briefed = _phase_1_briefings(actor, clock, rng, as_of)

    phase_2 = go_live + timedelta(days=PHASE_2_AFTER)
    clock.instant = min(as_of - timedelta(days=3), _at(phase_2 - timedelta(days=10), 9))
    existing = next((r for r in rota.list_rotas(sup) if r.name == PHASE_2_ROTA), None)
    if existing is None:
        info = rota.create_rota(
            sup, name=PHASE_2_ROTA, phase=2, go_live=phase_2, shift_pattern=SHIFT_PATTERN
        )
        clock.instant += timedelta(minutes=20)
        rota.accept_proposal(sup, info.id, rota.propose_autofill(sup, info.id))
    clock.instant += timedelta(hours=1)
    planned = first_shifts(sup, 2)
    for shift in rng.sample(planned, min(PHASE_2_PLANNED, len(planned))):
        team_sup = actor(f"supervisor{'ABCDE'.index(shift.team_name[-1]) + 1}")
        record_briefing(
            team_sup,
            BriefingInput(
                2,
                shift.team_id,
                shift.shift_code,
                BriefingStatus.PLANNED,
                team_sup.actor.display_name,
                shift.start - timedelta(minutes=30),
            ),
        )
        briefed += 1
        clock.instant += timedelta(minutes=7)
    if PHASE_2_PLAN not in {p.name for p in sampling.list_plans(lead2)}:
        sampling.save_plan(
            lead2,
            PHASE_2_PLAN,
            PopulationFilter(
                categories=(Category.WALK_OUT.value, Category.AWOL.value),
                not_deployed_only=True,
            ),
            SamplingSpec(SamplingMethod.CENSUS, census_shift="night"),
            seed=rng.randrange(2**31),
        )

    for phase, key, status, owner, due_in, evidence in MANUAL:
        due = go_live + timedelta(days=due_in) if due_in is not None else None
        # Recorded by the demo's QA leads and supervisor 1 in turn, a day or so apart.
        who = (lead1, sup, lead2)[rng.randrange(3)]
        clock.instant = min(as_of - timedelta(hours=2), clock.instant + timedelta(hours=5))
        update_item(who, phase, key, ItemUpdate(status, owner, due, evidence))
    clock.instant = min(as_of - timedelta(hours=1), clock.instant + timedelta(hours=1))
    set_baseline(lead1, 1, go_live - timedelta(days=28), go_live)
    return briefed


def _phase_1_briefings(
    actor: Callable[[str], Ctx], clock: FixedClock, rng: random.Random, as_of: datetime
) -> int:
    """Delivered before each first shift that has started; planned for any still ahead;
    one not delivered."""
    shifts = first_shifts(actor("supervisor1"), 1)
    missed = rng.choice([s for s in shifts if s.shift_code == "night"] or shifts)
    done = 0
    for shift in shifts:
        team_sup = actor(f"supervisor{'ABCDE'.index(shift.team_name[-1]) + 1}")
        given = shift.start - timedelta(minutes=30)
        if shift is missed and shift.start < as_of:
            clock.instant = min(shift.end, as_of)
            status = BriefingStatus.NOT_DELIVERED
            briefing = BriefingInput(
                1,
                shift.team_id,
                shift.shift_code,
                status,
                reason="High demand at the start of the shift; briefed at the mid-shift break",
            )
        elif given < as_of:
            clock.instant = min(shift.end, as_of)
            briefing = BriefingInput(
                1,
                shift.team_id,
                shift.shift_code,
                BriefingStatus.DELIVERED,
                team_sup.actor.display_name,
                given,
                rng.randint(8, 14),
            )
        else:
            clock.instant = as_of - timedelta(hours=1)
            briefing = BriefingInput(
                1,
                shift.team_id,
                shift.shift_code,
                BriefingStatus.PLANNED,
                team_sup.actor.display_name,
                given,
            )
        record_briefing(team_sup, briefing)
        done += 1
    return done
