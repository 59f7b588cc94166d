"""The insights of a run as plain text for a person (`credlens insights --format text`)."""

from __future__ import annotations

from credlens.insights.finding import Json


def as_text(result: Json) -> str:
    query = result["query"]
    head = f"Insights for {query['issuer']}, {query['from']} to {query['to']}"
    if query.get("program"):
        head += f" (programs {', '.join(query['program'])})"
    insights = result["insights"]
    if not insights:
        return f"{head}\n\nNo significant finding (q ≤ 0.05, with the minimum volumes and effects).\n"
    lines = [head, ""]
    for n, insight in enumerate(insights, 1):
        e = insight["evidence"]
        lines.append(f"{n}. {insight['finding']}")
        if insight["recommendation"]:
            lines.append(f"   → {insight['recommendation']}")
        stats = f"p = {e['p_value']:.3g}, q = {e['q_value']:.3g}, impact {insight['impact']:g}"
        lines.append(f"   [{insight['kind']}; {stats}]")
    return "\n".join(lines) + "\n"
