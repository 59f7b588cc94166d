"""What a role may read: program managers are held to their programs, refused (never narrowed) outside them."""

from __future__ import annotations

from collections.abc import Sequence

from credlens.domain.accounts import Role, User


class ScopeRefused(Exception):
    """A request outside the user's scope; the message says what is allowed and is safe to show."""


def stats_programs(user: User, requested: Sequence[str] | None) -> list[str] | None:
    """The program filter a user's stats query runs with: as asked, or refused.

    Admins and executives read every aggregate of their issuer. A program manager must name
    programs, all of them assigned: the numbers of a wider query would include other programs.
    """
    if user.role is not Role.PROGRAM_MANAGER:
        return list(requested) if requested else None
    mine = ", ".join(user.programs) or "none assigned yet; ask your issuer's admin"
    if not requested:
        raise ScopeRefused(f"program managers must name their programs with `program=`; yours: {mine}")
    outside = [p for p in requested if p not in user.programs]
    if outside:
        raise ScopeRefused(f"program(s) {', '.join(outside)} are not assigned to you; yours: {mine}")
    return list(requested)


def may_administer(user: User) -> bool:
    return user.role is Role.ADMIN


def timeline_programs(user: User) -> tuple[str, ...] | None:
    """The programs whose part of a recipient's timeline the user may see: None for every program
    (admins); a program manager's own programs; executives see aggregates only (privacy.md: "no
    recipient-level view") and are refused."""
    if user.role is Role.ADMIN:
        return None
    if user.role is Role.PROGRAM_MANAGER:
        return user.programs
    raise ScopeRefused("executives see every aggregate but no recipient-level view; timelines are for admins")


def may_view_timelines(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.PROGRAM_MANAGER)
