"""The issuer admin's pages: users and their programs, keys, consent figures, erasure and the audit log."""

from __future__ import annotations

from fastapi import APIRouter

from credlens.web.routes.admin import audit, erasure, industry, keys, overview, shares, users

router = APIRouter(include_in_schema=False)
for module in (overview, users, keys, erasure, audit, industry, shares):
    router.include_router(module.router)
