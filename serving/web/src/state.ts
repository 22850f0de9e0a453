/**
 * The dashboard's state lives in the URL's query string, so a URL can be shared and the
 * back button works. The API key never does: it stays in sessionStorage.
 */

export const VIEWS = ["overview", "breakdowns", "realtime", "funnels", "retention", "experiments", "segments"] as const;
export type View = (typeof VIEWS)[number];

export interface State {
  site: string;
  view: View;
  /** A preset (`7d`, `30d`, `today` …) or `custom` with `from`/`to`. */
  range: string;
  from: string;
  to: string;
  /** Filters added by clicking rows: `[field, value]`, each an equality. */
  filters: [string, string][];
  /** A saved segment's id. */
  segment: string;
  /** The time-series chart's metric. */
  metric: string;
  /** View-specific choices: the funnel, breakdown, cohort period, property key, goal. */
  funnel: string;
  by: string;
  cohorts: string;
  prop: string;
  goal: string;
}

const DEFAULTS: State = {
  site: "",
  view: "overview",
  range: "7d",
  from: "",
  to: "",
  filters: [],
  segment: "",
  metric: "visitors",
  funnel: "",
  by: "",
  cohorts: "week",
  prop: "",
  goal: "",
};

const FILTER_SEPARATOR = "~";

/** The state a query string describes (defaults for what it leaves out). */
export function parseState(search: string): State {
  const q = new URLSearchParams(search);
  const view = q.get("view") as View | null;
  const state: State = { ...DEFAULTS, filters: [] };
  for (const key of ["site", "range", "from", "to", "segment", "metric", "funnel", "by", "cohorts", "prop", "goal"] as const) {
    const value = q.get(key);
    if (value !== null) state[key] = value;
  }
  state.view = view && (VIEWS as readonly string[]).includes(view) ? view : "overview";
  for (const item of q.getAll("f")) {
    const at = item.indexOf(FILTER_SEPARATOR);
    if (at > 0) state.filters.push([item.slice(0, at), item.slice(at + 1)]);
  }
  return state;
}

/** The query string of a state (defaults left out, so URLs stay short). */
export function formatState(state: State): string {
  const q = new URLSearchParams();
  for (const key of ["site", "view", "range", "from", "to", "segment", "metric", "funnel", "by", "cohorts", "prop", "goal"] as const) {
    const value = state[key];
    if (value && value !== DEFAULTS[key]) q.set(key, value);
  }
  if (state.site) q.set("site", state.site);
  for (const [field, value] of state.filters) q.append("f", `${field}${FILTER_SEPARATOR}${value}`);
  const text = q.toString();
  return text ? `?${text}` : "";
}

const KEY_STORAGE = "strata.apiKey";

/** The API key of this tab's session (sessionStorage: gone when the tab closes). */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}
