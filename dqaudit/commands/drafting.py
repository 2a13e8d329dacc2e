"""``dqaudit extract profile`` and ``dqaudit suite draft``: look at an extract's data, and
propose a suite from it for the board to review."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dqaudit.commands.progress import progress_bar
from dqaudit.commands.shell import handles_errors, open_workspace, workspace_option

MIN_SHARE_HELP = (
    "Share of a column's values a rule must fit to be proposed (not null, key, identifier, "
    "code list, shape), from 0.5 to 1."
)


@click.command("profile")
@click.argument("system")
@click.argument("dataset")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the profile as JSON on stdout.")
@handles_errors
def extract_profile(system: str, dataset: str, workspace: Path | None, as_json: bool) -> None:
    """Profile SYSTEM's DATASET: per column its counts, blanks, distinct values, shapes,
    number and date ranges, and the police identifiers its values look like (values of
    sensitive columns are never shown)."""
    from dqaudit.profiling.profile import profile_dataset

    loaded = open_workspace(workspace)
    with progress_bar(f"profiling {system}/{dataset}") as progress:
        profile = profile_dataset(loaded, system, dataset, progress=progress)
    click.echo(json.dumps(profile.to_dict(), indent=2) if as_json else profile.describe())


@click.command("draft")
@click.argument("system")
@click.argument("dataset")
@workspace_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The draft suite file (default: SYSTEM_DATASET_draft.json in the suites folder); "
    "the suite is named after it.",
)
@click.option(
    "--min-share",
    type=click.FloatRange(0.5, 1.0),
    default=0.95,
    show_default=True,
    help=MIN_SHARE_HELP,
)
@handles_errors
def suite_draft(
    system: str, dataset: str, workspace: Path | None, out: Path | None, min_share: float
) -> None:
    """Draft a suite for SYSTEM's DATASET from its data: the rules its values support, each
    with the evidence, marked draft with likelihood and impact left for the board."""
    from dqaudit.profiling.draft import draft_dataset

    loaded = open_workspace(workspace)
    with progress_bar(f"profiling {system}/{dataset}") as progress:
        draft = draft_dataset(loaded, system, dataset, out, min_share=min_share, progress=progress)
    click.echo(
        f"wrote draft suite {draft.name} ({draft.rules} rules) to {draft.path}, from "
        f"{draft.profile.rows:,} rows of {draft.profile.source}"
    )
    click.echo(
        "next: review every rule, set likelihood and impact (null means to be set), remove "
        f'"draft": true, then: dqaudit suite lint {draft.path}'
    )
