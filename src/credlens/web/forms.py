"""The fields of a form that passed the CSRF and size checks (security/forms.py), as a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from credlens.web.errors import ApiError
from credlens.web.security.forms import SCOPE_KEY


@dataclass(frozen=True)
class FormFields:
    fields: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def raw(self, name: str) -> str:
        """A field exactly as typed (passwords are not trimmed)."""
        values = self.fields.get(name)
        return values[0] if values else ""

    def all(self, name: str) -> list[str]:
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]


def form_fields(request: Request) -> FormFields:
    fields = request.scope.get(SCOPE_KEY)
    if fields is None:  # only reachable if the guard was not installed: refuse rather than trust
        raise ApiError(403, "csrf_failed", "this form was not checked")
    return FormFields(fields)


Form = Annotated[FormFields, Depends(form_fields)]
