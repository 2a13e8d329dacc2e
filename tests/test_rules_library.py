"""The rule library names its sources and has a version: a content hash of logic and lists."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest

from dqaudit.expectations.rules import codelists, library
from dqaudit.expectations.rules.catalogue import RULES
from dqaudit.expectations.rules.derivation_catalogue import DERIVATIONS
from tests.conftest import invoke


def test_every_rule_and_derivation_names_its_source() -> None:
    for entry in (*RULES, *DERIVATIONS):
        assert len(entry.source) > 15, entry


def test_every_builtin_rule_docstring_cites_its_source() -> None:
    from dqaudit.expectations import gx_adapter

    gx_adapter.register_library()  # loads GX quietly, then registers the library
    from dqaudit.expectations.rules import gx_expectations

    for expectation in gx_expectations.EXPECTATIONS:
        doc = inspect.getdoc(expectation) or ""
        assert "Source" in doc or "source" in doc, expectation.__name__
    types = {rule.expectation_type for rule in RULES}
    registered = {
        "".join("_" + c.lower() if c.isupper() else c for c in e.__name__).lstrip("_")
        for e in gx_expectations.EXPECTATIONS
    }
    assert types <= registered


def test_the_lazy_registration_table_names_the_module_defining_each_library_expectation() -> None:
    """gx_adapter registers a library expectation by importing the module the table names:
    a class moved or added without the table would be unknown to suites naming it."""
    from dqaudit.expectations import gx_adapter
    from dqaudit.expectations.rules import gx_modules

    gx_adapter.register_library()
    from dqaudit.expectations.rules import gx_expectations

    defined = {
        "".join("_" + c.lower() if c.isupper() else c for c in e.__name__).lstrip("_"): e.__module__
        for e in gx_expectations.EXPECTATIONS
    }
    assert defined == gx_modules.MODULES
    assert {rule.expectation_type for rule in RULES} <= gx_modules.MODULES.keys()


def test_every_builtin_code_list_names_publisher_edition_and_address() -> None:
    for name in codelists.builtin_names():
        code_list = codelists.load(name)
        assert code_list.source and code_list.publisher and code_list.edition, name
        if code_list.public:
            assert code_list.url.startswith("https://"), name
    disposal = codelists.load("pnc_disposal")
    assert not disposal.public and "NOT A PUBLISHED LIST" in disposal.source
    assert "replace" in disposal.source.lower()


def test_a_force_replaces_the_disposal_list_with_its_own_file(tmp_path: Path) -> None:
    import pandas as pd

    from dqaudit.engine.run import run_suite

    own = tmp_path / "pnc_disposal.yml"
    own.write_text(
        "source: West Midlands Police PNC disposal table, 2025 (force internal)\n"
        "public: false\ncodes: [CHG, NFA, OUT22]\n",
        encoding="utf-8",
    )
    frame = pd.DataFrame({"k": ["1", "2", "3"], "d": ["OUT22", "RUI", "CHG"]})
    kwargs = {"column": "d", "code_list": str(own)}
    suite = {
        "name": "s",
        "expectations": [{"type": "expect_column_values_to_be_in_code_list", "kwargs": kwargs}],
    }
    assert run_suite(frame, suite, key="k").results[0].failing_keys == ["2"]
    assert codelists.load(str(own)).public is False


def test_rules_list_shows_sources_code_lists_and_the_library_version() -> None:
    result = invoke("rules", "list")
    assert result.exit_code == 0
    assert f"Rule library version: {library.library_version()}" in result.stdout
    assert result.stdout.count("    source:   ") == len(RULES) + len(DERIVATIONS) + len(
        codelists.builtin_names()
    )
    assert "HMRC National Insurance Manual NIM39110" in result.stdout
    assert "CJS Data Standards Catalogue 6.0, CJS Offence Code" in result.stdout
    assert "self_defined_ethnicity_16_1  (17 codes)" in result.stdout
    assert "not published; replace it with the force's own list" in result.stdout


def test_version_shows_the_rule_library_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "dqaudit, version " + __import__("dqaudit").__version__,
        f"rule library {library.library_version()}",
    ]


# --- the version is a content hash -------------------------------------------------------


@pytest.fixture
def copy_of_library(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(library.PACKAGE_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_library_version_is_identical_for_identical_content(copy_of_library: Path) -> None:
    assert library.library_version(copy_of_library) == library.library_version()
    assert len(library.library_version()) == 64


def test_library_version_changes_when_a_code_list_changes(copy_of_library: Path) -> None:
    before = library.library_version(copy_of_library)
    code_list = copy_of_library / "codelists" / "blpu_logical_status.yml"
    code_list.write_text(
        code_list.read_text(encoding="utf-8") + '  - {code: "3", label: "Alternative"}\n',
        encoding="utf-8",
    )
    assert library.library_version(copy_of_library) != before


def test_library_version_changes_with_rule_logic_not_with_descriptions(
    copy_of_library: Path,
) -> None:
    before = library.library_version(copy_of_library)
    catalogue = copy_of_library / "catalogue.py"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "\n# wording\n", "utf-8")
    assert library.library_version(copy_of_library) == before
    formats = copy_of_library / "formats.py"
    formats.write_text(formats.read_text(encoding="utf-8").replace("COML", "COMX"), "utf-8")
    assert library.library_version(copy_of_library) != before


def test_library_version_ignores_line_endings_and_listing_order(copy_of_library: Path) -> None:
    before = library.library_version(copy_of_library)
    for path in library.library_files(copy_of_library):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert library.library_version(copy_of_library) == before
    names = [p.relative_to(library.PACKAGE_DIR).as_posix() for p in library.library_files()]
    assert names == sorted(names)
    assert "codelists/self_defined_ethnicity.yml" in names and "vehicles.py" in names
    assert not {"catalogue.py", "derivation_catalogue.py", "library.py", "__init__.py"} & set(names)


def test_library_version_changes_when_a_file_is_added(copy_of_library: Path) -> None:
    before = library.library_version(copy_of_library)
    (copy_of_library / "codelists" / "extra.yml").write_text("source: x\ncodes: [A]\n", "utf-8")
    assert library.library_version(copy_of_library) != before
