"""The event contract of domain/events.py as dotted paths, read from msgspec's own type information.

The columnar checks prove rows against this view of the Structs, so a field, enum value or limit
changed in events.py flows here by itself; a type this module cannot translate becomes an
unprovable field (rows carrying it take the msgspec path), never a silently accepted one. The
cross-field rules of the Structs' ``__post_init__`` are not visible here: proof.py spells them out
and a test checks it knows every Struct that has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.inspect as mi

from credlens.domain.events import EVENT_TYPES, Event

TYPE_NAMES: tuple[str, ...] = tuple(EVENT_TYPES)


@dataclass(frozen=True)
class Leaf:
    """A scalar field at ``path`` in one event type: what its value must be, and what stands for absence."""

    path: str
    info: mi.Type  # without the ``| None``; nullability does not matter (rows holding a null are not proven)
    required: bool
    default: Any = None  # stored when the field is absent (``None``: nothing)


@dataclass(frozen=True)
class Shape:
    """One event type: its scalar fields and its nested objects (path → required), by dotted path."""

    name: str
    cls: type[Event]
    leaves: dict[str, Leaf] = field(default_factory=dict)
    objects: dict[str, bool] = field(default_factory=dict)


def _strip_none(info: mi.Type) -> mi.Type | None:
    """``X | None`` → ``X``; None for unions this module cannot check (several non-null types)."""
    if isinstance(info, mi.UnionType):
        rest = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return rest[0] if len(rest) == 1 else None
    return info


def _default(f: mi.Field) -> Any:
    return None if f.default is msgspec.NODEFAULT or f.default_factory is not msgspec.NODEFAULT else f.default


def _walk(shape: Shape, struct: mi.StructType, prefix: str) -> None:
    for f in struct.fields:
        path = prefix + f.encode_name
        info = _strip_none(f.type)
        if isinstance(info, mi.StructType):
            shape.objects[path] = f.required
            _walk(shape, info, path + ".")
        else:
            shape.leaves[path] = Leaf(path, info if info is not None else mi.AnyType(), f.required, _default(f))


def _shape(name: str, cls: type[Event]) -> Shape:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    shape = Shape(name, cls)
    _walk(shape, info, "")
    return shape


SHAPES: tuple[Shape, ...] = tuple(_shape(name, cls) for name, cls in EVENT_TYPES.items())
LEAF_PATHS: tuple[str, ...] = tuple(dict.fromkeys(p for s in SHAPES for p in s.leaves))
OBJECT_PATHS: tuple[str, ...] = tuple(dict.fromkeys(p for s in SHAPES for p in s.objects))


def parent(path: str) -> str | None:
    """``recipient.consent.detailed_tracking`` → ``recipient.consent``; a top-level field has none."""
    return path.rsplit(".", 1)[0] if "." in path else None
