/**
 * The Prometheus metrics the inference server exposes on GET /metrics, as data.
 *
 * This module has no runtime imports on purpose: the monitoring catalogue (recording rules, alerts,
 * dashboards) imports it at synth time, and a chart must not pull prom-client or onnxruntime-node into the
 * cdk8s app. server/src/instruments.ts creates the prom-client objects from these definitions, and
 * test/server checks that every name listed here really appears on /metrics.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  /** Metric family name as exposed (counters include `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
}

export interface HistogramDefinition extends MetricDefinition {
  readonly type: 'histogram';
  /** Upper bounds in seconds; `+Inf` is implicit. */
  readonly buckets: readonly number[];
}

/** Metrics owned by the server, keyed by their role. */
export const INFERENCE_METRICS = {
  requests: {
    name: 'inference_requests_total',
    type: 'counter',
    help: 'Inference requests (POST /v2/models/{model}/infer) by model, model version and HTTP status code.',
    // `code` is the HTTP status as a string ("200", "400", …). Requests for unknown models are counted
    // under model="_unknown" so that arbitrary URLs cannot create unbounded label values.
    labelNames: ['model', 'version', 'code'],
  },
  duration: {
    name: 'inference_duration_seconds',
    type: 'histogram',
    help: 'Time to serve a successful inference request, from parsed body to serialised response (validation, onnxruntime run, encoding).',
    labelNames: ['model', 'version'],
    // A KB-sized model runs in tens of microseconds to a few milliseconds on a Raspberry Pi 4 CPU, so the
    // buckets start at 0.5 ms and end at 2.5 s (beyond that the request is broken, not slow).
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  },
  accuracy: {
    name: 'model_accuracy_score',
    type: 'gauge',
    help: "Accuracy (0..1) of the model on its labelled eval set, measured when the model was loaded.",
    labelNames: ['model', 'version'],
  },
  minimumAccuracy: {
    name: 'model_accuracy_minimum',
    type: 'gauge',
    help: 'Accuracy (0..1) the model must reach on its eval set (minimumAccuracy in model.json); below it the model is not ready.',
    labelNames: ['model', 'version'],
  },
  modelReady: {
    name: 'model_ready',
    type: 'gauge',
    help: '1 when the model is loaded and passed its accuracy gate, else 0.',
    labelNames: ['model', 'version'],
  },
  inFlight: {
    name: 'inference_requests_in_flight',
    type: 'gauge',
    help: 'Inference requests being served right now.',
    labelNames: [],
  },
} as const satisfies Record<string, MetricDefinition | HistogramDefinition>;

/**
 * prom-client default metrics (collectDefaultMetrics, prom-client 15) that the server exposes on Linux.
 * Listed so that alerts and dashboards can reference them by a checked name.
 */
export const PROCESS_METRIC_NAMES = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_version_info',
  'nodejs_gc_duration_seconds',
] as const;

type InferenceMetricName = (typeof INFERENCE_METRICS)[keyof typeof INFERENCE_METRICS]['name'];
type ProcessMetricName = (typeof PROCESS_METRIC_NAMES)[number];

/** Every metric family the server emits (histograms by family name, without _bucket/_sum/_count). */
export type MetricName = InferenceMetricName | ProcessMetricName;

export const METRIC_NAMES: readonly MetricName[] = [...Object.values(INFERENCE_METRICS).map((m) => m.name), ...PROCESS_METRIC_NAMES];

/** The series names a histogram family expands to in the text exposition format. */
export function histogramSeries(name: string): readonly [string, string, string] {
  return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
}

/** Where the server exposes metrics: on the API port (packages/inference-contract/src/http.ts SERVER_PORT), not a separate one. */
export const METRICS_PATH = '/metrics';
