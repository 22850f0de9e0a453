/** The dashboard's entry point: sign-in, the frame (site, range, segment, filters) and the views. */

import { Api, ApiError, type SavedSegment, type Site } from "./api";
import type { Context } from "./context";
import { PRESETS, resolveRange, today } from "./dates";
import { failure, fill, h, loading, select } from "./dom";
import { formatState, parseState, type State, storedKey, storeKey, type View } from "./state";
import { renderBreakdowns } from "./views/breakdowns";
import { renderExperiments } from "./views/experiments";
import { renderFunnels } from "./views/funnels";
import { renderOverview } from "./views/overview";
import { renderRealtime } from "./views/realtime";
import { renderRetention } from "./views/retention";
import { renderSegments } from "./views/segments";

const VIEW_TITLES: [View, string][] = [
  ["overview", "Overview"],
  ["breakdowns", "Breakdowns"],
  ["realtime", "Realtime"],
  ["funnels", "Funnels"],
  ["retention", "Retention"],
  ["experiments", "Experiments"],
  ["segments", "Segments"],
];

const RENDERERS: Record<View, (ctx: Context, root: HTMLElement) => void> = {
  overview: renderOverview,
  breakdowns: renderBreakdowns,
  realtime: renderRealtime,
  funnels: renderFunnels,
  retention: renderRetention,
  experiments: renderExperiments,
  segments: renderSegments,
};

const app = document.getElementById("app") as HTMLElement;
let api: Api | null = null;
let sites: Site[] = [];
let segments: SavedSegment[] = [];
let segmentsOf = "";
/** Cancels the previous view's work (its realtime stream) when the view changes. */
let viewScope = new AbortController();

function signIn(message?: string): void {
  viewScope.abort();
  document.title = "Sign in · Strata";
  const input = h("input", { id: "api-key", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const status = h("div", { "aria-live": "polite" }, message ? failure(new Error(message)) : null);
  const form = h(
    "form",
    {
      class: "signin",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const key = input.value.trim();
        fill(status, loading("Checking the key…"));
        try {
          const found = await new Api(key).sites();
          if (found.length === 0) throw new Error("This key reads no site.");
          storeKey(key);
          api = new Api(key);
          sites = found;
          render();
        } catch (error) {
          fill(status, failure(error));
        }
      },
    },
    h("h1", {}, "Strata"),
    h("p", {}, "Paste an API key to see your sites. It stays in this browser tab only."),
    h("label", { for: "api-key" }, "API key"),
    input,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    status,
  );
  fill(app, h("main", { id: "main" }, form));
  input.focus();
}

function signOut(): void {
  storeKey(null);
  api = null;
  sites = [];
  segments = [];
  segmentsOf = "";
  signIn();
}

function currentState(): State {
  return parseState(location.search);
}

function navigate(patch: Partial<State>, replace = false): void {
  const next = { ...currentState(), ...patch };
  const url = `${location.pathname}${formatState(next)}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

function rangePicker(state: State, site: Site): HTMLElement {
  const wrap = h("div", { class: "range" });
  wrap.append(select("Date range", PRESETS, state.range, (range) => navigate({ range })));
  if (state.range === "custom") {
    const range = resolveRange("custom", state.from, state.to, today(site.timezone));
    const from = h("input", { id: "range-from", type: "date", value: range.start });
    const to = h("input", { id: "range-to", type: "date", value: range.end });
    const apply = () => navigate({ from: from.value, to: to.value });
    from.addEventListener("change", apply);
    to.addEventListener("change", apply);
    wrap.append(
      h("label", { class: "field", for: "range-from" }, h("span", {}, "From"), from),
      h("label", { class: "field", for: "range-to" }, h("span", {}, "To"), to),
    );
  }
  return wrap;
}

function chips(state: State): HTMLElement | null {
  if (state.filters.length === 0) return null;
  return h(
    "ul",
    { class: "chips", "aria-label": "Filters" },
    ...state.filters.map(([field, value], i) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "chip",
            "aria-label": `Remove filter ${field} is ${value}`,
            onclick: () => navigate({ filters: state.filters.filter((_, j) => j !== i) }),
          },
          `${field.replace("properties.", "")} is ${value} ✕`,
        ),
      ),
    ),
    h("li", {}, h("button", { type: "button", class: "link", onclick: () => navigate({ filters: [] }) }, "Clear all")),
  );
}

async function render(): Promise<void> {
  if (!api) {
    signIn();
    return;
  }
  viewScope.abort();
  viewScope = new AbortController();
  const state = currentState();
  const site = sites.find((s) => s.tracking_id === state.site) ?? sites[0];
  if (!site) {
    signIn("This key reads no site.");
    return;
  }
  if (state.site !== site.tracking_id) {
    navigate({ site: site.tracking_id }, true);
    return;
  }
  if (segmentsOf !== site.tracking_id) {
    try {
      segments = await api.list<SavedSegment>("/api/v1/segments", site.tracking_id);
      segmentsOf = site.tracking_id;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        storeKey(null);
        api = null;
        signIn(error.message);
        return;
      }
      segments = [];
    }
  }
  const range = resolveRange(state.range, state.from, state.to, today(site.timezone));
  const title = VIEW_TITLES.find(([v]) => v === state.view)?.[1] ?? "Overview";
  document.title = `${title} · ${site.tracking_id} · Strata`;
  const root = h("section", { id: "view", "aria-labelledby": "view-title" });
  const controls = h(
    "div",
    { class: "controls" },
    sites.length > 1
      ? select(
          "Site",
          sites.map((s) => [s.tracking_id, `${s.tracking_id} (${s.domains[0] ?? s.timezone})`]),
          site.tracking_id,
          (value) => navigate({ site: value, funnel: "", segment: "", filters: [] }),
        )
      : h("p", { class: "site-name" }, h("strong", {}, site.tracking_id), ` ${site.domains.join(", ")} · ${site.timezone}`),
    state.view === "realtime" ? null : rangePicker(state, site),
    select("Segment", [["", "All visitors"], ...segments.map((s): [string, string] => [s.segment_id, s.name])], state.segment, (segment) =>
      navigate({ segment }),
    ),
  );
  const nav = h(
    "nav",
    { "aria-label": "Views" },
    h(
      "ul",
      {},
      ...VIEW_TITLES.map(([view, label]) =>
        h(
          "li",
          {},
          h(
            "a",
            {
              href: formatState({ ...state, view }) || "?",
              ...(view === state.view ? { "aria-current": "page" } : {}),
              onclick: (event: Event) => {
                event.preventDefault();
                navigate({ view });
              },
            },
            label,
          ),
        ),
      ),
    ),
  );
  fill(
    app,
    h("a", { class: "skip", href: "#main" }, "Skip to the report"),
    h("header", {}, h("p", { class: "brand" }, "Strata"), controls, h("button", { type: "button", class: "signout", onclick: signOut }, "Sign out")),
    nav,
    h("main", { id: "main", tabindex: "-1" }, h("h1", { id: "view-title" }, title), chips(state), root),
  );
  const ctx: Context = {
    api,
    state,
    site,
    range,
    segments,
    signal: viewScope.signal,
    navigate,
    addFilter: (field, value) => {
      if (!state.filters.some(([f, v]) => f === field && v === value)) navigate({ filters: [...state.filters, [field, value]] });
    },
  };
  RENDERERS[state.view](ctx, root);
}

window.addEventListener("popstate", () => render());

async function start(): Promise<void> {
  const key = storedKey();
  if (!key) {
    signIn();
    return;
  }
  fill(app, loading("Signing in…"));
  try {
    sites = await new Api(key).sites();
    api = new Api(key);
    render();
  } catch (error) {
    storeKey(null);
    signIn(error instanceof Error ? error.message : String(error));
  }
}

start();
