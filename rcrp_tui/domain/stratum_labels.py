"""Stratum keys (``category=walk_out|shift=late``) in words a control room reads."""

from __future__ import annotations

from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.sampling import stratum_fields

_GROUPS = {
    "not_deployed+partner": "not deployed, partner caller",
    "not_deployed": "not deployed, public caller",
    "partner": "deployed, partner caller",
    "standard": "deployed, public caller",
}


def stratum_label(key: str) -> str:
    """``Walk-out from healthcare · late shift · team 3``; the key itself if unknown."""
    fields = stratum_fields(key)
    if not fields:  # a simple random sample has one stratum, "all"
        return "whole population" if key in ("", "all") else key
    words = {
        "category": lambda v: Category.label_of(v) if v else "no category",
        "shift": lambda v: f"{v} shift" if v else "no shift",
        "team": lambda v: f"team {v}" if v else "no team",
        "group": lambda v: _GROUPS.get(v or "standard", v or ""),
        "officer": lambda v: f"officer {v}" if v else "no officer",
        "month": lambda v: v or "no month",
    }
    return " · ".join(
        words[name](value) if name in words else f"{name} {value}" for name, value in fields.items()
    )
