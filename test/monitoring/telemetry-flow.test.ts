/**
 * Issue 13: every site's logs and traces reach the hub through a persistent queue, its metrics through
 * remote_write; the hub renders its backends, datasources, fleet rules and dashboards; a fleet without a hub
 * keeps telemetry at the sites.
 */
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { hubEndpoints, resolveHubEndpoints, resolveHubSettings } from '../../charts/monitoring/hub-endpoints';
import { fleetRules } from '../../charts/monitoring/fleet-rules';
import { hubAlertmanagerConfig, hubReleases } from '../../charts/monitoring/hub-stack';
import { collectorSizes, telemetryBuffer } from '../../charts/monitoring/sizing';
import { alertsOf } from '../../lib/constructs/rules';
import { Catalog, HubSettings } from '../../lib/model/site';
import { Site } from '../../lib/model/schema';
import { resolveSite } from '../../lib/synth/render';
import { HELM_CHARTS } from '../../lib/model/versions';
import { hubOutput } from '../../lib/synth/hub';
import { findAll, findResource, K8sObject, repoCatalog, sampleSite, siteFromYaml } from '../helpers';
import { monitoringObjects, release, releases, SAMPLE_SITES, sampleFleet } from './support';

type Config = { extensions: Record<string, unknown>; receivers: Record<string, unknown>; processors: Record<string, unknown>; exporters: Record<string, any>; service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> } }; // eslint-disable-line @typescript-eslint/no-explicit-any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const values = (site: string, name: string): any => release(sampleSite(site), name).values;
const hub = resolveHubSettings({ catalog: repoCatalog() }) as HubSettings;

/** Every component a pipeline or the service names is declared; every declared one is used. */
function declaredAndUsed(c: Config): string[] {
  const problems: string[] = [];
  for (const [name, p] of Object.entries(c.service.pipelines)) {
    for (const [kind, list] of [['receivers', p.receivers], ['processors', p.processors], ['exporters', p.exporters]] as const) {
      for (const id of list) if (!(id in c[kind])) problems.push(`pipeline ${name}: ${kind.slice(0, -1)} ${id} is not declared`);
    }
  }
  for (const id of c.service.extensions) if (!(id in c.extensions)) problems.push(`extension ${id} is not declared`);
  const used = new Set(Object.values(c.service.pipelines).flatMap((p) => [...p.receivers, ...p.processors, ...p.exporters]));
  for (const kind of ['receivers', 'processors', 'exporters'] as const) for (const id of Object.keys(c[kind])) if (!used.has(id)) problems.push(`${kind} ${id} is declared but unused`);
  for (const e of Object.values(c.exporters)) {
    const storage = e?.sending_queue?.storage;
    if (storage && !c.service.extensions.includes(storage)) problems.push(`sending_queue.storage ${storage} is not an enabled extension`);
  }
  return problems;
}

describe('site gateway: traces and logs to the hub with a persistent queue', () => {
  it.each(SAMPLE_SITES)('%s: both pipelines export to the hub OTLP endpoint, queue on file storage, retry forever; none only to debug', (name) => {
    const v = values(name, 'otel-collector');
    const c = v.alternateConfig as Config;
    expect(Object.keys(c.service.pipelines).sort()).toEqual(['logs', 'traces']);
    expect(declaredAndUsed(c)).toEqual([]);
    for (const p of Object.values(c.service.pipelines)) {
      expect(p.processors[0]).toBe('memory_limiter');
      expect(p.exporters).not.toEqual(['debug']);
      for (const id of p.exporters) {
        const e = c.exporters[id];
        expect(e.endpoint).toBe(hub.otlpEndpoint);
        expect(e.sending_queue).toEqual(expect.objectContaining({ enabled: true, storage: 'file_storage/queue' }));
        expect(e.retry_on_failure).toEqual(expect.objectContaining({ enabled: true, max_elapsed_time: 0 }));
      }
    }
    // The queue's directory is the StatefulSet's PVC, sized from the site's monitoring disk.
    const buffer = telemetryBuffer(sampleSite(name));
    expect(v.mode).toBe('statefulset');
    expect(v.statefulset.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(`${buffer.volumeGiB}Gi`);
    expect(v.extraVolumeMounts).toEqual([{ name: v.statefulset.volumeClaimTemplates[0].metadata.name, mountPath: (c.extensions['file_storage/queue'] as { directory: string }).directory }]);
    expect(c.exporters['otlp_http/hub-logs'].sending_queue.queue_size).toBe(buffer.queueSize.logs);
    expect(c.exporters['otlp_http/hub'].sending_queue.queue_size).toBe(buffer.queueSize.traces);
    // site and ring on every span and log record.
    expect(c.processors['resource/site']).toEqual({ attributes: [{ key: 'site', value: name, action: 'upsert' }, { key: 'ring', value: String(sampleSite(name).ring), action: 'upsert' }] });
  });

  it('memory_limiter and the pod limit are sized from the smallest node', () => {
    const small = siteFromYaml('name: small\nlocation: lab\nring: 0\nnodes:\n  - { name: n1, ip: 10.9.0.1, arch: arm64, cpuCores: 4, memoryGiB: 4 }\n');
    const big = siteFromYaml('name: big\nlocation: lab\nring: 0\nnodes:\n  - { name: n1, ip: 10.9.0.1, arch: amd64, cpuCores: 8, memoryGiB: 16 }\n');
    expect(collectorSizes(small).gateway.memoryMiB).toBe(128);
    expect(collectorSizes(big).gateway.memoryMiB).toBe(416);
    const limiter = (s: typeof small) => (release(s, 'otel-collector').values as { alternateConfig: Config }).alternateConfig.processors.memory_limiter;
    expect(limiter(small)).toEqual({ check_interval: '1s', limit_mib: 102, spike_limit_mib: 25 });
    expect(limiter(big)).toEqual({ check_interval: '1s', limit_mib: 332, spike_limit_mib: 83 });
  });

  it('the buffer budget in docs/monitoring.md is the one the code sizes', () => {
    const doc = readFileSync('docs/monitoring.md', 'utf8');
    for (const name of SAMPLE_SITES) {
      const site = sampleSite(name);
      const b = telemetryBuffer(site);
      expect(doc).toContain(`| ${name} | ${site.nodes.length} | ${b.volumeGiB} GiB | ${b.hours} h |`);
    }
    expect(telemetryBuffer(sampleSite('factory-floor')).hours).toBeGreaterThanOrEqual(24);
  });

  it('the gateway leaves the site only on the hub ports and admits the log agents', () => {
    const p = findResource(monitoringObjects(sampleSite('office')), 'NetworkPolicy', 'allow-otel-collector', 'monitoring');
    expect(p.spec.egress).toEqual([{ to: [expect.objectContaining({ ipBlock: expect.anything() })], ports: [{ protocol: 'TCP', port: 4318 }] }]);
    expect(p.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values).toContain('monitoring-node');
  });
});

describe('log agent', () => {
  it.each(SAMPLE_SITES)('%s: a DaemonSet of the pinned chart in monitoring-node, filelog on /var/log/pods, k8s metadata, site and ring, to the gateway', (name) => {
    const r = release(sampleSite(name), 'otel-agent');
    expect(r.chart).toBe(HELM_CHARTS.otelCollector);
    expect(r.namespace).toBe('monitoring-node');
    const v = r.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v.mode).toBe('daemonset');
    const c = v.alternateConfig as Config;
    expect(declaredAndUsed(c)).toEqual([]);
    expect(c.service.pipelines).toEqual({ logs: { receivers: ['filelog'], processors: ['memory_limiter', 'k8sattributes', 'resource/site', 'batch'], exporters: ['otlp_grpc'] } });
    const filelog = c.receivers.filelog as { include: string[]; operators: { type: string }[]; storage: string };
    expect(filelog.include).toEqual(['/var/log/pods/*/*/*.log']);
    expect(filelog.operators.map((o) => o.type)).toEqual(['container']);
    expect(c.service.extensions).toContain(filelog.storage);
    // The gateway's Service (release otel-collector, OTLP/gRPC).
    expect(c.exporters.otlp_grpc.endpoint).toBe('otel-collector.monitoring.svc:4317');
    expect(v.extraVolumeMounts).toContainEqual({ name: 'varlogpods', mountPath: '/var/log/pods', readOnly: true });
    expect(v.securityContext).toEqual(expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }));
  });

  it('may reach only the gateway (and is scraped by Prometheus)', () => {
    const p = findResource(monitoringObjects(sampleSite('warehouse')), 'NetworkPolicy', 'allow-otel-agent', 'monitoring-node');
    expect(p.spec.egress).toHaveLength(1);
    expect(p.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 4317 }]);
  });
});

describe('metrics to the hub', () => {
  it.each(SAMPLE_SITES)('%s: remote_write to the hub receiver with the queue for intermittent links, external labels site and ring', (name) => {
    const spec = values(name, 'kube-prometheus-stack').prometheus.prometheusSpec;
    expect(spec.externalLabels).toEqual({ site: name, ring: String(sampleSite(name).ring) });
    expect(spec.remoteWrite).toEqual([expect.objectContaining({ name: 'hub', url: hub.prometheusRemoteWriteUrl, queueConfig: expect.objectContaining({ maxShards: 2, retryOnRateLimit: true }) })]);
  });

  it('hub endpoints resolve to the ports the NetworkPolicies open (https and no credentials: test/synth/fleet.test.ts)', () => {
    expect(resolveHubEndpoints({ catalog: repoCatalog() })).toEqual({ otlpEndpoint: hub.otlpEndpoint, otlpPort: 4318, remoteWriteUrl: hub.prometheusRemoteWriteUrl, remoteWritePort: 443 });
    expect(hubEndpoints({ ...hub, otlpEndpoint: 'https://otlp.example.com/', prometheusRemoteWriteUrl: 'https://prom.example.com:9443/api/v1/write' })).toMatchObject({ otlpEndpoint: 'https://otlp.example.com', otlpPort: 443, remoteWritePort: 9443 });
  });
});

describe('hub', () => {
  const files = hubOutput(sampleFleet(), repoCatalog());
  const telemetry = yaml.loadAll(files.find((f) => f.path === 'hub/telemetry.k8s.yaml')?.content ?? '') as K8sObject[];

  it('renders the backends as Argo CD Applications of pinned charts into the hub, under their own project', () => {
    const apps = findAll(telemetry, 'Application');
    expect(apps.map((a) => [a.metadata.name, a.spec.source.chart, a.spec.source.targetRevision])).toEqual([
      ['hub-prometheus', 'kube-prometheus-stack', HELM_CHARTS.kubePrometheusStack.version],
      ['hub-loki', 'loki', HELM_CHARTS.loki.version],
      ['hub-tempo', 'tempo', HELM_CHARTS.tempo.version],
      ['hub-otel-gateway', 'opentelemetry-collector', HELM_CHARTS.otelCollector.version],
    ]);
    for (const a of apps) expect(a.spec.project).toBe('edge-hub-telemetry');
    const project = findResource(telemetry, 'AppProject', 'edge-hub-telemetry', 'argocd');
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'monitoring' }]);
  });

  it('receiver, retention from the hub settings, datasources for metrics, logs and traces', () => {
    const [prom, loki, tempo, gateway] = hubReleases(hub).map((r) => r.values as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(prom.prometheus.prometheusSpec).toEqual(expect.objectContaining({ enableRemoteWriteReceiver: true, retention: `${hub.retentionDays.metrics}d` }));
    expect(loki.loki.limits_config.retention_period).toBe(`${hub.retentionDays.logs * 24}h`);
    expect(tempo.tempo.retention).toBe(`${hub.retentionDays.traces * 24}h`);
    expect(prom.grafana.additionalDataSources.map((d: { type: string }) => d.type)).toEqual(['prometheus', 'loki', 'tempo']);
    // The OTLP gateway routes traces to Tempo and logs to Loki; every component it names is declared.
    expect(declaredAndUsed(gateway.alternateConfig)).toEqual([]);
    expect(hubReleases(undefined)).toEqual([]);
  });

  it('a site that stopped reporting silences its other alerts at the hub Alertmanager', () => {
    expect(hubAlertmanagerConfig(hub.receiver).inhibit_rules).toContainEqual({ source_matchers: ['alertname = "SiteNotReporting"'], target_matchers: ['alertname != "SiteNotReporting"'], equal: ['site'] });
  });

  describe('the hub Alertmanager notifies fleet.yaml alerting.hubReceiver (else defaultReceiver)', () => {
    const withAlerting = (alerting: Record<string, unknown>): Catalog => ({ ...repoCatalog(), fleet: { ...repoCatalog().fleet, alerting: { ...repoCatalog().fleet.alerting, ...alerting } } });
    const am = (catalog: Catalog): any => (hubReleases(resolveHubSettings({ catalog }))[0].values as Record<string, any>).alertmanager; // eslint-disable-line @typescript-eslint/no-explicit-any

    it('pages the platform team through the mounted Secret, repeating by severity', () => {
      const values = am(withAlerting({ hubReceiver: { type: 'pagerduty', secretName: 'fleet-pagerduty', secretKey: 'routingKey' } }));
      expect(values.alertmanagerSpec.secrets).toEqual(['fleet-pagerduty']);
      expect(values.config.route.receiver).toBe('fleet');
      expect(values.config.route.routes).toContainEqual({ receiver: 'fleet', matchers: ['severity = "critical"'], repeat_interval: '1h' });
      expect(values.config.receivers).toEqual([{ name: 'null' }, { name: 'fleet', pagerduty_configs: [{ routing_key_file: '/etc/alertmanager/secrets/fleet-pagerduty/routingKey', send_resolved: true }] }]);
    });

    it('falls back to defaultReceiver, and notifies nobody when that is none', () => {
      const slack = am(withAlerting({ hubReceiver: undefined, defaultReceiver: { type: 'slack', secretName: 'alerts-slack', secretKey: 'url' } }));
      expect(slack.config.receivers[1]).toMatchObject({ name: 'fleet', slack_configs: [{ api_url_file: '/etc/alertmanager/secrets/alerts-slack/url' }] });
      const none = am(withAlerting({ hubReceiver: undefined, defaultReceiver: { type: 'none', secretKey: 'url' } }));
      expect([none.config.route.receiver, none.config.receivers, none.alertmanagerSpec.secrets]).toEqual(['null', [{ name: 'null' }], []]);
    });

  });

  it('one SiteNotReporting rule for any number of sites; the canary is the lowest ring', () => {
    const sites = Array.from({ length: 50 }, (_, i) => ({ name: `s${i}`, ring: i % 3, availabilityBudget: 0.005 }));
    const module = fleetRules(sites);
    expect(module && alertsOf(module).filter((a) => a.alert === 'SiteNotReporting')).toHaveLength(1);
    const info = module?.groups[0].rules.filter((r) => 'record' in r && r.record === 'fleet:site:info') ?? [];
    expect(info).toHaveLength(50);
    expect(info.filter((r) => r.labels?.canary === 'true').map((r) => r.labels?.ring)).toEqual(Array(17).fill('0'));
    expect(fleetRules([])).toBeUndefined();
  });
});

describe('a fleet without a hub', () => {
  const noHub = { ...repoCatalog(), fleet: { ...repoCatalog().fleet, hub: { retentionDays: { metrics: 30, logs: 14, traces: 7 } } } };
  const releasesWith = (site: Site, catalog: Catalog) =>
    resolveSite({ site, file: `sites/${site.name}.yaml`, catalog }).view.releases.filter((r) => r.layer === 'monitoring').map((r) => r.release);

  it('renders no agent, no logs pipeline, no remote_write and no hub backends', () => {
    const site = sampleSite('office');
    const rs = releasesWith(site, noHub);
    expect(rs.map((r) => r.name)).not.toContain('otel-agent');
    const kps = rs.find((r) => r.name === 'kube-prometheus-stack')!.values as { prometheus: { prometheusSpec: { remoteWrite: unknown[] } } };
    expect(kps.prometheus.prometheusSpec.remoteWrite).toEqual([]);
    const otel = rs.find((r) => r.name === 'otel-collector')!.values as { alternateConfig: Config };
    expect(Object.keys(otel.alternateConfig.service.pipelines)).toEqual(['traces']);
    expect(hubOutput(sampleFleet(), noHub).map((f) => f.path)).not.toContain('hub/telemetry.k8s.yaml');
    expect(releases(sampleSite('office')).map((r) => r.name)).toContain('otel-agent');
  });

  it('refuses a hub with only one of its two endpoints, naming fleet.yaml', () => {
    const half = { ...repoCatalog(), fleet: { ...repoCatalog().fleet, hub: { ...repoCatalog().fleet.hub, prometheusRemoteWriteUrl: undefined } } };
    expect(() => resolveHubSettings({ catalog: half })).toThrow(/fleet\.yaml: hub\.prometheusRemoteWriteUrl = \(missing\): is required when the fleet has a hub/);
  });
});
