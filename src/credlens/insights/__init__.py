"""Insights: tested statements over the metrics engine's results, with their evidence (docs/insights.md)."""
