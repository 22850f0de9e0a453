/** Segments: pick a saved one (every view follows it) or build and save one. */

import type { SavedSegment, SegmentCondition } from "../api";
import type { Context } from "../context";
import { failure, fill, h, select, table } from "../dom";

const FIELDS: [string, string][] = [
  ["country", "Country"],
  ["device", "Device"],
  ["browser", "Browser"],
  ["os", "Operating system"],
  ["channel", "Channel"],
  ["page_path", "Page"],
  ["utm_campaign", "UTM campaign"],
  ["event_name", "Event name"],
];

function describe(c: SegmentCondition): string {
  if (c.property) return `${c.property} ${c.op ?? "eq"} ${Array.isArray(c.value) ? c.value.join(", ") : c.value}`;
  if (c.did)
    return `did ${c.did.event_name ?? c.did.event_type ?? "an event"}${c.min_times ? ` at least ${c.min_times}×` : ""}${c.max_times !== undefined ? ` at most ${c.max_times}×` : ""}`;
  if (c.revenue_above !== undefined) return `revenue above ${c.revenue_above}`;
  if (c.first_seen_before) return `first seen before ${c.first_seen_before}`;
  if (c.first_seen_after) return `first seen after ${c.first_seen_after}`;
  return "";
}

export function renderSegments(ctx: Context, root: HTMLElement): void {
  const status = h("div", { "aria-live": "polite" });
  const list = ctx.segments.length
    ? table(
        "Saved segments",
        [
          { label: "Segment", value: (s: SavedSegment) => s.name },
          { label: "Visitors who", value: (s: SavedSegment) => s.conditions.map(describe).join(s.match === "all" ? " and " : " or ") },
        ],
        ctx.segments,
        (s) => ctx.navigate({ segment: s.segment_id, view: "overview" }),
        false,
      )
    : h("p", { class: "state empty" }, "No saved segment yet.");
  const field = select("Field", FIELDS, "device", () => undefined, "segment-field");
  const value = h("input", { id: "segment-value", required: true, placeholder: "mobile" });
  const name = h("input", { id: "segment-name", required: true, placeholder: "Mobile visitors" });
  const canWrite = ctx.site.scopes.some((s) => s === "write" || s === "admin");
  const form = h(
    "form",
    {
      class: "builder",
      "aria-label": "Segment builder",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const fieldName = (field.querySelector("select") as HTMLSelectElement).value;
        try {
          const created = await ctx.api.save<SavedSegment>("/api/v1/segments", {
            tracking_id: ctx.site.tracking_id,
            name: name.value.trim(),
            match: "all",
            conditions: [{ property: fieldName, op: "eq", value: value.value.trim() }],
          });
          ctx.segments.push(created);
          ctx.navigate({ segment: created.segment_id, view: "overview" });
        } catch (error) {
          fill(status, failure(error));
        }
      },
    },
    h("h2", {}, "New segment"),
    h("p", { class: "hint" }, "Visitors who had an event where the field has this value (more condition kinds: the API's segments)."),
    field,
    h("label", { class: "field", for: "segment-value" }, h("span", {}, "Value"), value),
    h("label", { class: "field", for: "segment-name" }, h("span", {}, "Name"), name),
    h("button", { type: "submit", class: "primary", disabled: !canWrite }, canWrite ? "Save and apply" : "Saving needs a key with the write scope"),
    status,
  );
  root.append(h("section", { class: "panel wide" }, h("h2", {}, "Saved segments"), list), form);
}
