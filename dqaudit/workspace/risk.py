"""The force's risk matrix: likelihood × impact, named bands, audit frequency and due dates.

Force policies differ (4×4 or 5×5 matrices, their own band names), so all of it is set in
the ``risk`` section of dqaudit.yml; the defaults are a 5×5 matrix with High, Medium and
Low bands audited monthly, quarterly and annually.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Named audit frequencies, as cron expressions (06:00 on the first day of the period).
FREQUENCIES = {
    "daily": "0 6 * * *",
    "weekly": "0 6 * * 1",
    "monthly": "0 6 1 * *",
    "quarterly": "0 6 1 1,4,7,10 *",
    "annually": "0 6 1 1 *",
}


def check_cron(expression: str) -> str:
    """A valid 5-field cron expression, or ValueError saying what is wrong with it."""
    from croniter import croniter

    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError(
            f"'{expression}' is not a valid cron expression (minute hour day month weekday)"
        )
    return expression


class Band(BaseModel):
    """One risk band: the lowest score in it, its colour, how often it is audited and
    how long an owner has to act on a finding in it by default."""

    model_config = ConfigDict(extra="forbid")

    min_score: int = Field(ge=1)
    colour: str
    frequency: str
    due_days: int = Field(ge=1)

    @field_validator("colour")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError(f"colour '{value}' must be a hex colour such as #C0392B")
        return value.upper()

    @field_validator("frequency")
    @classmethod
    def _known_frequency(cls, value: str) -> str:
        if value in FREQUENCIES:
            return value
        try:
            return check_cron(value)
        except ValueError:
            raise ValueError(
                f"frequency '{value}' is neither one of {', '.join(FREQUENCIES)} nor a valid "
                "cron expression"
            ) from None

    @property
    def cron(self) -> str:
        return FREQUENCIES.get(self.frequency, self.frequency)


def _default_bands() -> dict[str, Band]:
    return {
        "High": Band(min_score=15, colour="#C0392B", frequency="monthly", due_days=30),
        "Medium": Band(min_score=8, colour="#E67E22", frequency="quarterly", due_days=90),
        "Low": Band(min_score=1, colour="#27AE60", frequency="annually", due_days=180),
    }


class RiskConfig(BaseModel):
    """The ``risk`` section: matrix size and bands (highest ``min_score`` first wins)."""

    model_config = ConfigDict(extra="forbid")

    matrix: int = Field(default=5, ge=2, le=10)
    bands: dict[str, Band] = Field(default_factory=_default_bands)

    @model_validator(mode="after")
    def _bands_cover_the_matrix(self) -> RiskConfig:
        if not self.bands:
            raise ValueError("at least one band is needed")
        scores = sorted(band.min_score for band in self.bands.values())
        if len(set(scores)) != len(scores):
            raise ValueError("two bands have the same min_score")
        if scores[0] != 1:
            raise ValueError("the lowest band must start at min_score 1 so every score has a band")
        top = self.matrix * self.matrix
        for name, band in self.bands.items():
            if band.min_score > top:
                raise ValueError(
                    f"band '{name}' starts at {band.min_score}, above the highest score {top} "
                    f"of a {self.matrix}×{self.matrix} matrix"
                )
        return self

    def band_name(self, score: int | None) -> str | None:
        """The band a likelihood × impact score falls in (None for an unscored suite)."""
        if not score:
            return None
        for name, band in sorted(self.bands.items(), key=lambda item: -item[1].min_score):
            if score >= band.min_score:
                return name
        return None

    def band(self, name: str) -> Band:
        if name not in self.bands:
            raise KeyError(name)
        return self.bands[name]

    def require_band(self, name: str) -> Band:
        """The named band, or an InputError listing the configured bands."""
        from dqaudit.errors import InputError

        if name not in self.bands:
            raise InputError(
                f"unknown risk band '{name}'; the bands in dqaudit.yml are: "
                + ", ".join(self.bands)
            )
        return self.bands[name]

    def describe(self) -> dict[str, Any]:
        return {name: band.model_dump() for name, band in self.bands.items()}
