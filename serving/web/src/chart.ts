/** Charts drawn with uPlot: the time series (current and previous period) and sparklines. */

import uPlot from "uplot";
import { h } from "./dom";

function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#4f46e5";
}

/** Keep a chart as wide as its box. */
function fitWidth(box: HTMLElement, plot: uPlot, height: number): void {
  const observer = new ResizeObserver(() => {
    if (!box.isConnected) {
      observer.disconnect();
      plot.destroy();
      return;
    }
    plot.setSize({ width: Math.max(box.clientWidth, 120), height });
  });
  observer.observe(box);
}

/**
 * A line chart of `current` over `labels`, with `previous` (the period before) drawn
 * faintly; a `<details>` table carries the same numbers for screen readers.
 */
export function timeSeries(label: string, labels: string[], current: number[], previous: number[] | null, format: (v: number) => string): HTMLElement {
  const box = h("div", { class: "chart", role: "img", "aria-label": `${label} over time` });
  const height = 240;
  const xs = labels.map((_, i) => i);
  const series: uPlot.Series[] = [
    { label: "Period", value: (_u, v) => (v === null ? "–" : (labels[v] ?? "")) },
    { label, stroke: cssColor("--accent"), width: 2, fill: `${cssColor("--accent")}22`, value: (_u, v) => (v === null ? "–" : format(v)) },
  ];
  const data: uPlot.AlignedData = [xs, current];
  if (previous) {
    series.push({ label: "Previous period", stroke: cssColor("--muted"), width: 1, dash: [4, 4], value: (_u, v) => (v === null ? "–" : format(v)) });
    data.push(previous);
  }
  const axisColor = cssColor("--text");
  const options: uPlot.Options = {
    width: 600,
    height,
    series,
    legend: { show: true },
    scales: { x: { time: false } },
    axes: [
      {
        stroke: axisColor,
        grid: { show: false },
        values: (_u, ticks) => ticks.map((t) => labels[Math.round(t)]?.slice(5) ?? ""),
      },
      { stroke: axisColor, grid: { stroke: `${axisColor}22` }, values: (_u, ticks) => ticks.map((t) => format(t)), size: 60 },
    ],
  };
  const plot = new uPlot(options, data, box);
  fitWidth(box, plot, height);
  const rows = labels.map((l, i) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, l),
      h("td", { class: "num" }, format(current[i] ?? 0)),
      previous ? h("td", { class: "num" }, format(previous[i] ?? 0)) : null,
    ),
  );
  const alternative = h(
    "details",
    { class: "chart-table" },
    h("summary", {}, "Show as a table"),
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, label),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Period"),
          h("th", { scope: "col", class: "num" }, label),
          previous ? h("th", { scope: "col", class: "num" }, "Previous period") : null,
        ),
      ),
      h("tbody", {}, ...rows),
    ),
  );
  return h("figure", { class: "series" }, box, alternative);
}

/** A small line of recent counts (e.g. events per minute). */
export function sparkline(label: string, values: number[]): HTMLElement {
  const box = h("div", { class: "sparkline", role: "img", "aria-label": `${label}: ${values.join(", ")}` });
  const height = 60;
  const plot = new uPlot(
    {
      width: 300,
      height,
      series: [{}, { stroke: cssColor("--accent"), width: 2, fill: `${cssColor("--accent")}22` }],
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false } },
      axes: [{ show: false }, { show: false }],
    },
    [values.map((_, i) => i), values],
    box,
  );
  fitWidth(box, plot, height);
  return box;
}
