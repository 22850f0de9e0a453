/** Funnels: the saved ones, a builder, per-step bars with conversion, drop-off and time. */

import type { FunnelBody, FunnelResult, FunnelStep, SavedFunnel, Step } from "../api";
import { type Context, visitorSegment } from "../context";
import { empty, failure, fill, h, into, select, table } from "../dom";
import { count, percent } from "../format";

const BREAKDOWNS: [string, string][] = [
  ["", "No breakdown"],
  ["device", "Device"],
  ["channel", "Channel"],
  ["country", "Country"],
  ["browser", "Browser"],
  ["os", "Operating system"],
  ["utm_campaign", "UTM campaign"],
];

const EVENT_TYPES: [string, string][] = [
  ["pageview", "Page view"],
  ["click", "Click"],
  ["event", "Custom event"],
  ["purchase", "Purchase"],
  ["transaction", "Transaction"],
];

/** Bars of users per step, with the numbers in words beside them. */
function bars(result: FunnelResult, caption: string): HTMLElement {
  const first = result.steps[0]?.users ?? 0;
  const list = h(
    "ol",
    { class: "funnel" },
    ...result.steps.map((s) => {
      const width = first ? (100 * s.users) / first : 0;
      return h(
        "li",
        { "data-step": String(s.step) },
        h(
          "div",
          { class: "funnel-label" },
          h("strong", {}, s.name),
          h("span", { class: "step-users", "data-users": String(s.users) }, `${count(s.users)} visitors`),
        ),
        h("div", { class: "bar", "aria-hidden": "true" }, h("div", { class: "bar-fill", style: `width: ${width.toFixed(1)}%` })),
        h(
          "p",
          { class: "funnel-numbers" },
          s.step === 1
            ? "Entered the funnel"
            : `${percent(s.conversion_rate)} from the step before · ${count(s.drop_off)} dropped (${percent(s.drop_off_rate)}) · ${count(s.in_progress)} in progress · median time ${s.time_to_convert.text ?? "–"}`,
        ),
      );
    }),
  );
  const columns = [
    { label: "Step", value: (s: FunnelStep) => s.name },
    { label: "Visitors", value: (s: FunnelStep) => count(s.users), numeric: true },
    { label: "Conversion", value: (s: FunnelStep) => percent(s.conversion_rate), numeric: true },
    { label: "From first", value: (s: FunnelStep) => percent(s.conversion_rate_from_first), numeric: true },
    { label: "Dropped", value: (s: FunnelStep) => count(s.drop_off), numeric: true },
    { label: "In progress", value: (s: FunnelStep) => count(s.in_progress), numeric: true },
    { label: "Time to convert", value: (s: FunnelStep) => s.time_to_convert.text ?? "–", numeric: true },
  ];
  return h(
    "figure",
    { class: "funnel-figure" },
    h("figcaption", {}, caption),
    list,
    h("details", { class: "chart-table" }, h("summary", {}, "Show as a table"), table(caption, columns, result.steps)),
  );
}

/** The analysable part of a saved funnel (not its id, name or times). */
function funnelBody(saved: SavedFunnel): FunnelBody {
  const { steps, window, order, exclusions, count_by } = saved;
  return { steps, window, order, ...(exclusions ? { exclusions } : {}), ...(count_by ? { count_by } : {}) };
}

function summary(result: FunnelResult): HTMLElement {
  return h(
    "p",
    { class: "funnel-summary" },
    `${count(result.total_users)} visitors entered; ${percent(result.overall_conversion_rate)} finished`,
    result.avg_time_to_convert ? `, in ${result.avg_time_to_convert} on average.` : ".",
  );
}

function stepRow(step: Step, index: number): HTMLElement {
  const id = `step-${index}`;
  const filters = step.filters ?? {};
  const page = typeof filters.page_path === "string" ? filters.page_path : "";
  const [propKey, propValue] = Object.entries(filters).find(([k]) => k !== "page_path") ?? ["", ""];
  const typeSelect = h(
    "select",
    { id: `${id}-type`, name: "event_type" },
    h("option", { value: "" }, "Any"),
    ...EVENT_TYPES.map(([v, t]) => h("option", { value: v, ...(step.event_type === v ? { selected: true } : {}) }, t)),
  );
  return h(
    "fieldset",
    { class: "step", "data-index": String(index) },
    h("legend", {}, `Step ${index + 1}`),
    h("label", { class: "field", for: `${id}-name` }, h("span", {}, "Label"), h("input", { id: `${id}-name`, name: "name", value: step.name ?? "" })),
    h("label", { class: "field", for: `${id}-type` }, h("span", {}, "Event type"), typeSelect),
    h(
      "label",
      { class: "field", for: `${id}-event` },
      h("span", {}, "Event name"),
      h("input", { id: `${id}-event`, name: "event_name", value: step.event_name ?? "" }),
    ),
    h(
      "label",
      { class: "field", for: `${id}-page` },
      h("span", {}, "Page (* any text)"),
      h("input", { id: `${id}-page`, name: "page_path", value: page, placeholder: "/products/*" }),
    ),
    h(
      "label",
      { class: "field", for: `${id}-prop` },
      h("span", {}, "Property"),
      h("input", { id: `${id}-prop`, name: "prop_key", value: propKey, placeholder: "element_id" }),
    ),
    h(
      "label",
      { class: "field", for: `${id}-value` },
      h("span", {}, "Property value"),
      h("input", { id: `${id}-value`, name: "prop_value", value: String(propValue ?? ""), placeholder: "add-to-cart" }),
    ),
  );
}

/** The steps a builder form describes. */
function readSteps(form: HTMLFormElement): Step[] {
  return [...form.querySelectorAll<HTMLFieldSetElement>("fieldset.step")].map((fs) => {
    const get = (name: string) => (fs.querySelector(`[name="${name}"]`) as HTMLInputElement | HTMLSelectElement).value.trim();
    const filters: Record<string, string> = {};
    if (get("page_path")) filters.page_path = get("page_path");
    if (get("prop_key")) filters[get("prop_key")] = get("prop_value");
    const step: Step = { filters };
    if (get("name")) step.name = get("name");
    if (get("event_type")) step.event_type = get("event_type");
    if (get("event_name")) step.event_name = get("event_name");
    return step;
  });
}

function builder(ctx: Context, start: FunnelBody, onRun: (body: FunnelBody) => void, onSave: (body: FunnelBody, name: string) => void): HTMLElement {
  const steps = h("div", { class: "steps" }, ...start.steps.map(stepRow));
  const windowInput = h("input", { id: "funnel-window", name: "window", value: start.window, pattern: "\\s*[0-9]{1,7}\\s*[smhdw]\\s*", required: true });
  const order = h(
    "select",
    { id: "funnel-order", name: "order" },
    ...(
      [
        ["ordered", "In order (other events between)"],
        ["strict", "Strictly in order (nothing between)"],
        ["any", "Any order"],
      ] as const
    ).map(([v, t]) => h("option", { value: v, ...(start.order === v ? { selected: true } : {}) }, t)),
  );
  const nameInput = h("input", { id: "funnel-name", name: "funnel_name", value: start.name ?? "", placeholder: "Name to save it under" });
  const form = h("form", { class: "builder", "aria-label": "Funnel builder" }) as HTMLFormElement;
  const body = (): FunnelBody => ({ steps: readSteps(form), window: windowInput.value.trim(), order: order.value as FunnelBody["order"] });
  form.append(
    h("h2", {}, "Build a funnel"),
    steps,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", onclick: () => steps.append(stepRow({}, steps.children.length)) }, "Add a step"),
      h("button", { type: "button", onclick: () => steps.children.length > 2 && steps.lastElementChild?.remove() }, "Remove the last step"),
    ),
    h("label", { class: "field", for: "funnel-window" }, h("span", {}, "Window (e.g. 30m, 2h, 7d)"), windowInput),
    h("label", { class: "field", for: "funnel-order" }, h("span", {}, "Order"), order),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", id: "funnel-run" }, "Analyse"),
      ctx.site.scopes.some((s) => s === "write" || s === "admin")
        ? h(
            "span",
            { class: "row" },
            h("label", { for: "funnel-name", class: "visually-hidden" }, "Funnel name"),
            nameInput,
            h("button", { type: "button", onclick: () => onSave(body(), nameInput.value.trim()) }, "Save"),
          )
        : null,
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onRun(body());
  });
  return form;
}

export function renderFunnels(ctx: Context, root: HTMLElement): void {
  const listBox = h("div", { class: "funnel-list" });
  const result = h("div", { class: "funnel-result", "aria-live": "polite" });
  const builderBox = h("div", {});
  root.append(listBox, result, builderBox);
  const who = visitorSegment(ctx);

  const analyse = (body: FunnelBody, caption: string) =>
    into(
      result,
      async () => {
        const { note, ...segment } = who;
        const answer = await ctx.api.funnel({
          ...body,
          breakdown_by: ctx.state.by || null,
          tracking_id: ctx.site.tracking_id,
          date_range: ctx.range,
          ...segment,
        });
        if (answer.total_users === 0) return empty("No visitor entered this funnel in this range.");
        const parts: (HTMLElement | null)[] = [note ? h("p", { class: "note" }, note) : null, summary(answer), bars(answer, caption)];
        for (const group of answer.breakdown ?? []) {
          parts.push(
            h("h3", {}, `${ctx.state.by}: ${group.value ?? "(none)"}`),
            bars({ ...answer, ...group, breakdown: [] } as FunnelResult, `${caption}, ${ctx.state.by} ${group.value ?? "(none)"}`),
          );
        }
        return parts;
      },
      "Analysing the funnel…",
    );

  into(listBox, async () => {
    const saved = await ctx.api.list<SavedFunnel>("/api/v1/funnels", ctx.site.tracking_id);
    const chosen = saved.find((f) => f.funnel_id === ctx.state.funnel) ?? (ctx.state.funnel === "new" ? undefined : saved[0]);
    const options: [string, string][] = [...saved.map((f): [string, string] => [f.funnel_id, f.name]), ["new", "New funnel…"]];
    const start: FunnelBody = chosen ?? {
      steps: [{ event_type: "pageview", filters: { page_path: "/" } }, { event_type: "pageview" }],
      window: "1d",
      order: "ordered",
    };
    fill(
      builderBox,
      builder(
        ctx,
        start,
        (body) => analyse(body, "Your funnel"),
        async (body, name) => {
          if (!name) {
            fill(result, failure(new Error("Give the funnel a name to save it.")));
            return;
          }
          try {
            const created = await ctx.api.save<SavedFunnel>("/api/v1/funnels", { ...body, tracking_id: ctx.site.tracking_id, name });
            ctx.navigate({ funnel: created.funnel_id });
          } catch (error) {
            fill(result, failure(error));
          }
        },
      ),
    );
    if (chosen) analyse(funnelBody(chosen), chosen.name);
    else fill(result, empty("Build a funnel below and press Analyse."));
    return h(
      "div",
      { class: "row" },
      select("Funnel", options, chosen?.funnel_id ?? "new", (funnel) => ctx.navigate({ funnel })),
      select("Breakdown", BREAKDOWNS, ctx.state.by, (by) => ctx.navigate({ by })),
    );
  });
}
