"""The ``actions`` and ``smtp`` sections of dqaudit.yml: plan marking, masking, delivery."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


class MaskingConfig(BaseModel):
    """How a sensitive value is shown in exports: keep a few characters, mask the rest."""

    model_config = ConfigDict(extra="forbid")

    keep_start: int = Field(default=1, ge=0)
    keep_end: int = Field(default=0, ge=0)
    character: str = Field(default="*", min_length=1, max_length=1)

    def mask(self, value: str | None) -> str | None:
        if value is None:
            return None
        text = str(value)
        if len(text) <= self.keep_start + self.keep_end:
            return self.character * len(text)
        end = len(text) - self.keep_end
        return text[: self.keep_start] + self.character * (end - self.keep_start) + text[end:]


class ActionsConfig(BaseModel):
    """Owner action plans: the protective marking on every sheet, and masking."""

    model_config = ConfigDict(extra="forbid")

    protective_marking: str = Field(default=DEFAULT_MARKING, min_length=1)
    masking: MaskingConfig = Field(default_factory=MaskingConfig)


class SmtpConfig(BaseModel):
    """Where plans are emailed from. Credentials only ever come from the environment."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    tls: Literal["starttls", "ssl", "none"] = "starttls"
    allow_insecure: bool = False
    sender: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    ca_file: str | None = None
    timeout: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _tls_unless_explicitly_disabled(self) -> SmtpConfig:
        if self.tls == "none" and not self.allow_insecure:
            raise ValueError(
                "tls: none sends plans unencrypted; it is only for a test server, and needs "
                "allow_insecure: true as well"
            )
        return self
