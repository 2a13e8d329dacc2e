"""The ``report`` section of dqaudit.yml: protective marking, RAG thresholds, score weighting.

Kept apart from the report code (and free of heavy imports) because the workspace loader
validates it on every command: a typo in a threshold is an error naming the setting when
the workspace is read, not when the board paper is due.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dqaudit.timezones import DEFAULT_TIMEZONE, known_timezone

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
# How each dimension's score is formed from its rules (see README, "SIMB summary"):
#   rows  - 100 × (1 − Σ failing rows / Σ rows checked): every row checked weighs the same
#   rules - the mean of each rule's pass rate: every rule weighs the same
#   risk  - each rule's pass rate weighted by its likelihood × impact
Weighting = Literal["rows", "rules", "risk"]


class RagThresholds(BaseModel):
    """A score at or above ``green`` is Green, at or above ``amber`` Amber, else Red (in %)."""

    model_config = ConfigDict(extra="forbid")

    green: float = Field(default=95.0, ge=0, le=100)
    amber: float = Field(default=85.0, ge=0, le=100)

    @model_validator(mode="after")
    def _amber_below_green(self) -> RagThresholds:
        if self.amber > self.green:
            raise ValueError(
                f"amber ({self.amber:g}) must not be above green ({self.green:g}): a score at or "
                "above green is Green, at or above amber Amber, anything lower Red"
            )
        return self

    def status(self, score: float | None) -> str | None:
        """Green, Amber or Red for a score in percent (None when nothing was measured)."""
        if score is None:
            return None
        if score >= self.green:
            return "Green"
        if score >= self.amber:
            return "Amber"
        return "Red"


class ReportConfig(BaseModel):
    """Settings of the SIMB summary (``dqaudit report simb``)."""

    model_config = ConfigDict(extra="forbid")

    marking: str = DEFAULT_MARKING
    title: str = "Data quality audit summary"
    rag: RagThresholds = Field(default_factory=RagThresholds)
    weighting: Weighting = "rows"
    trend_points: int = Field(default=8, ge=2, le=60)
    # the risk register: every open finding of the top band, plus this many top scored
    register_top: int = Field(default=10, ge=0, le=100)
    timezone: str = DEFAULT_TIMEZONE

    @field_validator("marking", "title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if "\n" in value or "\r" in value or len(value) > 120:
            raise ValueError("must be one line of at most 120 characters")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)
