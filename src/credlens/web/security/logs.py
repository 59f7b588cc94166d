"""Access-log redaction: recipient-link and invitation tokens travel in URL paths, and uvicorn's
access log writes paths. This filter rewrites each record before any handler sees it, and drops
the client address too (privacy.md: no IP address is kept, a log included)."""

from __future__ import annotations

import logging
import re

# Routes whose path carries a bearer token (web/routes/recipient.py, invitations.py, shares.py,
# tracking.py: the owner's tracking token would let anyone count views as the owner's).
TOKEN_PATHS = ("/r/", "/invite/", "/share/", "/t/p/", "/t/s/", "/t/d/", "/t/v/")
_TOKEN_IN_PATH = re.compile(r"(/(?:r|invite|share|t/[psdv])/)[^\s/?#\"]+")
_TOKEN_IN_QUERY = re.compile(r"((?:token|csrf_token)=)[^&\s\"]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _TOKEN_IN_QUERY.sub(rf"\1{REDACTED}", _TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            args = list(record.args)
            if record.name == "uvicorn.access" and args:
                args[0] = "-"  # the client address
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger, once per process."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
