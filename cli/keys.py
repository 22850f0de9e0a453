"""``strata keys …``: API keys for the query API."""

from __future__ import annotations

import datetime as dt

import click

from lake.catalog import KEY_SCOPES, MetadataStore, SiteError
from lake.settings import Settings

__all__ = ["keys"]


def _store() -> MetadataStore:
    settings = Settings.from_env()
    settings.ensure_dirs()
    return MetadataStore(settings.metadata_url)


@click.group()
def keys() -> None:
    """Manage API keys (each key reads its sites; `admin` keys also manage them)."""


@keys.command("create")
@click.option(
    "--site", "sites", required=True, multiple=True, help="A site the key may use (repeatable)."
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(KEY_SCOPES),
    default=("read",),
    show_default=True,
    help="What the key may do (repeatable): read reports and analyses, write (save goals, "
    "funnels and segments), admin (also list keys and save definitions), or sql (read-only "
    "SQL for BI tools over ClickHouse's HTTP interface).",
)
@click.option(
    "--expires-in-days",
    type=click.FloatRange(min=0, min_open=True),
    help="The key stops working after this many days (default: never).",
)
@click.option("--name", help="A label to recognise the key by in `strata keys list`.")
def create(
    sites: tuple[str, ...], scopes: tuple[str, ...], expires_in_days: float | None, name: str | None
) -> None:
    """Create an API key; it is shown once, as the last word printed."""
    expires = (
        dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_in_days) if expires_in_days else None
    )
    try:
        key = _store().create_key(list(sites), scopes=scopes, expires_at=expires, name=name)
    except SiteError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"API key for {', '.join(sites)} (shown once): {key}")


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@keys.command("list")
def list_keys() -> None:
    """Every key issued: id, name, sites, scopes, created, expires, and whether it works."""
    now = dt.datetime.now(dt.UTC)
    rows = [("KEY_ID", "NAME", "SITES", "SCOPES", "CREATED", "EXPIRES", "STATUS")]
    for k in _store().list_keys():
        status = "revoked" if k.revoked_at else ("active" if k.is_valid(now) else "expired")
        rows.append(
            (
                k.key_id,
                k.name or "-",
                ",".join(k.sites),
                ",".join(k.scopes),
                _when(k.created_at),
                _when(k.expires_at),
                status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@keys.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke the key KEY_ID (from `strata keys list`): it stops working at once."""
    if not _store().revoke_key(key_id):
        click.echo(f"error: no active key with id {key_id!r}", err=True)
        raise SystemExit(2)
    click.echo(f"revoked {key_id}")
