"""Reports as files and messages: built from the metrics engine, rendered as PDF, XLSX or Markdown (docs/reports.md)."""
