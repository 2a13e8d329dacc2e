"""Plumbing every command shares: one-line errors with exit codes, --workspace, the store.

Commands stay thin: they parse options, call one library function, and let
``handles_errors`` turn a DqauditError into its message and exit code (2 or 3).
"""

from __future__ import annotations

import functools
import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dqaudit.errors import DqauditError, ExitCode, FieldError


class CommandError(click.ClickException):
    """A domain error shown as one line on stderr, with the exit code the error carries."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


def debug_enabled() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.obj and root.obj.get("debug")) or bool(
        os.environ.get("DQAUDIT_DEBUG")
    )


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn DqauditError into exit 2/3 with one clear line; --debug adds the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except FieldError as exc:
            if debug_enabled():
                traceback.print_exc()
            raise CommandError(exc.render(option_names()), int(exc.exit_code)) from None
        except DqauditError as exc:
            if debug_enabled():
                traceback.print_exc()
            raise CommandError(exc.message, int(exc.exit_code)) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted", int(ExitCode.ENGINE_ERROR)) from None
        except Exception as exc:
            if debug_enabled():
                traceback.print_exc()
            raise CommandError(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                int(ExitCode.ENGINE_ERROR),
            ) from None

    return wrapper


def option_names() -> dict[str, str]:
    """The running command's option for each library field: by its parameter name
    (``first_day`` -> ``--from``) and by its own name (``--older-than`` -> ``older_than``)."""
    ctx = click.get_current_context(silent=True)
    names: dict[str, str] = {}
    if ctx is None:
        return names
    for param in ctx.command.params:
        if not isinstance(param, click.Option):
            continue
        long_options = [o for o in param.opts if o.startswith("--")] or list(param.opts)
        flag = long_options[0]
        for opt in long_options:
            names.setdefault(opt.lstrip("-").replace("-", "_"), opt)
        if param.name:
            names[param.name] = flag
    return names


workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder holding dqaudit.yml (default: $DQAUDIT_WORKSPACE or the current folder).",
)


def result_exit_code(status: str) -> ExitCode:
    return {"passed": ExitCode.OK, "failed": ExitCode.CHECKS_FAILED}.get(
        status, ExitCode.ENGINE_ERROR
    )


def write_json(path: Path, document: dict[str, Any]) -> None:
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise CommandError(
            f"cannot write {path}: {exc.strerror or exc}", int(ExitCode.BAD_INPUT)
        ) from None


def open_workspace(folder: Path | None) -> Any:
    from dqaudit.workspace.config import load_workspace

    return load_workspace(folder)


def open_store(folder: Path | None) -> Any:
    return open_workspace_store(folder)[1]


def open_workspace_store(
    folder: Path | None, record_config: bool = True, warn_unprotected: bool = True
) -> tuple[Any, Any]:
    """The workspace and its store, after reporting unfinished runs and a trail whose
    database protections are missing, and recording a changed dqaudit.yml in the trail."""
    from dqaudit.governance.trail import record_config as record_config_change
    from dqaudit.store import AuditStore

    loaded = open_workspace(folder)
    store = AuditStore(loaded.store_url)
    click.get_current_context().call_on_close(store.close)
    report_stale(store)
    if warn_unprotected:
        report_unprotected_trail(store)
    if record_config:
        record_config_change(store, loaded.config_path)
    return loaded, store


def report_unprotected_trail(store: Any) -> None:
    from dqaudit.governance.trail import missing_protections

    missing = missing_protections(store)
    if missing:
        click.echo(
            "warning: the audit trail is not protected: the database no longer refuses edits "
            f"to it (missing: {'; '.join(missing)}); 'dqaudit trail verify' reports it, "
            "'dqaudit trail protect' restores it",
            err=True,
        )


def report_stale(store: Any) -> None:
    for run in store.find_stale_runs():
        click.echo(
            f"warning: run {run.run_id[:12]} of suite {run.suite_name}, started "
            f"{run.started_at:%Y-%m-%d %H:%M} UTC, did not finish (now {run.status}); "
            "its results are incomplete",
            err=True,
        )
