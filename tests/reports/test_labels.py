"""Names a person reads instead of ids: countries by name, ranges with an en dash, sizes in size order."""

from __future__ import annotations

from credlens.reports import labels, market


def test_ids_read_as_names() -> None:
    assert labels.country("DE") == "Germany"
    assert labels.country("unknown") == "Unknown"
    assert labels.attribute_value("age_band", "35-44") == "Age 35–44"
    assert labels.attribute_value("country", "NZ") == "Country: New Zealand"
    assert labels.attribute_value("employment_status", "self_employed") == "Employment: Self employed"
    assert labels.humanize("not_hired") == "Not hired"


def test_organization_sizes_are_in_size_order_with_names_in_the_table() -> None:
    rows = [{"key": k, "value": v} for k, v in (("51-200", 9), ("unknown", 7), ("1-10", 3), ("5001+", 1))]
    result = {"query": {}, "metrics": {f"verifications_by_{a}": {"rows": []} for a in ("industry", "country")}}
    result["metrics"]["verifications_by_size"] = {"rows": rows}
    result["metrics"]["verifications_by_country"] = {"rows": [{"key": "DE", "value": 2}]}
    section = market._who(result)
    tables = {t.id: t for t in section.tables}
    assert [row[0].text for row in tables["verifications_by_size"].rows] == ["1–10", "51–200", "5001+", "Unknown"]
    assert [row[0].value for row in tables["verifications_by_country"].rows] == ["DE"]  # the id stays the value
    assert [row[0].text for row in tables["verifications_by_country"].rows] == ["Germany"]
