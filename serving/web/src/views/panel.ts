/** A breakdown panel: a dimension's top rows; a click on a row filters every view. */

import type { Row } from "../api";
import { type Context, reportFilters, reportSegment } from "../context";
import { empty, fill, h, into, table } from "../dom";
import { count, metricValue } from "../format";

export interface PanelSpec {
  title: string;
  dimension: string;
  metrics: string[];
  /** Rows per page. */
  size?: number;
  /** Rows clicked become filters (false for goals). */
  filterable?: boolean;
  /** Extra filters of the panel itself (e.g. custom events only). */
  extra?: { field: string; op: string; value: string | string[] }[];
}

const LABELS: Record<string, string> = {
  visitors: "Visitors",
  pageviews: "Pageviews",
  sessions: "Sessions",
  events: "Events",
  goal_visitors: "Visitors",
  goal_conversions: "Conversions",
  goal_conversion_rate: "Conversion rate",
  bounce_rate: "Bounce rate",
};

/** The panel's text for a dimension value (`(none)` for a missing one). */
function label(value: Row[string] | undefined): string {
  return value === null || value === undefined || value === "" ? "(none)" : String(value);
}

/** A panel that pages through its rows with `offset`. */
export function panel(ctx: Context, spec: PanelSpec, paged = false): HTMLElement {
  const size = spec.size ?? 10;
  const id = `panel-${spec.dimension.replace(/[^a-z0-9_]+/gi, "-")}`;
  const body = h("div", { class: "panel-body" });
  const section = h("section", { class: "panel", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, spec.title), body);
  const load = (offset: number) =>
    into(body, async () => {
      const answer = await ctx.api.query({
        tracking_id: ctx.site.tracking_id,
        date_range: ctx.range,
        metrics: spec.metrics,
        dimensions: [spec.dimension],
        filters: [...reportFilters(ctx), ...(spec.extra ?? [])],
        order_by: [{ field: spec.metrics[0] as string, direction: "desc" }],
        limit: size,
        offset,
        ...reportSegment(ctx),
      });
      if (answer.rows.length === 0) return empty();
      const pick =
        spec.filterable === false
          ? undefined
          : (row: Row) => {
              const value = row[spec.dimension];
              if (value !== null && value !== undefined && value !== "") ctx.addFilter(spec.dimension, String(value));
            };
      const columns = [
        { label: spec.title, value: (row: Row) => label(row[spec.dimension]), raw: (row: Row) => String(row[spec.dimension] ?? "") },
        ...spec.metrics.map((m) => ({
          label: LABELS[m] ?? m,
          value: (row: Row) => metricValue(m, row[m] as number),
          raw: (row: Row) => String(row[m] ?? ""),
          numeric: true,
        })),
      ];
      const pager =
        paged && answer.total_rows > size
          ? h(
              "div",
              { class: "pager" },
              h("button", { type: "button", disabled: offset === 0, onclick: () => load(Math.max(0, offset - size)) }, "← Previous"),
              h("span", {}, `${count(offset + 1)}–${count(offset + answer.rows.length)} of ${count(answer.total_rows)}`),
              h("button", { type: "button", disabled: offset + size >= answer.total_rows, onclick: () => load(offset + size) }, "Next →"),
            )
          : null;
      return [table(spec.title, columns, answer.rows, pick), pager];
    });
  load(0);
  return section;
}

/** Empty a container and add panels to it. */
export function panels(target: HTMLElement, items: HTMLElement[]): void {
  fill(target, ...items);
}
