"""What the plan dialog's fields mean: text typed by a QA lead → a population and a method.

Kept apart from the dialog so the rules can be read (and tested) without a screen. Every
refusal is a ``ValidationFailed`` whose field is the label the person sees, so the dialog
can say exactly which box is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from rcrp_tui.domain.enums import CallerType, Category, LabelledEnum, Outcome, Shift
from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.domain.sampling import (
    LONDON,
    Allocation,
    Oversampling,
    SamplingMethod,
    SamplingSpec,
    StratumDimension,
)
from rcrp_tui.domain.statistics import margin_of_error, sample_size
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.sampling.population import PopulationFilter

E = TypeVar("E", bound=LabelledEnum)

#: Typed in the outcomes box, this means "any route but deployed".
NOT_DEPLOYED = "not deployed"

#: Service field names (from ``save_plan`` and ``resolve_cad_refs``) → the dialog's label.
SERVICE_FIELDS = {
    "name": "Name",
    "received_to": "To",
    "size": "Size",
    "strata": "Strata",
    "quota_per_officer": "Quota",
    "targets": "CAD refs",
    "cad_refs": "CAD refs",
    "seed": "Seed",
    "oversample_not_deployed": "Oversample not deployed",
    "oversample_partner_caller": "Oversample partner",
}


@dataclass(frozen=True)
class PlanForm:
    """The dialog's raw values, exactly as typed."""

    name: str = ""
    date_from: str = ""
    date_to: str = ""
    categories: str = ""
    outcomes: str = ""
    caller_types: str = ""
    teams: str = ""
    method: str = SamplingMethod.SIMPLE.value
    allocation: str = Allocation.PROPORTIONAL.value
    size: str = ""
    strata: str = ""
    quota: str = "3"
    census_shift: str = ""
    cad_refs: str = ""
    oversample_not_deployed: str = "1"
    oversample_partner: str = "1"
    seed: str = ""


@dataclass(frozen=True)
class PlanRequest:
    """A validated plan, less the CAD references a targeted plan still has to look up."""

    name: str
    population: PopulationFilter
    spec: SamplingSpec
    seed: int | None
    cad_refs: tuple[str, ...]


def _items(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _enums(field: str, raw: str, kind: type[E]) -> tuple[E, ...]:
    found: list[E] = []
    for part in _items(raw):
        try:
            found.append(kind.parse(part))  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValidationFailed(field, str(exc)) from None
    return tuple(dict.fromkeys(found))


def _day(field: str, raw: str) -> date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return parse_day(text, field)
    except ValueError as exc:
        raise ValidationFailed(field, str(exc).removeprefix(f"{field}: ")) from None


def _london_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


def _whole(field: str, raw: str, *, default: int | None = None, minimum: int = 1) -> int:
    text = raw.strip()
    if not text and default is not None:
        return default
    if not text:
        raise ValidationFailed(field, "type a whole number")
    try:
        value = int(text)
    except ValueError:
        raise ValidationFailed(field, f"{text!r} is not a whole number") from None
    if value < minimum:
        raise ValidationFailed(field, f"{value} is too small: it must be {minimum} or more")
    return value


def _factor(field: str, raw: str) -> float:
    text = raw.strip() or "1"
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(field, f"{text!r} is not a number like 1 or 2.5") from None
    if not 1 <= value <= 20:
        raise ValidationFailed(field, "a factor is from 1 (no oversampling) to 20")
    return value


def read_plan(form: PlanForm, teams: Mapping[str, int]) -> PlanRequest:
    """Validate ``form``; ``teams`` maps each team's name to its id."""
    name = form.name.strip()
    if not name:
        raise ValidationFailed("Name", "give the plan a name, e.g. November welfare")
    first, last = _day("From", form.date_from), _day("To", form.date_to)
    if first and last and last < first:
        raise ValidationFailed("To", f"{last} is before the 'from' day {first}")
    outcome_parts = _items(form.outcomes)
    not_deployed = any(p.lower() == NOT_DEPLOYED for p in outcome_parts)
    outcomes = _enums(
        "Outcomes", ",".join(p for p in outcome_parts if p.lower() != NOT_DEPLOYED), Outcome
    )
    by_name = {n.lower(): i for n, i in teams.items()}
    team_ids: list[int] = []
    for team in _items(form.teams):
        if team.lower() not in by_name:
            known = ", ".join(sorted(teams)) or "none yet"
            raise ValidationFailed("Teams", f"no team is called {team!r} (teams: {known})")
        team_ids.append(by_name[team.lower()])
    population = PopulationFilter(
        received_from=_london_midnight(first) if first else None,
        # The last day is inclusive for people; the population's end is exclusive.
        received_to=_london_midnight(last + timedelta(days=1)) if last else None,
        categories=tuple(c.value for c in _enums("Categories", form.categories, Category)),
        outcomes=tuple(o.value for o in outcomes),
        not_deployed_only=not_deployed,
        caller_types=tuple(c.value for c in _enums("Caller types", form.caller_types, CallerType)),
        team_ids=tuple(dict.fromkeys(team_ids)),
    )
    try:
        method = SamplingMethod(form.method)
        allocation = Allocation(form.allocation)
    except ValueError:
        raise ValidationFailed("Method", "choose one of the methods offered") from None
    sized = method in (SamplingMethod.SIMPLE, SamplingMethod.STRATIFIED)
    strata: tuple[StratumDimension, ...] = ()
    if method is SamplingMethod.STRATIFIED:
        try:
            strata = tuple(StratumDimension(s.lower()) for s in _items(form.strata))
        except ValueError:
            raise ValidationFailed("Strata", "any of: category, shift, team") from None
    shift = None
    if method is SamplingMethod.CENSUS and form.census_shift.strip():
        shift = _enums("Census shift", form.census_shift, Shift)[0].value
    refs = tuple(r.upper() for r in _items(form.cad_refs))
    if method is SamplingMethod.TARGETED and not refs:
        raise ValidationFailed("CAD refs", "list the CAD references to target, comma separated")
    spec = SamplingSpec(
        method,
        size=_whole("Size", form.size) if sized else 0,
        strata=strata,
        allocation=allocation,
        quota_per_officer=(
            _whole("Quota", form.quota) if method is SamplingMethod.OFFICER_QUOTA else 3
        ),
        census_shift=shift,
        oversampling=Oversampling(
            _factor("Oversample not deployed", form.oversample_not_deployed),
            _factor("Oversample partner", form.oversample_partner),
        ),
    )
    seed = _whole("Seed", form.seed, minimum=0) if form.seed.strip() else None
    return PlanRequest(
        name, population, spec, seed, refs if method is SamplingMethod.TARGETED else ()
    )


def size_advice(
    confidence_raw: str, margin_raw: str, size_raw: str, population_raw: str = ""
) -> str:
    """The sample-size helper's line: reviews needed, and the margin a typed size gives.

    With a population (N) both use the finite-population correction; without one they are
    for a large population. A drawn sample shows its own, for the population it came from.
    """
    try:
        confidence = float(confidence_raw.strip().rstrip("%") or "95") / 100
        margin = float(margin_raw.strip().rstrip("%") or "5") / 100
        needed = sample_size(margin, confidence=confidence)
    except ValueError:
        return "Sample size: type a confidence (e.g. 95) and a margin (e.g. 5), in per cent."
    text = f"For ±{margin:.1%} at {confidence:.0%} confidence: {needed:,} reviews"
    population = int(population_raw) if population_raw.strip().isdigit() else 0
    if population > 0:
        corrected = sample_size(margin, confidence=confidence, population=population)
        text += f"; {corrected:,} from a population of {population:,}"
    size = int(size_raw) if size_raw.strip().isdigit() else 0
    if size > 0 and (population == 0 or size <= population):
        achieved = margin_of_error(size, confidence=confidence, population=population or None)
        text += f" · a sample of {size:,} gives ±{achieved:.1%}"
    if population == 0:
        text += " (large population: type N for the finite-population correction)"
    return text
