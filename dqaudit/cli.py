"""The ``dqaudit`` command line: a thin shell over the library.

The root group and the core commands (check, init, demo) live here; each area's command
group lives in ``dqaudit/commands/`` and is attached below. Each command parses its
options, calls one library function and turns domain errors into a one-line message and
an exit code from ``ExitCode``. Heavy imports (pandas, GX, SQLAlchemy) happen inside
commands, so ``dqaudit --help`` starts at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from dqaudit.commands.actions import actions
from dqaudit.commands.audit import audit
from dqaudit.commands.connectors import connectors, extract
from dqaudit.commands.drafting import extract_profile
from dqaudit.commands.governance import purge, schedule, trail
from dqaudit.commands.repeats import refuse_repeated_options
from dqaudit.commands.report import report
from dqaudit.commands.rules import rules
from dqaudit.commands.shell import (
    CommandError,
    handles_errors,
    info,
    report_line,
    result_exit_code,
    write_json,
)
from dqaudit.commands.suite import suite
from dqaudit.errors import ExitCode
from dqaudit.version import __version__


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: dqaudit's version and the rule-library version (its content hash)."""
    if not value or ctx.resilient_parsing:
        return
    from dqaudit.expectations.rules.library import library_version

    click.echo(f"dqaudit, version {__version__}\nrule library {library_version()}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version (and the rule-library version) and exit.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress bars or informational messages; results, warnings and errors still show.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """Data-quality audits of police records systems, on Great Expectations.

    Exit codes: 0 all checks passed, 1 some check failed, 2 bad input or
    configuration, 3 engine or environment error.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet


@cli.command()
@click.argument("file", type=click.Path(path_type=Path), required=False)
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
@click.option(
    "--connector",
    "connector_type",
    default=None,
    metavar="TYPE",
    help="Connector to read with (default: by FILE's extension; csv for unknown ones).",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A connector option, as in dqaudit.yml (repeatable): --option mode=pushdown.",
)
def check(
    file: Path | None,
    suite_path: Path,
    key: str | None,
    as_json: bool,
    out: Path | None,
    connector_type: str | None,
    options: tuple[str, ...],
) -> None:
    """Audit one extract FILE (or --connector TYPE --option ...) against one suite, ad hoc.

    No workspace or approval is needed. FILE's extension picks the connector (.xlsx
    excel, .dat fixed_width with --option layout=..., .db/.sqlite sql, else csv);
    --connector sql --option url=... --option table=... audits a database.
    """
    from dqaudit.engine.results import error_document

    _EXIT.without_collection = True  # no store: see main()
    try:
        result = _check(file, suite_path, key, connector_type, options)
    except CommandError as exc:
        document = error_document(exc.message)
        if as_json:
            click.echo(json.dumps(document))
        if out is not None:
            write_json(out, document)
        raise
    document = result.to_dict()
    if out is not None:
        try:
            write_json(out, document)
        except CommandError as exc:
            if as_json:  # stdout is still the document, now saying why it failed
                click.echo(json.dumps(error_document(exc.message, result.suite_name)))
            raise
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for line in result.bad_row_lines():
        click.echo(f"bad row: {line}", err=True)
    if as_json:
        click.echo(json.dumps(document))
    else:
        from dqaudit.commands.console import describe_result
        from dqaudit.commands.terminal import emit

        emit(describe_result(result), wrap=True)
    exit_code = result_exit_code(result.status)
    if exit_code == ExitCode.ENGINE_ERROR:
        click.echo(f"Error: {document['error']}", err=True)
    sys.exit(int(exit_code))


@handles_errors
def _check(
    file: Path | None,
    suite_path: Path,
    key: str | None,
    connector_type: str | None,
    options: tuple[str, ...],
) -> Any:
    from dqaudit.audits.check import check_source
    from dqaudit.commands.connector_options import parse_options
    from dqaudit.commands.progress import work_progress

    settings = parse_options(options)
    with work_progress("checking") as stage:
        return check_source(
            suite_path, file, connector=connector_type, options=settings, key=key, stage=stage
        )


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handles_errors
def init(directory: Path) -> None:
    """Create a commented workspace in DIRECTORY: dqaudit.yml, a suite and example data."""
    from dqaudit.workspace.scaffold import create_workspace

    created = create_workspace(directory)
    for path in created:
        click.echo(f"created {path}")
    info(
        f"next: dqaudit suite approve custody_records -w {directory} --by NAME --board SIMB "
        f"--minute REF, then dqaudit audit run -w {directory}"
    )


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
    default=None,
    help="A sample_data folder to use instead of the one installed with dqaudit.",
)
@handles_errors
def demo(out: Path, sample_data: Path | None) -> None:
    """Run the whole audit scenario on the sample data and write everything under --out."""
    from dqaudit.demo import run_demo

    summary, batch = run_demo(sample_data, out, progress=report_line)
    click.echo(summary)
    if batch.exit_code > ExitCode.CHECKS_FAILED:  # failing checks are the demo's point
        sys.exit(int(batch.exit_code))


cli.add_command(audit)
cli.add_command(connectors)
extract.add_command(extract_profile)
cli.add_command(extract)
cli.add_command(rules)
cli.add_command(suite)
cli.add_command(actions)
cli.add_command(schedule)
cli.add_command(trail)
cli.add_command(purge)
cli.add_command(report)
refuse_repeated_options(cli)  # every command, including those attached above


class _Exit:
    """How the console script leaves once its command is done."""

    without_collection = False


_EXIT = _Exit()


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="dqaudit")
    except SystemExit as exc:
        if _EXIT.without_collection:
            # check holds no store and has written its result: the interpreter's final
            # garbage collections over every object GX made (its classes, models and
            # context) took longer than a small check itself (1.3 s of 5.5 on a busy
            # 2-core machine). Frozen objects are left to the OS; files are closed, and
            # atexit and weakref finalizers run, as before.
            import gc

            gc.freeze()
        run = sys.modules.get("dqaudit.audits.audit_run")
        if run is not None and run.terminated_by_signal():
            # SIGTERM mid-run: the run is recorded as interrupted and the store committed.
            # Leave now, as a signalled process should, rather than through interpreter
            # finalisation while native worker threads may still run (a rare crash, -11,
            # was seen there under load).
            import logging
            import os

            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code if isinstance(exc.code, int) else 3)
        raise


if __name__ == "__main__":
    main()
