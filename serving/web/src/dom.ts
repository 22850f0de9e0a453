/** Small DOM helpers: elements, tables with a text alternative, loading and error states. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/** An element with attributes (`on…` keys are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/** Replace an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function loading(label = "Loading…"): HTMLElement {
  return h("p", { class: "state loading", role: "status" }, label);
}

export function empty(text = "No data for this range."): HTMLElement {
  return h("p", { class: "state empty" }, text);
}

export function failure(error: unknown): HTMLElement {
  const text = error instanceof Error ? error.message : String(error);
  return h("p", { class: "state error", role: "alert" }, text);
}

/** Run `work` into `target`: a loading state first, its error in words if it fails. */
export async function into(target: Element, work: () => Promise<Child | Child[]>, label?: string): Promise<void> {
  fill(target, loading(label));
  try {
    const result = await work();
    if (Array.isArray(result)) fill(target, ...result);
    else fill(target, result);
  } catch (error) {
    fill(target, failure(error));
  }
}

export interface Column<T> {
  label: string;
  value: (row: T) => string;
  numeric?: boolean;
  /** The exact value behind the text (a `data-value` attribute: tests and copy-paste). */
  raw?: (row: T) => string;
}

/** A table; `onPick` makes each row's first cell a button (keyboard reachable). */
export function table<T>(caption: string, columns: Column<T>[], rows: T[], onPick?: (row: T) => void, captionHidden = true): HTMLTableElement {
  return h(
    "table",
    {},
    h("caption", { class: captionHidden ? "visually-hidden" : "" }, caption),
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : "" }, c.label)))),
    h(
      "tbody",
      {},
      ...rows.map((row) =>
        h(
          "tr",
          {},
          ...columns.map((c, i) => {
            const text = c.value(row);
            const content =
              i === 0 && onPick ? h("button", { type: "button", class: "link", title: `Filter by ${text}`, onclick: () => onPick(row) }, text) : text;
            const attrs = { class: c.numeric ? "num" : "", ...(i === 0 ? { scope: "row" } : {}), ...(c.raw ? { "data-value": c.raw(row) } : {}) };
            return h(i === 0 ? "th" : "td", attrs, content);
          }),
        ),
      ),
    ),
  );
}

/** A labelled select. */
export function select(label: string, options: [string, string][], value: string, onChange: (value: string) => void, id?: string): HTMLElement {
  const selectId = id ?? `select-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  const element = h("select", { id: selectId, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) });
  for (const [v, text] of options) element.append(h("option", { value: v, ...(v === value ? { selected: true } : {}) }, text));
  return h("label", { class: "field", for: selectId }, h("span", {}, label), element);
}
