/** Breakdowns: every dimension's top rows, paged; a property breakdown; goals. */

import type { Context } from "../context";
import { h } from "../dom";
import { panel } from "./panel";

const SECTIONS: [string, [string, string, string[]][]][] = [
  [
    "Pages",
    [
      ["Top pages", "page_path", ["visitors", "pageviews"]],
      ["Entry pages", "entry_page", ["visitors", "sessions"]],
      ["Exit pages", "exit_page", ["visitors", "sessions"]],
    ],
  ],
  [
    "Sources",
    [
      ["Channels", "channel", ["visitors", "pageviews"]],
      ["Referrers", "referrer_host", ["visitors", "sessions"]],
      ["UTM source", "utm_source", ["visitors", "pageviews"]],
      ["UTM medium", "utm_medium", ["visitors", "pageviews"]],
      ["UTM campaign", "utm_campaign", ["visitors", "pageviews"]],
    ],
  ],
  [
    "Locations",
    [
      ["Countries", "country", ["visitors", "pageviews"]],
      ["Regions", "region", ["visitors", "pageviews"]],
      ["Cities", "city", ["visitors", "pageviews"]],
    ],
  ],
  [
    "Technology",
    [
      ["Devices", "device", ["visitors", "pageviews"]],
      ["Browsers", "browser", ["visitors", "pageviews"]],
      ["Operating systems", "os", ["visitors", "pageviews"]],
    ],
  ],
];

function propertyPanel(ctx: Context): HTMLElement {
  const input = h("input", {
    id: "property-key",
    type: "text",
    value: ctx.state.prop,
    placeholder: "e.g. plan",
    pattern: "[A-Za-z0-9_$][A-Za-z0-9_.:$-]{0,127}",
  });
  const form = h(
    "form",
    {
      class: "inline",
      onsubmit: (e: Event) => {
        e.preventDefault();
        ctx.navigate({ prop: input.value.trim() }, true);
      },
    },
    h("label", { for: "property-key" }, "Property key"),
    input,
    h("button", { type: "submit" }, "Break down"),
  );
  const section = h("section", { class: "panel wide" }, h("h2", {}, "Property breakdown"), form);
  if (ctx.state.prop) {
    section.append(panel(ctx, { title: `Property ${ctx.state.prop}`, dimension: `properties.${ctx.state.prop}`, metrics: ["events", "visitors"] }, true));
  }
  return section;
}

export function renderBreakdowns(ctx: Context, root: HTMLElement): void {
  for (const [title, items] of SECTIONS) {
    root.append(
      h("h2", { class: "section-title" }, title),
      h("div", { class: "panels" }, ...items.map(([label, dimension, metrics]) => panel(ctx, { title: label, dimension, metrics }, true))),
    );
  }
  root.append(
    h("h2", { class: "section-title" }, "Events and goals"),
    h(
      "div",
      { class: "panels" },
      panel(
        ctx,
        { title: "Custom events", dimension: "event_name", metrics: ["events", "visitors"], extra: [{ field: "event_name", op: "regex", value: "." }] },
        true,
      ),
      panel(ctx, { title: "Goals", dimension: "goal", metrics: ["goal_visitors", "goal_conversions", "goal_conversion_rate"], filterable: false }, true),
      propertyPanel(ctx),
    ),
  );
}
