"""Excel action plans: what owners receive, and what comes back."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from dqaudit.actions import plan_layout
from dqaudit.governance import trail
from dqaudit.store import schema
from dqaudit.store.database import AuditStore
from dqaudit.workspace.config import load_workspace
from tests.actions_fixtures import make_workspace, run
from tests.conftest import invoke


@pytest.fixture
def plan(tmp_path: Path) -> tuple[Path, Path]:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    result = invoke("actions", "export", "-w", str(folder), "--out", str(tmp_path / "plans"))
    assert result.exit_code == 0, result.output
    [path] = sorted((tmp_path / "plans").glob("*.xlsx"))
    return folder, path


def column(name: str) -> int:
    return plan_layout.FINDING_INDEX[name] + 1


def test_the_workbook_owners_receive(plan: tuple[Path, Path]) -> None:
    _folder, path = plan
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:3] == ["Cover", "Findings", "_dqaudit"]
    assert workbook["_dqaudit"].sheet_state == "veryHidden"
    cover = workbook["Cover"]
    assert cover["A1"].value == "OFFICIAL-SENSITIVE"
    assert len(cover._charts) == 1
    sheet = workbook["Findings"]
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:X5"
    assert sheet.protection.sheet is True
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[column("Rule ID") - 1] for r in rows] == [
        "STN",
        "NAME",
        "SURNAME-LEN",
        "NOTE",
    ]  # by risk
    assert [r[column("Band") - 1] for r in rows] == ["High", "Medium", "Low", "Low"]
    band = sheet.cell(row=2, column=column("Band"))
    assert band.fill.fgColor.rgb.endswith("C0392B")
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    status = validations["S2:S5"]
    assert status.type == "list"
    assert status.formula1 == '"Open,Agreed,In progress,Resolved,Not accepted"'  # no Verified
    assert validations["U2:U5"].type == "date"
    assert sheet.cell(row=2, column=column("Status")).protection.locked is False
    assert sheet.cell(row=2, column=column("Agreed date")).number_format == "yyyy-mm-dd"
    assert sheet.cell(row=2, column=column("Rule ID")).protection.locked is True
    for name in workbook.sheetnames:
        if name != "_dqaudit":
            assert workbook[name].oddHeader.center.text == "OFFICIAL-SENSITIVE"
            assert workbook[name].oddFooter.center.text == "OFFICIAL-SENSITIVE"


def test_records_sheets_hold_only_rule_columns_masked_and_defused(plan: tuple[Path, Path]) -> None:
    _folder, path = plan
    workbook = openpyxl.load_workbook(path)
    names = {n.split(" ", 1)[1]: n for n in workbook.sheetnames if re.match(r"F\d+ ", n)}
    station = list(workbook[names["STN"]].iter_rows(values_only=True))
    assert station[0] == ("Record key", "station", "Exception requested", "Exception reason")
    assert [r[:2] for r in station[1:]] == [("C002", "XX"), ("C004", "ZZ")]
    surname = list(workbook[names["SURNAME-LEN"]].iter_rows(values_only=True))
    assert surname[1][:2] == ("C005", "O******")  # sensitive: masked, keep the first letter
    text = "\n".join(
        str(c)
        for n in workbook.sheetnames
        for r in workbook[n].iter_rows(values_only=True)
        for c in r
    )
    assert "BRIEN" not in text and "1990-01-01" not in text  # nothing sensitive, no whole rows
    note = list(workbook[names["NOTE"]].iter_rows(values_only=True))
    assert note[1][1] == '=HYPERLINK("http://evil")'  # the exact text, never a formula
    assert note[2][1] == "+44 7700 900123"
    for address in ("B2", "B3"):
        cell = workbook[names["NOTE"]][address]
        assert cell.data_type == "s" and cell.quotePrefix is True
    assert workbook[names["NOTE"]]["A2"].quotePrefix is False  # C002 is plain text


def edit(path: Path, changes: dict[tuple[str, int, str], object]) -> None:
    workbook = openpyxl.load_workbook(path)
    for (sheet, row, title), value in changes.items():
        target = workbook[sheet]
        if sheet == "Findings":
            target.cell(row=row, column=column(title)).value = value
        else:
            header = [c.value for c in target[1]]
            target.cell(row=row, column=header.index(title) + 1).value = value
    workbook.save(path)


def stored(folder: Path) -> dict[str, object]:
    store = AuditStore(load_workspace(folder).store_url)
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(schema.findings)).all()
    store.close()
    return {row.rule_id: row for row in rows}


def test_round_trip_export_edit_import(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    edit(
        path,
        {
            ("Findings", 2, "Status"): "Agreed",
            ("Findings", 2, "Agreed action"): "Retrain custody staff on station codes",
            ("Findings", 2, "Agreed date"): date(2027, 1, 31),
            ("Findings", 2, "Owner comment"): "=cmd|' /C calc'!A0",
            ("Findings", 5, "Status"): "Not accepted",
            ("Findings", 5, "Reason if not accepted"): "Free-text notes are not audited",
        },
    )
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 0, result.output
    assert "finding 1: status: 'Open' -> 'Agreed'" in result.stdout
    found = stored(folder)
    station = found["STN"]
    assert (station.status, station.agreed_date) == ("Agreed", date(2027, 1, 31))
    assert station.agreed_action == "Retrain custody staff on station codes"
    assert station.owner_comment == "=cmd|' /C calc'!A0"
    assert found["NOTE"].status == "Not accepted"
    store = AuditStore(load_workspace(folder).store_url)
    imports = [e for e in trail.entries(store) if e.action == "import"]
    store.close()
    assert len(imports) == 1 and imports[0].details["changes"]["1"]["status"] == ["Open", "Agreed"]
    again = invoke("actions", "import", str(path), "-w", str(folder))
    assert again.exit_code == 0 and "already imported; nothing changed" in again.stdout


def test_an_owner_cannot_verify(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    edit(path, {("Findings", 3, "Status"): "Verified"})
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 2
    assert "Findings row 3: only a passing audit can set Verified" in result.stderr


@pytest.mark.parametrize("title, value", [("Rule ID", "STN-X"), ("Finding ID", 99)])
def test_altered_rows_are_rejected_by_number_and_nothing_is_imported(
    plan: tuple[Path, Path], title: str, value: object
) -> None:
    folder, path = plan
    edit(path, {("Findings", 2, "Status"): "Agreed", ("Findings", 4, title): value})
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 2
    assert "Findings row 4: the finding id or rule id was altered" in result.stderr
    assert stored(folder)["STN"].status == "Open"


def test_an_altered_record_key_is_rejected(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    name = next(n for n in workbook.sheetnames if n.endswith("STN"))
    edit(path, {(name, 3, "Record key"): "C999"})
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 2
    assert f"sheet '{name}' row 3: the record key was altered" in result.stderr


def test_an_older_plan_is_refused_unless_forced(plan: tuple[Path, Path], tmp_path: Path) -> None:
    folder, old = plan
    invoke("actions", "export", "-w", str(folder), "--out", str(tmp_path / "newer"))
    [new] = sorted((tmp_path / "newer").glob("*.xlsx"))
    old_id = openpyxl.load_workbook(old)["_dqaudit"]["B1"].value
    new_id = openpyxl.load_workbook(new)["_dqaudit"]["B1"].value
    edit(old, {("Findings", 2, "Status"): "In progress"})
    refused = invoke("actions", "import", str(old), "-w", str(folder))
    assert refused.exit_code == 2
    assert old_id in refused.stderr and new_id in refused.stderr
    forced = invoke("actions", "import", str(old), "-w", str(folder), "--force")
    assert forced.exit_code == 0 and stored(folder)["STN"].status == "In progress"


def test_only_exported_plans_are_accepted(tmp_path: Path, plan: tuple[Path, Path]) -> None:
    folder, _path = plan
    stray = tmp_path / "stray.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Findings"
    workbook.save(stray)
    result = invoke("actions", "import", str(stray), "-w", str(folder))
    assert result.exit_code == 2 and "not an action plan exported by dqaudit" in result.stderr
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    assert invoke("actions", "import", str(text), "-w", str(folder)).exit_code == 2


def test_exceptions_requested_in_the_plan_approved_then_not_counted(
    plan: tuple[Path, Path],
) -> None:
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    name = next(n for n in workbook.sheetnames if n.endswith("STN"))
    edit(
        path,
        {
            (name, 2, "Exception requested"): "Yes",
            (name, 2, "Exception reason"): "Station closed in 2019; historic record",
        },
    )
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert "exception requested for record C002" in result.stdout
    listing = invoke("actions", "exception", "list", "-w", str(folder))
    assert "requested" in listing.stdout and "C002" in listing.stdout
    exception_id = listing.stdout.splitlines()[1].split()[0]
    approved = invoke(
        "actions",
        "exception",
        "approve",
        exception_id,
        "-w",
        str(folder),
        "--by",
        "Records Manager",
        "--expires",
        "2099-12-31",
    )
    assert approved.exit_code == 0, approved.output
    run(folder)
    station = stored(folder)["STN"]
    assert (station.failing_count, station.excepted_count) == (1, 1)
    added = invoke(
        "actions",
        "exception",
        "add",
        str(station.finding_id),
        "C004",
        "-w",
        str(folder),
        "--reason",
        "Temporary station",
        "--by",
        "Records Manager",
        "--expires",
        "2099-01-01",
    )
    assert added.exit_code == 0
    run(folder)
    station = stored(folder)["STN"]
    assert (station.failing_count, station.excepted_count) == (0, 2)
    past = invoke(
        "actions",
        "exception",
        "add",
        str(station.finding_id),
        "C001",
        "-w",
        str(folder),
        "--reason",
        "r",
        "--by",
        "b",
        "--expires",
        "2001-01-01",
    )
    assert past.exit_code == 2 and "not in the future" in past.stderr
    store = AuditStore(load_workspace(folder).store_url)
    assert [e.action for e in trail.entries(store)].count("exception") == 2
    store.close()


def test_a_sheet_past_excels_row_limit_is_capped_with_a_full_csv(
    plan: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _path = plan
    monkeypatch.setattr(plan_layout, "EXCEL_MAX_ROWS", 3)  # header + 1 record + note
    result = invoke("actions", "export", "-w", str(folder), "--out", str(tmp_path / "capped"))
    assert "full list of a capped sheet" in result.stdout
    [path] = sorted((tmp_path / "capped").glob("*.xlsx"))
    workbook = openpyxl.load_workbook(path)
    name = next(n for n in workbook.sheetnames if n.endswith("STN"))
    rows = list(workbook[name].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:2]] == ["C002"]
    assert rows[2][0].startswith("Capped at 1 of 2 records")
    [csv_file] = sorted((tmp_path / "capped").glob(f"*{name.replace(' ', '-')}.csv"))
    assert csv_file.read_text().splitlines() == ["Record key,station", "C002,XX", "C004,ZZ"]


def test_unknown_owner_or_system_is_an_error(plan: tuple[Path, Path], tmp_path: Path) -> None:
    folder, _path = plan
    result = invoke(
        "actions",
        "export",
        "-w",
        str(folder),
        "--out",
        str(tmp_path / "x"),
        "--owner",
        "who@nowhere.uk",
    )
    assert result.exit_code == 2 and "no system owner 'who@nowhere.uk'" in result.stderr


def test_a_finding_with_many_failing_records_exports_every_one(tmp_path: Path) -> None:
    """Write-only streaming: every record reaches the sheet, in order. The 500,000-record
    scale check (time and peak memory) is in ``make bench`` (bench/plans_export.py)."""
    rows = [f"C{i:06d},XX,SMITH,1990-01-01,ok" for i in range(5_000)]
    folder = make_workspace(tmp_path / "ws", rows=rows)
    assert run(folder) == 1
    result = invoke("actions", "export", "-w", str(folder), "--out", str(tmp_path / "plans"))
    assert result.exit_code == 0, result.output
    [path] = sorted((tmp_path / "plans").glob("*.xlsx"))
    workbook = openpyxl.load_workbook(path, read_only=True)
    name = next(n for n in workbook.sheetnames if n.endswith("STN"))
    sheet = workbook[name]
    keys = [values[0] for values in sheet.iter_rows(min_row=2, max_col=1, values_only=True)]
    workbook.close()
    assert len(keys) == 5_000  # every failing record, none capped
    assert (keys[0], keys[-1]) == ("C000000", "C004999")


def test_a_later_audit_is_not_undone_by_importing_an_old_plan(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    edit(path, {("Findings", 2, "Status"): "Agreed"})
    assert invoke("actions", "import", str(path), "-w", str(folder)).exit_code == 0
    workbook_copy = path.with_name("returned-late.xlsx")
    workbook_copy.write_bytes(path.read_bytes())
    edit(workbook_copy, {("Findings", 3, "Owner comment"): "Surname checks added"})
    store = AuditStore(load_workspace(folder).store_url)
    with store.engine.begin() as connection:  # a later audit verified finding 1
        connection.execute(
            schema.findings.update()
            .where(schema.findings.c.rule_id == "STN")
            .values(status="Verified")
        )
    store.close()
    again = invoke("actions", "import", str(path), "-w", str(folder))
    assert again.exit_code == 0 and "already imported" in again.stdout
    late = invoke("actions", "import", str(workbook_copy), "-w", str(folder))
    assert late.exit_code == 0, late.output
    assert "not applied" in late.stdout  # the status conflict is reported, not applied
    found = stored(folder)
    assert found["STN"].status == "Verified"
    assert found["NAME"].owner_comment == "Surname checks added"


def test_owners_may_sort_the_findings_sheet(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Findings"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    for number, values in enumerate(reversed(rows), start=2):
        for index, value in enumerate(values, start=1):
            sheet.cell(row=number, column=index).value = value
    workbook.save(path)
    edit(path, {("Findings", 2, "Status"): "In progress"})  # now the lowest-risk finding
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 0, result.output
    assert stored(folder)["NOTE"].status == "In progress"


def test_record_keys_stay_out_of_the_trail(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    name = next(n for n in workbook.sheetnames if n.endswith("STN"))
    edit(path, {(name, 2, "Exception requested"): "Yes", (name, 2, "Exception reason"): "Historic"})
    invoke("actions", "import", str(path), "-w", str(folder))
    finding = stored(folder)["STN"].finding_id
    added = invoke(
        "actions",
        "exception",
        "add",
        str(finding),
        "C004",
        "-w",
        str(folder),
        "--reason",
        "r",
        "--by",
        "Records Manager",
        "--expires",
        "2099-01-01",
    )
    assert added.exit_code == 0
    wrong = invoke(
        "actions",
        "exception",
        "add",
        str(finding),
        "C999",
        "-w",
        str(folder),
        "--reason",
        "r",
        "--by",
        "Records Manager",
        "--expires",
        "2099-01-01",
    )
    assert wrong.exit_code == 2 and "not among the failing records" in wrong.stderr
    text = invoke("trail", "-w", str(folder)).stdout
    store = AuditStore(load_workspace(folder).store_url)
    details = str([e.details for e in trail.entries(store)])
    store.close()
    assert "C002" not in text + details and "C004" not in text + details


def test_export_reports_findings_written_as_it_goes(tmp_path: Path) -> None:
    """A long export says how far it has gone: findings written of the total, per plan."""
    from dqaudit.actions.export import export_plans
    from dqaudit.actions.findings import list_findings

    folder = make_workspace(tmp_path / "ws")
    run(folder)
    workspace = load_workspace(folder)
    store = AuditStore(workspace.store_url)
    calls: list[tuple[int, int]] = []
    plans = export_plans(
        store, workspace, tmp_path / "plans", progress=lambda d, t: calls.append((d, t))
    )
    total = len(list_findings(store))
    assert total > 0 and plans
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert len(calls) == len(plans) + 1
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_export_shows_its_counts_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    result = invoke("actions", "export", "-w", str(folder), "--out", str(tmp_path / "plans"))
    assert result.exit_code == 0, result.output
    assert "exporting action plans (findings)" in result.stderr
    assert re.search(r"\d+/\d+", re.sub(r"\x1b\[[0-9;]*m", "", result.stderr))
