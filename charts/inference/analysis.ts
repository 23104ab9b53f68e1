/**
 * The SLO gate of a rollout: PromQL over the metrics the runtime really emits, scoped to the pods of the new
 * ReplicaSet, with thresholds from the site's `layers.inference.slo`.
 *
 * Scoping: Argo Rollouts labels every pod with `rollouts-pod-template-hash`; the ServiceMonitor copies that
 * pod label onto the scraped series (`podTargetLabels`, sanitised by Prometheus to
 * `rollouts_pod_template_hash`), and the Rollout passes the hash of the new ReplicaSet as an argument
 * (`podTemplateHashValue: Latest`). Old and new pods are therefore measured apart even though, without a
 * traffic router, they sit behind the same Service; with the mesh's SMI routing (ADR 0029) nothing here changes,
 * since no query depends on how the requests were weighted.
 *
 * No traffic: an edge line may send nothing during the analysis window. A request-based query then returns an
 * empty vector or NaN (0/0), and both count as passing ("no evidence against the new version"), because a
 * quiet line must not block every rollout. The traffic-independent checks below (model accuracy measured at
 * load, or "the new pods are being scraped at all") fail on missing data instead, so a canary that is not
 * observed at all can never pass by silence.
 */
import { INFERENCE_METRICS } from '@edge-ai/inference-contract';
import { SloSpec } from './props';
import { TRITON_METRICS } from './triton';

/** Name of the AnalysisTemplate (referenced by the Rollout). */
export const ANALYSIS_TEMPLATE_NAME = 'inference-slo';
/** Argument carrying the pod-template-hash of the ReplicaSet under test. */
export const POD_TEMPLATE_HASH_ARG = 'pod-template-hash';
/** The Argo Rollouts pod label, and the series label the ServiceMonitor turns it into. */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
export const POD_TEMPLATE_HASH_SERIES_LABEL = 'rollouts_pod_template_hash';

/** Measurement cadence shared by every metric of the template. */
export const ANALYSIS_TIMING = {
  /** Wait for at least two scrapes (30 s) of the new pods before the first measurement. */
  initialDelay: '1m',
  interval: '1m',
  /** Three measurements: the analysis takes about four minutes. */
  count: 3,
  /** One bad measurement out of three is tolerated (a single slow minute on a busy Raspberry Pi). */
  failureLimit: 1,
  /** `rate()` window: two scrape intervals at least, short enough to see only the new pods' behaviour. */
  rateWindow: '2m',
} as const;

/** One metric of the AnalysisTemplate, before it is typed for the CRD. */
export interface AnalysisMetricSpec {
  readonly name: string;
  /** PromQL with `{{args.pod-template-hash}}` placeholders. */
  readonly query: string;
  /** Argo Rollouts expression over `result` (the query's vector as an array). */
  readonly successCondition: string;
}

/** Label matchers selecting the series of the ReplicaSet under test. */
function newPodsSelector(namespace: string): string {
  return `namespace="${namespace}", ${POD_TEMPLATE_HASH_SERIES_LABEL}="{{args.${POD_TEMPLATE_HASH_ARG}}}"`;
}

/** Thresholds as the expressions show them: at most 6 decimals, so 1 − 0.995 reads 0.005, not 0.0050000000000000044. */
export function formatThreshold(value: number): string {
  return String(Number(value.toFixed(6)));
}

/** Passes on no data (no traffic) and NaN (0/0); otherwise compares. */
function passIfNoTraffic(comparison: string): string {
  return `len(result) == 0 || isNaN(result[0]) || result[0] ${comparison}`;
}

/** Error budget of one analysis window: the fraction of requests allowed to fail. */
export function maxErrorRatio(slo: SloSpec): number {
  return Number((1 - slo.availabilityTarget).toFixed(6));
}

/**
 * The project inference server (server/): 5xx ratio and p95 from its histogram, plus the accuracy each new
 * pod measured on the model's eval set at load (traffic-independent, fails when the pods are not scraped).
 * 4xx answers are the caller's error (bad shape or datatype) and do not count against the server.
 */
export function onnxServerAnalysis(namespace: string, slo: SloSpec): AnalysisMetricSpec[] {
  const sel = newPodsSelector(namespace);
  const w = ANALYSIS_TIMING.rateWindow;
  const requests = INFERENCE_METRICS.requests.name;
  const duration = INFERENCE_METRICS.duration.name;
  const accuracy = INFERENCE_METRICS.accuracy.name;
  const minimum = INFERENCE_METRICS.minimumAccuracy.name;
  return [
    {
      // `or vector(0)`: with traffic but no 5xx series yet the ratio is 0, not an empty result.
      name: 'error-ratio',
      query: `(sum(rate(${requests}{${sel}, code=~"5.."}[${w}])) or vector(0)) / sum(rate(${requests}{${sel}}[${w}]))`,
      successCondition: passIfNoTraffic(`<= ${formatThreshold(maxErrorRatio(slo))}`),
    },
    {
      // The slowest model decides: one slow model behind a fast one must not average out.
      name: 'latency-p95',
      query: `max(histogram_quantile(0.95, sum by (model, le) (rate(${duration}_bucket{${sel}}[${w}]))))`,
      successCondition: passIfNoTraffic(`<= ${formatThreshold(slo.latencyP95Seconds)}`),
    },
    {
      // Every model on every new pod reached its minimumAccuracy on the eval set. The server's readiness gates
      // on it too; here it doubles as the proof that the new pods are scraped at all.
      name: 'model-accuracy',
      query: `min(${accuracy}{${sel}} - on (pod, model, version) ${minimum}{${sel}})`,
      successCondition: 'len(result) > 0 && result[0] >= 0',
    },
  ];
}

/**
 * NVIDIA Triton: failure ratio and mean latency from its cumulative counters (Triton publishes no latency
 * histogram by default, so the mean is compared with the p95 objective: a looser check, documented), plus a
 * "the new pods are scraped and every model is loaded" check that fails on missing data.
 */
export function tritonAnalysis(namespace: string, slo: SloSpec, modelCount: number): AnalysisMetricSpec[] {
  const sel = newPodsSelector(namespace);
  const w = ANALYSIS_TIMING.rateWindow;
  const { requestSuccess, requestFailure, requestDurationUs } = TRITON_METRICS;
  const failures = `(sum(rate(${requestFailure}{${sel}}[${w}])) or vector(0))`;
  return [
    {
      name: 'error-ratio',
      query: `${failures} / (sum(rate(${requestSuccess}{${sel}}[${w}])) + ${failures})`,
      successCondition: passIfNoTraffic(`<= ${formatThreshold(maxErrorRatio(slo))}`),
    },
    {
      name: 'latency-mean',
      query: `sum(rate(${requestDurationUs}{${sel}}[${w}])) / sum(rate(${requestSuccess}{${sel}}[${w}])) / 1e6`,
      successCondition: passIfNoTraffic(`<= ${formatThreshold(slo.latencyP95Seconds)}`),
    },
    {
      // Triton creates a model's series when it loads the model: present on the new pods = loaded and scraped.
      name: 'models-loaded',
      query: `count(${requestSuccess}{${sel}})`,
      successCondition: `len(result) > 0 && result[0] >= ${modelCount}`,
    },
  ];
}

/** Name of the AnalysisTemplate comparing two versions of a model served side by side (ADR 0022). */
export const AB_ANALYSIS_TEMPLATE_NAME = 'inference-ab';
/** Its arguments; the chart gives each the value of the site's split (baseline = the larger weight). */
export const AB_ARGS = { model: 'model', baseline: 'baseline-version', candidate: 'candidate-version' } as const;

/**
 * How much worse the candidate may be than the baseline before the comparison fails: accuracy on the shared
 * eval set (absolute), p95 latency (ratio) and 5xx ratio (absolute, on top of the baseline's).
 */
export const AB_TOLERANCE = { accuracyDrop: 0.01, latencyRatio: 1.25, errorRatioIncrease: 0.005 } as const;

/**
 * Candidate vs baseline of one model, both served by the same pods (the server splits per request), so the
 * series are told apart by the `version` label, not by the pod template hash. Accuracy is traffic-independent
 * and fails on missing data (both versions must be scraped); latency and errors pass without traffic.
 */
export function abComparisonAnalysis(namespace: string): AnalysisMetricSpec[] {
  const version = (arg: string): string => `namespace="${namespace}", model="{{args.${AB_ARGS.model}}}", version="{{args.${arg}}}"`;
  const [cand, base] = [version(AB_ARGS.candidate), version(AB_ARGS.baseline)];
  const w = ANALYSIS_TIMING.rateWindow;
  const requests = INFERENCE_METRICS.requests.name;
  const duration = INFERENCE_METRICS.duration.name;
  const accuracy = INFERENCE_METRICS.accuracy.name;
  const errorRatio = (sel: string): string => `((sum(rate(${requests}{${sel}, code=~"5.."}[${w}])) or vector(0)) / sum(rate(${requests}{${sel}}[${w}])))`;
  const p95 = (sel: string): string => `histogram_quantile(0.95, sum by (le) (rate(${duration}_bucket{${sel}}[${w}])))`;
  return [
    {
      name: 'accuracy-vs-baseline',
      query: `min(${accuracy}{${cand}}) - max(${accuracy}{${base}})`,
      successCondition: `len(result) > 0 && result[0] >= -${formatThreshold(AB_TOLERANCE.accuracyDrop)}`,
    },
    {
      name: 'latency-p95-vs-baseline',
      query: `${p95(cand)} / ${p95(base)}`,
      successCondition: passIfNoTraffic(`<= ${formatThreshold(AB_TOLERANCE.latencyRatio)}`),
    },
    {
      name: 'error-ratio-vs-baseline',
      query: `${errorRatio(cand)} - ${errorRatio(base)}`,
      successCondition: passIfNoTraffic(`<= ${formatThreshold(AB_TOLERANCE.errorRatioIncrease)}`),
    },
  ];
}
