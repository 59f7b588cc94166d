"""The fold's SQL and the metrics' SQL for Spark: what the transpiler changes where the engines differ
(docs/scale-out.md). The results are compared on both engines by test_parity.py."""

from __future__ import annotations

import ibis

from credlens.store import spark as spark_lake
from credlens.store.rollups import RECIPIENTS, aggregate_sql


def test_every_derived_table_is_compiled_from_the_folds_sql() -> None:
    tables = [table for table, _ in spark_lake.derivations()]
    assert tables[:4] == ["credentials", "programs", "recipients", "verifications"]
    assert {"daily", "cohort_days", "holdings", "portfolios", "co_holdings", "enrolled", "recipient_days"} <= set(
        tables
    )
    for _, sql in spark_lake.derivations():
        lowered = sql.lower()
        assert "md5_number_lower" not in lowered
        assert "arg_max" not in lowered
        assert "timezone(" not in lowered
        assert "unix_timestamp" not in lowered


def test_latest_values_skip_nulls_as_duckdbs_arg_max_does() -> None:
    sql = spark_lake.spark_sql(aggregate_sql(RECIPIENTS, "events"))
    assert "MAX_BY(e.gender, STRUCT(e.occurred_at, e.event_id)) FILTER(WHERE (" in sql
    assert "AND NOT e.gender IS NULL) AS gender" in sql


def test_epoch_seconds_keep_their_fraction_and_a_filtered_median_its_constant_share() -> None:
    t = ibis.table({"a": "timestamp", "b": "timestamp"}, name="t")
    days = (t.b.epoch_seconds() - t.a.epoch_seconds()) / 86_400
    sql = spark_lake.metric_sql(t.aggregate(m=days.median(where=t.a < t.b)))
    assert "UNIX_TIMESTAMP" not in sql
    assert "UNIX_MICROS" in sql
    assert sql.replace("\n", "").replace(" ", "").endswith("NULL),0.5)AS`m`FROM`t`AS`t0`")


def test_store_columns_are_read_from_the_schema() -> None:
    columns = dict(spark_lake.store_columns()["credentials"])
    assert columns["cred_hash"] == "DECIMAL(20,0)"
    assert columns["issued_at"] == "TIMESTAMP_NTZ"
    assert columns["owner_days"] == "ARRAY<DATE>"
