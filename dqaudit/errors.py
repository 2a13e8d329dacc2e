"""Domain errors and the exit codes every command shares.

One enum separates "checks failed" (1) from "you gave me something wrong" (2) and
"the engine or environment broke" (3), so schedulers and scripts can tell them apart.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, used by every command."""

    OK = 0
    CHECKS_FAILED = 1
    BAD_INPUT = 2
    ENGINE_ERROR = 3


class DqauditError(Exception):
    """An error a user can act on; its message names the file, column or setting at fault."""

    exit_code: ExitCode = ExitCode.ENGINE_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(DqauditError):
    """Bad input or configuration: a file, suite, column, key or setting is wrong (exit 2)."""

    exit_code = ExitCode.BAD_INPUT


class EngineError(DqauditError):
    """The validation engine, a database or the environment failed (exit 3)."""

    exit_code = ExitCode.ENGINE_ERROR


class FieldError(InputError):
    """Bad input in named fields of a library call (exit 2).

    The library speaks in field names: ``template`` marks each field as ``{field}``, and
    the message names the fields as they are. A front end re-renders it with its own
    names for them (the CLI: its options, so ``{by}`` reads ``--by``).
    """

    def __init__(self, template: str, *fields: str) -> None:
        self.template = template
        self.fields = fields
        super().__init__(self.render({}))

    def render(self, names: dict[str, str]) -> str:
        text = self.template
        for field in self.fields:
            text = text.replace("{" + field + "}", names.get(field, field))
        return text
