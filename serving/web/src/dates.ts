/** Date ranges in the site's time zone: presets, the previous period, chart buckets. */

import type { DateRange } from "./api";

export const PRESETS: [string, string][] = [
  ["today", "Today"],
  ["yesterday", "Yesterday"],
  ["7d", "Last 7 days"],
  ["30d", "Last 30 days"],
  ["month", "This month"],
  ["last_month", "Last month"],
  ["12mo", "Last 12 months"],
  ["custom", "Custom range"],
];

const DAY_MS = 86_400_000;

/** Today's date (YYYY-MM-DD) in time zone `zone`. */
export function today(zone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

function toDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `day` moved by `days` (negative: back). */
export function addDays(day: string, days: number): string {
  return toDay(new Date(toDate(day).getTime() + days * DAY_MS));
}

/** Inclusive days from `start` to `end`. */
export function lengthInDays(range: DateRange): number {
  return Math.round((toDate(range.end).getTime() - toDate(range.start).getTime()) / DAY_MS) + 1;
}

/** The dates a preset covers, ending today in the site's zone (`custom`: from/to). */
export function resolveRange(preset: string, from: string, to: string, now: string): DateRange {
  const [y, m] = now.split("-").map(Number) as [number, number];
  switch (preset) {
    case "today":
      return { start: now, end: now };
    case "yesterday":
      return { start: addDays(now, -1), end: addDays(now, -1) };
    case "30d":
      return { start: addDays(now, -29), end: now };
    case "month":
      return { start: `${now.slice(0, 7)}-01`, end: now };
    case "last_month": {
      const first = toDay(new Date(Date.UTC(y, m - 2, 1)));
      return { start: first, end: addDays(`${now.slice(0, 7)}-01`, -1) };
    }
    case "12mo":
      return { start: toDay(new Date(Date.UTC(y - 1, m - 1, Number(now.slice(8)) + 1))), end: now };
    case "custom":
      if (/^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to) return { start: from, end: to };
      return { start: addDays(now, -6), end: now };
    default:
      return { start: addDays(now, -6), end: now };
  }
}

/** As many days, just before (the API's `compare: previous_period`). */
export function previousPeriod(range: DateRange): DateRange {
  const days = lengthInDays(range);
  return { start: addDays(range.start, -days), end: addDays(range.start, -1) };
}

/** The time-series bucket: hours up to 2 days, days up to 3 months, else weeks. */
export function bucketFor(range: DateRange): "hour" | "date" | "week" {
  const days = lengthInDays(range);
  if (days <= 2) return "hour";
  return days <= 92 ? "date" : "week";
}

/** Every bucket label of a range, so a bucket without data is drawn as zero. */
export function bucketLabels(range: DateRange, bucket: "hour" | "date" | "week"): string[] {
  const labels: string[] = [];
  if (bucket === "week") {
    let day = range.start;
    const weekday = (toDate(day).getUTCDay() + 6) % 7; // Monday first, as the API's weeks
    day = addDays(day, -weekday);
    for (; day <= range.end; day = addDays(day, 7)) labels.push(day);
    return labels;
  }
  for (let day = range.start; day <= range.end; day = addDays(day, 1)) {
    if (bucket === "date") labels.push(day);
    else for (let h = 0; h < 24; h++) labels.push(`${day} ${String(h).padStart(2, "0")}:00`);
  }
  return labels;
}
