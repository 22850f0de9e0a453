/** Overview: KPI cards with the change against the previous period, the time series, top panels. */

import { ApiError, type QueryResponse } from "../api";
import { timeSeries } from "../chart";
import { type Context, reportFilters, reportSegment } from "../context";
import { bucketFor, bucketLabels, previousPeriod } from "../dates";
import { empty, h, into } from "../dom";
import { change, metricValue } from "../format";
import { panel } from "./panel";

export const KPIS: [string, string][] = [
  ["visitors", "Visitors"],
  ["pageviews", "Page views"],
  ["sessions", "Sessions"],
  ["bounce_rate", "Bounce rate"],
  ["avg_session_duration", "Visit duration"],
  ["revenue", "Revenue"],
  ["conversion_rate", "Conversion rate"],
  ["avg_time_on_page", "Time on page"],
];

/** Metrics where a rise is bad news (drawn red when they grow). */
const LOWER_IS_BETTER = new Set(["bounce_rate"]);

interface KpiValues {
  row: Record<string, unknown>;
  before: Record<string, number | null>;
  /** Metrics the answering table lacks (a segment or an event-only filter needs raw rows). */
  unavailable: Set<string>;
}

/**
 * The key figures and their previous period. A segment or an event-only filter is
 * answered from raw rows, which lack some metrics (sessions' on events, engagement on
 * both): then each metric is asked alone and those refused are marked unavailable.
 */
async function kpiValues(ctx: Context): Promise<KpiValues> {
  const ask = (metrics: string[]) =>
    ctx.api.query({
      tracking_id: ctx.site.tracking_id,
      date_range: ctx.range,
      metrics,
      filters: reportFilters(ctx),
      compare: "previous_period",
      ...reportSegment(ctx),
    });
  const values: KpiValues = { row: {}, before: {}, unavailable: new Set() };
  const take = (answer: QueryResponse) => {
    const found = answer.rows[0] ?? {};
    Object.assign(values.row, found);
    Object.assign(values.before, (found.comparison ?? {}) as Record<string, number | null>);
  };
  const refused = (error: unknown) => error instanceof ApiError && error.status === 400;
  try {
    take(await ask(KPIS.map(([m]) => m)));
  } catch (error) {
    if (!refused(error)) throw error;
    await Promise.all(
      KPIS.map(async ([m]) => {
        try {
          take(await ask([m]));
        } catch (inner) {
          if (!refused(inner)) throw inner;
          values.unavailable.add(m);
        }
      }),
    );
  }
  return values;
}

function kpiCards(ctx: Context): HTMLElement {
  const box = h("div", { class: "kpis", "aria-live": "polite" });
  into(
    box,
    async () => {
      const { row, before, unavailable } = await kpiValues(ctx);
      const cards = KPIS.map(([metric, title]) => {
        const now = row[metric] as number | null | undefined;
        if (unavailable.has(metric)) {
          return h(
            "div",
            { class: "kpi unavailable", "data-metric": metric },
            h("span", { class: "kpi-title" }, title),
            h("span", { class: "kpi-value", "data-value": "" }, "–"),
            h("span", { class: "kpi-change" }, "not available with this segment or filter"),
          );
        }
        const delta = change(now, before[metric]);
        const up = delta.startsWith("+") || delta === "new";
        const good = delta === "" || delta === "0%" ? "" : up !== LOWER_IS_BETTER.has(metric) ? "good" : "bad";
        return h(
          "button",
          {
            type: "button",
            class: `kpi${ctx.state.metric === metric ? " selected" : ""}`,
            "data-metric": metric,
            "aria-pressed": ctx.state.metric === metric ? "true" : "false",
            onclick: () => ctx.navigate({ metric }, true),
          },
          h("span", { class: "kpi-title" }, title),
          h("span", { class: "kpi-value", "data-value": String(now ?? "") }, metricValue(metric, now)),
          h("span", { class: `kpi-change ${good}`, title: "Against the previous period" }, delta ? `${delta} vs previous` : "–"),
        );
      });
      performance.mark("strata-kpis");
      return cards;
    },
    "Loading the key figures…",
  );
  return box;
}

function series(ctx: Context): HTMLElement {
  const box = h("div", { class: "series-box" });
  into(
    box,
    async () => {
      const metric = KPIS.some(([m]) => m === ctx.state.metric) ? ctx.state.metric : "visitors";
      const bucket = bucketFor(ctx.range);
      const before = previousPeriod(ctx.range);
      const ask = (range: typeof ctx.range) =>
        ctx.api.query({
          tracking_id: ctx.site.tracking_id,
          date_range: range,
          metrics: [metric],
          dimensions: [bucket],
          filters: reportFilters(ctx),
          limit: 10_000,
          ...reportSegment(ctx),
        });
      const [now, then] = await Promise.all([ask(ctx.range), ask(before)]);
      if (now.rows.length === 0 && then.rows.length === 0) return empty();
      const labels = bucketLabels(ctx.range, bucket);
      const values = (rows: typeof now.rows, keys: string[]) => {
        const byKey = new Map(rows.map((r) => [String(r[bucket]), Number(r[metric] ?? 0)]));
        return keys.map((k) => byKey.get(k) ?? 0);
      };
      const title = KPIS.find(([m]) => m === metric)?.[1] ?? metric;
      return timeSeries(title, labels, values(now.rows, labels), values(then.rows, bucketLabels(before, bucket)), (v) => metricValue(metric, v));
    },
    "Loading the chart…",
  );
  return box;
}

export function renderOverview(ctx: Context, root: HTMLElement): void {
  const grid = h(
    "div",
    { class: "panels" },
    panel(ctx, { title: "Channels", dimension: "channel", metrics: ["visitors", "pageviews"] }),
    panel(ctx, { title: "Top pages", dimension: "page_path", metrics: ["visitors", "pageviews"] }),
    panel(ctx, { title: "Countries", dimension: "country", metrics: ["visitors", "pageviews"] }),
    panel(ctx, { title: "Devices", dimension: "device", metrics: ["visitors", "pageviews"] }),
  );
  root.append(kpiCards(ctx), series(ctx), grid);
}
