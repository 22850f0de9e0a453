/** Experiments: a card per experiment with conversion intervals, lift, p-value and a verdict. */

import type { Comparison, ExperimentResult, Goal, Variant } from "../api";
import { type Context, visitorSegment } from "../context";
import { empty, failure, h, into, select, table } from "../dom";
import { count, money, percent } from "../format";

/** The p-value under which a difference is called unlikely to be chance. */
const ALPHA = 0.05;

/** The comparison in plain words. */
export function verdict(c: Comparison): string {
  if (c.status !== "ok" || c.lift_rel === null || c.p_value_conversion === null) {
    return `${c.variant} against ${c.against}: not enough data yet.`;
  }
  const size = `${Math.abs(c.lift_rel * 100).toFixed(0)}%`;
  const p = c.p_value_conversion < 0.001 ? "p < 0.001" : `p = ${c.p_value_conversion.toFixed(3)}`;
  if (c.p_value_conversion < ALPHA) {
    return `${c.variant} converts ${size} ${c.lift_rel >= 0 ? "better" : "worse"} than ${c.against}; the difference is unlikely to be chance (${p}).`;
  }
  return `${c.variant} converts ${size} ${c.lift_rel >= 0 ? "better" : "worse"} than ${c.against} so far, but the difference could be chance (${p}): keep the test running to its planned size.`;
}

/** Conversion rates with their 95% intervals on one shared scale. */
function intervals(variants: Variant[]): HTMLElement {
  const top = Math.max(...variants.map((v) => v.conversion_rate_ci[1]), 0.0001);
  return h(
    "div",
    { class: "intervals", "aria-hidden": "true" },
    h("p", { class: "hint" }, `Conversion and its 95% interval, on a scale from 0% to ${percent(top, 1)}`),
    ...variants.map((v) => {
      const [lo, hi] = v.conversion_rate_ci;
      return h(
        "div",
        { class: "interval-row" },
        h("span", { class: "interval-label" }, v.variant),
        h(
          "div",
          { class: "interval-track" },
          h("div", { class: "interval", style: `left: ${((100 * lo) / top).toFixed(2)}%; width: ${((100 * (hi - lo)) / top).toFixed(2)}%` }),
          h("div", { class: "interval-point", style: `left: ${((100 * v.conversion_rate) / top).toFixed(2)}%` }),
        ),
      );
    }),
  );
}

function card(result: ExperimentResult): HTMLElement {
  const columns = [
    { label: "Variant", value: (v: Variant) => (v.variant === result.control ? `${v.variant} (control)` : v.variant), raw: (v: Variant) => v.variant },
    { label: "Visitors", value: (v: Variant) => count(v.visitors), raw: (v: Variant) => String(v.visitors), numeric: true },
    { label: "Converted", value: (v: Variant) => count(v.conversions), raw: (v: Variant) => String(v.conversions), numeric: true },
    { label: "Conversion", value: (v: Variant) => percent(v.conversion_rate, 2), numeric: true },
    { label: "95% interval", value: (v: Variant) => `${percent(v.conversion_rate_ci[0], 2)} – ${percent(v.conversion_rate_ci[1], 2)}`, numeric: true },
    { label: "Revenue / visitor", value: (v: Variant) => money(v.revenue_per_visitor), numeric: true },
  ];
  const lifts = result.comparisons.map((c) =>
    h(
      "li",
      { class: "lift" },
      `Lift of ${c.variant}: ${c.lift_rel === null ? "–" : `${c.lift_rel >= 0 ? "+" : "−"}${Math.abs(c.lift_rel * 100).toFixed(1)}%`}, p-value ${c.p_value_conversion === null ? "–" : c.p_value_conversion.toFixed(3)}`,
    ),
  );
  return h(
    "article",
    { class: "card experiment", "data-experiment": result.experiment_id },
    h("h2", {}, result.experiment_id),
    result.sample_ratio_mismatch.warning
      ? h(
          "p",
          { class: "warning", role: "alert" },
          "Sample ratio mismatch: the variants' visitor counts are too uneven for the split to be working. Fix the assignment before trusting these numbers.",
        )
      : null,
    ...result.comparisons.map((c) => h("p", { class: "verdict" }, verdict(c))),
    table(`Variants of ${result.experiment_id}`, columns, result.variants),
    intervals(result.variants),
    h("ul", { class: "lifts" }, ...lifts),
    result.excluded_visitors ? h("p", { class: "hint" }, `${count(result.excluded_visitors)} visitors saw several variants and are left out.`) : null,
  );
}

export function renderExperiments(ctx: Context, root: HTMLElement): void {
  const cards = h("div", { class: "cards", "aria-live": "polite" });
  const goalBox = h("div", { class: "row" });
  root.append(goalBox, cards);
  into(
    cards,
    async () => {
      const [seen, goals] = await Promise.all([
        ctx.api.experiments(ctx.site.tracking_id, ctx.range),
        ctx.api.list<Goal>("/api/v1/goals", ctx.site.tracking_id),
      ]);
      const usable = goals.filter((g) => g.type === "event" || g.type === "destination");
      const options: [string, string][] = [["type:purchase", "Purchase (any)"], ...usable.map((g): [string, string] => [`id:${g.goal_id}`, g.name])];
      const goal = options.some(([v]) => v === ctx.state.goal) ? ctx.state.goal : "type:purchase";
      goalBox.replaceChildren(select("Goal", options, goal, (value) => ctx.navigate({ goal: value })));
      if (seen.length === 0) return empty("No experiment was seen in this range. Send experiment: {id, variant} on exposed visitors' events.");
      const { note, segment, segment_id } = visitorSegment(ctx);
      const params: Record<string, string> = { tracking_id: ctx.site.tracking_id, start_date: ctx.range.start, end_date: ctx.range.end };
      if (goal.startsWith("id:")) params.goal_id = goal.slice(3);
      else params.goal_event_type = goal.slice(5);
      if (segment) params.segment = JSON.stringify(segment);
      else if (segment_id) params.segment_id = segment_id;
      const results = await Promise.all(
        seen.map(async (e) => {
          try {
            return card(await ctx.api.experiment(e.experiment_id, params));
          } catch (error) {
            return h("article", { class: "card" }, h("h2", {}, e.experiment_id), failure(error));
          }
        }),
      );
      return [note ? h("p", { class: "note" }, note) : null, ...results];
    },
    "Comparing the variants…",
  );
}
