"""``strata erase`` and ``strata erasures list``: forget one person, and the audit log."""

from __future__ import annotations

import click

from cli.processes import exec_module
from lake.catalog import ErasureStore, MetadataStore
from lake.settings import Settings

__all__ = ["erase", "erasures"]


def _store() -> tuple[MetadataStore, ErasureStore]:
    metadata = MetadataStore(Settings.from_env().metadata_url)
    return metadata, ErasureStore(metadata.engine)


@click.command()
@click.option("--site", "tracking_id", required=True, help="The site's tracking id.")
@click.option("--client-id", default=None, help="Erase this anonymous client (device) id.")
@click.option(
    "--user-id",
    default=None,
    help="Erase this user id, and every client id that ever carried it.",
)
def erase(tracking_id: str, client_id: str | None, user_id: str | None) -> None:
    """Erase one person from every copy: the gateway's WAL, landing, bronze and its id
    index, silver, quarantine, the gold visitor lists, every hot-tier table and the dbt
    marts (the days they touched are rebuilt), then old file versions are purged.

    Runs at once and prints what was removed per store; the erasure log keeps the site,
    the times, the counts and a salted hash of the id, never the id
    (`strata erasures list`).  Erasing again is harmless.
    """
    if (client_id is None) == (user_id is None):
        raise click.UsageError("give exactly one of --client-id and --user-id")
    metadata, store = _store()
    if tracking_id not in metadata.sites():
        raise click.BadParameter(f"no site {tracking_id!r}", param_hint="--site")
    kind, value = ("client_id", client_id) if client_id is not None else ("user_id", user_id)
    assert value is not None
    if not value.strip():
        raise click.BadParameter("must not be empty", param_hint=f"--{kind.replace('_', '-')}")
    request = store.request(tracking_id, kind, value)
    click.echo(f"erasure {request.erasure_id} requested; running it now", err=True)
    exec_module("orchestration", ["erase"])


@click.group()
def erasures() -> None:
    """The erasure log (what was erased, when, and how much; never the ids)."""


@erasures.command("list")
@click.option("--site", "tracking_id", default=None, help="Only this site's erasures.")
def list_erasures(tracking_id: str | None) -> None:
    """Every erasure, newest first: id, site, kind, status, times, rows removed and the
    salted hash of the erased id (SALT:SHA256; sha256(SALT + KIND + ":" + ID) shows
    whether a given id was erased)."""
    _, store = _store()
    rows = [("ERASURE_ID", "SITE", "KIND", "STATUS", "REQUESTED", "FINISHED", "ROWS", "ID_HASH")]
    for e in store.log(tracking_id):
        removed = sum(v for k, v in e.counts.items() if k.endswith("_rows"))
        rows.append(
            (
                e.erasure_id,
                e.tracking_id,
                e.id_kind,
                e.status,
                e.requested_at.isoformat(timespec="seconds"),
                e.finished_at.isoformat(timespec="seconds") if e.finished_at else "-",
                str(removed),
                f"{e.id_salt}:{e.id_hash}",
            )
        )
    if len(rows) == 1:
        click.echo("no erasures")
        return
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
