"""The web surface: the JSON API now, the dashboards later. The only package that imports FastAPI."""
