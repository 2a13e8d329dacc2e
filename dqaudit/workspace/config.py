"""Reading ``dqaudit.yml``: systems, their datasets, the suites folder and the store.

Errors name the file, the line and the setting (``systems.pnc.owner.email``), because a
records manager edits this file by hand. ``${VAR}`` is replaced from the environment so
that credentials never have to be written into the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dqaudit.credentials import safe_url
from dqaudit.errors import InputError
from dqaudit.timezones import DEFAULT_TIMEZONE, known_timezone
from dqaudit.workspace.action_settings import ActionsConfig, SmtpConfig
from dqaudit.workspace.report_settings import ReportConfig
from dqaudit.workspace.risk import RiskConfig
from dqaudit.workspace.yaml_input import read_yaml_file

CONFIG_NAME = "dqaudit.yml"
# Failing-record details are personal data (DPA 2018 Part 3): keep them about a year and a
# quarter, long enough to verify fixes across a full annual audit cycle, then purge.
DEFAULT_RETENTION_DAYS = 400
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Owner(_Strict):
    name: str
    email: str

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"'{value}' is not an email address")
        return value


class DatasetConfig(_Strict):
    """One extract of a system: how to get it and how its records are identified."""

    connector: str = "csv"
    options: dict[str, Any] = Field(default_factory=dict)
    key: list[str] = Field(default_factory=list)
    sensitive: list[str] = Field(default_factory=list)
    timezone: str = DEFAULT_TIMEZONE
    description: str | None = None

    @field_validator("key", "sensitive", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    def resolved_options(self, config_path: Path, system: str, dataset: str) -> dict[str, Any]:
        """The connector options with ``${NAME}`` read from the environment, now."""
        setting = ("systems", system, "datasets", dataset, "options")
        return _substitute_env(dict(self.options), config_path, setting, now=True)


class SystemConfig(_Strict):
    description: str = ""
    owner: Owner
    datasets: dict[str, DatasetConfig]

    @field_validator("datasets")
    @classmethod
    def _at_least_one(cls, value: dict[str, DatasetConfig]) -> dict[str, DatasetConfig]:
        if not value:
            raise ValueError("a system needs at least one dataset")
        return value


class RetentionConfig(_Strict):
    """How long failing-record details (keys and values: personal data) are kept."""

    record_details_days: int = Field(default=DEFAULT_RETENTION_DAYS, ge=1)


class ScheduleConfig(_Strict):
    """Scheduled runs: how long a run's lock holds before a crashed holder's lock expires."""

    lock_minutes: int = Field(default=120, ge=1)


class WorkspaceConfig(_Strict):
    systems: dict[str, SystemConfig]
    suites: str = "suites"
    store: str = "sqlite:///audit.db"
    risk: RiskConfig = Field(default_factory=RiskConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    actions: ActionsConfig = Field(default_factory=ActionsConfig)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)


class Workspace:
    """A loaded workspace: its folder, its configuration, and paths resolved against it."""

    def __init__(self, root: Path, config: WorkspaceConfig) -> None:
        self.root = root
        self.config = config

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def suites_dir(self) -> Path:
        return (self.root / self.config.suites).resolve()

    @property
    def store_url(self) -> str:
        return resolve_store_url(self.config.store, self.root)

    def suite_files(self) -> list[Path]:
        """Every suite file of the suites folder, in name order."""
        folder = self.suites_dir
        if not folder.is_dir():
            raise InputError(f"{self.config_path}: suites folder {folder} does not exist")
        return sorted(folder.glob("*.json"))

    def dataset(self, system: str, dataset: str, where: str) -> DatasetConfig:
        """The dataset a suite binds to; ``where`` names the suite in the error."""
        if system not in self.config.systems:
            known = ", ".join(sorted(self.config.systems)) or "none"
            raise InputError(
                f"{where}: system '{system}' is not in {self.config_path} (systems: {known})"
            )
        datasets = self.config.systems[system].datasets
        if dataset not in datasets:
            known = ", ".join(sorted(datasets))
            raise InputError(
                f"{where}: system '{system}' has no dataset '{dataset}' in "
                f"{self.config_path} (datasets: {known})"
            )
        return datasets[dataset]


def resolve_store_url(url: str, workspace_dir: Path | None = None) -> str:
    """Make a relative SQLite path relative to the workspace, not the current directory."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(f"store: '{safe_url(url)}' is not a database URL") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute() and workspace_dir is not None:
            path = workspace_dir / path
        return parsed.set(database=str(path)).render_as_string(hide_password=False)
    return url


def find_workspace(start: str | Path | None = None) -> Path:
    """The workspace folder: the one given, else $DQAUDIT_WORKSPACE, else the current one."""
    folder = Path(start or os.environ.get("DQAUDIT_WORKSPACE") or ".")
    if not (folder / CONFIG_NAME).is_file():
        raise InputError(
            f"no {CONFIG_NAME} in {folder.resolve()}; create a workspace there with "
            f"'dqaudit init {folder}', or name the workspace folder that holds one"
        )
    return folder.resolve()


def load_workspace(folder: str | Path | None = None) -> Workspace:
    """Read and check ``dqaudit.yml``; errors name the line and setting at fault."""
    root = find_workspace(folder)
    path = root / CONFIG_NAME
    # bounded: size, aliases and their expansion are checked before anything walks it
    parsed = read_yaml_file(path, "workspace settings file")
    document, node = parsed.data, parsed.node
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected settings (a mapping) with a 'systems' section")
    try:
        config = WorkspaceConfig.model_validate(_substitute_env(document, path, ()))
    except ValidationError as exc:
        raise InputError(_describe(exc, path, node)) from None
    return Workspace(root, config)


def _is_dataset_options(setting: tuple[Any, ...]) -> bool:
    return (
        len(setting) == 5
        and setting[0] == "systems"
        and setting[2] == "datasets"
        and setting[4] == "options"
    )


def _substitute_env(value: Any, path: Path, setting: tuple[Any, ...], now: bool = False) -> Any:
    """Replace ``${NAME}`` from the environment. A dataset's connector options are left
    for when that dataset is read (``now``), so a database URL's variable is needed only
    by the commands that read that dataset."""
    if _is_dataset_options(setting) and not now:
        return value
    if isinstance(value, dict):
        return {k: _substitute_env(v, path, (*setting, k), now) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_env(v, path, (*setting, i), now) for i, v in enumerate(value)]
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise InputError(
                    f"{path}: setting {_dotted(setting)} uses ${{{name}}}, but the environment "
                    f"variable {name} is not set"
                )
            return os.environ[name]

        return ENV_REFERENCE.sub(replace, value)
    return value


def _describe(exc: ValidationError, path: Path, node: Any) -> str:
    error = exc.errors()[0]
    location = tuple(error["loc"])
    line = _line_of(node, location)
    where = f" (line {line})" if line else ""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    elif error["type"] == "missing":
        message = "required setting is missing"
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return f"{path}{where}: {_dotted(location)}: {message}{more}"


def _dotted(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def _line_of(node: Any, location: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node on ``location`` that exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            children = {k.value: (k, v) for k, v in node.value}
            if str(part) not in children:
                break
            key_node, node = children[str(part)]
            line = key_node.start_mark.line + 1
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
