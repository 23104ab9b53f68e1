/**
 * The metric contract: every PromQL expression the platform renders (PrometheusRules, Argo Rollouts
 * AnalysisTemplates, Grafana dashboards in ConfigMaps) parses, and every metric it names is emitted by an
 * exporter deployed at that site or recorded by a recording rule of that site.
 */
import { metricsOf, Exporter, exporterOf, METRIC_CATALOGUE } from '../../lib/constructs/metrics';
import { hubExporters, siteExporters as exportersAt } from '../../tools/monitoring/artifacts';
import { checkMetricContract, collectExpressions, dashboardExpressions, parsePromql, substituteGrafanaVariables } from '../../tools/monitoring/promql';
import { INFERENCE_METRICS, METRIC_NAMES } from '@edge-ai/inference-contract';
import { Site } from '../../lib/model/schema';
import { buildSite, K8sObject, repoCatalog, siteFromYaml } from '../helpers';

const siteExporters = (site: Site): Exporter[] => exportersAt({ site, file: `sites/${site.name}.yaml` }, repoCatalog());
import { distObjects, hubObjects, SAMPLE_SITES, sampleFleet, sampleSite } from './support';

function violations(objects: readonly K8sObject[], known: ReadonlySet<string>): string[] {
  return checkMetricContract(collectExpressions(objects), known).map((v) => `${v.where}: ${v.problem}`);
}

describe('PromQL parsing', () => {
  it('lists the metric names of vector selectors, not functions, labels or recorded-rule arithmetic', () => {
    expect(parsePromql('histogram_quantile(0.95, sum by (le, model) (rate(inference_duration_seconds_bucket{model!="_unknown"}[5m])))').metrics).toEqual([
      'inference_duration_seconds_bucket',
    ]);
    expect(parsePromql('a / on (pod) group_left (node) max by (pod, node) (kube_pod_info) or absent(up{job="x"})').metrics).toEqual(['a', 'kube_pod_info', 'up']);
    expect(parsePromql('{__name__="probe_success", job="ollama"} == 0').metrics).toEqual(['probe_success']);
    expect(parsePromql('sum(rate(x[5m])) by (job)').errors).toEqual([]);
  });

  it('reports syntax errors', () => {
    expect(parsePromql('sum(rate(x[5m])').errors.length).toBeGreaterThan(0);
    expect(parsePromql('foo{').errors.length).toBeGreaterThan(0);
    expect(parsePromql('').errors).toEqual(['empty expression']);
  });

  it('turns Grafana variables into PromQL of the same kind before parsing', () => {
    const expr = substituteGrafanaVariables('rate(x{site=~"$site", pod="${pod}"}[$__rate_interval])');
    expect(parsePromql(expr)).toEqual({ metrics: ['x'], errors: [] });
  });

  it('finds panel targets (in rows too) and query variables of a dashboard', () => {
    const found = dashboardExpressions(
      {
        panels: [{ title: 'a', targets: [{ expr: 'up' }] }, { type: 'row', panels: [{ title: 'b', targets: [{ expr: 'rate(x[$__rate_interval])' }] }] }],
        templating: { list: [{ type: 'query', name: 'site', query: 'label_values(kube_node_info, site)' }, { type: 'custom', name: 'c', query: 'a,b' }] },
      },
      'd',
    );
    expect(found.map((f) => f.expr)).toEqual(['up', 'rate(x[5m])', 'kube_node_info']);
  });
});

describe('metric catalogue', () => {
  it('takes the inference server metrics from packages/inference-contract/src/metrics.ts, histograms as _bucket/_sum/_count', () => {
    const server = METRIC_CATALOGUE[Exporter.InferenceServer];
    for (const name of METRIC_NAMES) {
      if (name === INFERENCE_METRICS.duration.name || name === 'nodejs_gc_duration_seconds') {
        expect(server).toEqual(expect.arrayContaining([`${name}_bucket`, `${name}_sum`, `${name}_count`]));
        expect(server).not.toContain(name);
      } else {
        expect(server).toContain(name);
      }
    }
  });

  it('has no ollama_* series: Ollama exposes no /metrics (ollama/ollama#3144)', () => {
    expect(Object.values(METRIC_CATALOGUE).flat().filter((m) => m.startsWith('ollama_'))).toEqual([]);
  });

  it('deploys exporters per site: blackbox only with Ollama, Argo CD only in pull mode, the runtime of the site', () => {
    expect(siteExporters(sampleSite('office'))).not.toContain(Exporter.BlackboxExporter);
    expect(siteExporters(sampleSite('factory-floor'))).toContain(Exporter.BlackboxExporter);
    expect(siteExporters(sampleSite('factory-floor'))).not.toContain(Exporter.ArgoCd);
    expect(siteExporters(sampleSite('warehouse'))).toContain(Exporter.ArgoCd);
    expect(siteExporters(sampleSite('warehouse'))).toContain(Exporter.InferenceServer);
    expect(siteExporters(sampleSite('warehouse'))).not.toContain(Exporter.Triton);
    expect(hubExporters(sampleFleet(), repoCatalog())).toContain(Exporter.ArgoCd);
    expect(exporterOf('probe_success')).toBe(Exporter.BlackboxExporter);
    expect(exporterOf('ollama_requests_total')).toBeUndefined();
  });
});

describe.each(SAMPLE_SITES)('metric contract of %s (rendered in memory, every layer)', (name) => {
  const site = sampleSite(name);
  const all = buildSite(site).all;
  const known = metricsOf(siteExporters(site));

  it('has PromQL to check (rules of the monitoring layer, analysis of the inference layer)', () => {
    const found = collectExpressions(all);
    expect(found.filter((f) => f.where.startsWith('PrometheusRule/')).length).toBeGreaterThan(10);
    expect(found.some((f) => f.where.startsWith('AnalysisTemplate/'))).toBe(true);
  });

  it('parses every expression and names only metrics of exporters deployed here (or recorded here)', () => {
    expect(violations(all, known)).toEqual([]);
  });
});

describe('metric contract of dist/ (what Argo CD applies)', () => {
  const dist = distObjects();
  const fleet = new Map(sampleFleet().map((s) => [s.site.name, s.site]));

  it('covers every sample site', () => {
    for (const s of SAMPLE_SITES) expect(dist.has(s)).toBe(true);
  });

  it.each(SAMPLE_SITES)('%s: every expression passes', (name) => {
    const objects = dist.get(name) ?? [];
    expect(collectExpressions(objects).length).toBeGreaterThan(10);
    expect(violations(objects, metricsOf(siteExporters(fleet.get(name)!)))).toEqual([]);
  });

  it('hub: the fleet dashboards and Argo CD rules read only series the hub receives', () => {
    const sites = sampleFleet();
    // dist/hub/monitoring/monitoring.k8s.yaml once hubMonitoringOutput is registered in FLEET_OUTPUTS; rendered here until then.
    const inDist = dist.get('hub')?.filter((o) => o.metadata?.labels?.['app.kubernetes.io/component'] === 'monitoring') ?? [];
    const hub = inDist.length ? inDist : hubObjects(sites);
    // The hub sees the sites' recording rules through remote_write: they count as known there.
    const recorded = sites.flatMap((s) => collectExpressions(buildSite(s.site).layers.monitoring ?? []).flatMap((e) => (e.records ? [e.records] : [])));
    const known = new Set([...metricsOf(hubExporters(sites, repoCatalog())), ...recorded]);
    expect(collectExpressions(hub).length).toBeGreaterThan(5);
    expect(violations(hub, known)).toEqual([]);
  });
});

describe('negative: the contract catches what the seed got wrong', () => {
  const rule = (expr: string): K8sObject => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'bad', namespace: 'monitoring' },
    spec: { groups: [{ name: 'g', rules: [{ alert: 'Bad', expr }] }] },
  });
  const office = sampleSite('office');
  const known = metricsOf(siteExporters(office));

  it('an alert on an ollama_* series nobody exports', () => {
    expect(violations([rule('rate(ollama_requests_total[5m]) > 1')], known)).toEqual([
      'PrometheusRule/monitoring/bad: groups[0].rules[0] (Bad): reads "ollama_requests_total", which no exporter deployed here emits and no recording rule here records',
    ]);
  });

  it('a probe alert at a site without the blackbox exporter (no Ollama there)', () => {
    expect(violations([rule('probe_success{job="ollama"} == 0')], known)).toHaveLength(1);
  });

  it('a typo in a metric name, and an expression that does not parse', () => {
    expect(violations([rule('inference_request_total > 0')], known)).toHaveLength(1);
    expect(violations([rule('sum(rate(inference_requests_total[5m])')], known)[0]).toMatch(/does not parse as PromQL/);
  });

  it('a dashboard panel reading an unknown metric, and an AnalysisTemplate query doing so', () => {
    const dashboard: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'grafana-dashboard-x', namespace: 'monitoring', labels: { grafana_dashboard: '1' } },
      data: { 'x.json': JSON.stringify({ panels: [{ title: 'p', targets: [{ expr: 'rate(nv_gpu_utilization[$__rate_interval])' }] }] }) },
    };
    const analysis: K8sObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'a', namespace: 'inference' },
      spec: { metrics: [{ name: 'errors', provider: { prometheus: { query: 'sum(rate(http_requests_total{job="{{args.service}}"}[5m]))' } } }] },
    };
    expect(violations([dashboard, analysis], known)).toHaveLength(2);
  });

  it('a Triton series at a site running the project server, but not at a Triton site', () => {
    const triton = siteFromYaml(`name: gpu-site
location: lab
ring: 0
nodes: [{ name: nuc, ip: 10.9.0.1, arch: amd64, cpuCores: 8, memoryGiB: 32 }]
layers: { inference: { runtime: triton }, ollama: { enabled: false } }
`);
    const expr = [rule('sum(rate(nv_inference_request_failure[5m])) > 0')];
    expect(violations(expr, known)).toHaveLength(1);
    expect(violations(expr, metricsOf(siteExporters(triton)))).toEqual([]);
  });

  it('a recorded series counts as known only where its recording rule is rendered', () => {
    const recordAndUse: K8sObject = {
      ...rule('model:x:rate5m > 1'),
      spec: { groups: [{ name: 'g', rules: [{ record: 'model:x:rate5m', expr: 'sum(rate(inference_requests_total[5m]))' }, { alert: 'A', expr: 'model:x:rate5m > 1' }] }] },
    };
    expect(violations([recordAndUse], known)).toEqual([]);
    expect(violations([rule('model:x:rate5m > 1')], known)).toHaveLength(1);
  });
});
