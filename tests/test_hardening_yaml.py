"""Issue 11 item 4: a YAML alias bomb in dqaudit.yml hung, then died of MemoryError.

Every YAML file dqaudit reads from a user (dqaudit.yml, fixed-width layouts, code lists)
goes through one bounded loader: refused, naming the file and line, before anything
walks it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dqaudit.errors import InputError
from dqaudit.workspace import yaml_input
from dqaudit.workspace.yaml_input import parse_yaml
from tests.conftest import invoke

# The classic "billion laughs": nine levels of ten aliases each, 10^9 strings expanded.
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

# Few aliases, still exponential: each level aliases the one before twice (2^40 values).
FEW_ALIASES_BOMB = "l0: &l0 [x, x]\n" + "".join(
    f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}]\n" for n in range(1, 41)
)


def test_a_billion_laughs_dqaudit_yml_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "dqaudit.yml").write_text(
        BILLION_LAUGHS + "systems:\n  pnc:\n    owner: {name: A, email: a@b.uk}\n"
        "    datasets: {x: {options: {path: '${HOME}', also: *i}}}\n",
        encoding="utf-8",
    )
    result = invoke("audit", "list", "-w", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "dqaudit.yml") in result.stderr
    assert "line 6, column 4" in result.stderr  # f, the first list that expands too far
    assert "expands to more than 100,000 values through its aliases" in result.stderr


def test_many_aliases_are_refused_naming_the_line_of_the_first_one_too_many() -> None:
    text = "base: &b x\nitems:\n" + "".join("  - *b\n" for _ in range(150))
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "dqaudit.yml")
    assert caught.value.message == (
        f"dqaudit.yml: line {3 + yaml_input.MAX_ALIASES}, column 5: more than "
        f"{yaml_input.MAX_ALIASES} aliases (*name); write the values out"
    )


def test_a_bomb_with_few_aliases_is_refused_by_its_expansion() -> None:
    with pytest.raises(InputError, match="expands to more than 100,000 values"):
        parse_yaml(FEW_ALIASES_BOMB, "layout.yml")


def test_a_recursive_alias_and_deep_nesting_are_refused() -> None:
    with pytest.raises(InputError, match="an alias refers to the collection that contains it"):
        parse_yaml("a: &a [1, *a]\n", "x.yml")
    with pytest.raises(InputError, match=r"x\.yml: line 1, column 65: nested more than 64 levels"):
        parse_yaml("[" * 5000 + "]" * 5000, "x.yml")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "dqaudit.yml"
    path.write_text("# " + "x" * yaml_input.MAX_YAML_BYTES + "\nsystems: {}\n", encoding="utf-8")
    result = invoke("audit", "list", "-w", str(tmp_path))
    assert result.exit_code == 2
    assert "a workspace settings file may be at most 1,048,576 bytes" in result.stderr


def test_ordinary_aliases_still_work() -> None:
    document = parse_yaml("owner: &o {name: A, email: a@b.uk}\nother: *o\n", "x.yml").data
    assert document["other"] == {"name": "A", "email": "a@b.uk"}


def test_a_layout_file_bomb_is_refused(tmp_path: Path) -> None:
    from dqaudit.connectors.fixed_width import load_layout

    layout = tmp_path / "layout.yml"
    layout.write_text(BILLION_LAUGHS + "fields: *i\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"{layout}: line \d+, column \d+: expands to more"):
        load_layout(layout)


def test_a_code_list_bomb_is_refused(tmp_path: Path) -> None:
    from dqaudit.expectations.rules.codelists import load

    codes = tmp_path / "codes.yml"
    codes.write_text(BILLION_LAUGHS + "source: test\ncodes: *i\n", encoding="utf-8")
    with pytest.raises(InputError, match="expands to more than"):
        load(str(codes))
