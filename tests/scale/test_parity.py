"""Parity: every metric of the registry, on DuckDB (the store) and on Spark (the lake `credlens export`
wrote), for the same events: counts equal, rates and means within 1e-9, suppression included.

One demo issuer of the small demo (Europe/London: its windows cross daylight-saving changes), one
SparkSession (`local[2]`) for the whole test session. Spark is slow to start and to plan: the queries
run once each, in a module-scoped fixture, and each test compares one of them.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.demo.generator import generate
from credlens.demo.profiles import every_demo_issuer
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.metrics.registry import REGISTRY
from credlens.metrics.runner import run_for
from credlens.store import lake
from credlens.store import spark as spark_lake
from credlens.store.warehouse import Warehouse

SLUG = "northbridge"
TODAY = dt.date(2026, 11, 20)
# Each case: the parameters of `credlens query` (run_for), by what it exercises.
CASES: dict[str, dict[str, Any]] = {
    "last_quarter": {"period": "last_quarter"},
    "all_time_by_month": {"period": "all", "interval": "month"},
    # Europe/London moves to summer time on 2026-03-29: the window and its comparison cross it.
    "dst_window_compared": {"date_from": "2026-03-01", "date_to": "2026-04-30", "compare": "previous"},
    "program_filter": {"period": "12mo", "programs": ["PROGRAM"]},
    "custom_funnel": {"period": "12mo", "funnel": "issued,delivered,opened,downloaded,profile_added"},
}
TOLERANCE = 1e-9


# py4j leaves the sockets of finished threads to the garbage collector (the runner's comparison
# and aside threads talk to the JVM too): not this code's to close.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_lake.session("local[2]")
    yield session
    session.stop()
    gc.collect()


@pytest.fixture(scope="module")
def parity(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> dict[str, Any]:
    """Each case's metrics JSON on DuckDB and on Spark, and the lake."""
    root = tmp_path_factory.mktemp("parity")
    store = Warehouse(root / "data")
    try:
        only = tuple(spec for spec in every_demo_issuer() if spec.slug == SLUG)
        _build(store, only)
        issuer = store.issuer(SLUG)
        assert issuer is not None
        lake.export(store.cursor(), root / "lake", [issuer])
        program = sorted(p.program_id for p in _programs(store, issuer.issuer_id))[0]
        cases = {name: _with_program(params, program) for name, params in CASES.items()}
        duck = {name: run_for(issuer, store.tables(issuer.issuer_id), **params) for name, params in cases.items()}
    finally:
        store.close()
    found = spark_lake.open_lake(root / "lake", SLUG, spark)  # the derived tables folded in memory
    tables = spark_lake.tables(found)
    on_spark = {name: run_for(found.issuer, tables, **params) for name, params in cases.items()}
    return {"lake": root / "lake", "results": {name: (duck[name], on_spark[name]) for name in cases}}


@pytest.fixture(scope="module")
def results(parity: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    found: dict[str, tuple[Any, Any]] = parity["results"]
    return found


def _build(store: Warehouse, issuers: tuple[Any, ...]) -> None:
    """The demo generator's events of these issuers, through the real bulk path (as `credlens demo`)."""
    for spec in issuers:
        store.create_issuer(spec.slug, spec.name, industry=spec.industry, timezone=spec.timezone)
    for slug, chunk in generate("small", today=TODAY, issuers=issuers):
        ingest_decoded(store, store.issuer(slug), convert_rows(list(enumerate(chunk))))  # type: ignore[arg-type]


def _programs(store: Warehouse, issuer_id: int) -> list[Any]:
    from credlens.store.catalog import programs  # noqa: PLC0415

    return programs(store.tables(issuer_id))


def _with_program(params: dict[str, Any], program: str) -> dict[str, Any]:
    if params.get("programs") == ["PROGRAM"]:
        return {**params, "programs": [program]}
    return params


def assert_equal(duck: Any, spark: Any, where: str = "") -> None:
    """Counts (ints) exactly, other numbers within TOLERANCE, everything else equal."""
    if isinstance(duck, dict):
        assert isinstance(spark, dict), where
        assert duck.keys() == spark.keys(), f"{where}: keys {sorted(duck.keys() ^ spark.keys())}"
        for key in duck:
            if key != "generated_at":
                assert_equal(duck[key], spark[key], f"{where}.{key}")
    elif isinstance(duck, list):
        assert isinstance(spark, list), where
        assert len(duck) == len(spark), f"{where}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"
        for i, (a, b) in enumerate(zip(duck, spark, strict=True)):
            assert_equal(a, b, f"{where}[{i}]")
    elif isinstance(duck, bool) or duck is None or isinstance(duck, str):
        assert duck == spark, f"{where}: {duck!r} on DuckDB, {spark!r} on Spark"
    elif isinstance(duck, int) and isinstance(spark, int):
        assert duck == spark, f"{where}: {duck} on DuckDB, {spark} on Spark"
    else:
        assert isinstance(spark, int | float), f"{where}: {duck!r} on DuckDB, {spark!r} on Spark"
        assert math.isclose(duck, spark, rel_tol=TOLERANCE, abs_tol=TOLERANCE), f"{where}: {duck} vs {spark}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_metric_is_equal_on_duckdb_and_spark(case: str, results: dict[str, tuple[Any, Any]]) -> None:
    duck, spark = results[case]
    assert duck["metrics"].keys() == REGISTRY.keys()  # every metric of the registry is compared
    assert_equal(duck, spark, case)


def test_the_cases_exercise_suppression_and_the_comparison(results: dict[str, tuple[Any, Any]]) -> None:
    duck, spark = results["dst_window_compared"]
    assert "comparison" in duck
    assert "comparison" in spark
    hidden = [
        row
        for result, _ in results.values()
        for metric in result["metrics"].values()
        for row in metric.get("rows", [])
        if isinstance(row, dict) and row.get("suppressed")
    ]
    assert hidden  # some cells are suppressed, and equal on both engines (above)
    assert results["program_filter"][0]["query"]["program"]
    assert results["custom_funnel"][1]["query"]["funnel"][-1] == "profile_added"


def test_credlens_query_on_spark_prints_the_same_json_from_the_rebuilt_tables(parity: dict[str, Any]) -> None:
    lake_dir: Path = parity["lake"]
    result = CliRunner().invoke(app, ["rebuild", "--engine", "spark", "--lake", str(lake_dir)])
    assert result.exit_code == 0, result.output
    state = json.loads((lake_dir / "derived" / f"issuer={SLUG}" / "_state.json").read_text())
    assert state["events"]  # `rebuild` wrote the derived tables of the lake's event files
    assert (lake_dir / "derived" / f"issuer={SLUG}" / "credentials").is_dir()
    args = ["query", "--engine", "spark", "--lake", str(lake_dir), "--issuer", SLUG, "--period", "last_quarter"]
    result = CliRunner().invoke(app, [*args, "--spark-master", "local[2]"])
    assert result.exit_code == 0, result.output
    assert_equal(parity["results"]["last_quarter"][0], json.loads(result.output), "cli")
