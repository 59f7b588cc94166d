"""The metrics engine: every number of metrics.md, defined once in a registry and computed with Ibis."""
