/**
 * The AnalysisTemplate: every query parses as PromQL, references only series the runtime really emits,
 * selects the new ReplicaSet through a label the ServiceMonitor really produces, and uses the site's SLO.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { AB_ANALYSIS_TEMPLATE_NAME, AB_ARGS, AB_TOLERANCE, ANALYSIS_TIMING, formatThreshold, maxErrorRatio, POD_TEMPLATE_HASH_ARG, POD_TEMPLATE_HASH_SERIES_LABEL } from '../../charts/inference/analysis';
import { TRITON_METRICS } from '../../charts/inference/triton';
import { abPair } from '../../charts/inference/chart';
import { PROMETHEUS_URL } from '../../lib/constructs/telemetry';
import { histogramSeries, INFERENCE_METRICS, METRIC_NAMES } from '@edge-ai/inference-contract';
import { findResource, K8sObject } from '../helpers';
import { inferenceObjects } from './sites';

interface Selector {
  readonly metric: string;
  /** Label matchers `name` → quoted value as written. */
  readonly matchers: Readonly<Record<string, string>>;
}

interface Parsed {
  readonly errors: string[];
  readonly selectors: Selector[];
}

/** Parses PromQL with the Prometheus UI's own grammar; collects error nodes and every vector selector. */
function parsePromQL(expr: string): Parsed {
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const text = (n: { from: number; to: number } | null) => (n ? expr.slice(n.from, n.to) : '');
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.type.isError) errors.push(`error at ${ref.from}: ${JSON.stringify(expr.slice(Math.max(0, ref.from - 10), ref.to + 10))}`);
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const matchers: Record<string, string> = {};
      for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        matchers[text(m.getChild('LabelName'))] = text(m.getChild('StringLiteral'));
      }
      selectors.push({ metric: text(node.getChild('Identifier')), matchers });
    },
  });
  return { errors, selectors };
}

/** Every series name the project server exposes on /metrics (histograms expanded). */
const SERVER_SERIES = new Set(
  METRIC_NAMES.flatMap((n) => (Object.values(INFERENCE_METRICS).some((m) => m.name === n && m.type === 'histogram') ? histogramSeries(n) : [n])),
);

const template = (objects: K8sObject[]) => findResource(objects, 'AnalysisTemplate', 'inference-slo', 'inference');
const queries = (t: K8sObject): string[] => t.spec.metrics.map((m: { provider: { prometheus: { query: string } } }) => m.provider.prometheus.query);

describe('PromQL parsing (sanity)', () => {
  it('flags a broken expression, so a passing parse means something', () => {
    expect(parsePromQL('sum(rate(x[2m]) /').errors).not.toEqual([]);
    expect(parsePromQL('sum(rate(x{a="b"}[2m]))').errors).toEqual([]);
  });
});

describe.each([
  ['onnx (project server)', {}, SERVER_SERIES],
  ['triton', { nodes: 'nuc-and-pi' as const, inference: 'runtime: triton\nresources: { cpuMillicores: 1000, memoryMiB: 2048 }' }, new Set<string>(Object.values(TRITON_METRICS))],
])('AnalysisTemplate for %s', (_name, opts, emitted) => {
  const t = template(inferenceObjects(opts));

  it('takes the new ReplicaSet hash as its only argument', () => {
    expect(t.spec.args).toEqual([{ name: POD_TEMPLATE_HASH_ARG }]);
  });

  it.each(queries(t).map((q, i) => [t.spec.metrics[i].name, q]))('%s: the query parses as PromQL without error nodes', (_metric, q) => {
    expect(parsePromQL(q).errors).toEqual([]);
    // The same holds once Argo Rollouts has substituted a real hash.
    expect(parsePromQL(q.replaceAll(`{{args.${POD_TEMPLATE_HASH_ARG}}}`, '7d9f8c6b5')).errors).toEqual([]);
  });

  it('references only series the runtime emits', () => {
    const used = new Set(queries(t).flatMap((q) => parsePromQL(q).selectors.map((sel) => sel.metric)));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((m) => !emitted.has(m))).toEqual([]);
  });

  it('scopes every selector to the namespace and the new ReplicaSet', () => {
    const selectors = queries(t).flatMap((q) => parsePromQL(q).selectors);
    expect(selectors.length).toBeGreaterThan(0);
    for (const sel of selectors) {
      expect(sel.matchers).toEqual(
        expect.objectContaining({ namespace: '"inference"', [POD_TEMPLATE_HASH_SERIES_LABEL]: `"{{args.${POD_TEMPLATE_HASH_ARG}}}"` }),
      );
    }
  });

  it('queries the site Prometheus with the shared cadence', () => {
    for (const m of t.spec.metrics) {
      expect(m.provider.prometheus.address).toBe(PROMETHEUS_URL);
      expect(m).toEqual(expect.objectContaining({ interval: ANALYSIS_TIMING.interval, count: ANALYSIS_TIMING.count, failureLimit: ANALYSIS_TIMING.failureLimit }));
    }
  });

  it('has one check that fails on missing data, so an unobserved canary cannot pass by silence', () => {
    const strict = t.spec.metrics.filter((m: { successCondition: string }) => m.successCondition.startsWith('len(result) > 0'));
    expect(strict).toHaveLength(1);
  });
});

describe('SLO thresholds from the inventory', () => {
  const conditions = (slo: string) =>
    Object.fromEntries(template(inferenceObjects({ inference: `slo: ${slo}` })).spec.metrics.map((m: { name: string; successCondition: string }) => [m.name, m.successCondition]));

  it('error ratio ≤ 1 - availabilityTarget and p95 ≤ latencyP95Seconds', () => {
    const c = conditions('{ availabilityTarget: 0.99, latencyP95Seconds: 0.25 }');
    expect(c['error-ratio']).toBe('len(result) == 0 || isNaN(result[0]) || result[0] <= 0.01');
    expect(c['latency-p95']).toBe('len(result) == 0 || isNaN(result[0]) || result[0] <= 0.25');
    expect(c['model-accuracy']).toBe('len(result) > 0 && result[0] >= 0');
  });

  it('prints thresholds without float noise', () => {
    expect(maxErrorRatio({ availabilityTarget: 0.995, latencyP95Seconds: 0.05, latencyTarget: 0.99 })).toBe(0.005);
    expect(formatThreshold(1 - 0.995)).toBe('0.005');
  });

  it('p95 comes from the server histogram', () => {
    const q = queries(template(inferenceObjects({}))).find((x) => x.includes('histogram_quantile'));
    expect(q).toContain(`histogram_quantile(0.95, sum by (model, le) (rate(${INFERENCE_METRICS.duration.name}_bucket{`);
  });
});

describe('the hash label the queries filter on', () => {
  it('is the Argo Rollouts pod label the ServiceMonitor copies onto the series (Prometheus sanitises "-" to "_")', () => {
    const sm = findResource(inferenceObjects({}), 'ServiceMonitor', 'inference-server', 'inference');
    expect(sm.spec.podTargetLabels.map((l: string) => l.replace(/[^a-zA-Z0-9_]/g, '_'))).toContain(POD_TEMPLATE_HASH_SERIES_LABEL);
  });
});

describe('without monitoring', () => {
  it('renders no AnalysisTemplate and no ServiceMonitor (their CRDs and Prometheus are absent)', () => {
    const objects = inferenceObjects({ monitoring: 'enabled: false' });
    expect(objects.filter((o) => ['AnalysisTemplate', 'ServiceMonitor'].includes(o.kind))).toEqual([]);
  });
});

describe('A/B comparison template (ADR 0022)', () => {
  const abSite = { inference: 'traffic: { bearing-anomaly: { "1.0.0": 90, "1.1.0": 10 } }' };
  const template = (): K8sObject => findResource(inferenceObjects(abSite), 'AnalysisTemplate', AB_ANALYSIS_TEMPLATE_NAME, 'inference');

  it('exists only on a site that splits traffic between versions', () => {
    expect(inferenceObjects({}).some((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === AB_ANALYSIS_TEMPLATE_NAME)).toBe(false);
    expect(inferenceObjects({ inference: 'traffic: { bearing-anomaly: { "1.0.0": 100, "1.1.0": 0 } }' }).some((o) => o.metadata.name === AB_ANALYSIS_TEMPLATE_NAME)).toBe(false);
    expect(template().spec.args).toEqual([
      { name: AB_ARGS.model, value: 'bearing-anomaly' },
      { name: AB_ARGS.baseline, value: '1.0.0' },
      { name: AB_ARGS.candidate, value: '1.1.0' },
    ]);
  });

  it('compares candidate and baseline by version label on accuracy, p95 latency and error ratio, in valid PromQL', () => {
    const metrics = template().spec.metrics as { name: string; successCondition: string; provider: { prometheus: { query: string } } }[];
    expect(metrics.map((m) => m.name)).toEqual(['accuracy-vs-baseline', 'latency-p95-vs-baseline', 'error-ratio-vs-baseline']);
    for (const m of metrics) {
      const { errors, selectors } = parsePromQL(m.provider.prometheus.query);
      expect({ metric: m.name, errors }).toEqual({ metric: m.name, errors: [] });
      const versions = selectors.map((s) => s.matchers.version);
      expect(new Set(versions)).toEqual(new Set([`"{{args.${AB_ARGS.candidate}}}"`, `"{{args.${AB_ARGS.baseline}}}"`]));
      for (const s of selectors) expect(s.matchers).toMatchObject({ namespace: '"inference"', model: `"{{args.${AB_ARGS.model}}}"` });
    }
    // Accuracy fails on missing data; the request-based checks pass without traffic.
    expect(metrics[0].successCondition).toBe(`len(result) > 0 && result[0] >= -${AB_TOLERANCE.accuracyDrop}`);
    expect(metrics[1].successCondition).toContain(`result[0] <= ${AB_TOLERANCE.latencyRatio}`);
    expect(metrics[2].successCondition).toContain(`result[0] <= ${AB_TOLERANCE.errorRatioIncrease}`);
  });

  it('takes the larger weight as baseline', () => {
    expect(abPair({ m: { '1.0.0': 10, '1.1.0': 90 } })).toEqual({ model: 'm', baseline: '1.1.0', candidate: '1.0.0' });
    expect(abPair({ m: { '1.0.0': 50, '1.1.0': 50 } })).toEqual({ model: 'm', baseline: '1.0.0', candidate: '1.1.0' });
    expect(abPair({ m: { '1.0.0': 100 } })).toBeUndefined();
  });
});
