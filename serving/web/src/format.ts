/** Numbers as people read them. */

const whole = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return Math.abs(value) >= 10_000 ? compact.format(value) : whole.format(value);
}

export function percent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${(value * 100).toFixed(digits)}%`;
}

export function money(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat("en", { maximumFractionDigits: 2, minimumFractionDigits: 2 }).format(value);
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** A metric's value in its unit (rates as percentages, durations as time). */
export function metricValue(metric: string, value: number | null | undefined): string {
  if (metric.endsWith("_rate")) return percent(value);
  if (metric === "avg_session_duration" || metric === "avg_time_on_page") return duration(value);
  if (metric === "revenue") return money(value);
  return count(value);
}

/** The change from `before` to `now` as a signed percentage ("+12%"), or "new". */
export function change(now: number | null | undefined, before: number | null | undefined): string {
  if (now === null || now === undefined || before === null || before === undefined) return "";
  if (before === 0) return now === 0 ? "0%" : "new";
  const rel = (now - before) / Math.abs(before);
  return `${rel >= 0 ? "+" : "−"}${Math.abs(rel * 100).toFixed(0)}%`;
}
