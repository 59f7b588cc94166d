"""The metrics JSON stays byte-identical (apart from `generated_at`) to the fixtures kept from the
runner before its plan was declared (tests/metrics/runner_fixtures.py): every demo issuer, every
preset, the filters, comparisons, custom funnels, windows crossing daylight-saving changes and
the surfaces' partial runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from credlens.store.warehouse import Warehouse
from tests.metrics.runner_fixtures import FIXTURES, build, canonical, load, result

SLUGS = sorted(path.name.removesuffix(".json.gz") for path in FIXTURES.glob("*.json.gz"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    store = build(Path(tmp_path_factory.mktemp("fixtures")) / "data")
    yield store
    store.close()


def test_every_demo_issuer_has_its_fixtures(demo: Warehouse) -> None:
    assert sorted(issuer.slug for issuer in demo.issuers()) == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_the_metrics_json_is_byte_identical_to_the_fixtures(slug: str, demo: Warehouse) -> None:
    differ = []
    for case in load(slug):
        expected = canonical(case.pop("result"))
        if canonical(result(demo, case)) != expected:
            differ.append(case)
    assert not differ, f"{len(differ)} case(s) differ, e.g. {differ[:3]}"
