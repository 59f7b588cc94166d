"""Where events come from besides HTTP: files for bulk import, and the demo generator."""
