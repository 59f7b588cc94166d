"""An app with one more route, `GET /api/test/endless`, whose statement runs for minutes unless its
deadline ends it (store/deadlines.py): how tests make a request that would never finish on its own.
Run as a module, it serves that app as `credlens serve` does: ``python -m tests.web.endless DATA_DIR PORT``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from credlens.config import Settings
from credlens.web.app import create_app

# Minutes of work on one core: it ends only if interrupted (the sum defeats any shortcut of count(*)).
ENDLESS = "SELECT sum(range % 7) AS n FROM range(10000000000000)"
PATH = "/api/test/endless"


def endless_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get(PATH)
    def endless(request: Request) -> list[dict[str, Any]]:
        return request.app.state.warehouse.tables(1).rows(ENDLESS)  # type: ignore[no-any-return]

    return app


if __name__ == "__main__":
    from credlens.cli.serve import serve_app

    config = Settings(data_dir=Path(sys.argv[1]), port=int(sys.argv[2]))
    serve_app(endless_app(config), config)
