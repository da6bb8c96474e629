"""Settings a force sets for itself, from TOML (the shipped ``data/force_settings.toml``
or the force's own copy). Each setting is checked; a wrong one is refused with the file,
the setting and what is allowed, never silently replaced by a default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SHIPPED = "force_settings.toml"


class ForceSettingsError(ValueError):
    """A force settings file that cannot be used; ``str()`` says where and why."""


@dataclass(frozen=True)
class ForceSettings:
    #: Agreement with the reference below which a grader is listed in the KPI report.
    calibration_min_agreement: float = 0.8


def parse_force_settings(text: str, source: str) -> ForceSettings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ForceSettingsError(f"{source} is not valid TOML: {exc}") from None
    known = {"calibration_min_agreement"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ForceSettingsError(
            f"{source}: unknown setting(s) {', '.join(unknown)}; the settings are "
            f"{', '.join(sorted(known))}"
        )
    settings = ForceSettings()
    if "calibration_min_agreement" in data:
        value = data["calibration_min_agreement"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ForceSettingsError(
                f"{source}: calibration_min_agreement = {value!r} must be a number from 0 to 1 "
                "(e.g. 0.8 for 80%)"
            )
        settings = ForceSettings(calibration_min_agreement=float(value))
    return settings


def load_force_settings(path: Path | None = None) -> ForceSettings:
    """The settings in ``path``, or the shipped ones."""
    if path is None:
        text = resources.files("rcrp_tui.domain.data").joinpath(SHIPPED).read_text("utf-8")
        return parse_force_settings(text, SHIPPED)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ForceSettingsError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_force_settings(text, str(path))
