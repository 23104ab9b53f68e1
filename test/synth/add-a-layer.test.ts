/**
 * README "How to add a layer", as a test: a new monitored layer with its own workload, alert, scrape target and
 * Helm release is ONE definition (what `charts/<layer>/index.ts` exports) plus ONE registry entry. Baseline,
 * monitoring, gitops and the capacity check pick it up through the registry; nothing else is edited.
 */
import { Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { chartLabels, selectorLabels } from '../../lib/constructs/labels';
import { defineLayer, LayerDefinition } from '../../lib/constructs/layer';
import { HardenedDeployment } from '../../lib/constructs/workload';
import { HELM_CHARTS } from '../../lib/model/versions';
import { LAYERS } from '../../lib/synth/registry';
import { renderSite } from '../../lib/synth/render';
import { validateManifests, formatIssue } from '../../tools/validate';
import { K8sObject, repoCatalog, sampleSite } from '../helpers';

const IMAGE = 'ghcr.io/example/vision-counter:1.4.2';

/** The whole "folder" of the demo layer: resolver, namespace, telemetry, release, chart. */
const visionLayer = defineLayer({
  name: 'vision',
  // Resolved once: the layer runs at ring-0 sites with an amd64 node (a stand-in for a real inventory section).
  resolve: ({ site }) => (site.ring === 0 && site.nodes.some((n) => n.arch === 'amd64') ? { site: site.name, replicas: 1 } : undefined),
  namespaces: () => [{ name: 'vision', layer: 'vision', podSecurity: 'restricted' }],
  telemetry: () => ({
    scrapes: [{ name: 'vision-counter', namespace: 'vision', serviceLabels: selectorLabels('vision-counter'), portName: 'http', port: 8080 }],
    workloadAlerts: true,
    rules: [
      {
        name: 'edge-ai-vision',
        groups: [
          {
            name: 'vision',
            rules: [
              {
                alert: 'VisionCounterDown',
                expr: 'up{job="vision-counter"} == 0\nor\nabsent(up{job="vision-counter"})',
                for: '5m',
                severity: 'warning',
                labels: { layer: 'vision' },
                summary: 'The vision counter is not scraped',
                description: 'Prometheus has not scraped the vision counter for 5m.',
                runbook: 'vision-counter-down',
              },
            ],
          },
        ],
        tests: [],
      },
    ],
  }),
  releases: () => [
    {
      // A chart already pinned in lib/model/versions.ts; a new chart adds its pin there (versions in one place).
      name: 'vision-gateway',
      chart: HELM_CHARTS.otelCollector,
      namespace: 'vision',
      values: { replicaCount: 1 },
      syncWave: -1,
      requests: [{ name: 'vision-gateway', cpuMillicores: 50, memoryMiB: 64, podCpuMillicores: 50, podMemoryMiB: 64 }],
    },
  ],
  build: (scope, props) => {
    const chart = new Chart(scope, 'vision', { labels: chartLabels(props.site, 'vision'), disableResourceNameHashes: true });
    new HardenedDeployment(chart, 'counter', {
      name: 'vision-counter',
      namespace: 'vision',
      replicas: props.replicas,
      selector: selectorLabels('vision-counter'),
      architectures: ['amd64'],
      containers: [
        {
          name: 'counter',
          image: IMAGE,
          ports: [{ name: 'http', containerPort: 8080 }],
          resources: { cpuMillicores: 100, memoryMiB: 128 },
          liveness: { path: '/healthz', port: 'http' },
          readiness: { path: '/readyz', port: 'http' },
        },
      ],
    });
    return chart;
  },
});

/** The one registry line: the new layer goes before monitoring (which renders the layers' telemetry). */
const REGISTRY = [...LAYERS.slice(0, LAYERS.findIndex((l) => l.name === 'monitoring')), visionLayer, ...LAYERS.slice(LAYERS.findIndex((l) => l.name === 'monitoring'))];

function render(siteName: string, layers: readonly LayerDefinition[] = REGISTRY) {
  const site = sampleSite(siteName);
  const rendered = renderSite({ site, file: `sites/${site.name}.yaml`, catalog: repoCatalog() }, layers);
  const files = new Map(rendered.files.map((f) => [f.path.split('/').pop()!.replace(/\.k8s\.yaml$/, ''), yaml.loadAll(f.content).filter(Boolean) as K8sObject[]]));
  return { rendered, files, all: [...files.values()].flat() };
}

describe('adding a monitored layer = one layer definition + one registry line', () => {
  const withVision = render('factory-floor');
  const without = render('factory-floor', LAYERS);
  const ofKind = (file: string, kind: string) => (withVision.files.get(file) ?? []).filter((o) => o.kind === kind);

  it('renders the layer\'s own file with its workload', () => {
    expect(ofKind('vision', 'Deployment').map((d) => d.spec.template.spec.containers[0].image)).toEqual([IMAGE]);
  });

  it('baseline creates and protects its namespace (Pod Security, default deny)', () => {
    const ns = ofKind('baseline', 'Namespace').find((n) => n.metadata.name === 'vision');
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ofKind('baseline', 'NetworkPolicy').some((p) => p.metadata.namespace === 'vision')).toBe(true);
  });

  it('monitoring renders its alert, its ServiceMonitor and lets Prometheus reach it', () => {
    const alerts = ofKind('monitoring', 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((x) => x.alert)));
    expect(alerts).toContain('VisionCounterDown');
    expect(ofKind('monitoring', 'ServiceMonitor').map((m) => m.metadata.name)).toContain('vision-counter');
    const added = withVision.all.filter((o) => o.kind === 'NetworkPolicy').length - without.all.filter((o) => o.kind === 'NetworkPolicy').length;
    expect(added).toBeGreaterThan(0);
  });

  it('gitops installs its Helm release as an Argo CD Application, and the capacity check counts it', () => {
    const app = withVision.all.find((o) => o.kind === 'Application' && o.metadata.name.endsWith('-vision-gateway'));
    expect(app?.spec.source.targetRevision).toBe(HELM_CHARTS.otelCollector.version);
    expect(app?.spec.destination.namespace).toBe('vision');
    const req = (r: typeof withVision) => r.rendered.summary.requests;
    expect(req(withVision).cpuMillicores - req(without).cpuMillicores).toBe(100 + 50);
  });

  it('Alertmanager inhibits its alerts while their node is NotReady', () => {
    const kps = withVision.all.find((o) => o.kind === 'Application' && o.metadata.name.endsWith('-kube-prometheus-stack'));
    const inhibit: { source_matchers: string[]; target_matchers: string[] }[] = kps?.spec.source.helm.valuesObject.alertmanager.config.inhibit_rules ?? [];
    const nodeNotReady = inhibit.find((r) => r.source_matchers.includes('alertname = "NodeNotReady"'));
    expect(nodeNotReady?.target_matchers).toEqual(['layer =~ "inference|ollama|falco|vision"']);
  });

  it('everything still passes the closed-world schema check', () => {
    expect(validateManifests(withVision.all).map(formatIssue)).toEqual([]);
  });

  it('is off everywhere its resolver says so: no namespace, no alert, no Application', () => {
    const office = render('office');
    expect(office.files.has('vision')).toBe(false);
    const traces = office.all.filter(
      (o) => o.metadata.namespace === 'vision' || o.metadata.name === 'vision' || o.metadata.name.endsWith('-vision-gateway') || JSON.stringify(o.spec ?? {}).includes('VisionCounterDown'),
    );
    expect(traces.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });
});
