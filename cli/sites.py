"""``strata sites …``: register the sites the gateway accepts events for."""

from __future__ import annotations

import click

from lake.catalog import MetadataStore, SiteError
from lake.settings import Settings

__all__ = ["sites"]


@click.group()
def sites() -> None:
    """Manage sites (tracking ids, domains, time zones, limits)."""


@sites.command("add")
@click.option("--tracking-id", required=True, help="The site's id, e.g. ST-1A2B3C.")
@click.option(
    "--domain", "domains", multiple=True, required=True, help="A domain it sends from; repeatable."
)
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone reports use.")
@click.option(
    "--rate-limit",
    type=int,
    default=None,
    help="Events/s it may send [default: STRATA_RATE_LIMIT_EPS].",
)
@click.option("--store-raw-ip", is_flag=True, help="Keep full IP addresses (default: /24 and /48).")
@click.option(
    "--session-timeout",
    type=int,
    default=None,
    help="Minutes of inactivity that end a session [default: STRATA_SESSION_TIMEOUT_MINUTES].",
)
@click.option(
    "--allowed-lateness-hours",
    type=float,
    default=None,
    help="Accept events this late, e.g. for a back-fill [default: STRATA_ALLOWED_LATENESS_HOURS].",
)
@click.option(
    "--raw-retention-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days raw events and sessions are kept [default: STRATA_RAW_RETENTION_DAYS].",
)
@click.option(
    "--aggregate-retention-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days rollups, cubes and marts are kept [default: STRATA_AGGREGATE_RETENTION_DAYS].",
)
def add(
    tracking_id: str,
    domains: tuple[str, ...],
    timezone: str,
    rate_limit: int | None,
    store_raw_ip: bool,
    session_timeout: int | None,
    allowed_lateness_hours: float | None,
    raw_retention_days: int | None,
    aggregate_retention_days: int | None,
) -> None:
    """Add a site, or update it (unset options fall back to the defaults)."""
    settings = Settings.from_env()
    settings.ensure_dirs()
    try:
        site = MetadataStore(settings.metadata_url).add_site(
            tracking_id,
            list(domains),
            timezone,
            rate_limit,
            store_raw_ip,
            session_timeout,
            allowed_lateness_hours,
            raw_retention_days,
            aggregate_retention_days,
        )
    except SiteError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"site {site.tracking_id} ({', '.join(site.domains)}; {site.timezone})")


@sites.command("list")
def list_sites() -> None:
    """Print every site: tracking id, time zone and domains."""
    settings = Settings.from_env()
    settings.ensure_dirs()
    found = MetadataStore(settings.metadata_url).sites()
    if not found:
        click.echo("no sites yet: add one with `strata sites add`")
        return
    width = max(len(t) for t in found)
    for tracking_id in sorted(found):
        site = found[tracking_id]
        click.echo(f"{tracking_id:<{width}}  {site.timezone:<20}  {', '.join(site.domains)}")
