"""Tests that fail when the docs fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from fastapi.routing import APIRoute, iter_route_contexts

from credlens.cli.main import app as cli_app
from credlens.config import Settings
from credlens.insights.registry import KINDS
from credlens.metrics.registry import REGISTRY, render_markdown
from credlens.web.app import create_app

DOCS = Path(__file__).resolve().parent.parent / "docs"


def cli_commands(group: typer.Typer, prefix: str = "credlens") -> list[str]:
    commands = [f"{prefix} {c.name or c.callback.__name__}" for c in group.registered_commands if c.callback]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        commands += cli_commands(sub.typer_instance, f"{prefix} {sub.name}")
    return commands


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = cli_commands(cli_app)
    assert len(commands) >= 4
    for command in commands:
        assert f"`{command}" in text, command


def test_every_api_route_and_error_code_is_documented(tmp_path: Path) -> None:
    text = (DOCS / "api.md").read_text()
    app = create_app(Settings(data_dir=tmp_path))
    # NOTE: FastAPI 0.165 keeps included routers as wrappers in app.routes; iter_route_contexts flattens them.
    routes = [
        r
        for r in iter_route_contexts(app.routes)
        if isinstance(r.original_route, APIRoute) and r.path.startswith("/api/")
    ]
    assert len(routes) >= 4
    for route in routes:
        for method in route.methods:
            assert f"`{method} {route.path}`" in text, (method, route.path)
    source = "\n".join(p.read_text() for p in (Path(__file__).parent.parent / "src" / "credlens" / "web").rglob("*.py"))
    codes = set(re.findall(r'(?:ApiError|error_response)\(\s*[^,()]+,\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'\d{3}: "([a-z_]+)"', source))  # status -> code mapping of HTTP errors
    assert {"unauthorized", "invalid_events", "internal_error", "not_found"} <= codes
    for code in codes:
        assert f"`{code}`" in text, code


def test_every_setting_is_documented() -> None:
    text = (DOCS / "cli.md").read_text() + (DOCS / "deployment.md").read_text()
    for name in Settings.__dataclass_fields__:
        assert f"CREDLENS_{'ENV' if name == 'environment' else name.upper()}" in text, name


def test_metrics_reference_is_the_registry() -> None:
    text = (DOCS / "metrics.md").read_text()
    start = text.index("tests/test_docs.py checks it -->\n") + len("tests/test_docs.py checks it -->\n")
    end = text.index("<!-- end of generated reference -->")
    assert text[start:end] == render_markdown(), "regenerate docs/metrics.md from metrics.registry.render_markdown()"
    for metric_id in REGISTRY:
        assert f"| `{metric_id}` |" in text, metric_id


def test_the_docs_and_docstrings_link_only_to_files_in_the_repository() -> None:
    """Issue 15: links to the specification outside the repository (`shared/spec/…`, `events.md`)."""
    root = DOCS.parent
    for page in [root / "README.md", *DOCS.glob("*.md")]:
        text = page.read_text()
        assert "shared/spec" not in text, page
        for target in re.findall(r"\]\(([\w./-]+\.(?:md|png|svg|py|toml|csv))(?:#[^)]*)?\)", text):
            assert (page.parent / target).exists(), (page.name, target)
    for source in (root / "src" / "credlens").rglob("*.py"):
        text = source.read_text()
        assert "shared/spec" not in text, source
        assert not re.search(r"(?<![\w/])(events|interfaces)\.md", text), source


def test_every_insight_kind_is_documented() -> None:
    text = (DOCS / "insights.md").read_text()
    for kind in KINDS:
        assert f"### {kind}\n" in text, kind
