"""Decision-making toolkits as data: the TOML format, parsing and validation.

A toolkit is what a floorwalker scores a decision against. Forces differ (THRIVE
variants, their own criteria, their own grading words), so a toolkit is a TOML file the
force can edit; docs/toolkits.md describes the format. Parsing is all-or-nothing: every
problem is collected and reported together, each naming the file and the key, and a
toolkit with any problem is never returned half-built.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.scoring import Judgement

SHIPPED_TOOLKIT = "rcrp-national.toml"
CODE_RE = re.compile(r"^[A-Z][A-Z0-9-]{0,15}$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")


class ToolkitError(ValueError):
    """A toolkit file is wrong. ``problems`` holds one ``"file: key: message"`` per fault."""

    def __init__(self, source_name: str, problems: list[str]) -> None:
        self.source_name = source_name
        self.problems = tuple(problems)
        lines = "\n".join(f"  {source_name}: {p}" for p in problems)
        super().__init__(
            f"{source_name} is not a valid toolkit ({len(problems)} problem(s)):\n{lines}"
        )


@dataclass(frozen=True)
class Criterion:
    """One thing the reviewer answers Met / Partially met / Not met / N/A."""

    code: str
    section: str
    question: str
    guidance: str
    weight: float
    critical: bool
    na_allowed: bool
    categories: frozenset[Category]

    def applies_to(self, category: Category) -> bool:
        return category in self.categories


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Band:
    """A grading word for scores at or above ``min_percent``; ``passes`` says if it is a pass."""

    name: str
    min_percent: float
    passes: bool


@dataclass(frozen=True)
class JudgementOption:
    judgement: Judgement
    label: str
    guidance: str


@dataclass(frozen=True)
class Reference:
    """Reference material shown beside the criteria (gate questions, NDM stages); not scored."""

    group: str
    code: str
    text: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Toolkit:
    key: str
    version: str
    title: str
    description: str
    categories: frozenset[Category]
    sections: tuple[Section, ...]
    judgements: tuple[JudgementOption, ...]
    bands: tuple[Band, ...]  # highest ``min_percent`` first
    references: tuple[Reference, ...] = ()
    sha256: str = field(default="", compare=False)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.sections for c in s.criteria)

    def criteria_for(self, category: Category) -> tuple[Criterion, ...]:
        """The criteria that apply to a decision of ``category``, in toolkit order."""
        return tuple(c for c in self.criteria if c.applies_to(category))

    def criterion(self, code: str) -> Criterion:
        for c in self.criteria:
            if c.code == code:
                return c
        raise KeyError(code)

    def band_for(self, percent: float) -> Band:
        for band in self.bands:
            if percent >= band.min_percent:
                return band
        return self.bands[-1]

    def judgement_label(self, judgement: Judgement) -> str:
        for option in self.judgements:
            if option.judgement is judgement:
                return option.label
        return judgement.label


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shipped_toolkit_source() -> str:
    """The text of the toolkit shipped with the application (rcrp-national)."""
    path = resources.files("rcrp_tui.domain").joinpath(f"data/toolkits/{SHIPPED_TOOLKIT}")
    return path.read_text(encoding="utf-8")


def load_shipped() -> Toolkit:
    return parse_toolkit(shipped_toolkit_source(), SHIPPED_TOOLKIT)


class _Checker:
    """Collects problems so one run reports all of them."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def text(self, table: dict[str, Any], name: str, key: str, *, required: bool = True) -> str:
        value = table.get(name)
        if value is None:
            if required:
                self.add(f"{key}.{name}", "is required")
            return ""
        if not isinstance(value, str):
            self.add(f"{key}.{name}", f"must be text, not {type(value).__name__}")
            return ""
        if required and not value.strip():
            self.add(f"{key}.{name}", "must not be empty")
        return value.strip()

    def flag(self, table: dict[str, Any], name: str, key: str, default: bool) -> bool:
        value = table.get(name, default)
        if not isinstance(value, bool):
            self.add(f"{key}.{name}", "must be true or false")
            return default
        return value

    def categories(self, value: Any, key: str) -> frozenset[Category]:
        if not isinstance(value, list) or not value:
            self.add(key, "must be a non-empty list of categories")
            return frozenset()
        found: set[Category] = set()
        for i, raw in enumerate(value):
            try:
                found.add(Category(raw))
            except ValueError:
                choices = ", ".join(c.value for c in Category)
                self.add(f"{key}[{i}]", f"unknown category {raw!r}; expected one of: {choices}")
        return frozenset(found)

    def tables(self, doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = doc.get(name)
        if value is None:
            self.add(name, "is required (at least one entry)")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.add(name, f"must be an array of tables ([[{name}]])")
            return []
        if not value:
            self.add(name, "must have at least one entry")
        return value


def parse_toolkit(source: str, source_name: str) -> Toolkit:
    """Parse and validate a toolkit; raise ToolkitError listing every problem."""
    try:
        doc = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ToolkitError(source_name, [f"(file): not valid TOML: {exc}"]) from None
    ck = _Checker()
    head = doc.get("toolkit")
    if not isinstance(head, dict):
        ck.add("toolkit", "the [toolkit] table is required")
        head = {}
    key = ck.text(head, "id", "toolkit")
    if key and not KEY_RE.match(key):
        ck.add("toolkit.id", f"{key!r}: use lower-case letters, digits and hyphens")
    version = head.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        ck.add("toolkit.version", 'write the version as text in quotes, e.g. "1.0"')
        version = ""
    version = ck.text(head, "version", "toolkit") if isinstance(version, str) else ""
    if version and not VERSION_RE.match(version):
        ck.add("toolkit.version", f"{version!r}: letters, digits, . + - only")
    title = ck.text(head, "title", "toolkit")
    description = ck.text(head, "description", "toolkit", required=False)
    categories = ck.categories(head.get("categories"), "toolkit.categories")

    sections = _sections(ck, doc, categories)
    judgements = _judgements(ck, doc)
    bands = _bands(ck, doc)
    references = _references(ck, doc, {c.code for s in sections for c in s.criteria})
    if ck.problems:
        raise ToolkitError(source_name, ck.problems)
    return Toolkit(
        key=key,
        version=version,
        title=title,
        description=description,
        categories=categories,
        sections=sections,
        judgements=judgements,
        bands=bands,
        references=references,
        sha256=sha256_of(source),
    )


def _sections(
    ck: _Checker, doc: dict[str, Any], categories: frozenset[Category]
) -> tuple[Section, ...]:
    out: list[Section] = []
    seen_codes: dict[str, str] = {}
    seen_sections: set[str] = set()
    for si, raw in enumerate(ck.tables(doc, "sections")):
        skey = f"sections[{si}]"
        scode = ck.text(raw, "code", skey)
        if scode in seen_sections:
            ck.add(f"{skey}.code", f"duplicate section code {scode!r}")
        seen_sections.add(scode)
        stitle = ck.text(raw, "title", skey)
        crit_raw = raw.get("criteria")
        if not isinstance(crit_raw, list) or not crit_raw:
            ck.add(f"{skey} ({scode or '?'})", "the section is empty: add [[sections.criteria]]")
            crit_raw = []
        criteria: list[Criterion] = []
        for ci, c in enumerate(crit_raw):
            ckey = f"{skey}.criteria[{ci}]"
            if not isinstance(c, dict):
                ck.add(ckey, "must be a table")
                continue
            criterion = _criterion(ck, c, ckey, scode, categories)
            if criterion.code:
                if criterion.code in seen_codes:
                    ck.add(
                        f"{ckey}.code",
                        f"duplicate criterion code {criterion.code!r} (first at "
                        f"{seen_codes[criterion.code]})",
                    )
                else:
                    seen_codes[criterion.code] = ckey
            criteria.append(criterion)
        out.append(Section(scode, stitle, tuple(criteria)))
    return tuple(out)


def _criterion(
    ck: _Checker, c: dict[str, Any], ckey: str, section: str, toolkit_cats: frozenset[Category]
) -> Criterion:
    code = ck.text(c, "code", ckey)
    if code and not CODE_RE.match(code):
        ck.add(f"{ckey}.code", f"{code!r}: capital letters, digits and hyphens, at most 16")
    weight = c.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        ck.add(f"{ckey}.weight", f"must be a positive number, not {weight!r}")
        weight = 1.0
    cats = toolkit_cats
    if "categories" in c:
        cats = ck.categories(c["categories"], f"{ckey}.categories")
        outside = cats - toolkit_cats
        if toolkit_cats and outside:
            names = ", ".join(sorted(x.value for x in outside))
            ck.add(f"{ckey}.categories", f"not among the toolkit's categories: {names}")
    return Criterion(
        code=code,
        section=section,
        question=ck.text(c, "question", ckey),
        guidance=ck.text(c, "guidance", ckey),
        weight=float(weight),
        critical=ck.flag(c, "critical", ckey, False),
        na_allowed=ck.flag(c, "na_allowed", ckey, True),
        categories=cats,
    )


def _judgements(ck: _Checker, doc: dict[str, Any]) -> tuple[JudgementOption, ...]:
    out: list[JudgementOption] = []
    seen: set[Judgement] = set()
    for i, raw in enumerate(ck.tables(doc, "judgements")):
        key = f"judgements[{i}]"
        code = ck.text(raw, "code", key)
        try:
            judgement = Judgement(code)
        except ValueError:
            if code:
                choices = ", ".join(j.value for j in Judgement)
                ck.add(f"{key}.code", f"unknown judgement {code!r}; expected one of: {choices}")
            continue
        if judgement in seen:
            ck.add(f"{key}.code", f"duplicate judgement {code!r}")
        seen.add(judgement)
        label = ck.text(raw, "label", key, required=False) or judgement.label
        out.append(JudgementOption(judgement, label, ck.text(raw, "guidance", key, required=False)))
    return tuple(out)


def _bands(ck: _Checker, doc: dict[str, Any]) -> tuple[Band, ...]:
    out: list[Band] = []
    for i, raw in enumerate(ck.tables(doc, "bands")):
        key = f"bands[{i}]"
        name = ck.text(raw, "name", key)
        low = raw.get("min")
        if isinstance(low, bool) or not isinstance(low, int | float) or not 0 <= low <= 100:
            ck.add(f"{key}.min", f"must be a percentage from 0 to 100, not {low!r}")
            continue
        out.append(Band(name, float(low), ck.flag(raw, "passes", key, True)))
    names = [b.name for b in out]
    for name in {n for n in names if names.count(n) > 1}:
        ck.add("bands", f"duplicate band name {name!r}")
    mins = [b.min_percent for b in out]
    if len(set(mins)) != len(mins):
        ck.add("bands", "two bands start at the same percentage")
    if out and min(mins) != 0:
        ck.add("bands", "the lowest band must start at min = 0 so every score has a band")
    return tuple(sorted(out, key=lambda b: b.min_percent, reverse=True))


def _references(ck: _Checker, doc: dict[str, Any], codes: set[str]) -> tuple[Reference, ...]:
    raw_list = doc.get("reference", [])
    if not isinstance(raw_list, list):
        ck.add("reference", "must be an array of tables ([[reference]])")
        return ()
    out: list[Reference] = []
    for i, raw in enumerate(raw_list):
        key = f"reference[{i}]"
        if not isinstance(raw, dict):
            ck.add(key, "must be a table")
            continue
        linked = raw.get("criteria", [])
        if not isinstance(linked, list) or not all(isinstance(x, str) for x in linked):
            ck.add(f"{key}.criteria", "must be a list of criterion codes")
            linked = []
        for code in linked:
            if code not in codes:
                ck.add(f"{key}.criteria", f"no criterion with code {code!r}")
        out.append(
            Reference(
                group=ck.text(raw, "group", key),
                code=ck.text(raw, "code", key),
                text=ck.text(raw, "text", key),
                criteria=tuple(linked),
            )
        )
    return tuple(out)
