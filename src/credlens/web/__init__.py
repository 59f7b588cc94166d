"""The web surface: the JSON API, the pages (sign-in, dashboards, admin, recipient) and their static
files. The only package that imports FastAPI."""
