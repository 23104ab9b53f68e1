/**
 * Inference rules: SLI recording rules, multi-window multi-burn-rate SLO alerts, the seed's
 * HighInferenceLatency intent on the real histogram, model accuracy, crash loops and total outage.
 *
 * What counts as an error (docs/monitoring.md): a request answered 5xx. 4xx answers (wrong shape, unknown
 * model, oversized body) are the caller's fault and burn no budget; requests for unknown models are counted
 * by the server under model="_unknown" and are left out of every SLI. The latency SLI covers successful
 * requests (the server observes its histogram only for them). A server that is down answers nothing at all,
 * so the burn-rate alerts cannot see it: InferenceServerDown covers that case from `up`.
 *
 * With `runtime: triton` the SLIs come from Triton's success/failure counters; Triton has no latency
 * histogram (only cumulative microsecond counters), so the latency SLO is watched through the mean latency
 * and there is no latency burn-rate alert, and Triton emits no accuracy gauge.
 */
import { INFERENCE_METRICS } from '@edge-ai/inference-contract';
import { InputError } from '../../lib/model/errors';
import { AlertSpec, RecordingSpec, RuleGroupSpec } from '../../lib/constructs/telemetry';
import { BurnRateWindow, sloWindows, THRESHOLDS } from '../../lib/constructs/thresholds';
import { INFERENCE_NAMESPACE } from './names';
import { InferenceSpec } from '../../lib/model/schema';
import { AlertTests, num, RuleModule, SeriesInput } from '../../lib/constructs/rules';

/** Model metadata the rules need (lib/model/inference-models.ts InferenceModel satisfies it). */
export interface ModelFacts {
  readonly name: string;
  readonly version: string;
  readonly minimumAccuracy: number;
}

export interface InferenceRuleProps {
  readonly runtime: string;
  readonly slo: InferenceSpec['slo'];
  /** The models the site serves (at least one). */
  readonly models: readonly ModelFacts[];
}

/** Requests for model names the server does not serve are not part of any SLI. */
const SERVED = `model!="_unknown"`;
const LAYER = { layer: 'inference' } as const;
const REQUESTS = INFERENCE_METRICS.requests.name;
const DURATION = INFERENCE_METRICS.duration.name;
const ACCURACY = INFERENCE_METRICS.accuracy.name;

export const RECORDED = {
  requestRate: 'model:inference_requests:rate5m',
  errorRatio: (w: string) => `model:inference_errors:ratio_rate${w}`,
  latencyMissRatio: (w: string) => `model:inference_latency_misses:ratio_rate${w}`,
  p95: 'model:inference_duration_seconds:p95_rate5m',
  mean: 'model:inference_duration_seconds:mean_rate5m',
} as const;

/**
 * The `le` matcher of a histogram bucket. Prometheus 3 normalises classic-histogram `le` values to floats on
 * ingestion ("1" becomes "1.0"), Prometheus 2 keeps the exposition text; prom-client writes "1". A regular
 * expression accepting both keeps the rule correct on the Prometheus 2 we test with (Debian) and the
 * Prometheus 3 the chart deploys.
 */
export function leMatcher(seconds: number): string {
  const text = num(seconds);
  return Number.isInteger(seconds) ? `le=~"${text}(\\\\.0)?"` : `le="${text}"`;
}

/**
 * Validates the latency objective against the server's histogram buckets (called by the resolver, so a bad
 * objective fails with its field); returns the bucket index.
 */
export function latencyBucket(objective: number, file: string): number {
  const buckets = INFERENCE_METRICS.duration.buckets;
  const index = buckets.findIndex((b) => Math.abs(b - objective) < 1e-12);
  if (index < 0 || index === buckets.length - 1) {
    throw new InputError(
      file,
      'layers.inference.slo.latencyP95Seconds',
      objective,
      index < 0
        ? 'is not a bucket boundary of the inference server\'s latency histogram, so no SLI can count the requests faster than it'
        : 'is the largest histogram bucket, so a p95 above it cannot be measured',
      `use one of ${buckets.slice(0, -1).join(', ')} (packages/inference-contract/src/metrics.ts inference_duration_seconds buckets)`,
    );
  }
  return index;
}

function burnAlert(
  alert: string,
  slo: 'availability' | 'latency',
  ratio: (w: string) => string,
  budget: number,
  b: BurnRateWindow,
  objective: string,
): AlertSpec {
  const threshold = `${num(b.factor)} * ${num(budget)}`;
  const share = b.factor === 14.4 ? '2%' : b.factor === 6 ? '5%' : '10%';
  return {
    alert,
    expr: `${ratio(b.long)} > (${threshold})\nand\n${ratio(b.short)} > (${threshold})`,
    for: b.forDuration,
    severity: b.severity,
    labels: { ...LAYER, slo, long: b.long, short: b.short },
    summary: `Inference ${slo} error budget of {{ $labels.model }} burning ${num(b.factor)}x too fast`,
    description:
      `Model {{ $labels.model }} is burning its 30-day ${slo} error budget (objective: ${objective}) ${num(b.factor)} times faster than sustainable, ` +
      `over both the last ${b.long} and ${b.short}: at this rate ${share} of the monthly budget is gone within ${b.long}.`,
    runbook: slo === 'availability' ? 'inference-availability-budget-burn' : 'inference-latency-budget-burn',
  };
}

function serverRecordings(bucket: number): RecordingSpec[] {
  const le = leMatcher(INFERENCE_METRICS.duration.buckets[bucket]);
  const out: RecordingSpec[] = [{ record: RECORDED.requestRate, expr: `sum by (model) (rate(${REQUESTS}{${SERVED}}[5m]))` }];
  for (const w of sloWindows()) {
    // Valid requests = everything but 4xx: a client sending garbage must neither burn nor dilute the budget.
    const all = `sum by (model) (rate(${REQUESTS}{${SERVED}, code!~"4.."}[${w}]))`;
    // `or 0 * all`: a model without a single 5xx has no error series at all; record 0, not "no data".
    out.push({ record: RECORDED.errorRatio(w), expr: `(sum by (model) (rate(${REQUESTS}{${SERVED}, code=~"5.."}[${w}])) or 0 * ${all})\n/\n${all}` });
  }
  for (const w of sloWindows()) {
    out.push({
      record: RECORDED.latencyMissRatio(w),
      expr: `1 - (\n  sum by (model) (rate(${DURATION}_bucket{${SERVED}, ${le}}[${w}]))\n  /\n  sum by (model) (rate(${DURATION}_count{${SERVED}}[${w}]))\n)`,
    });
  }
  out.push({ record: RECORDED.p95, expr: `histogram_quantile(0.95, sum by (model, le) (rate(${DURATION}_bucket{${SERVED}}[5m])))` });
  return out;
}

function tritonRecordings(): RecordingSpec[] {
  const total = (w: string) => `sum by (model) (rate(nv_inference_request_success[${w}]) + rate(nv_inference_request_failure[${w}]))`;
  const out: RecordingSpec[] = [{ record: RECORDED.requestRate, expr: total('5m') }];
  for (const w of sloWindows()) {
    out.push({ record: RECORDED.errorRatio(w), expr: `sum by (model) (rate(nv_inference_request_failure[${w}]))\n/\n${total(w)}` });
  }
  // Triton's request duration is a cumulative microsecond counter: its rate over the request rate is the mean.
  out.push({ record: RECORDED.mean, expr: `sum by (model) (rate(nv_inference_request_duration_us[5m])) / 1e6\n/\n${total('5m')}` });
  return out;
}

// ---------------------------------------------------------------------------------------------- test data

/** Requests per minute of the "healthy" cases: large enough that a tenth of a 99.99% budget is a whole request. */
const HEALTHY_RATE = 100000;
/** Bad requests per minute at a tenth of the budget: never burns, whatever the objective. */
function tenthOfBudget(budget: number): number {
  return Math.max(1, Math.round((HEALTHY_RATE * budget) / 10));
}

const MODEL_LABELS = (model: string, version: string) => `model="${model}", namespace="${INFERENCE_NAMESPACE}", pod="inference-server-0", version="${version}"`;

/**
 * Five hours of counters at one sample per minute: `perMinute` valid requests, `errorsPerMinute` of them
 * answered 500, plus five times as many 400s (which must change nothing).
 */
function requestSeries(model: string, version: string, perMinute: number, errorsPerMinute: number): SeriesInput[] {
  const l = MODEL_LABELS(model, version);
  return [
    { series: `${REQUESTS}{code="200", ${l}}`, values: `0+${perMinute - errorsPerMinute}x300` },
    { series: `${REQUESTS}{code="500", ${l}}`, values: `0+${errorsPerMinute}x300` },
    // 4xx are the caller's: a flood of them must not burn the budget.
    { series: `${REQUESTS}{code="400", ${l}}`, values: `0+${perMinute * 5}x300` },
  ];
}

function tritonSeries(model: string, version: string, perMinute: number, errorsPerMinute: number): SeriesInput[] {
  const l = `model="${model}", namespace="${INFERENCE_NAMESPACE}", pod="triton-0", version="${version}"`;
  return [
    { series: `nv_inference_request_success{${l}}`, values: `0+${perMinute - errorsPerMinute}x300` },
    { series: `nv_inference_request_failure{${l}}`, values: `0+${errorsPerMinute}x300` },
  ];
}

function burnTests(alert: string, model: string, burning: readonly SeriesInput[], healthy: readonly SeriesInput[]): AlertTests {
  const [fast, medium, day, threeDays] = THRESHOLDS.burnRates;
  const expect = (bs: readonly BurnRateWindow[]) => bs.map((b) => ({ severity: b.severity, ruleLabels: { long: b.long, short: b.short }, labels: { model } }));
  return {
    alert,
    cases: [
      { name: 'half of the requests fail: both pages fire within 20 minutes', input: burning, evalTime: '20m', expect: expect([fast, medium]) },
      { name: 'after 4 hours the slow-burn tickets fire as well', input: burning, evalTime: '4h', expect: expect([fast, medium, day, threeDays]) },
      { name: 'errors within budget (and a flood of 4xx) never fire', input: healthy, evalTime: '4h', expect: [] },
    ],
  };
}

// -------------------------------------------------------------------------------------------- the module

export function inferenceRules(props: InferenceRuleProps): RuleModule {
  const { slo, models } = props;
  const triton = props.runtime === 'triton';
  const availabilityBudget = 1 - slo.availabilityTarget;
  const latencyBudget = 1 - slo.latencyTarget;
  const objectiveMs = num(slo.latencyP95Seconds * 1000);
  const first = models[0];

  const bucket = triton ? -1 : latencyBucket(slo.latencyP95Seconds, '');
  const recordings = triton ? tritonRecordings() : serverRecordings(bucket);

  const alerts: AlertSpec[] = [];
  const tests: AlertTests[] = [];
  const availabilityObjective = `${num(slo.availabilityTarget * 100)}% of requests without a 5xx`;
  for (const b of THRESHOLDS.burnRates) {
    alerts.push(burnAlert('InferenceAvailabilityBudgetBurn', 'availability', RECORDED.errorRatio, availabilityBudget, b, availabilityObjective));
  }
  const series = triton ? tritonSeries : requestSeries;
  tests.push(burnTests('InferenceAvailabilityBudgetBurn', first.name, series(first.name, first.version, 60, 30), series(first.name, first.version, HEALTHY_RATE, tenthOfBudget(availabilityBudget))));

  const bucketSeries = (le: string, values: string): SeriesInput => ({ series: `${DURATION}_bucket{le="${le}", ${MODEL_LABELS(first.name, first.version)}}`, values });
  const countSeries = (values: string): SeriesInput => ({ series: `${DURATION}_count{${MODEL_LABELS(first.name, first.version)}}`, values });
  if (!triton) {
    const buckets = INFERENCE_METRICS.duration.buckets;
    const le = num(buckets[bucket]);
    const next = num(buckets[bucket + 1]);
    const latencyObjective = `${num(slo.latencyTarget * 100)}% of requests within ${objectiveMs} ms`;
    for (const b of THRESHOLDS.burnRates) {
      alerts.push(burnAlert('InferenceLatencyBudgetBurn', 'latency', RECORDED.latencyMissRatio, latencyBudget, b, latencyObjective));
    }
    tests.push(
      burnTests(
        'InferenceLatencyBudgetBurn',
        first.name,
        [bucketSeries(le, '0+30x300'), countSeries('0+60x300')],
        [bucketSeries(le, `0+${HEALTHY_RATE - tenthOfBudget(latencyBudget)}x300`), countSeries(`0+${HEALTHY_RATE}x300`)],
      ),
    );
    alerts.push({
      alert: 'HighInferenceLatency',
      expr: `${RECORDED.p95} > ${num(slo.latencyP95Seconds)}`,
      for: THRESHOLDS.highLatencyFor,
      severity: 'warning',
      labels: { ...LAYER },
      summary: 'p95 inference latency of {{ $labels.model }} above its objective',
      description: `The 95th percentile latency of model {{ $labels.model }} has been above ${objectiveMs} ms (layers.inference.slo.latencyP95Seconds) for ${THRESHOLDS.highLatencyFor}.`,
      runbook: 'high-inference-latency',
    });
    tests.push({
      alert: 'HighInferenceLatency',
      cases: [
        {
          name: `every request lands between ${le} s and ${next} s: p95 above the objective`,
          input: [bucketSeries(le, '0x30'), bucketSeries(next, '0+60x30'), bucketSeries('+Inf', '0+60x30')],
          evalTime: '20m',
          expect: [{ severity: 'warning', labels: { model: first.name } }],
        },
        {
          name: 'every request within the objective',
          input: [bucketSeries(le, '0+60x30'), bucketSeries('+Inf', '0+60x30')],
          evalTime: '20m',
          expect: [],
        },
      ],
    });
    // One rule per model while its versions share a minimumAccuracy (the usual case, also for an A/B pair);
    // one per version when they differ, each with its own threshold.
    const byModel = new Map<string, ModelFacts[]>();
    for (const m of models) byModel.set(m.name, [...(byModel.get(m.name) ?? []), m]);
    for (const [name, versions] of byModel) {
      const shared = versions.every((v) => v.minimumAccuracy === versions[0].minimumAccuracy);
      for (const m of shared ? [versions[0]] : versions) {
        const selector = shared ? `model="${name}"` : `model="${name}", version="${m.version}"`;
        const where = shared && versions.length > 1 ? `models/onnx/${name}/<version>/model.json` : `models/onnx/${name}/${m.version}/model.json`;
        alerts.push({
          alert: 'ModelAccuracyBelowMinimum',
          expr: `min by (model, version) (${ACCURACY}{${selector}}) < ${num(m.minimumAccuracy)}`,
          for: THRESHOLDS.accuracyFor,
          severity: 'critical',
          labels: { ...LAYER },
          summary: 'Model {{ $labels.model }} {{ $labels.version }} scores below its declared minimum accuracy',
          description: `Model {{ $labels.model }} version {{ $labels.version }} scored below ${num(m.minimumAccuracy)} (minimumAccuracy in ${where}) on its evaluation set at load time; its predictions cannot be trusted.`,
          runbook: 'model-accuracy-below-minimum',
        });
      }
    }
    const accuracy = (value: number): SeriesInput => ({ series: `${ACCURACY}{${MODEL_LABELS(first.name, first.version)}}`, values: `${num(value)}x20` });
    tests.push({
      alert: 'ModelAccuracyBelowMinimum',
      cases: [
        { name: 'accuracy at half the minimum', input: [accuracy(first.minimumAccuracy / 2)], evalTime: '10m', expect: [{ severity: 'critical', labels: { model: first.name, version: first.version } }] },
        { name: 'accuracy exactly at the minimum passes', input: [accuracy(first.minimumAccuracy)], evalTime: '10m', expect: [] },
      ],
    });
  } else {
    alerts.push({
      alert: 'HighInferenceLatency',
      expr: `${RECORDED.mean} > ${num(slo.latencyP95Seconds)}`,
      for: THRESHOLDS.highLatencyFor,
      severity: 'warning',
      labels: { ...LAYER },
      summary: 'Mean Triton inference latency of {{ $labels.model }} above the p95 objective',
      description: `Triton reports no latency histogram; the mean latency of model {{ $labels.model }} has been above the ${objectiveMs} ms p95 objective for ${THRESHOLDS.highLatencyFor}, so the p95 is above it as well.`,
      runbook: 'high-inference-latency',
    });
    const l = `model="${first.name}", namespace="${INFERENCE_NAMESPACE}", pod="triton-0", version="${first.version}"`;
    const us = Math.round(slo.latencyP95Seconds * 2e6); // twice the objective per request
    tests.push({
      alert: 'HighInferenceLatency',
      cases: [
        {
          name: 'each request takes twice the objective',
          input: [{ series: `nv_inference_request_success{${l}}`, values: '0+60x30' }, { series: `nv_inference_request_failure{${l}}`, values: '0x30' }, { series: `nv_inference_request_duration_us{${l}}`, values: `0+${us * 60}x30` }],
          evalTime: '20m',
          expect: [{ severity: 'warning', labels: { model: first.name } }],
        },
        {
          name: 'each request takes a tenth of the objective',
          input: [{ series: `nv_inference_request_success{${l}}`, values: '0+60x30' }, { series: `nv_inference_request_failure{${l}}`, values: '0x30' }, { series: `nv_inference_request_duration_us{${l}}`, values: `0+${Math.round(us / 20) * 60}x30` }],
          evalTime: '20m',
          expect: [],
        },
      ],
    });
  }

  alerts.push({
    alert: 'InferenceServerDown',
    expr: `sum(up{namespace="${INFERENCE_NAMESPACE}"}) == 0\nor\nabsent(up{namespace="${INFERENCE_NAMESPACE}"})`,
    for: THRESHOLDS.inferenceDownFor,
    severity: 'critical',
    labels: { ...LAYER },
    summary: 'No inference server answers at the site',
    description: `Prometheus has not been able to scrape any inference pod in namespace ${INFERENCE_NAMESPACE} for ${THRESHOLDS.inferenceDownFor} (or none exists): clients get refused connections, which the request-based SLIs cannot count.`,
    runbook: 'inference-server-down',
  });
  const up = (v: string): SeriesInput => ({ series: `up{instance="10.42.0.7:8080", job="inference-server", namespace="${INFERENCE_NAMESPACE}", pod="inference-server-0"}`, values: v });
  tests.push({
    alert: 'InferenceServerDown',
    cases: [
      { name: 'the only target fails its scrapes', input: [up('0x20')], evalTime: '10m', expect: [{ severity: 'critical', labels: {} }] },
      { name: 'no target at all', input: [{ series: 'up{job="other", namespace="ollama"}', values: '1x20' }], evalTime: '10m', expect: [{ severity: 'critical', labels: { namespace: INFERENCE_NAMESPACE } }] },
      { name: 'the target answers', input: [up('1x20')], evalTime: '10m', expect: [] },
    ],
  });

  alerts.push({
    alert: 'InferencePodCrashLooping',
    expr:
      `(\n  max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{namespace="${INFERENCE_NAMESPACE}", reason="CrashLoopBackOff"}[5m])) >= 1\n)\n` +
      // The node label lets Alertmanager inhibit this alert while its node is NotReady.
      `* on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info{namespace="${INFERENCE_NAMESPACE}"})`,
    for: THRESHOLDS.crashLoopFor,
    severity: 'warning',
    labels: { ...LAYER },
    summary: 'Inference pod {{ $labels.pod }} is crash-looping',
    description: `Container {{ $labels.container }} of pod {{ $labels.pod }} on node {{ $labels.node }} has been in CrashLoopBackOff for ${THRESHOLDS.crashLoopFor}.`,
    runbook: 'inference-pod-crash-looping',
  });
  const pod = 'inference-server-7d9c-x2'; // any pod name
  const podInfo: SeriesInput = { series: `kube_pod_info{namespace="${INFERENCE_NAMESPACE}", node="node-a", pod="${pod}"}`, values: '1x40' };
  const waiting = (v: string): SeriesInput => ({ series: `kube_pod_container_status_waiting_reason{container="server", namespace="${INFERENCE_NAMESPACE}", pod="${pod}", reason="CrashLoopBackOff"}`, values: v });
  tests.push({
    alert: 'InferencePodCrashLooping',
    cases: [
      { name: 'waiting in CrashLoopBackOff for 30 minutes', input: [waiting('1x40'), podInfo], evalTime: '30m', expect: [{ severity: 'warning', labels: { container: 'server', namespace: INFERENCE_NAMESPACE, node: 'node-a', pod } }] },
      { name: 'running', input: [waiting('0x40'), podInfo], evalTime: '30m', expect: [] },
    ],
  });

  const groups: RuleGroupSpec[] = [
    { name: 'inference-sli', rules: recordings },
    { name: 'inference-alerts', rules: alerts },
  ];
  return { name: 'edge-ai-inference', groups, tests };
}
