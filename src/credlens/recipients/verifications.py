"""The verifications of one recipient's credentials, as the recipient may see them: the verifier's
organization only where that verifier consented, otherwise its industry and country (privacy.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from credlens.store.scope import PARAMETER, IssuerTables


@dataclass(frozen=True)
class Verification:
    credential_id: str
    program_name: str | None
    verified_at: dt.datetime
    organization: str | None  # None unless the verifier consented
    industry: str | None
    country: str | None
    result: str | None


def verifications_of(tables: IssuerTables, recipient_key: str, limit: int = 200) -> list[Verification]:
    """The recipient's verification events, newest first."""

    def build() -> ir.Expr:
        c, v, p = tables["credentials"], tables["verifications"], tables["programs"]
        mine = c.filter((c.recipient_key == PARAMETER) & c.issued_at.notnull()).select("credential_id", "program_id")
        joined = v.inner_join(mine, v.credential_id == mine.credential_id).left_join(
            p.select("program_id", program_name=p.name), mine.program_id == p.program_id
        )
        return (
            joined.filter(joined.verified_at.notnull())
            .select(
                credential_id=v.credential_id,
                program_name=joined.program_name,
                verified_at=v.verified_at,
                organization=ibis.ifelse(v.consent.fill_null(False), v.organization, ibis.null("string")),
                industry=v.industry,
                country=v.country,
                result=v.result,
            )
            .order_by([ibis.desc("verified_at"), "credential_id"])
            .limit(limit)
        )

    rows = tables.query(f"recipient_verifications/{limit}", build, recipient_key)
    return [Verification(**row) for row in rows]
