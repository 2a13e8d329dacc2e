"""No single-valued option may be given twice: click would keep the last one silently.

``dqaudit check --suite A --suite B`` used to audit against B alone without a word. Every
command of the CLI (attached once, in cli.py, by ``refuse_repeated_options``) first
parses its arguments once to count each option, and refuses a repeat of an option that
takes one value (or a flag) with a usage error naming it. Options declared
``multiple=True`` (``--option``, ``audit run --suite``) may repeat as before.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import click


class RefusesRepeatedOptions:
    """Mixed into a click command class: repeats of single-valued options are errors."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            parser = self.make_parser(ctx)  # type: ignore[attr-defined]
            _values, _rest, order = parser.parse_args(args=list(args))
            counts = Counter(id(param) for param in order)
            for param in order:
                if counts[id(param)] > 1 and _single_valued(param):
                    flag = max(param.opts, key=len)
                    raise click.UsageError(
                        f"option {flag} is given {counts[id(param)]} times, but takes one "
                        "value; give it once",
                        ctx=ctx,
                    )
        return super().parse_args(ctx, args)  # type: ignore[misc]


def _single_valued(param: Any) -> bool:
    return isinstance(param, click.Option) and not param.multiple and not param.count


def refuse_repeated_options(command: click.Command) -> None:
    """Make ``command`` and every command below it refuse repeated single-valued options."""
    cls = type(command)
    if not issubclass(cls, RefusesRepeatedOptions):
        command.__class__ = type(f"Strict{cls.__name__}", (RefusesRepeatedOptions, cls), {})
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            refuse_repeated_options(sub)
