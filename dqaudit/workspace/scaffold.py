"""``dqaudit init``: a commented workspace a records manager can start from."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from dqaudit.errors import InputError
from dqaudit.workspace.config import CONFIG_NAME

TEMPLATE_FILES = (
    CONFIG_NAME,
    "suites/custody_records.json",
    "data/custody_records.csv",
)


def create_workspace(folder: str | Path) -> list[Path]:
    """Write the template workspace into ``folder``; never overwrites an existing file."""
    folder = Path(folder)
    targets = [folder / name for name in TEMPLATE_FILES]
    existing = [path for path in targets if path.exists()]
    if existing:
        raise InputError(f"{existing[0]} already exists; dqaudit init never overwrites files")
    template = resources.files("dqaudit.workspace") / "template"
    try:
        for name, target in zip(TEMPLATE_FILES, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            with resources.as_file(template / name) as source:
                shutil.copyfile(source, target)
    except OSError as exc:
        raise InputError(
            f"cannot create the workspace in {folder}: {exc.strerror or exc}"
        ) from None
    return targets
