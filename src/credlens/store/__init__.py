"""The warehouse: the only package that opens a database connection."""
