/** Retention: a cohort heatmap (weekly by default), unfinished periods drawn as such. */

import type { Cohort } from "../api";
import { type Context, visitorSegment } from "../context";
import { empty, h, into, select } from "../dom";
import { count, percent } from "../format";

const PERIODS: [string, string][] = [
  ["day", "Daily cohorts"],
  ["week", "Weekly cohorts"],
  ["month", "Monthly cohorts"],
];

const PERIOD_NAME: Record<string, string> = { day: "Day", week: "Week", month: "Month" };
/** How many periods after the cohort's each grid shows, by default. */
const COLUMNS: Record<string, number> = { day: 14, week: 8, month: 6 };

function cell(c: Cohort, n: number): HTMLElement {
  const rate = c.rates[n] ?? 0;
  const done = c.complete[n] ?? true;
  const text = `${percent(rate, 0)}`;
  return h(
    "td",
    {
      class: `heat${done ? "" : " incomplete"}`,
      style: `--rate: ${rate.toFixed(3)}`,
      title: `${count(c.counts[n] ?? 0)} of ${count(c.size)} visitors${done ? "" : " so far (this period is not over)"}`,
      "data-count": String(c.counts[n] ?? 0),
    },
    done ? text : `${text}*`,
  );
}

export function renderRetention(ctx: Context, root: HTMLElement): void {
  const period = ["day", "week", "month"].includes(ctx.state.cohorts) ? ctx.state.cohorts : "week";
  const grid = h("div", { class: "retention", "aria-live": "polite" });
  root.append(
    h(
      "div",
      { class: "row" },
      select("Cohorts", PERIODS, period, (cohorts) => ctx.navigate({ cohorts })),
    ),
    h(
      "p",
      { class: "hint" },
      "Each row is the visitors first seen in that period; each column the share who came back N periods later. An asterisk marks a period that is not over yet (its count is so far).",
    ),
    grid,
  );
  into(
    grid,
    async () => {
      const { note, ...segment } = visitorSegment(ctx);
      const columns = COLUMNS[period] ?? 8;
      const answer = await ctx.api.retention({ tracking_id: ctx.site.tracking_id, period, periods: columns, date_range: ctx.range, ...segment });
      if (answer.cohorts.length === 0) return empty("No visitor was first seen in this range.");
      const width = Math.max(...answer.cohorts.map((c) => c.counts.length));
      const heads = Array.from({ length: width }, (_, n) => h("th", { scope: "col", class: "num" }, `${PERIOD_NAME[period]} ${n}`));
      return [
        note ? h("p", { class: "note" }, note) : null,
        h(
          "div",
          { class: "scroll" },
          h(
            "table",
            { class: "heatmap" },
            h("caption", {}, `Retention by ${period}ly cohort: share of each cohort active N ${period}s later`),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Cohort"), h("th", { scope: "col", class: "num" }, "Visitors"), ...heads)),
            h(
              "tbody",
              {},
              ...answer.cohorts.map((c) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, c.cohort),
                  h("td", { class: "num", "data-value": String(c.size) }, count(c.size)),
                  ...Array.from({ length: width }, (_, n) => (n < c.counts.length ? cell(c, n) : h("td", { class: "future" }, ""))),
                ),
              ),
            ),
          ),
        ),
      ];
    },
    "Computing the cohorts…",
  );
}
