"""``strata keys …``: API keys for the query API."""

from __future__ import annotations

import click

from lake.catalog import MetadataStore, SiteError
from lake.settings import Settings

__all__ = ["keys"]


@click.group()
def keys() -> None:
    """Manage API keys (each key reads one site)."""


@keys.command("create")
@click.option("--site", required=True, help="Tracking id of the site the key reads.")
def create(site: str) -> None:
    """Create an API key; it is shown once, as the last word printed."""
    settings = Settings.from_env()
    settings.ensure_dirs()
    try:
        key = MetadataStore(settings.metadata_url).create_key(site)
    except SiteError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"API key for {site} (shown once): {key}")
