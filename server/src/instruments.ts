/**
 * prom-client objects for the metrics declared in metrics.ts. One Registry per server instance (not the
 * global one) so tests and the benchmark can run several servers in one process without collisions.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { INFERENCE_METRICS } from '@edge-ai/inference-contract';

/** Label value under which requests for unknown models are counted (bounded cardinality). */
export const UNKNOWN_MODEL = '_unknown';

export class Instruments {
  readonly registry = new Registry();
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
    this.duration = new Histogram({ name: duration.name, help: duration.help, labelNames: duration.labelNames, buckets: [...duration.buckets], registers });
    this.accuracy = new Gauge({ name: accuracy.name, help: accuracy.help, labelNames: accuracy.labelNames, registers });
    this.minimumAccuracy = new Gauge({ name: minimumAccuracy.name, help: minimumAccuracy.help, labelNames: minimumAccuracy.labelNames, registers });
    this.modelReady = new Gauge({ name: modelReady.name, help: modelReady.help, labelNames: modelReady.labelNames, registers });
    this.inFlight = new Gauge({ name: inFlight.name, help: inFlight.help, registers });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
