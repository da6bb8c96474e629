"""Dip sampling as pure rules: plans, strata, allocation and reproducible draws.

Reproducibility (domain brief §5) rests on two things: one ``random.Random(seed)`` drives
every choice, and candidates are always put in a canonical order (by received time, then
decision id, within a stratum; strata by key) before anything is chosen. A draw therefore
depends only on the plan, the seed and the set of decisions, never on the order a database
happens to return rows.

Draws are made as *ranks* within each stratum (the r-th decision in that order), so the service can
resolve them either from rows in memory or directly in SQL over a million decisions; both
give the same decisions.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class SampleItemStatus(StrEnum):
    """Where a sample item is in the queue. Stored as the value (``sample_items.status``).

    open -> claimed -> done; open or claimed -> skipped or replaced (a replaced item's
    replacement is a new open item). Open, claimed and done still hold their decision in
    the sample; skipped and replaced ones do not.
    """

    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    SKIPPED = "skipped"
    REPLACED = "replaced"


NO_VALUE = "-"


class SamplingMethod(StrEnum):
    SIMPLE = "simple"
    STRATIFIED = "stratified"
    OFFICER_QUOTA = "officer_quota"
    CENSUS = "census"
    TARGETED = "targeted"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    SamplingMethod.SIMPLE: "Simple random sample",
    SamplingMethod.STRATIFIED: "Stratified random sample",
    SamplingMethod.OFFICER_QUOTA: "Quota per contact officer per month",
    SamplingMethod.CENSUS: "Go-live census of not-deployed decisions",
    SamplingMethod.TARGETED: "Targeted decisions",
}


class Allocation(StrEnum):
    PROPORTIONAL = "proportional"
    EQUAL = "equal"


class StratumDimension(StrEnum):
    CATEGORY = "category"
    SHIFT = "shift"
    TEAM = "team"


@dataclass(frozen=True)
class Oversampling:
    """Factors by which not-deployed and partner-caller decisions are over-represented.

    Each factor multiplies the share of the sample a group receives; the design weight
    (population ÷ sample in the group) is stored with every item so estimates can be
    reweighted back to the population.
    """

    not_deployed: float = 1.0
    partner_caller: float = 1.0

    @property
    def active(self) -> bool:
        return self.not_deployed != 1.0 or self.partner_caller != 1.0

    def group(self, outcome: str, caller_type: str) -> str:
        """The oversampling group of a decision (a stratum dimension when active)."""
        not_deployed = outcome != "deployed"
        partner = caller_type != "public"
        if not_deployed and partner:
            return "not_deployed+partner"
        if not_deployed:
            return "not_deployed"
        return "partner" if partner else "standard"

    def factor(self, group: str) -> float:
        factors = [1.0]
        if "not_deployed" in group:
            factors.append(self.not_deployed)
        if "partner" in group:
            factors.append(self.partner_caller)
        return max(factors)


@dataclass(frozen=True)
class SamplingSpec:
    """How to draw: the method and its parameters (the population filter lives apart)."""

    method: SamplingMethod
    size: int = 0
    strata: tuple[StratumDimension, ...] = ()
    allocation: Allocation = Allocation.PROPORTIONAL
    quota_per_officer: int = 3
    census_shift: str | None = None
    target_ids: tuple[int, ...] = ()
    oversampling: Oversampling = field(default_factory=Oversampling)

    def problems(self) -> list[tuple[str, str]]:
        """Each (field, message) that makes this spec unusable; empty when it is sound."""
        found: list[tuple[str, str]] = []
        if self.method in (SamplingMethod.SIMPLE, SamplingMethod.STRATIFIED) and self.size < 1:
            found.append(("size", "the sample size must be at least 1"))
        if self.method is SamplingMethod.STRATIFIED and not self.strata:
            found.append(("strata", "choose at least one of category, shift or team"))
        if len(set(self.strata)) != len(self.strata):
            found.append(("strata", "each stratum dimension may be chosen once"))
        if self.method is SamplingMethod.OFFICER_QUOTA and self.quota_per_officer < 1:
            found.append(("quota_per_officer", "the quota must be at least 1 a month"))
        if self.method is SamplingMethod.TARGETED and not self.target_ids:
            found.append(("targets", "name at least one decision to target"))
        for name in ("not_deployed", "partner_caller"):
            if getattr(self.oversampling, name) < 1:
                found.append((f"oversample_{name}", "an oversampling factor must be 1 or more"))
        return found

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict, stored with the plan and the sample."""
        return {
            "method": self.method.value,
            "size": self.size,
            "strata": [d.value for d in self.strata],
            "allocation": self.allocation.value,
            "quota_per_officer": self.quota_per_officer,
            "census_shift": self.census_shift,
            "target_ids": list(self.target_ids),
            "oversample_not_deployed": self.oversampling.not_deployed,
            "oversample_partner_caller": self.oversampling.partner_caller,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SamplingSpec:
        """The inverse of ``to_json``; raises ValueError on unknown values."""

        def _num(name: str, default: float) -> float:
            value = data.get(name, default)
            return float(value) if isinstance(value, int | float | str) else default

        strata = data.get("strata") or []
        targets = data.get("target_ids") or []
        shift = data.get("census_shift")
        return cls(
            method=SamplingMethod(str(data["method"])),
            size=int(_num("size", 0)),
            strata=tuple(StratumDimension(str(s)) for s in strata),  # type: ignore[attr-defined]
            allocation=Allocation(str(data.get("allocation", "proportional"))),
            quota_per_officer=int(_num("quota_per_officer", 3)),
            census_shift=None if shift is None else str(shift),
            target_ids=tuple(int(t) for t in targets),  # type: ignore[attr-defined]
            oversampling=Oversampling(
                _num("oversample_not_deployed", 1.0), _num("oversample_partner_caller", 1.0)
            ),
        )

    def describe(self) -> str:
        """One line a QA lead can put in front of an inspector."""
        text = self.method.label
        if self.method in (SamplingMethod.SIMPLE, SamplingMethod.STRATIFIED):
            text += f" of {self.size}"
        if self.method is SamplingMethod.STRATIFIED:
            dims = " x ".join(d.value for d in self.strata)
            text += f" by {dims}, {self.allocation.value} allocation"
        if self.method is SamplingMethod.OFFICER_QUOTA:
            text += f": {self.quota_per_officer} per officer per calendar month"
        if self.method is SamplingMethod.CENSUS and self.census_shift:
            text += f" on the {self.census_shift} shift"
        if self.method is SamplingMethod.TARGETED:
            text += f": {len(self.target_ids)} named"
        if self.oversampling.active:
            text += (
                f"; oversampling not deployed x{self.oversampling.not_deployed:g}, "
                f"partner callers x{self.oversampling.partner_caller:g}"
            )
        return text


@dataclass(frozen=True)
class Candidate:
    """The columns of a decision that sampling needs, and nothing else."""

    id: int
    category: str
    shift: str | None
    team_id: int | None
    contact_officer_id: int | None
    outcome: str
    caller_type: str
    received_at: datetime


def month_key(instant: datetime, tz: ZoneInfo = LONDON) -> str:
    """The calendar month (``YYYY-MM``) of ``instant`` in the force's time zone."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no month in a time zone")
    local = instant.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def month_bounds(key: str, tz: ZoneInfo = LONDON) -> tuple[datetime, datetime]:
    """The UTC instants where local month ``key`` starts and the next one starts."""
    year, month = (int(part) for part in key.split("-"))
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def stratum_key(
    spec: SamplingSpec,
    *,
    category: str,
    shift: str | None,
    team_id: int | None,
    outcome: str,
    caller_type: str,
) -> str:
    """The stratum a decision falls in, for simple and stratified draws."""
    parts: list[str] = []
    if spec.method is SamplingMethod.STRATIFIED:
        values = {"category": category, "shift": shift, "team": team_id}
        for dim in spec.strata:
            value = values[dim.value]
            parts.append(f"{dim.value}={NO_VALUE if value is None else value}")
    if spec.oversampling.active:
        parts.append(f"group={spec.oversampling.group(outcome, caller_type)}")
    return "|".join(parts) or "all"


def key_of(spec: SamplingSpec, candidate: Candidate, tz: ZoneInfo = LONDON) -> str:
    """The stratum of ``candidate`` under any method."""
    if spec.method is SamplingMethod.OFFICER_QUOTA:
        return (
            f"officer={candidate.contact_officer_id}|month={month_key(candidate.received_at, tz)}"
        )
    if spec.method in (SamplingMethod.CENSUS, SamplingMethod.TARGETED):
        return spec.method.value
    return stratum_key(
        spec,
        category=candidate.category,
        shift=candidate.shift,
        team_id=candidate.team_id,
        outcome=candidate.outcome,
        caller_type=candidate.caller_type,
    )


def stratum_fields(key: str) -> dict[str, str | None]:
    """Parse a stratum key back into its fields (``-`` becomes None)."""
    if "=" not in key:
        return {}
    pairs = (part.split("=", 1) for part in key.split("|"))
    return {name: (None if value == NO_VALUE else value) for name, value in pairs}


def allocate(measures: Mapping[str, float], caps: Mapping[str, int], n: int) -> dict[str, int]:
    """Share ``n`` across strata in proportion to ``measures``, never above ``caps``.

    Largest-remainder rounding makes the total exact (ties go to the earlier key). A stratum
    that would exceed its size is fixed at its size and the rest is shared again among the
    others, so the total is min(n, Σcaps).
    """
    result = {key: 0 for key in caps}
    remaining = min(n, sum(caps.values()))
    open_keys = sorted(k for k, cap in caps.items() if cap > 0)
    while remaining > 0 and open_keys:
        weights = {k: max(0.0, measures.get(k, 0.0)) for k in open_keys}
        total = sum(weights.values())
        if total <= 0:
            weights = dict.fromkeys(open_keys, 1.0)
            total = float(len(open_keys))
        quotas = {k: remaining * weights[k] / total for k in open_keys}
        shares = {k: int(quotas[k]) for k in open_keys}
        short = remaining - sum(shares.values())
        for k in sorted(open_keys, key=lambda k: (-(quotas[k] - shares[k]), k))[:short]:
            shares[k] += 1
        over = [k for k in open_keys if shares[k] >= caps[k]]
        if not over:
            for k in open_keys:
                result[k] = shares[k]
            break
        for k in over:
            result[k] = caps[k]
            remaining -= caps[k]
        open_keys = [k for k in open_keys if k not in over]
    return result


def allocate_strata(sizes: Mapping[str, int], spec: SamplingSpec) -> dict[str, int]:
    """How many to draw from each stratum for a simple or stratified spec."""
    measures: dict[str, float] = {}
    for key, size in sizes.items():
        equal = spec.method is SamplingMethod.STRATIFIED and spec.allocation is Allocation.EQUAL
        base = 1.0 if equal else float(size)
        group = stratum_fields(key).get("group")
        measures[key] = base * (spec.oversampling.factor(group) if group else 1.0)
    return allocate(measures, sizes, spec.size)


@dataclass(frozen=True)
class StratumDraw:
    """What was drawn from one stratum: ranks in canonical order, and the design weight."""

    key: str
    population: int
    ranks: tuple[int, ...]

    @property
    def weight(self) -> float:
        return self.population / len(self.ranks) if self.ranks else 0.0


def canonical(candidate: Candidate) -> tuple[datetime, int]:
    """The order of decisions within a stratum: by received time, then id."""
    return (candidate.received_at, candidate.id)


def draw_ranks(
    sizes: Mapping[str, int], allocation: Mapping[str, int], seed: int
) -> list[StratumDraw]:
    """Choose ranks within each stratum, strata in key order, with one seeded generator."""
    rng = random.Random(seed)
    draws = []
    for key in sorted(sizes):
        size, take = sizes[key], allocation.get(key, 0)
        ranks = tuple(rng.sample(range(size), min(take, size))) if take > 0 else ()
        draws.append(StratumDraw(key, size, ranks))
    return draws


@dataclass(frozen=True)
class DrawnItem:
    decision_id: int
    stratum: str
    design_weight: float


@dataclass(frozen=True)
class Draw:
    """A complete draw: the items in draw order, and the strata they came from."""

    items: tuple[DrawnItem, ...]
    strata: tuple[StratumDraw, ...]
    population: int


def quota_needs(
    strata: Iterable[str], quota: int, existing: Mapping[tuple[int, str], int]
) -> dict[str, int]:
    """For each ``officer=…|month=…`` stratum, how many more reviews bring it up to quota."""
    needs = {}
    for key in strata:
        fields = stratum_fields(key)
        officer, month = int(fields["officer"] or 0), str(fields["month"])
        needs[key] = max(0, quota - existing.get((officer, month), 0))
    return needs


def draw_sample(
    candidates: Sequence[Candidate],
    spec: SamplingSpec,
    seed: int,
    *,
    existing_reviews: Mapping[tuple[int, str], int] | None = None,
    tz: ZoneInfo = LONDON,
) -> Draw:
    """Draw from ``candidates`` (the population after exclusions) according to ``spec``.

    ``existing_reviews`` counts reviews already held per (contact officer id, ``YYYY-MM``)
    so the quota method only tops officers up.
    """
    pool = list(candidates)
    if spec.method is SamplingMethod.CENSUS:
        pool = [
            c for c in pool if c.outcome != "deployed" and (spec.census_shift in (None, c.shift))
        ]
    elif spec.method is SamplingMethod.TARGETED:
        wanted = set(spec.target_ids)
        pool = [c for c in pool if c.id in wanted]
    elif spec.method is SamplingMethod.OFFICER_QUOTA:
        pool = [c for c in pool if c.contact_officer_id is not None]
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in pool:
        groups[key_of(spec, candidate, tz)].append(candidate)
    for members in groups.values():
        members.sort(key=canonical)
    sizes = {key: len(members) for key, members in groups.items()}
    if spec.method in (SamplingMethod.CENSUS, SamplingMethod.TARGETED):
        allocation = dict(sizes)
    elif spec.method is SamplingMethod.OFFICER_QUOTA:
        allocation = quota_needs(sizes, spec.quota_per_officer, existing_reviews or {})
    else:
        allocation = allocate_strata(sizes, spec)
    strata = draw_ranks(sizes, allocation, seed)
    items = [DrawnItem(groups[s.key][rank].id, s.key, s.weight) for s in strata for rank in s.ranks]
    return Draw(queue_order(items, seed), tuple(strata), len(pool))


def queue_order(items: Sequence[DrawnItem], seed: int) -> tuple[DrawnItem, ...]:
    """The order items are worked in: shuffled (seeded), so a half-worked sample still
    spreads across the strata instead of finishing one stratum before starting the next."""
    ordered = list(items)
    random.Random(f"{seed}:queue").shuffle(ordered)
    return tuple(ordered)


def replacement_rank(available: int, seed: int, item_id: int) -> int | None:
    """The rank (in canonical order) of item ``item_id``'s replacement among ``available``.

    Seeded by the sample's seed and the item replaced, so a replacement is reproducible too.
    """
    if available < 1:
        return None
    return random.Random(f"{seed}:replace:{item_id}").randrange(available)


def pick_replacement(
    stratum_members: Iterable[Candidate], used_ids: Iterable[int], seed: int, item_id: int
) -> Candidate | None:
    """A replacement from the same stratum, not already used by the sample."""
    used = set(used_ids)
    available = sorted((c for c in stratum_members if c.id not in used), key=canonical)
    rank = replacement_rank(len(available), seed, item_id)
    return None if rank is None else available[rank]
