"""The issue's yardstick for HTTP ingestion: a minimal FastAPI + msgspec endpoint, served like
`credlens serve` (one uvicorn worker), that decodes and validates each batch into the event Structs
and stores nothing.

`bench/ingest.py --reference` times it with the same client right before credlens, so the two
rates come from the same minutes of this machine, whose speed moves by ±25 % between runs.
"""

from __future__ import annotations

import sys

import msgspec
import uvicorn
from fastapi import FastAPI, Request

from credlens.domain.events import AnyEvent

app = FastAPI()
_DECODER = msgspec.json.Decoder(list[AnyEvent])  # the event contract, validated (domain/events.py)


@app.get("/api/v1/health")
async def health() -> dict[str, int]:
    return {"unfolded_events": 0}


@app.post("/api/v1/events")
async def events(request: Request) -> dict[str, int]:
    batch = _DECODER.decode(await request.body())
    return {"accepted": len(batch), "duplicates": 0}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, log_level="warning")
