/** Realtime: visitors now, events per minute, top pages, sources and devices, live over SSE. */

import type { Realtime } from "../api";
import { sparkline } from "../chart";
import type { Context } from "../context";
import { empty, failure, fill, h, loading, table } from "../dom";
import { count } from "../format";

function pairs(title: string, values: Record<string, number>): HTMLElement {
  const rows = Object.entries(values).sort((a, b) => b[1] - a[1]);
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, title),
    rows.length
      ? table(
          title,
          [
            { label: title, value: (r: [string, number]) => r[0] },
            { label: "Visitors", value: (r: [string, number]) => count(r[1]), numeric: true },
          ],
          rows,
        )
      : empty("Nobody in the last 30 minutes."),
  );
}

function draw(target: HTMLElement, doc: Realtime): void {
  const perMinute = doc.events_per_minute.map((m) => m.events);
  fill(
    target,
    h(
      "div",
      { class: "kpis" },
      h(
        "div",
        { class: "kpi" },
        h("span", { class: "kpi-title" }, "Visitors now"),
        h("span", { class: "kpi-value", id: "active-users" }, count(doc.active_users)),
        h("span", { class: "kpi-change" }, "last 5 minutes"),
      ),
      h(
        "div",
        { class: "kpi" },
        h("span", { class: "kpi-title" }, "Sessions now"),
        h("span", { class: "kpi-value" }, count(doc.active_sessions)),
        h("span", { class: "kpi-change" }, "last 5 minutes"),
      ),
      h("div", { class: "kpi wide" }, h("span", { class: "kpi-title" }, "Events per minute, last 30 minutes"), sparkline("Events per minute", perMinute)),
    ),
    h(
      "div",
      { class: "panels" },
      h(
        "section",
        { class: "panel" },
        h("h2", {}, "Top pages"),
        doc.top_pages.length
          ? table(
              "Top pages now",
              [
                { label: "Page", value: (p: Realtime["top_pages"][number]) => p.url },
                { label: "Visitors", value: (p) => count(p.active_users), numeric: true },
                { label: "Page views", value: (p) => count(p.pageviews), numeric: true },
              ],
              doc.top_pages,
            )
          : empty("No page views in the last 30 minutes."),
      ),
      pairs("Sources", doc.traffic_sources),
      pairs("Devices", doc.devices),
    ),
  );
}

export function renderRealtime(ctx: Context, root: HTMLElement): void {
  const status = h("p", { class: "live", role: "status" }, "Connecting…");
  const body = h("div", {}, loading("Waiting for the first update…"));
  root.append(status, body);
  ctx.api
    .stream(
      ctx.site.tracking_id,
      (doc) => draw(body, doc),
      (live) => {
        status.textContent = live ? "● Live: updates every 5 seconds" : "Reconnecting…";
        status.classList.toggle("on", live);
      },
      ctx.signal,
    )
    .catch((error) => fill(body, failure(error)));
}
