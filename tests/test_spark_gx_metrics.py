"""GX's counts made ahead in one Spark job: the same outcomes as GX's own path, in fewer
jobs, and GX's domains written as predicates select the rows GX's get_domain_records does.
"""

from __future__ import annotations

import pytest

from tests.conftest import SPARK_SOCKET_WARNING
from tests.test_spark_gx import FRAME, _checks

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)]


def _summary(outcomes):
    return {
        ref: (o.success, o.unexpected_count, o.element_count, o.unexpected_percent, o.error)
        for ref, o in outcomes.items()
    }


def _jobs_while(spark, run):
    """Spark jobs started while ``run()`` ran (the status tracker's job ids of a group)."""
    context = spark.sparkContext
    group = f"dqaudit-test-{id(run)}"
    context.setJobGroup(group, "counting jobs")
    try:
        result = run()
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
    return result, len(context.statusTracker().getJobIdsForGroup(group))


def test_counts_made_ahead_give_gx_s_own_outcomes_in_fewer_jobs(spark, monkeypatch) -> None:
    from pyspark.sql import functions as F

    from dqaudit.expectations.rules import spark_gx, spark_gx_metrics

    dataframe = spark.createDataFrame(FRAME.astype(object).where(FRAME.notna(), None))
    checks = _checks()
    extra = [F.count(F.when(F.col("s") == "4", 1)), F.max("k")]

    def ahead():
        with spark_gx.spark_validation(
            dataframe, checks, extra=extra, rows=len(FRAME)
        ) as validation:
            return validation.outcomes, validation.extra

    (made_ahead, extra_values), jobs_ahead = _jobs_while(spark, ahead)
    assert extra_values == [2, "K6"]  # the caller's aggregates, from the same job

    def gx_alone(*args, **kwargs):
        return spark_gx_metrics.SparkCounts()  # nothing counted ahead: GX counts it all

    monkeypatch.setattr(spark_gx_metrics, "prefetch_counts", gx_alone)
    by_gx, jobs_gx = _jobs_while(spark, lambda: spark_gx.validate_spark(dataframe, checks))
    assert _summary(made_ahead) == _summary(by_gx)
    assert [made_ahead[c.ref].unexpected_count for c in checks][:5] == [2, 2, 3, 4, 3]
    assert jobs_ahead < jobs_gx / 2, (jobs_ahead, jobs_gx)


@pytest.mark.parametrize(
    "domain",
    [
        {},
        {"column": "pnc"},
        {"column": "pnc", "filter_conditions": "nonnull"},
        {"row_condition": "s!=5"},
        {"column_A": "a", "column_B": "b", "ignore_row_if": "both_values_are_missing"},
        {"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"},
        {"column_A": "a", "column_B": "b", "ignore_row_if": "neither"},
        {"column_list": ["a", "b", "c"], "ignore_row_if": "all_values_are_missing"},
        {"column_list": ["a", "b", "c"], "ignore_row_if": "any_value_is_missing"},
        {"column_list": ["a", "b", "c"], "ignore_row_if": "never"},
        {"column": "eth", "filter_conditions": "nonnull", "row_condition": "s!=5"},
    ],
)
def test_domain_predicate_selects_gx_s_domain_records(spark, domain) -> None:
    from dqaudit.expectations import gx_adapter
    from dqaudit.expectations.rules import spark_gx

    gx_adapter.load_gx()  # GX first imported as dqaudit imports it (its warnings quiet)
    from great_expectations.expectations.row_conditions import Column

    from dqaudit.expectations.rules.spark_gx_metrics import domain_predicate

    dataframe = spark.createDataFrame(FRAME.astype(object).where(FRAME.notna(), None))
    with spark_gx.spark_validation(dataframe, _checks()[:1]) as validation:
        engine = validation._batch.data.execution_engine
        kwargs = dict(domain, batch_id=engine.batch_manager.active_batch_id)
        if kwargs.pop("filter_conditions", None) == "nonnull":  # as GX's map metrics add it
            kwargs = engine.add_column_row_condition(kwargs, filter_null=True, filter_nan=False)
        if kwargs.get("row_condition") == "s!=5":
            kwargs["row_condition"] = Column("s") != "5"
        records = engine.get_domain_records(domain_kwargs=kwargs)
        selected = domain_predicate(engine, kwargs)
        assert selected is not None
        base = engine.get_domain_records(domain_kwargs={})
        assert sorted(base.where(selected).select("k").collect()) == sorted(
            records.select("k").collect()
        )


def test_domain_predicate_leaves_other_shapes_to_gx(spark) -> None:
    from dqaudit.expectations.rules import spark_gx
    from dqaudit.expectations.rules.spark_gx_metrics import domain_predicate

    dataframe = spark.createDataFrame(FRAME.astype(object).where(FRAME.notna(), None))
    with spark_gx.spark_validation(dataframe, _checks()[:1]) as validation:
        engine = validation._batch.data.execution_engine
        assert domain_predicate(engine, {"table": "other"}) is None
        assert domain_predicate(engine, {"batch_id": "not-this-batch"}) is None
        text = {"row_condition": 'col("s")!="5"', "condition_parser": "great_expectations"}
        assert domain_predicate(engine, text) is None  # text is GX's to read, never ours
        odd = {"column_A": "a", "column_B": "b", "ignore_row_if": "sometimes"}
        assert domain_predicate(engine, odd) is None
