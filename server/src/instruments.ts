/**
 * prom-client objects for the metrics declared in metrics.ts. One Registry per server instance (not the
 * global one) so tests and the benchmark can run several servers in one process without collisions.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Metric, Registry } from 'prom-client';
import { INFERENCE_METRICS } from '@edge-ai/inference-contract';

/** Label value under which requests for unknown models are counted (bounded cardinality). */
export const UNKNOWN_MODEL = '_unknown';

export class Instruments {
  /** Holds the metrics; OpenMetrics mode because prom-client allows exemplars only there. Render with exposition(). */
  readonly registry = new (Registry as unknown as new (contentType: string) => Registry)(Registry.OPENMETRICS_CONTENT_TYPE);
  readonly requests: Counter<'model' | 'version' | 'code'>;
  readonly duration: Histogram<'model' | 'version'>;
  readonly accuracy: Gauge<'model' | 'version'>;
  readonly minimumAccuracy: Gauge<'model' | 'version'>;
  readonly modelReady: Gauge<'model' | 'version'>;
  readonly inFlight: Gauge;

  constructor(options: { defaultMetrics: boolean }) {
    const { requests, duration, accuracy, minimumAccuracy, modelReady, inFlight } = INFERENCE_METRICS;
    const registers = [this.registry];
    this.requests = new Counter({ name: requests.name, help: requests.help, labelNames: requests.labelNames, registers });
    this.duration = new Histogram({ name: duration.name, help: duration.help, labelNames: duration.labelNames, buckets: [...duration.buckets], registers, enableExemplars: true });
    this.accuracy = new Gauge({ name: accuracy.name, help: accuracy.help, labelNames: accuracy.labelNames, registers });
    this.minimumAccuracy = new Gauge({ name: minimumAccuracy.name, help: minimumAccuracy.help, labelNames: minimumAccuracy.labelNames, registers });
    this.modelReady = new Gauge({ name: modelReady.name, help: modelReady.help, labelNames: modelReady.labelNames, registers });
    this.inFlight = new Gauge({ name: inFlight.name, help: inFlight.help, registers });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The exposition for a scrape: OpenMetrics 1.0 (with the latency histogram's trace-id exemplars) when the
   * Accept header asks for application/openmetrics-text, else the Prometheus text format 0.0.4.
   *
   * The registry only holds the metrics (in OpenMetrics mode, which prom-client requires for exemplars); both
   * formats are rendered here by metric-less formatter registries. prom-client's own `registry.metrics()` is
   * not used because in OpenMetrics mode it renames counter objects in place (inference_requests_total →
   * inference_requests), which would corrupt every later text-format scrape.
   */
  async exposition(accept: string | undefined): Promise<{ text: string; contentType: string }> {
    const metrics = this.registry.getMetricsAsArray() as unknown as Metric[];
    if (!wantsOpenMetrics(accept)) {
      const families = await Promise.all(metrics.map((metric) => FORMATTERS.prometheus.getMetricsAsString(metric)));
      return { text: `${families.join('\n\n')}\n`, contentType: Registry.PROMETHEUS_CONTENT_TYPE };
    }
    const families = await Promise.all(
      metrics.map((metric) =>
        FORMATTERS.openMetrics.getMetricsAsString({
          get: async () => {
            const family = await metric.get();
            // OpenMetrics names the counter family without _total; prom-client appends it to each sample.
            return String(family.type) === 'counter' ? { ...family, name: family.name.replace(/_total$/, '') } : family;
          },
        }),
      ),
    );
    return { text: `${families.join('\n')}\n# EOF\n`, contentType: Registry.OPENMETRICS_CONTENT_TYPE };
  }
}

/** Registries without metrics, used only for their formatters. */
type Formatter = { getMetricsAsString(metric: { get(): Promise<unknown> }): Promise<string> };
const FormatterRegistry = Registry as unknown as new (contentType: string) => Formatter;
const FORMATTERS = {
  prometheus: new FormatterRegistry(Registry.PROMETHEUS_CONTENT_TYPE),
  openMetrics: new FormatterRegistry(Registry.OPENMETRICS_CONTENT_TYPE),
};

/** True when the Accept header lists application/openmetrics-text with a non-zero q. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return type === 'application/openmetrics-text' && (q === undefined || Number(q.slice(2)) > 0);
  });
}
