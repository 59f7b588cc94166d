"""Which period a scheduled report covers, and who may receive it (docs/reports.md, Scheduled e-mail)."""

from __future__ import annotations

import datetime as dt

from credlens.domain.accounts import Role, User
from credlens.domain.periods import Window
from credlens.domain.schedules import Every, ended_since, last_ended, period_of, recipient_problem

D = dt.date


def test_weekly_is_the_previous_monday_to_sunday_week() -> None:
    assert last_ended(Every.WEEKLY, D(2026, 12, 7)) == Window(D(2026, 11, 30), D(2026, 12, 6))  # a Monday
    assert last_ended(Every.WEEKLY, D(2026, 12, 13)) == Window(D(2026, 11, 30), D(2026, 12, 6))  # the Sunday after
    assert last_ended(Every.WEEKLY, D(2027, 1, 1)) == Window(D(2026, 12, 21), D(2026, 12, 27))  # across a year


def test_monthly_is_the_previous_calendar_month() -> None:
    assert last_ended(Every.MONTHLY, D(2026, 12, 7)) == Window(D(2026, 11, 1), D(2026, 11, 30))
    assert last_ended(Every.MONTHLY, D(2026, 1, 1)) == Window(D(2025, 12, 1), D(2025, 12, 31))
    assert last_ended(Every.MONTHLY, D(2028, 3, 31)) == Window(D(2028, 2, 1), D(2028, 2, 29))  # leap year
    assert period_of(Every.MONTHLY, D(2026, 12, 31)) == Window(D(2026, 12, 1), D(2026, 12, 31))


def test_every_period_ended_since_the_first_is_due_once_it_has_ended() -> None:
    first = last_ended(Every.WEEKLY, D(2026, 12, 2)).start  # created on a Wednesday: the week before
    assert list(ended_since(Every.WEEKLY, first, D(2026, 12, 6))) == [Window(D(2026, 11, 23), D(2026, 11, 29))]
    three_weeks_later = list(ended_since(Every.WEEKLY, first, D(2026, 12, 21)))  # a stopped server catches up
    assert [w.start for w in three_weeks_later] == [D(2026, 11, 23), D(2026, 11, 30), D(2026, 12, 7), D(2026, 12, 14)]
    months = list(ended_since(Every.MONTHLY, D(2026, 11, 1), D(2027, 1, 31)))
    assert months == [Window(D(2026, 11, 1), D(2026, 11, 30)), Window(D(2026, 12, 1), D(2026, 12, 31))]


def _user(role: Role, programs: tuple[str, ...] = (), *, disabled: bool = False) -> User:
    return User("u1", 1, "pat@acme.example", role, programs, False, disabled, dt.datetime(2026, 1, 1))


def test_only_staff_not_disabled_receive_and_a_manager_only_their_programs() -> None:
    assert recipient_problem(_user(Role.EXECUTIVE), "pat@acme.example", (), "Acme") is None  # invited: fine
    assert recipient_problem(_user(Role.ADMIN), "pat@acme.example", ("p1",), "Acme") is None
    assert "not a staff user of Acme" in str(recipient_problem(None, "eve@else.example", (), "Acme"))
    assert "disabled" in str(recipient_problem(_user(Role.ADMIN, disabled=True), "pat@acme.example", (), "Acme"))
    manager = _user(Role.PROGRAM_MANAGER, ("p1", "p2"))
    assert recipient_problem(manager, "pat@acme.example", ("p1",), "Acme") is None
    assert "program manager" in str(recipient_problem(manager, "pat@acme.example", (), "Acme"))  # all programs
    assert "program manager" in str(recipient_problem(manager, "pat@acme.example", ("p1", "p3"), "Acme"))
