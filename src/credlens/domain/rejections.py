"""A rejected event, named the way every surface reports it: position, id, field and reason."""

from __future__ import annotations

import re

import msgspec

from credlens.domain import screen
from credlens.domain.events import FIELD_SEPARATOR


class Rejection(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why one event of a batch was refused. ``position`` is 0-based in the batch (a file row's
    number in an import); ``field`` is the dotted path inside the event (``program.id``)."""

    position: int
    field: str
    reason: str
    id: str | None = None

    def describe(self) -> str:
        where = f"event #{self.position}" + (f" (id {self.id!r})" if self.id else "")
        return f"{where}: {self.field}: {self.reason}"


_AT = re.compile(r"^(?P<msg>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_NAMED = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]+)`$")
# msgspec names a pattern it found broken by the pattern itself; these say it in words.
_PATTERN_REASONS = {f"Expected `str` matching regex {screen.SAFE_TEXT_PATTERN!r}": screen.UNSAFE}
_OURS = re.compile(f"^(?P<field>[^{FIELD_SEPARATOR}]*){FIELD_SEPARATOR}(?P<reason>.+)$", re.DOTALL)


def from_validation_error(error: msgspec.ValidationError, position: int, event_id: str | None) -> Rejection:
    """Turn msgspec's "<message> - at `$.path`" into a field and a reason a person can act on."""
    text = str(error)
    match = _AT.match(text)
    message, path = (match["msg"], match["path"]) if match else (text, "")
    parts = [p for p in re.split(r"\.|\[\d+\]", path) if p]
    named = _NAMED.match(message)
    ours = _OURS.match(message)
    if named:
        parts.append(named["name"])
        reason = "is not a field of this event" if "unknown" in message else "is required"
    elif ours:
        parts.append(ours["field"])
        reason = ours["reason"]
    elif message in _PATTERN_REASONS:
        reason = _PATTERN_REASONS[message]
    elif parts == ["type"] and message.startswith("Invalid value"):
        reason = f"unknown event type {message.removeprefix('Invalid value ')}"
    else:
        reason = message[0].lower() + message[1:] if message else "is invalid"
    return Rejection(position=position, field=".".join(parts) or "event", reason=reason, id=event_id)
