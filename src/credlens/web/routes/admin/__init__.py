"""The issuer admin's pages: users and their programs, keys, consent figures, erasure, the audit log
and scheduled reports."""

from __future__ import annotations

from fastapi import APIRouter

from credlens.web.routes.admin import audit, erasure, industry, keys, overview, reports, shares, users, webhooks

router = APIRouter(include_in_schema=False)
for module in (overview, users, keys, erasure, audit, industry, reports, shares, webhooks):
    router.include_router(module.router)
