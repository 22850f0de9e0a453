/**
 * The typed client of Strata's query API: every path the dashboard calls is listed in
 * `PATHS` (a test checks each against the server's /openapi.json), every answer has a
 * type here, and every failure becomes an `ApiError` whose message is plain words.
 */

export const PATHS = {
  sites: "/api/v1/sites",
  query: "/api/v1/query",
  realtimeStream: "/api/v1/realtime/stream",
  funnels: "/api/v1/funnels",
  funnelAnalysis: "/api/v1/funnels/analysis",
  savedFunnelAnalysis: "/api/v1/funnels/{funnel_id}/analysis",
  goals: "/api/v1/goals",
  segments: "/api/v1/segments",
  retention: "/api/v1/retention",
  experiments: "/api/v1/experiments",
  experiment: "/api/v1/experiments/{experiment_id}",
} as const;

export interface Site {
  tracking_id: string;
  domains: string[];
  timezone: string;
  scopes: string[];
}

export interface DateRange {
  start: string;
  end: string;
}

export interface Filter {
  field: string;
  op: string;
  value: string | string[];
}

export type Row = Record<string, string | number | null | Record<string, number | null>>;

export interface QueryRequest {
  tracking_id: string;
  date_range: DateRange;
  metrics: string[];
  dimensions?: string[];
  filters?: Filter[];
  order_by?: { field: string; direction: "asc" | "desc" }[];
  limit?: number;
  offset?: number;
  compare?: "previous_period" | "previous_year";
  segment_id?: string;
  segment?: SegmentBody;
}

export interface QueryResponse {
  rows: Row[];
  total_rows: number;
  is_sampled: boolean;
  comparison_range?: DateRange | null;
  source: string;
}

export interface MinuteCount {
  minute: string;
  events: number;
}

export interface Realtime {
  tracking_id: string;
  timestamp: string;
  active_users: number;
  active_sessions: number;
  events_per_minute: MinuteCount[];
  top_pages: { url: string; active_users: number; pageviews: number }[];
  traffic_sources: Record<string, number>;
  devices: Record<string, number>;
}

export interface Step {
  name?: string | null;
  event_type?: string | null;
  event_name?: string | null;
  filters?: Record<string, string | string[]>;
}

export interface FunnelBody {
  name?: string;
  steps: Step[];
  window: string;
  order: "ordered" | "strict" | "any";
  breakdown_by?: string | null;
  exclusions?: (Step & { from_step?: number; to_step?: number })[];
  count_by?: "visitors" | "sessions";
}

export interface SavedFunnel extends FunnelBody {
  funnel_id: string;
  name: string;
}

export interface TimeToConvert {
  count: number;
  avg_seconds: number | null;
  median_seconds: number | null;
  text: string | null;
}

export interface FunnelStep {
  step: number;
  name: string;
  users: number;
  conversion_rate: number;
  conversion_rate_from_first: number;
  drop_off: number;
  drop_off_rate: number;
  in_progress: number;
  time_to_convert: TimeToConvert;
}

export interface FunnelResult {
  total_users: number;
  steps: FunnelStep[];
  overall_conversion_rate: number;
  avg_time_to_convert: string | null;
  breakdown?: { value: string | null; total_users: number; steps: FunnelStep[] }[];
}

export interface SegmentCondition {
  property?: string;
  op?: string;
  value?: string | number | string[];
  did?: Step;
  min_times?: number;
  max_times?: number;
  revenue_above?: number;
  first_seen_before?: string;
  first_seen_after?: string;
}

export interface SegmentBody {
  match: "all" | "any";
  conditions: SegmentCondition[];
}

export interface SavedSegment extends SegmentBody {
  segment_id: string;
  name: string;
}

export interface Goal {
  goal_id: string;
  name: string;
  type: "event" | "destination" | "duration" | "pages_per_session";
  event_type?: string | null;
  event_name?: string | null;
}

export interface Cohort {
  cohort: string;
  size: number;
  counts: number[];
  rates: number[];
  complete: boolean[];
}

export interface RetentionResult {
  period: string;
  cohorts: Cohort[];
}

export interface ExperimentSeen {
  experiment_id: string;
  variants: Record<string, number> | { variant: string; visitors: number }[];
  first_seen?: string;
  last_seen?: string;
}

export interface Variant {
  variant: string;
  visitors: number;
  conversions: number;
  conversion_rate: number;
  conversion_rate_ci: [number, number];
  revenue_per_visitor: number;
}

export interface Comparison {
  variant: string;
  against: string;
  status: string;
  lift_abs: number | null;
  lift_rel: number | null;
  p_value_conversion: number | null;
}

export interface ExperimentResult {
  experiment_id: string;
  control: string;
  variants: Variant[];
  comparisons: Comparison[];
  sample_ratio_mismatch: { p_value: number | null; warning: boolean };
  excluded_visitors: number;
}

/** A failed call, in words a site owner can act on; `status` 0 means no answer. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** What a status means for the person looking at the dashboard. */
export function explain(status: number, detail: string): string {
  if (status === 401) return "Your API key is unknown, revoked or expired. Sign in with a valid key.";
  if (status === 403) return `This key may not do that: ${detail}`;
  if (status === 404) return `Not found: ${detail}`;
  if (status === 429) return "Too many requests for this key; wait a moment and retry.";
  if (status === 503) return "The data store is busy loading new data; retry in a few seconds.";
  if (status === 504) return "The report took too long; try a shorter date range.";
  if (status >= 500) return "The server failed to answer; retry, and tell your operator if it persists.";
  return detail || `The request was refused (${status}).`;
}

const RETRIES_WHEN_BUSY = 3;

export class Api {
  constructor(private readonly key: string) {}

  /** One call: JSON in and out, retried while the hot tier is busy (503). */
  async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(path, {
          method,
          headers: {
            Authorization: `Bearer ${this.key}`,
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch {
        throw new ApiError("The server cannot be reached. Is `strata serve` running?", 0);
      }
      if (response.ok) return (await response.json()) as T;
      if (response.status === 503 && attempt < RETRIES_WHEN_BUSY) {
        await new Promise((done) => setTimeout(done, 1500 * (attempt + 1)));
        continue;
      }
      let detail = "";
      try {
        detail = String(((await response.json()) as { detail?: unknown }).detail ?? "");
      } catch {
        detail = response.statusText;
      }
      throw new ApiError(explain(response.status, detail), response.status);
    }
  }

  sites(): Promise<Site[]> {
    return this.call("GET", PATHS.sites);
  }

  query(request: QueryRequest): Promise<QueryResponse> {
    return this.call("POST", PATHS.query, request);
  }

  list<T>(path: string, site: string): Promise<T[]> {
    return this.call("GET", `${path}?tracking_id=${encodeURIComponent(site)}`);
  }

  save<T>(path: string, body: unknown): Promise<T> {
    return this.call("POST", path, body);
  }

  funnel(body: FunnelBody & { tracking_id: string; date_range: DateRange; segment?: SegmentBody; segment_id?: string }): Promise<FunnelResult> {
    return this.call("POST", PATHS.funnelAnalysis, body);
  }

  retention(body: Record<string, unknown>): Promise<RetentionResult> {
    return this.call("POST", PATHS.retention, body);
  }

  experiments(site: string, range: DateRange): Promise<ExperimentSeen[]> {
    const q = new URLSearchParams({ tracking_id: site, start_date: range.start, end_date: range.end });
    return this.call("GET", `${PATHS.experiments}?${q}`);
  }

  experiment(id: string, params: Record<string, string>): Promise<ExperimentResult> {
    const q = new URLSearchParams(params);
    return this.call("GET", `${PATHS.experiment.replace("{experiment_id}", encodeURIComponent(id))}?${q}`);
  }

  /**
   * Follow the realtime Server-Sent Events stream with `fetch` (an EventSource cannot
   * send the key in a header, and the key never goes in a URL); reconnects on its own
   * until `signal` aborts.
   */
  async stream(site: string, onDocument: (doc: Realtime) => void, onState: (live: boolean) => void, signal: AbortSignal): Promise<void> {
    const url = `${PATHS.realtimeStream}?tracking_id=${encodeURIComponent(site)}&interval=5`;
    let delay = 1000;
    while (!signal.aborted) {
      try {
        const response = await fetch(url, { headers: { Authorization: `Bearer ${this.key}` }, signal });
        if (!response.ok || !response.body) throw new ApiError(explain(response.status, ""), response.status);
        onState(true);
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = message
              .split("\n")
              .filter((line) => line.startsWith("data:"))
              .map((line) => line.slice(5).trim())
              .join("\n");
            if (data) onDocument(JSON.parse(data) as Realtime);
            end = buffer.indexOf("\n\n");
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          onState(false);
          throw error;
        }
      }
      onState(false);
      await new Promise((done) => setTimeout(done, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
