/** What every view gets: the API, the state, the site, the range and the filters. */

import type { Api, DateRange, Filter, SavedSegment, SegmentBody, SegmentCondition, Site } from "./api";
import type { State } from "./state";

export interface Context {
  api: Api;
  state: State;
  site: Site;
  range: DateRange;
  segments: SavedSegment[];
  /** Aborted when the view is left (stops streams and late renders). */
  signal: AbortSignal;
  /** Change the state (a new history entry unless `replace`) and render again. */
  navigate: (patch: Partial<State>, replace?: boolean) => void;
  /** Add `field = value` to the filters of every view. */
  addFilter: (field: string, value: string) => void;
}

/** The report filters (`/api/v1/query`'s list form): each chip is an equality. */
export function reportFilters(ctx: Context): Filter[] {
  return ctx.state.filters.map(([field, value]) => ({ field, op: "eq", value }));
}

/** The saved segment a report follows (`segment_id`), if any. */
export function reportSegment(ctx: Context): { segment_id?: string } {
  return ctx.state.segment ? { segment_id: ctx.state.segment } : {};
}

/**
 * The visitors funnels, retention and experiments follow: the saved segment, narrowed
 * by the filter chips as "had an event with field = value" conditions (those analyses
 * take a segment, not event filters). A saved segment matching `any` of several
 * conditions cannot be narrowed so: then the filters alone apply and `note` says so.
 */
export function visitorSegment(ctx: Context): { segment?: SegmentBody; segment_id?: string; note?: string } {
  const saved = ctx.segments.find((s) => s.segment_id === ctx.state.segment);
  const fromFilters: SegmentCondition[] = ctx.state.filters.map(([field, value]) => ({ property: field, op: "eq", value }));
  if (fromFilters.length === 0) return saved ? { segment_id: saved.segment_id } : {};
  if (!saved) return { segment: { match: "all", conditions: fromFilters } };
  if (saved.match === "all" || saved.conditions.length === 1) {
    return { segment: { match: "all", conditions: [...saved.conditions, ...fromFilters] } };
  }
  return {
    segment: { match: "all", conditions: fromFilters },
    note: `The segment "${saved.name}" matches any of its conditions, which cannot be combined with filters here: only the filters apply.`,
  };
}
