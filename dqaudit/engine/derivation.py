"""Derived datasets: rules that look across rows or tables, declared in a suite's meta.

A single-batch expectation cannot see a detention's reviews in another table, a postcode
directory, or the other rows of its own table. So a suite may declare, in
``meta.dqaudit.derivation``, how to build a derived dataset from its own dataset and other
datasets *of the same system* in ``dqaudit.yml``; its expectations then run on that. The
declaration is part of the suite hash, so it is approved with the suite. The derived
dataset keeps the suite dataset's rows, order, key and line numbers, so failing keys are
still the record's own key (the custody record for PACE rules).

    "derivation": {"kind": "pace_detentions", "inputs": {"reviews": "reviews"},
                   "options": {"review_types": ["PACE_FIRST", "PACE_SUBSEQUENT"]}}

A list of such steps applies them in order, each adding its columns.

An input names a dataset of the suite's own system, or of another system as
``system/dataset`` (a custody record's PNC ID looked up in ``pnc/nominals``). The kinds of
the audit rule families (``reference_exists``, ``crime_id_continuity``, ...) are
registered in ``dqaudit.expectations.rules.derived_kinds``; their logic lives there.

A dataset read into memory is derived with pandas. A dataset validated in its database
(pushdown) is derived there, as one SELECT, when every step's kind has a SQL form and
every input is read with pushdown from the same database (see ``derivation_sql``);
otherwise the run is refused, naming the step and the input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dqaudit.connectors.base import DatabaseExtract, Extract, FrameExtract
from dqaudit.errors import InputError
from dqaudit.expectations.rules import addresses, custody, derived_kinds
from dqaudit.expectations.rules.references import ReferenceFile, derivation_input
from dqaudit.timezones import DEFAULT_TIMEZONE

# kind -> (required inputs, options dataclass)
KINDS: dict[str, tuple[tuple[str, ...], type]] = {
    "pace_detentions": (("reviews",), custody.PaceOptions),
    "postcode_directory": (("directory",), addresses.DirectoryOptions),
    "duplicate_addresses": ((), addresses.DuplicateOptions),
    **{name: (kind.inputs, kind.options) for name, kind in derived_kinds.KINDS.items()},
}
Loader = Callable[[str], Extract]


@dataclass(frozen=True)
class Step:
    kind: str
    inputs: dict[str, str]
    options: Any


@dataclass
class Derived:
    """The derived extract and the fingerprints of the other datasets it was built from."""

    extract: Extract
    references: list[ReferenceFile] = field(default_factory=list)


def declared(suite: Any) -> Any:
    return (suite.meta.get("dqaudit") or {}).get("derivation")


def steps(suite: Any) -> list[Step]:
    """The suite's derivation steps, checked; errors name the suite and the setting."""
    spec = declared(suite)
    if spec is None:
        return []
    where = f"{suite.source}: meta.dqaudit.derivation"
    items = spec if isinstance(spec, list) else [spec]
    parsed = []
    for number, item in enumerate(items, start=1):
        here = where if len(items) == 1 else f"{where}[{number}]"
        if not isinstance(item, dict):
            raise InputError(f"{here} must be an object with 'kind'")
        unknown = set(item) - {"kind", "inputs", "options"}
        if unknown:
            raise InputError(f"{here}: unknown setting '{sorted(unknown)[0]}'")
        kind = item.get("kind")
        if kind not in KINDS:
            raise InputError(f"{here}.kind '{kind}' is not one of: {', '.join(sorted(KINDS))}")
        required, options_type = KINDS[kind]
        inputs = item.get("inputs") or {}
        if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
            raise InputError(f"{here}.inputs must map input names to dataset names")
        for name in required:
            if name not in inputs:
                raise InputError(f"{here}.inputs.{name} is required: the dataset to read it from")
        for name in inputs:
            if name not in required:
                raise InputError(f"{here}.inputs.{name} is not an input of {kind}")
        options = _options(options_type, item.get("options"), here)
        if hasattr(options, "validate"):
            options.validate(here)
        parsed.append(Step(kind, dict(inputs), options))
    return parsed


def _options(options_type: type, given: Any, where: str) -> Any:
    given = given or {}
    if not isinstance(given, dict):
        raise InputError(f"{where}.options must be an object")
    known = {f.name: f for f in dataclasses.fields(options_type) if f.name != "extra"}
    values = {}
    for name, value in given.items():
        if name not in known:
            raise InputError(
                f"{where}.options.{name} is not an option (options: {', '.join(sorted(known))})"
            )
        default = known[name].default
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{where}.options.{name} must be a list of strings")
            value = tuple(value)
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"{where}.options.{name} must be a number")
            value = float(value)
        elif not isinstance(value, str) or not value:
            raise InputError(f"{where}.options.{name} must be a non-empty string")
        values[name] = value
    try:
        return options_type(**values)
    except InputError as exc:  # a value the options refuse (e.g. options.ambiguous)
        raise InputError(f"{where}: {exc}") from None


def added_columns(step: Step) -> tuple[str, ...]:
    """The columns a step adds to the dataset (``reference_exists`` names its own)."""
    from dqaudit.expectations.rules.derivation_catalogue import DERIVATIONS

    added = getattr(step.options, "added", None)
    if callable(added):
        columns: tuple[str, ...] = added()
        return columns
    return next(d.columns for d in DERIVATIONS if d.kind == step.kind)


def required_columns(step: Step) -> tuple[list[str], dict[str, list[str]]] | None:
    """For a kind of ``derived_kinds``: the columns it reads from the dataset and from each
    input (None for the older kinds, whose readers know their options)."""
    if step.kind not in derived_kinds.KINDS:
        return None
    needs = {name: list(columns) for name, columns in step.options.required().items()}
    return needs.pop("", []), needs


def input_dataset(suite_system: str | None, name: str) -> tuple[str | None, str]:
    """(system, dataset) an input names: ``dataset`` in the suite's system, or
    ``system/dataset`` in another."""
    if "/" in name:
        system, dataset = name.split("/", 1)
        return system, dataset
    return suite_system, name


def check_inputs(
    suite: Any, datasets: dict[str, Any], systems: dict[str, Any] | None = None
) -> None:
    """Every input names a dataset of the suite's own system (``datasets``: name -> config)
    or, as ``system/dataset``, of another system of ``systems`` (name -> config)."""
    for step in steps(suite):
        for name, dataset in step.inputs.items():
            system, wanted = input_dataset(suite.system, dataset)
            where = f"{suite.source}: meta.dqaudit.derivation ({step.kind}) input '{name}'"
            if system != suite.system:
                if systems is None or system not in systems:
                    known = ", ".join(sorted(systems or {})) or "none given"
                    raise InputError(
                        f"{where} names system '{system}', which the workspace does not have "
                        f"(systems: {known})"
                    )
                among = systems[system].datasets
            else:
                among = datasets
            if wanted not in among:
                known = ", ".join(sorted(among))
                raise InputError(
                    f"{where} names dataset '{wanted}', which system '{system}' does not have "
                    f"(datasets: {known})"
                )


def derive(suite: Any, extract: Extract, load: Loader, timezone: str = DEFAULT_TIMEZONE) -> Derived:
    """Apply the suite's derivation to its dataset's extract; unchanged when it has none."""
    plan = steps(suite)
    if not plan:
        return Derived(extract)
    if isinstance(extract, DatabaseExtract):
        from dqaudit.engine.derivation_sql import derive_in_database

        return Derived(*derive_in_database(suite, extract, plan, load))
    if not isinstance(extract, FrameExtract):
        raise InputError(
            f"{suite.source}: meta.dqaudit.derivation builds its dataset in memory; read the "
            "dataset into memory (sql connector mode: pull) to run this suite"
        )
    frame = extract.frame
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        frame = frame.reset_index(drop=True)
    references: list[ReferenceFile] = []
    inputs: dict[str, FrameExtract] = {}
    added: list[pd.DataFrame] = []
    for step in plan:
        for dataset in step.inputs.values():
            if dataset not in inputs:
                loaded = load(dataset)
                if not isinstance(loaded, FrameExtract):
                    raise InputError(
                        f"{suite.source}: derivation input '{dataset}' is read with pushdown, "
                        "and the dataset is read into memory; a derivation on pandas reads "
                        "its inputs into memory too (sql connector mode: pull), and one in "
                        "the database needs the dataset read with pushdown as well"
                    )
                inputs[dataset] = loaded
                references.append(derivation_input(dataset, loaded.fingerprint))
        frames = {k: inputs[v].frame for k, v in step.inputs.items()}
        if step.kind in derived_kinds.KINDS:
            columns = _apply_registered(step, frame, frames, timezone, suite)
        else:
            columns = _apply(step, frame, frames, timezone, suite)
        clash = [c for c in columns.columns if c in frame.columns or any(c in a for a in added)]
        if clash:
            raise InputError(
                f"{suite.source}: derivation {step.kind} would add column '{clash[0]}', "
                "which the dataset already has"
            )
        added.append(columns)
    derived = pd.concat([frame, *added], axis=1)
    fingerprint = dataclasses.replace(
        extract.fingerprint, columns=[str(c) for c in derived.columns]
    )
    # replace() keeps everything else the extract says (its lines, bad rows and policy)
    return Derived(dataclasses.replace(extract, frame=derived, fingerprint=fingerprint), references)


def _apply(
    step: Step, frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], timezone: str, suite: Any
) -> pd.DataFrame:
    options = step.options
    if step.kind == "pace_detentions":
        reviews = inputs["reviews"].reset_index(drop=True)
        has_relevant = options.relevant_time in frame.columns
        _require(frame, options.custody_columns(has_relevant), suite, step.kind, "the dataset")
        _require(reviews, options.review_columns(), suite, step.kind, "input 'reviews'")
        return custody.pace_measures(frame, reviews, options, timezone)
    if step.kind == "postcode_directory":
        directory = inputs["directory"]
        _require(frame, [options.postcode, options.x, options.y], suite, step.kind, "the dataset")
        _require(
            directory,
            [options.directory_postcode, options.directory_x, options.directory_y],
            suite,
            step.kind,
            "input 'directory'",
        )
        return addresses.postcode_lookup(frame, directory, options)
    _require(frame, [options.uprn, *options.address_columns], suite, step.kind, "the dataset")
    return addresses.duplicate_addresses(frame, options)


def _apply_registered(
    step: Step, frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], timezone: str, suite: Any
) -> pd.DataFrame:
    """A kind of ``derived_kinds``: check the columns it reads, then build its columns."""
    for name, columns in step.options.required().items():
        what = "the dataset" if name == "" else f"input '{name}'"
        target = frame if name == "" else inputs[name].reset_index(drop=True)
        _require(target, list(columns), suite, step.kind, what)
    base = suite.path.parent if getattr(suite, "path", None) is not None else None
    context = derived_kinds.Context(timezone=timezone, base_dir=base)
    inputs = {name: data.reset_index(drop=True) for name, data in inputs.items()}
    built: pd.DataFrame = derived_kinds.KINDS[step.kind].build(frame, inputs, step.options, context)
    return built


def _require(frame: pd.DataFrame, columns: list[str], suite: Any, kind: str, what: str) -> None:
    for column in columns:
        if column not in frame.columns:
            shown = ", ".join(map(str, list(frame.columns)[:30]))
            raise InputError(
                f"{suite.source}: derivation {kind} needs column '{column}' in {what}; "
                f"its columns are: {shown} (set it in meta.dqaudit.derivation.options)"
            )


def refuse_derived(suite: Any) -> None:
    """``check`` has no workspace to read a derivation's other datasets from."""
    spec = declared(suite)
    if spec is not None:
        kinds = ", ".join(step.kind for step in steps(suite))
        raise InputError(
            f"{suite.source}: the suite derives its dataset from other datasets ({kinds}); "
            "run it with 'dqaudit audit run' in a workspace that names them"
        )


def derive_for_run(plan: Any, extract: Extract, root: Path) -> Derived:
    """``audit run``'s hook: read the inputs through their own connectors and derive."""
    if declared(plan.suite) is None:
        return Derived(extract)
    from dqaudit.connectors.registry import get_connector
    from dqaudit.connectors.spark import SparkExtract
    from dqaudit.workspace.config import load_workspace

    workspace = load_workspace(root)
    systems = workspace.config.systems
    check_inputs(plan.suite, systems[plan.system].datasets, systems)

    def load(name: str) -> Extract:
        named, dataset = input_dataset(plan.system, name)
        system = named or ""  # check_inputs proved the system exists
        config = systems[system].datasets[dataset]
        options = config.resolved_options(workspace.config_path, system, dataset)
        return get_connector(config.connector).extract(options, base_dir=root)

    if isinstance(extract, SparkExtract):  # by key, on the cluster (spark_derivation)
        from dqaudit.engine.spark_derivation import derive_on_spark

        derived, references = derive_on_spark(
            plan.suite, steps(plan.suite), extract, load, plan.dataset_config.timezone
        )
        return Derived(derived, references)  # type: ignore[arg-type]
    return derive(plan.suite, extract, load, plan.dataset_config.timezone)
