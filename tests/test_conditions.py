"""dqaudit's own row-condition grammar (dqaudit.expectations.conditions), unit by unit.

docs/suites.md ("Row conditions") lists what a condition may contain; each construct is
parsed here in the three spellings suites use (pandas-parser text, GX-parser
``col("x")`` text, GX 1.x's dict form) into the same tree, so every backend evaluates the
same thing. Then what a condition may not contain: each is an InputError naming the
rule and what is wrong, and nothing is executed. Last, what a run says about a
condition: the warnings for a condition that selects no row and for values it could not
read. Evaluation on every backend is in test_conformance_templates.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.conditions import (
    MAX_DEPTH,
    MAX_TESTS,
    MAX_TEXT,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    InList,
    IsNull,
    Not,
    StringTest,
    Value,
    columns_of,
    describe,
    parse_condition,
    typed_columns,
)
from dqaudit.expectations.conditions import (
    tests_of as column_tests,
)
from dqaudit.expectations.suite import suite_from_dict
from tests.conftest import invoke, rule, write_suite

WHERE = "rule T"


def parse(value: Any, parser: str | None = "pandas") -> Condition:
    return parse_condition(value, parser, WHERE)


def text(value: str) -> Value:
    return Value("text", value)


def number(value: float) -> Value:
    return Value("number", float(value))


def stamp(*parts: int) -> Value:
    return Value("datetime", dt.datetime(*parts))  # type: ignore[arg-type]


def comparison(column: str, operator: str, parameter: Any) -> dict[str, Any]:
    return {
        "type": "comparison",
        "column": {"name": column},
        "operator": operator,
        "parameter": parameter,
    }


def pass_through(condition: str) -> dict[str, Any]:
    return {"type": "pass_through", "pass_through_filter": condition}


# --- every construct, in every spelling, gives one tree ------------------------------------

# (expected tree, pandas-parser text, GX-parser text, dict form); None where a spelling
# has no way to say it (the dict form then says it through pass_through).
CONSTRUCTS: dict[str, tuple[Condition, str, str, Any]] = {
    "text equality": (
        Compare("code", "==", text("A")),
        'code == "A"',
        'col("code")=="A"',
        comparison("code", "==", "A"),
    ),
    "text inequality, single quotes": (
        Compare("code", "!=", text("A")),
        "code != 'A'",
        "col('code')!='A'",
        comparison("code", "!=", "A"),
    ),
    "a number as text stays text": (
        Compare("s4", "==", text("4")),
        's4 == "4"',
        'col("s4")=="4"',
        comparison("s4", "==", "4"),
    ),
    "number equality": (
        Compare("s4", "==", number(4)),
        "s4 == 4",
        'col("s4")==4',
        comparison("s4", "==", 4),
    ),
    "number less than": (
        Compare("val", "<", number(0)),
        "val < 0",
        'col("val")<0',
        comparison("val", "<", 0),
    ),
    "number at most, a decimal": (
        Compare("val", "<=", number(2.5)),
        "val <= 2.5",
        'col("val")<=2.5',
        comparison("val", "<=", 2.5),
    ),
    "number greater than, negative": (
        Compare("val", ">", number(-1)),
        "val > -1",
        'col("val")>-1',
        comparison("val", ">", -1),
    ),
    "number at least, exponent": (
        Compare("val", ">=", number(1000)),
        "val >= 1e3",
        'col("val")>=1E3',
        comparison("val", ">=", 1000.0),
    ),
    "a literal on the left is flipped": (
        Compare("s4", ">", number(4)),
        "4 < s4",
        '4<col("s4")',
        comparison("s4", ">", 4),
    ),
    "date literal": (
        Compare("when", "<", stamp(2024, 3, 2)),
        'when < date("2024-03-02")',
        'col("when")<date("2024-03-02")',
        pass_through('when < date("2024-03-02")'),
    ),
    "datetime literal": (
        Compare("when", ">=", stamp(2024, 3, 1, 9, 30)),
        'when >= datetime("2024-03-01 09:30")',
        'col("when")>=datetime("2024-03-01T09:30:00")',
        pass_through("when >= datetime('2024-03-01 09:30')"),
    ),
    "datetime literal with an offset is read as UTC": (
        Compare("when", "==", stamp(2024, 7, 1, 8, 0)),
        'when == datetime("2024-07-01T09:00:00+01:00")',
        'col("when")==datetime("2024-07-01 08:00:00Z")',
        pass_through('when == datetime("2024-07-01T09:00+01:00")'),
    ),
    "in a list": (
        InList("code", (text("A"), text("B"))),
        'code in ["A", "B"]',
        'col("code") in ["A","B"]',
        comparison("code", "IN", ["A", "B"]),
    ),
    "in a tuple of numbers, trailing comma": (
        InList("s4", (number(1), number(2))),
        "s4 in (1, 2,)",
        'col("s4") IN [1, 2]',
        comparison("s4", "IN", [1, 2]),
    ),
    "not in a list": (
        InList("code", (text("A"),), negated=True),
        'code not in ["A"]',
        'col("code") not in ["A"]',
        comparison("code", "NOT_IN", ["A"]),
    ),
    "not": (
        Not(Compare("code", "==", text("A"))),
        'not code == "A"',
        'NOT col("code")=="A"',
        pass_through('~(code == "A")'),
    ),
    "is null": (
        IsNull("code"),
        "code.isnull()",
        'col("code").isnull()',
        {"type": "nullity", "column": {"name": "code"}, "is_null": True},
    ),
    "is na": (
        IsNull("code"),
        "code.isna()",
        'col("code").ISNULL()',
        {"type": "nullity", "column": "code", "is_null": True},
    ),
    "not null": (
        IsNull("code", negated=True),
        "code.notnull()",
        'col("code").notNull()',
        {"type": "nullity", "column": {"name": "code"}, "is_null": False},
    ),
    "not na": (
        IsNull("code", negated=True),
        "code.notna()",
        'col("code").notna()',
        pass_through("code.notna()"),
    ),
    "startswith": (
        StringTest("code", "startswith", "A"),
        'code.str.startswith("A")',
        'col("code").str.startswith("A")',
        pass_through("code.str.startswith('A')"),
    ),
    "endswith": (
        StringTest("code", "endswith", "z"),
        'code.str.endswith("z")',
        'col("code").str.endswith("z")',
        pass_through('code.str.endswith("z")'),
    ),
    "contains, plain text not a pattern": (
        StringTest("code", "contains", "a.*"),
        'code.str.contains("a.*")',
        'col("code").str.contains("a.*")',
        pass_through('code.str.contains("a.*")'),
    ),
    "a column name with spaces": (
        Compare("Crime type", "!=", text("Anti-social behaviour")),
        '`Crime type` != "Anti-social behaviour"',
        'col("Crime type")!="Anti-social behaviour"',
        comparison("Crime type", "!=", "Anti-social behaviour"),
    ),
    "and binds tighter than or": (
        AnyOf(
            (
                Compare("a", "==", text("1")),
                AllOf((Compare("b", "==", text("2")), Compare("c", "==", text("3")))),
            )
        ),
        'a == "1" or b == "2" and c == "3"',
        'col("a")=="1" or col("b")=="2" and col("c")=="3"',
        {
            "type": "or",
            "conditions": [
                comparison("a", "==", "1"),
                {
                    "type": "and",
                    "conditions": [comparison("b", "==", "2"), comparison("c", "==", "3")],
                },
            ],
        },
    ),
    "parentheses override precedence": (
        AllOf(
            (
                AnyOf((Compare("a", "==", text("1")), Compare("b", "==", text("2")))),
                Compare("c", "==", text("3")),
            )
        ),
        '(a == "1" | b == "2") & c == "3"',
        '(col("a")=="1" OR col("b")=="2") AND col("c")=="3"',
        {
            "type": "and",
            "conditions": [
                {
                    "type": "or",
                    "conditions": [comparison("a", "==", "1"), comparison("b", "==", "2")],
                },
                comparison("c", "==", "3"),
            ],
        },
    ),
    "not binds tighter than and": (
        AllOf((Not(Compare("a", "==", text("1"))), Compare("b", "==", text("2")))),
        '~(a == "1") & (b == "2")',
        'not col("a")=="1" and col("b")=="2"',
        {
            "type": "and",
            "conditions": [pass_through('not a == "1"'), comparison("b", "==", "2")],
        },
    ),
    "and/or are left to right and flat": (
        AllOf(
            (
                Compare("a", "==", text("1")),
                Compare("b", "==", text("2")),
                Compare("c", "==", text("3")),
            )
        ),
        'a == "1" and b == "2" and c == "3"',
        'col("a")=="1" and col("b")=="2" and col("c")=="3"',
        {
            "type": "and",
            "conditions": [
                comparison("a", "==", "1"),
                comparison("b", "==", "2"),
                comparison("c", "==", "3"),
            ],
        },
    ),
}


@pytest.mark.parametrize("spelling", ["pandas", "great_expectations", "dict"])
@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_each_construct_parses_to_one_tree_in_every_spelling(construct: str, spelling: str) -> None:
    expected, pandas_text, gx_text, as_dict = CONSTRUCTS[construct]
    if spelling == "pandas":
        found = parse(pandas_text, "pandas")
    elif spelling == "great_expectations":
        found = parse(gx_text, "great_expectations")
    else:
        found = parse(as_dict, None)
    assert found == expected


@pytest.mark.parametrize(
    "parser", [None, "pandas", "great_expectations", "great_expectations__experimental__"]
)
def test_every_accepted_parser_reads_the_same_grammar(parser: str | None) -> None:
    assert parse('col("a") == "1" and b.notnull()', parser) == AllOf(
        (Compare("a", "==", text("1")), IsNull("b", negated=True))
    )


def test_the_dict_form_nests_and_takes_pass_through_anywhere() -> None:
    condition = {
        "type": "or",
        "conditions": [
            {
                "type": "and",
                "conditions": [
                    {"type": "nullity", "column": {"name": "a"}, "is_null": False},
                    pass_through('b.str.startswith("X") and c in [1, 2]'),
                ],
            },
            comparison("d", "NOT_IN", ["x", 3]),
        ],
    }
    assert parse(condition, None) == AnyOf(
        (
            AllOf(
                (
                    IsNull("a", negated=True),
                    AllOf(
                        (
                            StringTest("b", "startswith", "X"),
                            InList("c", (number(1), number(2))),
                        )
                    ),
                )
            ),
            InList("d", (text("x"), number(3)), negated=True),
        )
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("age.astype(float) >= 18", Compare("age", ">=", number(18))),
        ("age.astype('int') in [1, 2]", InList("age", (number(1), number(2)))),
        ("age.astype(str) == 18", Compare("age", "==", text("18"))),
        ("age.astype(str) in [18, 2.5]", InList("age", (text("18"), text("2.5")))),
    ],
)
def test_astype_says_how_to_compare(condition: str, expected: Condition) -> None:
    assert parse(condition) == expected


def test_text_literals_keep_their_content() -> None:
    assert parse('code == "say \\"hi\\""') == Compare("code", "==", text('say "hi"'))
    assert parse("code == 'a and b or not c'") == Compare("code", "==", text("a and b or not c"))
    assert parse('code == ""') == Compare("code", "==", text(""))
    assert parse('code == "  A "') == Compare("code", "==", text("  A "))


@pytest.mark.parametrize(
    ("quoted", "pandas_reads", "gx_reads"),
    [
        (r'"a\tb"', "a\tb", r"a\tb"),  # a tab for pandas (Python), verbatim for GX
        (r'"\d+"', r"\d+", r"\d+"),  # an unknown escape keeps its backslash
        (r'"x\\y"', "x\\y", r"x\\y"),
        (r'"\u00e9\x41\101"', "\u00e9AA", r"\u00e9\x41\101"),
        (r'"C:\new"', "C:\new", r"C:\new"),
    ],
)
def test_escapes_in_quoted_text_mean_what_each_parser_meant(
    quoted: str, pandas_reads: str, gx_reads: str
) -> None:
    """A backslash once vanished whatever followed it ("\\d" became "d", "\\t" "t"):
    the pandas parser reads escapes as Python (as DataFrame.query did), GX's parser keeps
    the text as written (as its own parser did), and pass_through is pandas text."""
    assert parse(f"code == {quoted}", "pandas") == Compare("code", "==", text(pandas_reads))
    assert parse(f"code.str.contains({quoted})", None) == StringTest(
        "code", "contains", pandas_reads
    )
    assert parse(pass_through(f"code == {quoted}"), None) == Compare(
        "code", "==", text(pandas_reads)
    )
    assert parse(f'col("code")=={quoted}', "great_expectations") == Compare(
        "code", "==", text(gx_reads)
    )


def test_columns_kinds_and_description_come_from_the_tree() -> None:
    condition = parse(
        '`Crime type` == "x" and (s4 > 1 or s4 in ["a"]) and not when < date("2024-01-01")'
        " and code.str.contains('q') and z.isnull()"
    )
    assert columns_of(condition) == ("Crime type", "s4", "when", "code", "z")
    assert typed_columns(condition) == {
        "Crime type": {"text"},
        "s4": {"number", "text"},
        "when": {"datetime"},
        "code": {"text"},
    }
    assert describe(condition) == (
        "(`Crime type` == 'x' and (s4 > 1 or s4 in ['a']) and "
        'not (when < datetime("2024-01-01 00:00:00")) and '
        "code.str.contains('q') and z is blank)"
    )


# --- what a condition may not contain: an InputError naming the rule, nothing run ----------


def refused(value: Any, parser: str | None = "pandas") -> str:
    with pytest.raises(InputError) as caught:
        parse(value, parser)
    message = caught.value.message
    assert message.startswith(f"{WHERE}: "), message  # names the rule
    assert "row_condition" in message or "condition_parser" in message, message
    return message


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        # @ references, attribute access, calls, lambdas
        ("@pd.io.common.os.system('true') == 0", "references to variables with @ are not allowed"),
        ("id == @limit", "references to variables with @ are not allowed"),
        ("id.__class__ == 'x'", "attribute or method '__class__' is not allowed"),
        ("id.str.upper() == 'X'", "unknown string test 'upper'"),
        ("id.values == 'x'", "attribute or method 'values' is not allowed"),
        ("len(id) == 1", "calls are not allowed (len(...))"),
        ("__import__('os').system('true') == 0", "calls are not allowed (__import__(...))"),
        ("(lambda: 1)() == 0", "cannot read ':'"),
        ("id == id", "a column can only be compared with a value, not another column"),
        ('col("a") == col("b")', "a column can only be compared with a value"),
        ("a.str.startswith(b)", "str.startswith takes one quoted text"),
        ("a.str.startswith('x', na=False)", "cannot read '='"),
        ("a.str.contains('x', case=False)", "cannot read '='"),
        ("col(a) == 1", 'col(...) takes a quoted column name: col("name")'),
        ("a.astype(bool) == 1", "astype(bool) is not a cast dqaudit reads"),
        ("a.astype(float) == 'x'", "a column cast to a number is compared with text"),
        # trailing text, and what is not a condition
        ('col("val")>0) OR (1=1', "cannot read '='"),
        ('col("val")>0) OR (col("id")==1', "unexpected text after a complete condition"),
        ('a == "1" b == "2"', "unexpected text after a complete condition at character 10"),
        ("a == 1,", "unexpected text after a complete condition"),
        ('a == "1" and', "the condition ends too soon"),
        ("(a == 1", "expected ')'"),
        ("a = 1", "(compare with == or !=)"),
        ("a", "expected a comparison"),
        ("a in []", "expected a value"),
        ("a in 'xy'", "expected a list of values in [ ]"),
        ("a not 1", "expected 'in' after 'not'"),
        ("a == True", "True is not a value dqaudit compares with"),
        ("a == None", "None is not a value dqaudit compares with"),
        ("a == b", "not another column"),
        ("Crime type == 'x'", "a column name with spaces must be in backticks"),
        ("`` == 'x'", "empty column name"),
        ("a == date(2024)", 'date(...) takes a quoted ISO date: date("2024-01-31")'),
        ("a == date('31/01/2024')", "'31/01/2024' is not an ISO 8601 date or datetime"),
        ("a == datetime('2024-02-30')", "is not an ISO 8601 date or datetime"),
        ("a < 1e999", "1e999 is too large; compare with a finite number"),
        ("a in [1, -2e400]", "-2e400 is too large; compare with a finite number"),
        ("   ", "row_condition is empty"),
        ("", "row_condition is empty"),
    ],
)
def test_what_a_text_condition_may_not_contain(condition: str, problem: str) -> None:
    for parser in ("pandas", "great_expectations"):
        assert problem in refused(condition, parser)


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"type": "sql", "text": "1=1"}, "type 'sql' is not one of comparison, nullity, and, or"),
        ({"type": "and", "conditions": []}, "'and' needs a non-empty 'conditions' list"),
        ({"type": "or"}, "'or' needs a non-empty 'conditions' list"),
        ({"type": "and", "conditions": ["a == 1"]}, "must be an object"),
        ({"type": "pass_through"}, "pass_through needs 'pass_through_filter' text"),
        (pass_through("@x == 1"), "references to variables with @ are not allowed"),
        (pass_through("a.__class__ == 'x'"), "attribute or method '__class__' is not allowed"),
        ({"type": "nullity", "column": {"name": "a"}}, "nullity needs 'is_null': true or false"),
        ({"type": "nullity", "column": {}, "is_null": True}, "needs 'column': {\"name\": ...}"),
        (comparison("a", "LIKE", "x%"), "operator 'LIKE' is not one of ==, !="),
        (comparison("a", "IN", []), "IN needs a non-empty list"),
        (comparison("a", "NOT_IN", "x"), "NOT_IN needs a non-empty list"),
        (comparison("a", "==", None), "compares with None"),
        (comparison("a", "==", True), "compares with True"),
        (comparison("a", "==", {"x": 1}), "is not text or a number"),
        (comparison("a", "<", float("inf")), "compares with inf; compare with a finite number"),
        (comparison("a", "IN", [float("nan")]), "compares with nan; compare with a finite number"),
        (comparison("a", "IN", [["x"]]), "is not text or a number"),
    ],
)
def test_what_a_dict_condition_may_not_contain(condition: Any, problem: str) -> None:
    assert problem in refused(condition, None)


def test_a_condition_must_be_text_or_an_object_with_a_known_parser() -> None:
    assert "must be text or a condition object" in refused(["a == 1"])
    assert "condition_parser 'python' is not one dqaudit reads" in refused("a == 1", "python")
    assert "condition_parser 'spark' is not one dqaudit reads" in refused("a == 1", "spark")


def test_nesting_is_bounded_in_text_and_dict_form() -> None:
    inner = 'a == "1"'
    assert parse("(" * MAX_DEPTH + inner + ")" * MAX_DEPTH) == Compare("a", "==", text("1"))
    deep = "(" * (MAX_DEPTH + 1) + inner + ")" * (MAX_DEPTH + 1)
    assert f"nested more than {MAX_DEPTH} deep" in refused(deep)

    def nested(levels: int) -> dict[str, Any]:
        condition: dict[str, Any] = comparison("a", "==", "1")
        for _ in range(levels):
            condition = {"type": "and", "conditions": [condition]}
        return condition

    assert list(column_tests(parse(nested(MAX_DEPTH), None))) == [Compare("a", "==", text("1"))]
    assert f"nested more than {MAX_DEPTH} deep" in refused(nested(MAX_DEPTH + 1), None)


@pytest.mark.parametrize("negation", ["not ", "~", "NOT "])
def test_negations_count_as_nesting(negation: str) -> None:
    """``~`` repeated thousands of times once overflowed Python's stack (RecursionError,
    an internal error) instead of being refused by the nesting bound."""
    assert parse(negation * 2 + 'a == "1"') == Not(Not(Compare("a", "==", text("1"))))
    assert isinstance(parse(negation * MAX_DEPTH + 'a == "1"'), Not)
    assert f"nested more than {MAX_DEPTH} deep" in refused(negation * (MAX_DEPTH + 1) + "a == 1")
    many = negation * ((MAX_TEXT - 10) // len(negation)) + "a == 1"
    assert f"nested more than {MAX_DEPTH} deep" in refused(many)


def test_size_and_test_count_are_bounded() -> None:
    long = 'a == "' + "x" * MAX_TEXT + '"'
    assert f"longer than {MAX_TEXT} characters" in refused(long)
    assert f"longer than {MAX_TEXT} characters" in refused(pass_through(long), None)
    at_most = " or ".join(f"a == {i}" for i in range(MAX_TESTS))
    assert len(columns_of(parse(at_most))) == 1
    over = at_most + " or a == -1"
    assert f"has {MAX_TESTS + 1} tests; at most {MAX_TESTS}" in refused(over)
    as_dict = {
        "type": "or",
        "conditions": [comparison("a", "==", i) for i in range(MAX_TESTS + 1)],
    }
    assert f"has {MAX_TESTS + 1} tests; at most {MAX_TESTS}" in refused(as_dict, None)
    # tests inside pass_through count with the rest
    mixed = {"type": "and", "conditions": [comparison("b", "==", 1), pass_through(at_most)]}
    assert f"at most {MAX_TESTS}" in refused(mixed, None)


def test_a_suite_names_the_rule_and_the_setting(tmp_path: Path) -> None:
    suite = {
        "name": "bad",
        "expectations": [
            rule(
                "expect_column_values_to_not_be_null",
                "EVIL",
                column="a",
                row_condition="a.__class__ == 'x'",
                condition_parser="pandas",
            )
        ],
    }
    with pytest.raises(InputError) as caught:
        suite_from_dict(suite)
    assert re.search(
        r"expectation #1 \(rule EVIL, expect_column_values_to_not_be_null\).*row_condition",
        caught.value.message,
    ), caught.value.message
    path = write_suite(tmp_path / "bad.json", suite["expectations"])
    linted = invoke("suite", "lint", str(path))
    assert linted.exit_code == 1
    assert "kwargs.row_condition" in linted.stdout, linted.stdout
    assert "attribute or method '__class__' is not allowed" in linted.stdout


HOSTILE = [
    ("(@pd.io.common.os.system('touch {marker}') == 0) | (id == id)", "pandas"),
    ("id.__class__.__init__.__globals__['os'].system('touch {marker}') == 0", "pandas"),
    ('col("id")=="1" and __import__("os").system("touch {marker}")==0', "great_expectations"),
    (
        'col("id").__class__.__init__.__globals__["os"].system("touch {marker}")',
        "great_expectations",
    ),
    ('(lambda: __import__("os").system("touch {marker}"))()==0', "great_expectations"),
]


@pytest.mark.parametrize(("template", "parser"), HOSTILE)
def test_a_hostile_condition_is_refused_and_runs_nothing(
    template: str, parser: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    condition = template.format(marker=marker)
    for value, used in [(condition, parser), (pass_through(condition), None)]:
        refused(value, used)
        suite = {
            "name": "evil",
            "expectations": [
                rule(
                    "expect_column_values_to_not_be_null",
                    "EVIL",
                    column="id",
                    row_condition=value,
                    **({} if used is None else {"condition_parser": used}),
                )
            ],
        }
        with pytest.raises(InputError, match="rule EVIL"):
            run_suite(pd.DataFrame({"id": ["1"]}, dtype="str"), suite, key="id")
    assert not marker.exists()


# --- what a run says about its conditions ---------------------------------------------------

FRAME = pd.DataFrame(
    {
        "id": ["1", "2", "3", "4", "5"],
        "val": ["5", "x", "-1", None, "7.5"],
        "when": ["2024-03-01", "2024-03-02", "not a date", "2024-02-30", None],
        "code": ["AB", None, "Ab", "B", ""],
    },
    dtype="str",
)


def selected(condition: Any, parser: str | None = "pandas") -> tuple[list[str], list[str]]:
    """(the ids a condition selects, the rule's warnings): a not-null rule on a column
    that is always blank fails exactly the selected rows."""
    frame = FRAME.assign(blank=pd.Series([None] * len(FRAME), dtype="str"))
    kwargs: dict[str, Any] = {"row_condition": condition}
    if parser is not None:
        kwargs["condition_parser"] = parser
    suite = {
        "name": "s",
        "expectations": [
            rule("expect_column_values_to_not_be_null", "S", column="blank", **kwargs)
        ],
    }
    result = run_suite(frame, suite, key="id").results[0]
    return sorted(result.failing_keys or []), result.warnings


@pytest.mark.parametrize(
    ("condition", "ids"),
    [
        ("val > 0", ["1", "5"]),  # "x" cannot be read, -1 is out, blank never matches
        ('val > "0"', ["1", "2", "5"]),  # text: "5", "x", "7.5" sort after "0"; "-1" before
        ("val != 5", ["3", "4", "5"]),  # a blank is not 5; "x" cannot be read: no match
        ('code == "AB"', ["1"]),  # text compares exactly: "Ab" is not "AB"
        ('code != "AB"', ["2", "3", "4", "5"]),  # a blank is not equal to "AB"
        ('code in ["AB", "B"]', ["1", "4"]),
        ('code not in ["AB", "B"]', ["2", "3", "5"]),
        ("val in [5, -1]", ["1", "3"]),
        ("val not in [5, -1]", ["4", "5"]),  # "x" cannot be read: not selected either way
        ("code.isnull()", ["2", "5"]),  # an empty text is blank too
        ("code.notnull()", ["1", "3", "4"]),
        ('code.str.startswith("A")', ["1", "3"]),
        ('code.str.endswith("b")', ["3"]),
        ('code.str.contains("B")', ["1", "4"]),
        ('when >= date("2024-03-01")', ["1", "2"]),
        ('when < datetime("2024-03-01 12:00")', ["1"]),
        ('when == "not a date"', ["3"]),
        ('not code == "AB"', ["2", "3", "4", "5"]),
        ("~(val > 0) & code.notnull()", ["3", "4"]),
        ('val > 0 or code == "B" and id == "1"', ["1", "5"]),
        ('(val > 0 or code == "B") and id == "1"', ["1"]),
    ],
)
def test_what_a_condition_selects(condition: str, ids: list[str]) -> None:
    assert selected(condition)[0] == ids


def test_a_condition_that_selects_no_row_is_a_warning_on_its_rule() -> None:
    keys, warnings = selected('code == "none of these"')
    assert keys == []
    assert warnings == ["row_condition selects no row, so the rule checked nothing"]
    keys, warnings = selected({"type": "nullity", "column": {"name": "id"}, "is_null": True}, None)
    assert warnings == ["row_condition selects no row, so the rule checked nothing"]


def test_values_a_condition_cannot_read_are_counted_and_reported() -> None:
    keys, warnings = selected('val > 0 or when < date("2024-12-31")', "pandas")
    assert keys == ["1", "2", "5"]
    assert warnings == [
        "row_condition: 1 value(s) of val (numbers) could not be read, so those rows are "
        "not selected",
        "row_condition: 2 value(s) of when (datetimes) could not be read, so those rows are "
        "not selected",
    ]
    _, warnings = selected('code == "AB"')
    assert warnings == []  # a text comparison reads every value


def test_check_prints_the_condition_warnings(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    FRAME.to_csv(data, index=False)
    suite = write_suite(
        tmp_path / "s.json",
        [
            rule(
                "expect_column_values_to_not_be_null",
                "NUM",
                column="id",
                row_condition='col("val")>0',
                condition_parser="great_expectations",
            ),
            rule(
                "expect_column_values_to_not_be_null",
                "NONE",
                column="id",
                row_condition=comparison("code", "==", "zzz"),
            ),
        ],
    )
    result = invoke("check", str(data), "--suite", str(suite), "--key", "id", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "passed"
    assert (
        "warning: expectation #1 (rule NUM, expect_column_values_to_not_be_null): "
        "row_condition: 1 value(s) of val (numbers) could not be read" in result.stderr
    )
    assert (
        "warning: expectation #2 (rule NONE, expect_column_values_to_not_be_null): "
        "row_condition selects no row" in result.stderr
    )
