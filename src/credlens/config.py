"""Settings, one typed class read from the environment; fails fast naming the variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "development"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """``CREDLENS_DATA_DIR``, ``CREDLENS_HOST``, ``CREDLENS_PORT``, ``CREDLENS_ENV``; overrides win."""
        env = os.environ
        try:
            port = int(env.get("CREDLENS_PORT", "8000"))
        except ValueError as exc:
            raise SettingsError(f"CREDLENS_PORT must be a port number, not {env['CREDLENS_PORT']!r}") from exc
        values: dict[str, object] = {
            "data_dir": Path(env.get("CREDLENS_DATA_DIR", "data")),
            "host": env.get("CREDLENS_HOST", "127.0.0.1"),
            "port": port,
            "environment": env.get("CREDLENS_ENV", "development"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values["environment"] not in ("development", "production", "test"):
            raise SettingsError("CREDLENS_ENV must be development, production or test")
        return cls(**values)  # type: ignore[arg-type]
