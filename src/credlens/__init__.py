"""credlens: self-hostable credential analytics."""

__version__ = "0.1.0"
