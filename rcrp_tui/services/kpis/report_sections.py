"""The KPI report laid out as tables: the same sections feed every format.

``sections`` turns a ``KpiReport`` into ``Section`` tables in reading order (the workbook's
sheets); ``header_lines`` gives the period, the baseline and what the data covers, which
head every format; ``METHOD`` says how each figure is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rcrp_tui.domain.appeals import format_rate, theme_label
from rcrp_tui.domain.calibration.agreement import Estimate, too_few_words
from rcrp_tui.domain.kpis import LONDON, MONTHLY_MINIMUM, change_points
from rcrp_tui.domain.statistics import Proportion
from rcrp_tui.services.kpis.figures import KpiReport, RateRow

TITLE = "Right Care, Right Person: KPI report"
Cell = str | int | float | None


@dataclass(frozen=True)
class Section:
    """One table of the report (one sheet of the workbook)."""

    key: str  # a sheet name: at most 31 characters
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _ci(p: Proportion) -> tuple[Cell, Cell, Cell]:
    if p.total == 0:
        return None, None, None
    return _pct(p.estimate), _pct(p.low), _pct(p.high)


def _when(instant: datetime | None) -> str:
    return "none" if instant is None else f"{instant.astimezone(LONDON):%Y-%m-%d %H:%M} London"


def header_lines(report: KpiReport) -> list[str]:
    """The period, the baseline and what the data covers: the top of every format."""
    c = report.coverage
    return [
        f"Period: {report.period.describe()}",
        f"Baseline: {report.baseline.describe()}",
        f"Decisions in period: {c.decisions:,} (first {_when(c.first_decision)}, last "
        f"{_when(c.last_decision)}); reviews counted: {c.reviews_counted:,}",
        f"Decisions in baseline: {c.baseline_decisions:,} (first {_when(c.baseline_first)}, "
        f"last {_when(c.baseline_last)}); reviews counted: {c.baseline_reviews_counted:,}",
        f"Generated {_when(report.generated_at)} by {report.generated_by}",
    ]


METHOD = (
    "Periods are Europe/London calendar days; the end date is not included. Weeks are ISO "
    "weeks (Monday to Sunday) in London.",
    "Deployment rate = decisions with the outcome 'deployed' / all RCRP decisions received "
    "in the period. Change is in percentage points against the baseline.",
    "A decision counts for QA once it has a review past draft (submitted, moderated, "
    "released or acknowledged); its latest such review is used, as in the sample results. "
    "Reviews are placed in the period by when the decision was received.",
    "Compliance = reviews that passed (score band a pass and no critical criterion not "
    "met) / reviews counted. Per criterion: met / (met + partially met + not met); N/A is "
    "left out.",
    "Every proportion carries a Wilson 95% confidence interval (the Wilson score formula).",
    f"Reviews per officer: counted reviews per contact officer per London month; 'at "
    f"minimum' = officers with at least {MONTHLY_MINIMUM}. Officers reviewed = active "
    "officers with a decision in the period who have at least one counted review.",
    "Appeals: the appeal figures for the period (per 100 not-deployed decisions, % "
    "overturned of those decided, minutes to decision for live 999 appeals).",
    "Coaching: notes written in the period by theme; open = not yet followed up; overdue = "
    "open with a follow-up day already past. Floorwalking coverage = team-shifts starting "
    "in the period that had a floorwalker, from the rotas.",
)


def _rate_row(r: RateRow) -> tuple[Cell, ...]:
    change = change_points(r.rate, r.baseline_rate)
    return (
        r.label,
        r.decisions,
        r.deployed,
        _pct(r.rate),
        r.baseline_decisions,
        r.baseline_deployed,
        _pct(r.baseline_rate),
        None if change is None else round(change, 1),
    )


RATE_COLUMNS = (
    "Group",
    "Decisions",
    "Deployed",
    "Deployed %",
    "Baseline decisions",
    "Baseline deployed",
    "Baseline deployed %",
    "Change (points)",
)


def _summary(report: KpiReport) -> Section:
    d, shd = report.deployment, report.should_have_deployed
    t = report.appeals.total
    fw = report.floorwalking_share
    flag = "SAFETY-CRITICAL: review every one" if shd.successes else "none found"
    rows: list[tuple[Cell, ...]] = [
        ("Deployment rate %", _pct(d.rate), _pct(d.baseline_rate), ""),
        (
            "QA compliance %",
            *_ci(report.compliance)[:1],
            _pct(report.baseline_compliance.estimate) if report.baseline_compliance.total else None,
            report.compliance.describe(),
        ),
        (
            "SHOULD HAVE DEPLOYED (reviews)",
            int(shd.successes),
            int(report.baseline_should_have_deployed.successes),
            f"{shd.describe()}; {flag}",
        ),
        (
            "Officers reviewed %",
            _pct(report.officers_reviewed.estimate) if report.active_officers else None,
            None,
            report.officers_reviewed.describe(),
        ),
        ("Appeals", t.appeals, None, f"{format_rate(t.appeals_per_100)} per 100 not deployed"),
        ("Appeals overturned %", t.pct_overturned, None, f"{t.decided} decided"),
        ("Coaching follow-ups open now", report.coaching_open_now, None, ""),
        ("Coaching follow-ups overdue now", report.coaching_overdue_now, None, ""),
        ("Floorwalking coverage %", *_ci(fw)[:1], None, fw.describe()),
    ]
    return Section("Summary", "Summary", ("Measure", "Period", "Baseline", "Detail"), tuple(rows))


def sections(report: KpiReport) -> list[Section]:
    """The report as tables, in reading order (the workbook's sheets)."""
    out = [_summary(report)]
    for key, title, rows in (
        ("Deployment by category", "Deployment by category", report.by_category),
        ("Deployment by phase", "Deployment by phase", report.by_phase),
        ("Deployment by caller", "Deployment by caller type", report.by_caller),
    ):
        body = tuple(_rate_row(r) for r in (*rows, report.deployment))
        out.append(Section(key, title, RATE_COLUMNS, body))
    base_rate = _pct(report.deployment.baseline_rate)
    out.append(
        Section(
            "Weekly",
            "Week by week: deployment against the baseline, and QA compliance",
            (
                "Week",
                "Decisions",
                "Deployed %",
                "Baseline deployed %",
                "Reviews",
                "Compliance %",
                "CI low %",
                "CI high %",
            ),
            tuple(
                (
                    w.week,
                    w.decisions,
                    _pct(w.rate),
                    base_rate,
                    int(w.compliance.total),
                    *_ci(w.compliance),
                )
                for w in report.weeks
            ),
        )
    )
    out.append(
        Section(
            "Criterion compliance",
            "QA compliance by toolkit criterion",
            (
                "Code",
                "Question",
                "Met",
                "Partially met",
                "Not met",
                "N/A",
                "Compliance %",
                "CI low %",
                "CI high %",
            ),
            (
                (
                    "All criteria (reviews passed)",
                    "",
                    int(report.compliance.successes),
                    None,
                    int(report.compliance.total - report.compliance.successes),
                    None,
                    *_ci(report.compliance),
                ),
                *(
                    (
                        c.result.code,
                        c.question,
                        c.result.met,
                        c.result.partial,
                        c.result.not_met,
                        c.result.not_applicable,
                        *_ci(c.result.compliance),
                    )
                    for c in report.criteria
                ),
            ),
        )
    )
    out.append(
        Section(
            "Judgement mix",
            "Judgement mix (should-have-deployed is safety-critical)",
            (
                "Judgement",
                "Reviews",
                "Share %",
                "CI low %",
                "CI high %",
                "Baseline reviews",
                "Flag",
            ),
            tuple(
                (
                    j.label.upper() if j.safety_critical else j.label,
                    int(j.share.successes),
                    *_ci(j.share),
                    j.baseline_count,
                    "SAFETY-CRITICAL" if j.safety_critical else "",
                )
                for j in report.judgements
            ),
        )
    )
    out.append(
        Section(
            "Reviews per officer",
            "Reviews per contact officer per month",
            (
                "Month",
                "Officers reviewed",
                "Reviews",
                "Per officer",
                "Fewest",
                "Most",
                f"At least {MONTHLY_MINIMUM}",
            ),
            tuple(
                (
                    m.month,
                    m.officers_reviewed,
                    m.reviews,
                    None if m.per_officer is None else round(m.per_officer, 2),
                    m.fewest,
                    m.most,
                    m.at_minimum,
                )
                for m in report.officer_months
            ),
            note=f"Active officers with decisions in the period: {report.active_officers}; "
            f"reviewed: {report.officers_reviewed.describe()}",
        )
    )
    t = report.appeals.total
    appeal_rows: list[tuple[Cell, ...]] = [
        ("Not-deployed decisions", t.not_deployed),
        ("Appeals received", t.appeals),
        ("Appeals per 100 not deployed", _round(t.appeals_per_100)),
        ("Decided", t.decided),
        ("Overturned (police deployed)", t.overturned),
        ("Overturned % of decided", _round(t.pct_overturned)),
        ("Partly upheld", t.partly_upheld),
        ("Live 999 appeals decided", t.live_decided),
        ("Median minutes to decision (live)", _round(t.median_minutes)),
        ("90th percentile minutes (live)", _round(t.p90_minutes)),
        ("Adverse outcomes reported", t.adverse_reported),
        *((f"Theme: {theme_label(k)}", n) for k, n in t.by_theme),
    ]
    out.append(Section("Appeals", "Partner appeals", ("Measure", "Value"), tuple(appeal_rows)))
    out.append(
        Section(
            "Coaching themes",
            "Coaching notes by theme",
            ("Theme", "Notes", "Still open", "Overdue"),
            tuple((c.label, c.notes, c.still_open, c.overdue) for c in report.coaching),
            note=f"All notes, whenever written: {report.coaching_open_now} open, "
            f"{report.coaching_overdue_now} overdue.",
        )
    )
    out.append(
        Section(
            "Floorwalking",
            "Floorwalking coverage of team-shifts in the period",
            (
                "Rota",
                "Phase",
                "Team-shifts",
                "Covered",
                "Coverage %",
                "First-shift gaps",
                "Night gaps",
            ),
            tuple(
                (
                    r.rota,
                    r.phase,
                    r.team_shifts,
                    r.covered,
                    _pct(r.share),
                    r.first_shift_gaps,
                    r.night_gaps,
                )
                for r in report.floorwalking
            ),
            note=f"All rotas: {report.floorwalking_share.describe()}",
        )
    )
    out.append(_calibration(report))
    out.append(Section("Method", "Method", ("Note",), tuple((m,) for m in METHOD)))
    return out


def _coefficient(x: float | None) -> str | None:
    # Two decimals as text: the report shows other numbers to one decimal, which would
    # print alpha 0.44 [0.38, 0.50] as 0.4 [0.4, 0.5].
    return None if x is None else f"{x:.2f}"


def _estimate(label: str, e: Estimate, detail: str = "") -> tuple[Cell, ...]:
    low: Cell = _coefficient(e.low)
    high: Cell = _coefficient(e.high)
    if e.too_few:  # no interval from one or two units: say so where it would stand
        low = high = too_few_words(e)
    value = _coefficient(e.value)
    said = "; ".join(x for x in (f"{e.n_units} units, {e.n_ratings} ratings", detail, e.note) if x)
    return (label, value, low, high, said)


def _calibration(report: KpiReport) -> Section:
    """The latest closed calibration session: do the graders agree?"""
    columns = ("Measure", "Value", "CI low", "CI high", "Detail")
    c = report.calibration
    if c is None:
        return Section(
            "Calibration",
            "Grader calibration",
            columns,
            (),
            note="No calibration session has been closed yet.",
        )
    rows: list[tuple[Cell, ...]] = [
        _estimate("Krippendorff's alpha (ordinal)", c.alpha),
        _estimate("Gwet's AC1", c.ac1),
        *(
            _estimate(
                f"Below {c.threshold:.0%}: {g.grader.display_name}",
                g.estimate,
                "agreement with the reference answers",
            )
            for g in c.below_threshold
        ),
        *(
            _estimate(
                f"Too few to judge: {g.grader.display_name}",
                g.estimate,
                "agreement with the reference answers",
            )
            for g in c.too_few_to_judge
        ),
    ]
    closed = _when(c.closed_at)
    below = (
        f"{len(c.below_threshold)} grader(s) agree with the reference less than "
        f"{c.threshold:.0%} of the time"
        if c.below_threshold
        else f"every grader agrees with the reference at least {c.threshold:.0%} of the time"
    )
    if c.too_few_to_judge:
        below += (
            f"; {len(c.too_few_to_judge)} grader(s) have too few answers with a reference to judge"
        )
    if c.references_set == 0:
        below = "no reference answers are set yet, so no grader is compared with them"
    return Section(
        "Calibration",
        f"Grader calibration: session {c.session_id}, {c.title}",
        columns,
        tuple(rows),
        note=f"Closed {closed}; reference answers set for {c.references_set} of "
        f"{c.references_needed} criteria; {below} (the force's calibration_min_agreement). "
        "Calibration scores never count in any other figure of this report.",
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def cell_text(value: Cell) -> str:
    """A cell as people read it: blank for none, one decimal for fractions."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}" if value != int(value) or abs(value) < 1e6 else str(value)
    return str(value)
