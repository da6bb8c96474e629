"""``rcrp-tui sample ...``: saved plans, drawing, progress, results and the sample-size helper.

Planning and reading samples is a QA lead's work. Every command but ``size`` is run by a
signed-in person (``--user``) with their own role, as in the app, and audited under their
name; ``size`` is arithmetic and touches no database.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rcrp_tui.services.core.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx


def _ctx(args: argparse.Namespace) -> Ctx:
    from rcrp_tui.cli.auth import signed_in

    return signed_in(args)


def _summary_ctx(args: argparse.Namespace) -> Ctx:
    """The signed-in context, after saying which database the summary comes from."""
    from rcrp_tui.cli.output import say_database

    ctx = _ctx(args)
    say_database(ctx)
    return ctx


def _fraction(name: str) -> Callable[[str], float]:
    """An argparse type for a proportion typed as 0.95 or 95%."""

    def parse(text: str) -> float:
        raw = text.strip()
        try:
            value = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} {text!r} is not a number like 0.95 or 95%"
            ) from None
        if not 0 < value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be between 0 and 1 (or 0% and 100%)")
        return value

    return parse


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: it must be 1 or more")
    return value


def cmd_sample_plans(args: argparse.Namespace) -> int:
    from rcrp_tui.services.sampling import plans as sampling

    plans = sampling.list_plans(_ctx(args))
    if not plans:
        print("No sampling plans saved yet (a QA lead saves one on the Samples screen, F3).")
    for plan in plans:
        print(
            f"#{plan.id:<4} {plan.name:<28} seed {plan.seed:<12} {plan.description}  "
            f"(by {plan.created_by}, {plan.created_at:%Y-%m-%d})"
        )
    return 0


def cmd_sample_draw(args: argparse.Namespace) -> int:
    from rcrp_tui.services.sampling import plans as sampling

    ctx = _ctx(args)
    wanted = args.plan.strip()
    plan = next((p for p in sampling.list_plans(ctx) if p.name == wanted), None)
    if plan is None:
        raise ValidationFailed("--plan", f"no sampling plan is called {wanted!r}")
    try:
        sample = sampling.draw_sample(
            ctx, plan.id, seed=args.seed, whole_population=args.whole_population
        )
    except sampling.LargerThanPopulation as exc:
        raise Conflict(
            f"{exc.message} Nothing was drawn; add --whole-population to draw all "
            f"{exc.population:,}."
        ) from None
    margin = f", ±{sample.margin:.1%} at 95%" if sample.margin is not None else ""
    print(
        f"Drew sample #{sample.id} from {plan.name!r}: {sample.size} of "
        f"{sample.population_size:,} decisions, seed {sample.seed}{margin}."
    )
    return 0


def cmd_sample_list(args: argparse.Namespace) -> int:
    from rcrp_tui.services.sampling.lists import samples_page

    status = None if args.status == "all" else args.status
    page = samples_page(_summary_ctx(args), status=status, limit=args.limit)
    if not page.rows:
        print("No samples.")
    for row in page.rows:
        s = row.sample
        print(
            f"#{s.id:<5} {s.drawn_at:%Y-%m-%d %H:%M} UTC  {s.status:<6} {row.progress:>9} done  "
            f"skipped {row.skipped:<3} replaced {row.replaced:<3} {s.plan_name}  "
            f"({s.method_description})"
        )
    if page.has_older:
        print(f"(older samples not shown: raise --limit above {args.limit})")
    return 0


def cmd_sample_progress(args: argparse.Namespace) -> int:
    from rcrp_tui.services.sampling import queue as sample_queue

    progress = sample_queue.progress(_summary_ctx(args), args.sample_id)
    print(f"{'stratum':<48} {'done':>6} {'total':>6} {'skipped':>8} {'replaced':>9}")
    for s in progress.strata:
        print(f"{s.stratum:<48} {s.done:>6} {s.total:>6} {s.skipped:>8} {s.replaced:>9}")
    print(
        f"{'all':<48} {progress.done:>6} {progress.total:>6} "
        f"{progress.skipped:>8} {progress.replaced:>9}"
    )
    return 0


def cmd_sample_results(args: argparse.Namespace) -> int:
    from rcrp_tui.services.sampling import results as sampling_results

    ctx = _summary_ctx(args)
    r = sampling_results.results(ctx, args.sample_id)
    print(f"Sample #{r.sample_id}: {r.reviewed} of {r.in_sample} reviewed", end="")
    print(f" (skipped {r.skipped}, replaced {r.replaced})")
    print(f"Overall compliance: {r.overall.describe()}")
    if r.weighted is not None:
        print(f"Weighted estimate:  {r.weighted.describe()}")
    if r.criteria:
        print("\nPer criterion (met out of met + partly + not met):")
        for c in r.criteria:
            print(f"  {c.code:<8} {c.compliance.describe()}  N/A {c.not_applicable}")
    if r.judgements:
        print("\nOverall judgements:")
        for judgement, n in r.judgements:
            print(f"  {sampling_results.judgement_label(judgement):<32} {n}")
    if r.strata:
        print("\nPer stratum:")
        for s in r.strata:
            print(
                f"  {s.stratum:<44} {s.reviewed}/{s.in_sample} reviewed  {s.compliance.describe()}"
            )
    if args.csv:
        path = Path(args.csv).expanduser()
        if not path.parent.is_dir():
            raise ValidationFailed("--csv", f"the folder {path.parent} does not exist")
        try:
            rows = sampling_results.write_csv(ctx, args.sample_id, path)
        except OSError as exc:
            raise ValidationFailed("--csv", f"cannot write {path}: {exc.strerror}") from None
        print(f"\nWrote {rows} item(s) to {path}")
    return 0


def cmd_sample_size(args: argparse.Namespace) -> int:
    from rcrp_tui.domain.statistics import margin_of_error, sample_size

    n = sample_size(args.margin, confidence=args.confidence, p=args.p)
    print(
        f"For ±{args.margin:.1%} at {args.confidence:.0%} confidence (expected proportion "
        f"{args.p:g}): {n} reviews"
    )
    if args.population is not None:
        corrected = sample_size(
            args.margin, confidence=args.confidence, p=args.p, population=args.population
        )
        achieved = margin_of_error(
            corrected, confidence=args.confidence, p=args.p, population=args.population
        )
        print(
            f"From a population of {args.population:,} (finite-population correction): "
            f"{corrected} reviews, which give ±{achieved:.1%}"
        )
    return 0


def add_sample_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``sample`` and its actions on the main parser's sub-parsers."""
    sample = sub.add_parser("sample", help="dip sampling: plans, draws, results (docs/sampling.md)")
    actions = sample.add_subparsers(title="sample commands", metavar="ACTION", required=True)

    plans = actions.add_parser("plans", help="list saved sampling plans")
    add_database(plans)
    add_sign_in(plans)
    plans.set_defaults(func=cmd_sample_plans)

    draw = actions.add_parser("draw", help="draw a sample from a saved plan")
    draw.add_argument("--plan", required=True, metavar="NAME", help="the plan's name")
    draw.add_argument(
        "--seed", type=int, metavar="S", help="random seed (default: the plan's stored seed)"
    )
    draw.add_argument(
        "--whole-population",
        action="store_true",
        help="when the plan's size is over its population, draw every decision in it",
    )
    add_database(draw)
    add_sign_in(draw)
    draw.set_defaults(func=cmd_sample_draw)

    listing = actions.add_parser("list", help="list samples, newest first, with progress")
    listing.add_argument("--status", choices=("open", "closed", "all"), default="all")
    listing.add_argument("--limit", type=_positive, default=50, help="how many (default 50)")
    add_database(listing)
    add_sign_in(listing)
    listing.set_defaults(func=cmd_sample_list)

    progress = actions.add_parser("progress", help="done / total per stratum, skips, replacements")
    progress.add_argument("sample_id", type=int, metavar="ID")
    add_database(progress)
    add_sign_in(progress)
    progress.set_defaults(func=cmd_sample_progress)

    results = actions.add_parser(
        "results", help="compliance with Wilson 95%% intervals, judgements, strata"
    )
    results.add_argument("sample_id", type=int, metavar="ID")
    results.add_argument("--csv", metavar="PATH", help="also write every item to this CSV file")
    add_database(results)
    add_sign_in(results)
    results.set_defaults(func=cmd_sample_results)

    size = actions.add_parser(
        "size", help="reviews needed for a margin of error (no database needed)"
    )
    size.add_argument(
        "--confidence", type=_fraction("confidence"), default=0.95, help="e.g. 0.95 (default)"
    )
    size.add_argument(
        "--margin", type=_fraction("margin"), default=0.05, help="e.g. 0.05 for ±5%% (default)"
    )
    size.add_argument(
        "--population", type=_positive, metavar="N", help="apply the finite-population correction"
    )
    size.add_argument(
        "--p",
        type=_fraction("expected proportion"),
        default=0.5,
        help="expected proportion (default 0.5, the cautious choice)",
    )
    size.set_defaults(func=cmd_sample_size)
