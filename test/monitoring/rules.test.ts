/**
 * Rule modules: thresholds and SLO targets from the inventory and the model metadata, groups only for the
 * layers a site runs, Argo CD rules where Argo CD runs, Triton on its own series.
 */
import { hubArgoCdRules, outOfSyncFor } from '../../charts/gitops/rules';
import { leMatcher, RECORDED } from '../../charts/inference/rules';
import { metricsOf } from '../../lib/constructs/metrics';
import { alertsOf, isAlert, RuleModule } from '../../lib/constructs/rules';
import { sloWindows, THRESHOLDS } from '../../lib/constructs/thresholds';
import { siteExporters, siteRuleModules } from '../../tools/monitoring/artifacts';
import { checkMetricContract } from '../../tools/monitoring/promql';
import { InputError } from '../../lib/model/errors';
import { Site } from '../../lib/model/schema';
import { repoCatalog, siteFromYaml } from '../helpers';
import { sampleSite } from './support';

function modules(site: Site): RuleModule[] {
  return siteRuleModules(loaded(site), repoCatalog());
}

const loaded = (site: Site) => ({ site, file: `sites/${site.name}.yaml` });

function exprOf(mods: readonly RuleModule[], alert: string, severity?: string): string[] {
  return mods.flatMap(alertsOf).filter((a) => a.alert === alert && (!severity || a.severity === severity)).map((a) => a.expr);
}

const custom = (layers: string, gitops = '') =>
  siteFromYaml(`name: rules-test
location: lab
ring: 0
nodes: [{ name: nuc, ip: 10.9.0.1, arch: amd64, cpuCores: 8, memoryGiB: 32 }]
layers:
${layers}
${gitops}`);

describe('inference rules', () => {
  it('record the SLIs for every burn-rate window, plus request rate and p95', () => {
    const records = modules(sampleSite('factory-floor'))[0].groups.flatMap((g) => g.rules.filter((r) => !isAlert(r)).map((r) => ('record' in r ? r.record : '')));
    expect(sloWindows()).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    for (const w of sloWindows()) expect(records).toEqual(expect.arrayContaining([RECORDED.errorRatio(w), RECORDED.latencyMissRatio(w)]));
    expect(records).toEqual(expect.arrayContaining([RECORDED.requestRate, RECORDED.p95]));
  });

  it('burn-rate alerts use the SLO targets of the inventory: page at 14.4x/6x, ticket at 3x/1x', () => {
    const site = custom('  inference: { slo: { availabilityTarget: 0.999, latencyTarget: 0.95, latencyP95Seconds: 0.1 } }\n  ollama: { enabled: false }');
    const mods = modules(site);
    const availability = exprOf(mods, 'InferenceAvailabilityBudgetBurn');
    expect(availability).toHaveLength(4);
    expect(availability[0]).toBe('model:inference_errors:ratio_rate1h > (14.4 * 0.001)\nand\nmodel:inference_errors:ratio_rate5m > (14.4 * 0.001)');
    expect(availability[3]).toContain('model:inference_errors:ratio_rate3d > (1 * 0.001)');
    expect(exprOf(mods, 'InferenceLatencyBudgetBurn')[1]).toContain('model:inference_latency_misses:ratio_rate6h > (6 * 0.05)');
    const sli = mods[0].groups[0].rules.map((r) => r.expr).join('\n');
    expect(sli).toContain('inference_duration_seconds_bucket{model!="_unknown", le="0.1"}[1h]');
    expect(exprOf(mods, 'HighInferenceLatency')).toEqual(['model:inference_duration_seconds:p95_rate5m > 0.1']);
    expect(mods.flatMap(alertsOf).filter((a) => a.alert.endsWith('BudgetBurn')).map((a) => `${a.severity} ${a.for}`)).toEqual(
      [...THRESHOLDS.burnRates, ...THRESHOLDS.burnRates].map((b) => `${b.severity} ${b.forDuration}`),
    );
  });

  it('count 5xx as errors among valid (non-4xx) requests of served models, and record 0 when there is none', () => {
    const sli = modules(sampleSite('office'))[0].groups[0].rules.find((r) => 'record' in r && r.record === RECORDED.errorRatio('1h'));
    expect(sli?.expr).toBe(
      '(sum by (model) (rate(inference_requests_total{model!="_unknown", code=~"5.."}[1h])) or 0 * sum by (model) (rate(inference_requests_total{model!="_unknown", code!~"4.."}[1h])))\n/\nsum by (model) (rate(inference_requests_total{model!="_unknown", code!~"4.."}[1h]))',
    );
  });

  it('match integer bucket boundaries both as Prometheus 2 ("1") and Prometheus 3 ("1.0") write them', () => {
    expect(leMatcher(0.05)).toBe('le="0.05"');
    expect(leMatcher(1)).toBe('le=~"1(\\\\.0)?"');
  });

  it('refuse a latency objective that is not a histogram bucket (or is the last one), naming file, field and fix', () => {
    const at = (s: number) => () => modules(custom(`  inference: { slo: { latencyP95Seconds: ${s} } }\n  ollama: { enabled: false }`));
    expect(at(0.03)).toThrow(InputError);
    expect(at(0.03)).toThrow(/sites\/rules-test\.yaml: layers\.inference\.slo\.latencyP95Seconds = 0\.03: is not a bucket boundary.*Fix: use one of 0\.0005, 0\.001/);
    expect(at(2.5)).toThrow(/is the largest histogram bucket/);
    expect(at(1)).not.toThrow();
  });

  it('take the minimum accuracy of each served model from its model.json', () => {
    const model = repoCatalog().onnxModels.find((m) => m.name === 'bearing-anomaly');
    expect(exprOf(modules(sampleSite('office')), 'ModelAccuracyBelowMinimum')).toEqual([`min by (model, version) (model_accuracy_score{model="bearing-anomaly"}) < ${model?.minimumAccuracy}`]);
    expect(() => modules(custom('  inference: { models: [no-such-model] }\n  ollama: { enabled: false }'))).toThrow(/layers\.inference\.models\[0\] = "no-such-model": is not a model of models\/onnx\//);
  });

  it('with runtime triton: availability from Triton counters, mean latency, no histogram or accuracy rules', () => {
    const site = custom('  inference: { runtime: triton }\n  ollama: { enabled: false }');
    const mods = modules(site);
    const names = mods.flatMap(alertsOf).map((a) => a.alert);
    expect(names).toContain('InferenceAvailabilityBudgetBurn');
    expect(names).not.toContain('InferenceLatencyBudgetBurn');
    expect(names).not.toContain('ModelAccuracyBelowMinimum');
    expect(exprOf(mods, 'HighInferenceLatency')).toEqual([`${RECORDED.mean} > 0.05`]);
    const expressions = mods.flatMap((m) => m.groups.flatMap((g) => g.rules.map((r) => ({ where: 'x', expr: r.expr, records: 'record' in r ? r.record : undefined }))));
    expect(checkMetricContract(expressions, metricsOf(siteExporters(loaded(site), repoCatalog())))).toEqual([]);
  });
});

describe('layer gating', () => {
  it('inference and Ollama groups only where those layers run', () => {
    expect(modules(sampleSite('office')).map((m) => m.name)).toEqual(['edge-ai-inference', 'edge-ai-policies', 'edge-ai-platform']);
    expect(modules(sampleSite('factory-floor')).map((m) => m.name)).toEqual(['edge-ai-inference', 'edge-ai-ollama', 'edge-ai-mesh', 'edge-ai-falco', 'edge-ai-policies', 'edge-ai-platform']);
    expect(modules(custom('  inference: { enabled: false }\n  ollama: { enabled: false }')).map((m) => m.name)).toEqual(['edge-ai-platform']);
  });

  it('Argo CD rules at pull-mode sites (Argo CD runs there); hub-mode sites get them at the hub', () => {
    const groups = (s: Site) => modules(s).flatMap((m) => m.groups.map((g) => `${m.name}/${g.name}`));
    expect(groups(sampleSite('warehouse'))).toContain('edge-ai-gitops/argocd');
    expect(groups(sampleSite('factory-floor')).filter((g) => g.endsWith('/argocd'))).toEqual([]);
    expect(alertsOf(hubArgoCdRules([sampleSite('factory-floor')])).map((a) => a.alert)).toEqual(['ArgoCDAppOutOfSync', 'ArgoCDAppDegraded']);
  });

  it('OutOfSync waits out the sync windows: 25h when a concerned site has windows, 1h otherwise', () => {
    expect(outOfSyncFor([sampleSite('factory-floor')])).toBe('1h');
    expect(outOfSyncFor([sampleSite('factory-floor'), sampleSite('office')])).toBe('25h');
    const warehouse = modules(sampleSite('warehouse')).flatMap(alertsOf).find((a) => a.alert === 'ArgoCDAppOutOfSync');
    expect(warehouse?.for).toBe('25h');
  });

  it('workload alerts carry their layer (and pod-level ones their node) for Alertmanager inhibition', () => {
    for (const a of modules(sampleSite('factory-floor')).flatMap(alertsOf)) {
      expect(['inference', 'ollama', 'mesh', 'falco', 'policies', 'platform', 'gitops']).toContain(a.labels?.layer);
      if (/CrashLooping|NearMemoryLimit|Restarting|FalcoPlatformRule|FalcoEventsDropped/.test(a.alert)) expect(a.expr).toContain('group_left (node)');
    }
  });
});
