"""Settings, one typed class read from the environment; fails fast naming the variable."""

from __future__ import annotations

import math
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRET_FILE = "secret.key"  # noqa: S105 - a file name, not a secret
_MIN_SECRET_LENGTH = 32
# Words of at least 7 letters: a random key contains one by chance about once in 10^8.
# DuckDB's size syntax, e.g. 512MB, 1.5GB, 2GiB (CREDLENS_MEMORY_LIMIT).
MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_PLACEHOLDERS = ("changeme", "placeholder", "example", "secretkey", "yoursecret", "default", "insecure", "password")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "development"
    secret_key: str | None = None
    public_url: str | None = None
    query_timeout: float = 30.0  # seconds a request's (or command's) reads may take (docs/deployment.md)
    benchmark_epsilon: float = 1.0  # ε of each noisy statistic of a peer benchmark (docs/privacy.md)
    benchmark_budget: float = 100.0  # total ε per industry and calendar month (docs/privacy.md)
    # DuckDB's buffer memory; queries past it spill to disk. The default keeps a server on a 10M-event
    # store under 1 GB however it is queried (docs/deployment.md#what-is-bounded).
    memory_limit: str = "400MB"
    smtp_url: str | None = None  # where scheduled reports are sent through (docs/deployment.md, E-mail)
    smtp_from: str | None = None  # their sender address

    def __post_init__(self) -> None:
        if not self.query_timeout > 0:
            raise SettingsError("CREDLENS_QUERY_TIMEOUT must be a positive number of seconds")
        if not all(0 < v < math.inf for v in (self.benchmark_epsilon, self.benchmark_budget)):
            raise SettingsError("CREDLENS_BENCHMARK_EPSILON and CREDLENS_BENCHMARK_BUDGET must be positive numbers")
        if not MEMORY.fullmatch(self.memory_limit):
            raise SettingsError(f"CREDLENS_MEMORY_LIMIT must be a size such as 512MB or 2GB, not {self.memory_limit!r}")
        if self.environment not in ("development", "production", "test"):
            raise SettingsError("CREDLENS_ENV must be development, production or test")
        if self.environment != "development":
            problem = secret_problem(self.secret_key)
            if problem:
                raise SettingsError(
                    f"CREDLENS_SECRET_KEY {problem} (required when CREDLENS_ENV={self.environment}); generate one with "
                    "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                )

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """``CREDLENS_DATA_DIR``, ``CREDLENS_HOST``, ``CREDLENS_PORT``, ``CREDLENS_ENV``,
        ``CREDLENS_SECRET_KEY``, ``CREDLENS_PUBLIC_URL``, ``CREDLENS_QUERY_TIMEOUT``,
        ``CREDLENS_BENCHMARK_EPSILON``, ``CREDLENS_BENCHMARK_BUDGET``, ``CREDLENS_MEMORY_LIMIT``,
        ``CREDLENS_SMTP_URL``, ``CREDLENS_SMTP_FROM``; overrides win."""
        env = os.environ
        try:
            port = int(env.get("CREDLENS_PORT", "8000"))
        except ValueError as exc:
            raise SettingsError(f"CREDLENS_PORT must be a port number, not {env['CREDLENS_PORT']!r}") from exc
        try:
            query_timeout = float(env.get("CREDLENS_QUERY_TIMEOUT", "30"))
        except ValueError as exc:
            raise SettingsError(
                f"CREDLENS_QUERY_TIMEOUT must be a number of seconds, not {env['CREDLENS_QUERY_TIMEOUT']!r}"
            ) from exc
        budgets = {}
        for name, default in (("CREDLENS_BENCHMARK_EPSILON", "1"), ("CREDLENS_BENCHMARK_BUDGET", "100")):
            try:
                budgets[name] = float(env.get(name, default))
            except ValueError as exc:
                raise SettingsError(f"{name} must be a positive number, not {env[name]!r}") from exc
        values: dict[str, object] = {
            "data_dir": Path(env.get("CREDLENS_DATA_DIR", "data")),
            "host": env.get("CREDLENS_HOST", "127.0.0.1"),
            "port": port,
            "environment": env.get("CREDLENS_ENV", "development"),
            "secret_key": env.get("CREDLENS_SECRET_KEY") or None,
            "public_url": env.get("CREDLENS_PUBLIC_URL") or None,
            "query_timeout": query_timeout,
            "benchmark_epsilon": budgets["CREDLENS_BENCHMARK_EPSILON"],
            "benchmark_budget": budgets["CREDLENS_BENCHMARK_BUDGET"],
            "memory_limit": env.get("CREDLENS_MEMORY_LIMIT", "400MB").strip(),
            "smtp_url": env.get("CREDLENS_SMTP_URL") or None,
            "smtp_from": env.get("CREDLENS_SMTP_FROM") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def development(self) -> bool:
        return self.environment == "development"

    def base_url(self) -> str:
        """Where people reach the server: links printed by the CLI start with it."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def server_secret(self) -> bytes:
        """The key of every server-side signature (recipient links, CSRF tokens).

        In development, without ``CREDLENS_SECRET_KEY``, a random key is generated once per data directory
        (``secret.key``, mode 0600) so the demo works with no configuration and links survive restarts.
        """
        if self.secret_key:
            return self.secret_key.encode()
        if not self.development:  # unreachable through __post_init__, kept as a guard
            raise SettingsError("CREDLENS_SECRET_KEY is required outside development")
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()


def secret_problem(secret: str | None) -> str | None:
    """Why a configured secret is unusable (missing, short, a placeholder), or None when it is fine."""
    if not secret:
        return "is missing"
    if len(secret) < _MIN_SECRET_LENGTH:
        return f"is shorter than {_MIN_SECRET_LENGTH} characters"
    letters = re.sub(r"[^a-z0-9]", "", secret.lower())
    if any(word in letters for word in _PLACEHOLDERS) or len(set(secret)) < 10:
        return "looks like a placeholder"
    return None
