// Hand-worked cases for the dashboard's pure logic: date presets, buckets, URL state,
// filters as a segment, and the experiment verdict. Run by `npm test` (node --test).
import assert from "node:assert/strict";
import { test } from "node:test";
import { addDays, bucketFor, bucketLabels, lengthInDays, previousPeriod, resolveRange, today } from "../src/dates";
import { formatState, parseState } from "../src/state";
import { verdict } from "../src/views/experiments";

test("presets end today in the site's zone", () => {
  assert.deepEqual(resolveRange("7d", "", "", "2026-03-10"), { start: "2026-03-04", end: "2026-03-10" });
  assert.deepEqual(resolveRange("30d", "", "", "2026-03-10"), { start: "2026-02-09", end: "2026-03-10" });
  assert.deepEqual(resolveRange("yesterday", "", "", "2026-03-01"), { start: "2026-02-28", end: "2026-02-28" });
  assert.deepEqual(resolveRange("month", "", "", "2026-03-10"), { start: "2026-03-01", end: "2026-03-10" });
  // last month across a year boundary, and February of a leap year
  assert.deepEqual(resolveRange("last_month", "", "", "2026-01-15"), { start: "2025-12-01", end: "2025-12-31" });
  assert.deepEqual(resolveRange("last_month", "", "", "2028-03-31"), { start: "2028-02-01", end: "2028-02-29" });
  assert.deepEqual(resolveRange("12mo", "", "", "2026-03-10"), { start: "2025-03-11", end: "2026-03-10" });
  assert.deepEqual(resolveRange("custom", "2026-01-02", "2026-01-05", "2026-03-10"), { start: "2026-01-02", end: "2026-01-05" });
  // a custom range backwards or malformed falls back to the last 7 days
  assert.deepEqual(resolveRange("custom", "2026-01-05", "2026-01-02", "2026-03-10"), { start: "2026-03-04", end: "2026-03-10" });
  // midnight UTC is still the previous day in New York
  assert.equal(today("America/New_York", new Date("2026-03-10T03:00:00Z")), "2026-03-09");
  assert.equal(today("Asia/Tokyo", new Date("2026-03-10T20:00:00Z")), "2026-03-11");
});

test("the previous period is as many days just before", () => {
  assert.deepEqual(previousPeriod({ start: "2026-03-04", end: "2026-03-10" }), { start: "2026-02-25", end: "2026-03-03" });
  assert.equal(lengthInDays({ start: "2026-02-27", end: "2026-03-02" }), 4);
  assert.equal(addDays("2026-03-01", -1), "2026-02-28");
});

test("buckets: hours up to 2 days, days up to 92, else Monday weeks", () => {
  assert.equal(bucketFor({ start: "2026-03-09", end: "2026-03-10" }), "hour");
  assert.equal(bucketFor({ start: "2026-03-08", end: "2026-03-10" }), "date");
  assert.equal(bucketFor({ start: "2026-01-01", end: "2026-04-02" }), "date");
  assert.equal(bucketFor({ start: "2026-01-01", end: "2026-04-03" }), "week");
  const hours = bucketLabels({ start: "2026-03-10", end: "2026-03-10" }, "hour");
  assert.equal(hours.length, 24);
  assert.equal(hours[13], "2026-03-10 13:00");
  // 2026-03-04 is a Wednesday: its week starts on Monday 2026-03-02
  assert.deepEqual(bucketLabels({ start: "2026-03-04", end: "2026-03-16" }, "week"), ["2026-03-02", "2026-03-09", "2026-03-16"]);
});

test("the state round-trips through the query string", () => {
  const state = parseState("?site=ST-A&view=funnels&range=custom&from=2026-01-01&to=2026-01-31&f=channel~Paid%20Search&f=properties.plan~pro~x&by=device");
  assert.equal(state.view, "funnels");
  assert.deepEqual(state.filters, [
    ["channel", "Paid Search"],
    ["properties.plan", "pro~x"],
  ]);
  assert.deepEqual(parseState(formatState(state)), state);
  // defaults stay out of the URL; an unknown view falls back to the overview
  assert.equal(formatState(parseState("?site=ST-A&range=7d&view=overview")), "?site=ST-A");
  assert.equal(parseState("?view=nope").view, "overview");
});

test("the verdict says what the p-value allows", () => {
  const base = { variant: "B", against: "A", status: "ok", lift_abs: 0.01 };
  assert.equal(
    verdict({ ...base, lift_rel: 0.1234, p_value_conversion: 0.011 }),
    "B converts 12% better than A; the difference is unlikely to be chance (p = 0.011).",
  );
  assert.match(
    verdict({ ...base, lift_rel: -0.05, p_value_conversion: 0.4 }),
    /^B converts 5% worse than A so far, but the difference could be chance \(p = 0.400\)/,
  );
  assert.equal(verdict({ ...base, status: "insufficient_data", lift_rel: null, p_value_conversion: null }), "B against A: not enough data yet.");
  assert.match(verdict({ ...base, lift_rel: 0.5, p_value_conversion: 0.00001 }), /\(p < 0.001\)\.$/);
});
