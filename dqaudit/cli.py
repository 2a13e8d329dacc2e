"""The ``dqaudit`` command line: a thin shell over the library.

Each command parses its options, calls one library function and turns domain errors into
a one-line message and an exit code from ``ExitCode``. Heavy imports (pandas, GX,
SQLAlchemy) happen inside commands, so ``dqaudit --help`` starts at once.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dqaudit import __version__
from dqaudit.errors import DqauditError, ExitCode


class CommandError(click.ClickException):
    """A domain error shown as one line on stderr, with the exit code the error carries."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _debug_enabled() -> bool:
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
        except DqauditError as exc:
            if _debug_enabled():
                traceback.print_exc()
            raise CommandError(exc.message, int(exc.exit_code)) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted", int(ExitCode.ENGINE_ERROR)) from None
        except Exception as exc:
            if _debug_enabled():
                traceback.print_exc()
            raise CommandError(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                int(ExitCode.ENGINE_ERROR),
            ) from None

    return wrapper


workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder holding dqaudit.yml (default: $DQAUDIT_WORKSPACE or the current folder).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dqaudit")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Data-quality audits of police records systems, on Great Expectations.

    Exit codes: 0 all checks passed, 1 some check failed, 2 bad input or
    configuration, 3 engine or environment error.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# --- check ---------------------------------------------------------------------------------


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--suite",
    "suite_path",
    required=True,
    type=click.Path(path_type=Path),
    help="GX suite JSON file to check the file against.",
)
@click.option(
    "--key",
    default=None,
    metavar="COLUMN[,COLUMN...]",
    help="Column(s) identifying a record; without it, failing rows are named by line number.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result document as JSON on stdout."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the JSON result document to this file.",
)
def check(file: Path, suite_path: Path, key: str | None, as_json: bool, out: Path | None) -> None:
    """Audit one extract FILE against one suite, ad hoc: no workspace or approval needed."""
    from dqaudit.audits.results import error_document

    try:
        result = _check(file, suite_path, key)
    except CommandError as exc:
        document = error_document(exc.message)
        if as_json:
            click.echo(json.dumps(document))
        if out is not None:
            _write_json(out, document)
        raise
    document = result.to_dict()
    if out is not None:
        _write_json(out, document)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(document))
    else:
        from dqaudit.audits.console import describe_result

        click.echo(describe_result(result))
    exit_code = _result_exit_code(result.status)
    if exit_code == ExitCode.ENGINE_ERROR:
        click.echo(f"Error: {document['error']}", err=True)
    sys.exit(int(exit_code))


@handles_errors
def _check(file: Path, suite_path: Path, key: str | None) -> Any:
    from dqaudit.audits.check import check_file

    return check_file(file, suite_path, key)


def _result_exit_code(status: str) -> ExitCode:
    return {"passed": ExitCode.OK, "failed": ExitCode.CHECKS_FAILED}.get(
        status, ExitCode.ENGINE_ERROR
    )


def _write_json(path: Path, document: dict[str, Any]) -> None:
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise CommandError(
            f"cannot write {path}: {exc.strerror or exc}", int(ExitCode.BAD_INPUT)
        ) from None


# --- init ----------------------------------------------------------------------------------


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handles_errors
def init(directory: Path) -> None:
    """Create a commented workspace in DIRECTORY: dqaudit.yml, a suite and example data."""
    from dqaudit.workspace.scaffold import create_workspace

    created = create_workspace(directory)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"next: dqaudit audit run --workspace {directory}")


# --- audit ---------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """Run the workspace's suites against their datasets and inspect stored runs."""


@audit.command("run")
@workspace_option
@click.option("--system", default=None, help="Only the suites of this system.")
@click.option("--suite", "suite_name", default=None, help="Only the suite with this name.")
@handles_errors
def audit_run(workspace: Path | None, system: str | None, suite_name: str | None) -> None:
    """Run suites against their datasets and record every result in the audit store."""
    from dqaudit.audits.audit_run import run_audits
    from dqaudit.audits.console import describe_batch

    loaded = _open_workspace(workspace)
    _open_store(workspace).close()  # reports runs a previous command left unfinished
    batch = run_audits(
        loaded,
        system=system,
        suite_name=suite_name,
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(describe_batch(batch))
    for run in batch.runs:
        if run.error:
            click.echo(f"Error: {run.suite_name}: {run.error}", err=True)
    sys.exit(int(batch.exit_code))


@audit.command("list")
@workspace_option
@click.option("--limit", default=50, show_default=True, help="How many runs, newest first.")
@click.option("--suite", "suite_name", default=None, help="Only runs of this suite.")
@handles_errors
def audit_list(workspace: Path | None, limit: int, suite_name: str | None) -> None:
    """List recorded runs, newest first, with their status and outcome."""
    from dqaudit.audits.console import describe_runs

    store = _open_store(workspace)
    click.echo(describe_runs(store.list_runs(limit=limit, suite=suite_name)))


@audit.command("show")
@click.argument("run_id")
@workspace_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the run as JSON (the check document plus run metadata).",
)
@handles_errors
def audit_show(run_id: str, workspace: Path | None, as_json: bool) -> None:
    """Show one run: its metadata, each rule's outcome and the failing keys."""
    from dqaudit.audits.console import describe_stored_run
    from dqaudit.audits.run_document import run_document

    store = _open_store(workspace)
    document = run_document(store.get_run(run_id))
    if as_json:
        click.echo(json.dumps(document, default=str))
    else:
        click.echo(describe_stored_run(document))


# --- connectors ----------------------------------------------------------------------------


@cli.group()
def connectors() -> None:
    """Connector plugins that turn a dataset's settings into an extract."""


@connectors.command("list")
@handles_errors
def connectors_list() -> None:
    """List installed connectors: type, package, version and description."""
    from dqaudit.connectors.registry import installed_connectors

    for info in installed_connectors():
        click.echo(f"{info.type:<14} {info.package} {info.version:<10} {info.description}")


# --- suite ---------------------------------------------------------------------------------


@cli.group()
def suite() -> None:
    """Inspect expectation suites."""


@suite.command("hash")
@click.argument("suite_file", type=click.Path(path_type=Path))
@handles_errors
def suite_hash(suite_file: Path) -> None:
    """Print a suite's hash: the SHA-256 that SIMB approvals are bound to."""
    from dqaudit.expectations.suite import load_suite

    loaded = load_suite(suite_file)
    click.echo(f"{loaded.hash}  {loaded.name}")


# --- demo ----------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo's store, results and reports.",
)
@click.option(
    "--sample-data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sample_data"),
    show_default=True,
    help="The sample_data folder of a dqaudit checkout.",
)
@handles_errors
def demo(out: Path, sample_data: Path) -> None:
    """Run the whole audit scenario on the sample data and write everything under --out."""
    from dqaudit.demo import run_demo

    summary, batch = run_demo(sample_data, out, progress=lambda line: click.echo(line, err=True))
    click.echo(summary)
    if batch.exit_code > ExitCode.CHECKS_FAILED:  # failing checks are the demo's point
        sys.exit(int(batch.exit_code))


# --- helpers -------------------------------------------------------------------------------


def _open_workspace(folder: Path | None) -> Any:
    from dqaudit.workspace.config import load_workspace

    return load_workspace(folder)


def _open_store(folder: Path | None) -> Any:
    from dqaudit.audits.store import AuditStore

    loaded = _open_workspace(folder)
    store = AuditStore(loaded.store_url)
    _report_stale(store)
    return store


def _report_stale(store: Any) -> None:
    for run in store.find_stale_runs():
        click.echo(
            f"warning: run {run.run_id[:12]} of suite {run.suite_name}, started "
            f"{run.started_at:%Y-%m-%d %H:%M} UTC, did not finish (now {run.status}); "
            "its results are incomplete",
            err=True,
        )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dqaudit")


if __name__ == "__main__":
    main()
