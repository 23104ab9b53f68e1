/**
 * The stack per site: Helm releases with pinned charts and values from the inventory, sized for a Pi,
 * K3s-aware, secrets referenced (never inlined), namespaces with the right Pod Security level, and the
 * NetworkPolicies the pods need on top of the baseline default-deny.
 */
import { monitoringNamespaces } from '../../charts/monitoring';
import { InputError } from '../../lib/model/errors';
import { HELM_CHARTS, IMAGES } from '../../lib/model/versions';
import { memoryMiB } from '../../lib/model/capacity';
import { otelCollectorValues, remoteWrite, tracesExporter } from '../../charts/monitoring/values';
import { BLACKBOX_POD_LABELS, OTEL_COLLECTOR_POD_LABELS, PROMETHEUS_POD_LABELS } from '../../lib/constructs/telemetry';
import { buildSite, findAll, findResource, resolvedLayers, siteFromYaml } from '../helpers';
import { kpsValues, monitoringObjects, release, releases, SAMPLE_SITES, sampleSite } from './support';

const yamlSite = (monitoring: string, extra = '') =>
  siteFromYaml(`name: stack-test
location: lab
ring: 0
nodes:
  - { name: n1, ip: 10.9.0.1, arch: arm64, cpuCores: 4, memoryGiB: 8 }
  - { name: n2, ip: 10.9.0.2, arch: arm64, cpuCores: 4, memoryGiB: 8, role: agent }
layers:
  monitoring: ${monitoring}
${extra}`);

describe('Helm releases', () => {
  it.each(SAMPLE_SITES)('%s: pinned charts from lib/model/versions.ts; blackbox only where Ollama runs', (name) => {
    const site = sampleSite(name);
    const byName = Object.fromEntries(releases(site).map((r) => [r.name, r]));
    expect(byName['kube-prometheus-stack'].chart).toBe(HELM_CHARTS.kubePrometheusStack);
    expect(byName['otel-collector'].chart).toBe(HELM_CHARTS.otelCollector);
    expect(Boolean(byName['prometheus-blackbox-exporter'])).toBe(site.layers.ollama.enabled);
    // The log agent (hostPath /var/log/pods) runs beside node-exporter in the privileged namespace (ADR 0024).
    expect(byName['otel-agent'].chart).toBe(HELM_CHARTS.otelCollector);
    for (const r of releases(site)) {
      expect(r.namespace).toBe(r.name === 'otel-agent' ? 'monitoring-node' : 'monitoring');
      expect(r.chart.version).toMatch(/^\d+\.\d+\.\d+$/);
      // Installed before the layers that render ServiceMonitors/Probes/PrometheusRules (CRDs).
      expect(r.syncWave).toBeLessThan(0);
    }
  });

  it('declare requests that match the values (Prometheus memory from the inventory), one node-exporter per node', () => {
    const site = sampleSite('warehouse');
    const kps = release(site, 'kube-prometheus-stack');
    const v = kpsValues(site);
    const prometheus = kps.requests.find((c) => c.name.endsWith('/prometheus'));
    expect(memoryMiB(v.prometheus.prometheusSpec.resources.requests.memory)).toBe(site.layers.monitoring.prometheusMemoryMiB);
    expect(prometheus?.podMemoryMiB).toBe(site.layers.monitoring.prometheusMemoryMiB + 32); // + config-reloader
    const nodeExporter = kps.requests.find((c) => c.name.endsWith('/node-exporter'));
    expect(nodeExporter?.memoryMiB).toBe((nodeExporter?.podMemoryMiB ?? 0) * site.nodes.length);
    for (const r of releases(site)) for (const c of r.requests) expect(c.cpuMillicores > 0 && c.memoryMiB > 0).toBe(true);
  });

  it.each(SAMPLE_SITES)('%s: every component sets requests and limits, memory limit = request', (name) => {
    const site = sampleSite(name);
    const v = kpsValues(site);
    const all = [
      v.prometheus.prometheusSpec.resources,
      v.alertmanager.alertmanagerSpec.resources,
      v.prometheusOperator.resources,
      v.prometheusOperator.prometheusConfigReloader.resources,
      v['kube-state-metrics'].resources,
      v['prometheus-node-exporter'].resources,
      ...(site.layers.monitoring.grafana ? [v.grafana.resources, v.grafana.sidecar.resources] : []),
      ...releases(site)
        .filter((r) => r.name !== 'kube-prometheus-stack')
        .map((r) => (r.values as { resources: unknown }).resources),
    ];
    for (const r of all) {
      expect(r).toEqual({ requests: { cpu: expect.stringMatching(/m$/), memory: expect.stringMatching(/Mi$/) }, limits: { cpu: expect.stringMatching(/m$/), memory: expect.stringMatching(/Mi$/) } });
      const res = r as { requests: { memory: string }; limits: { memory: string } };
      expect(res.limits.memory).toBe(res.requests.memory);
    }
  });
});

describe('kube-prometheus-stack values', () => {
  it('retention, storage (local-path PVC) and external site label come from the inventory', () => {
    const site = sampleSite('factory-floor');
    const spec = kpsValues(site).prometheus.prometheusSpec;
    expect(spec.retention).toBe('7d');
    expect(spec.externalLabels).toEqual({ site: 'factory-floor', ring: '0' });
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({ storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    // Prometheus deletes old blocks before the PVC fills (WAL and compaction need the rest).
    expect(spec.retentionSize).toBe(`${Math.floor(20 * 1024 * 0.8)}MB`);
  });

  it('turns off what K3s does not expose and what a Pi cannot afford; keeps node-exporter, kube-state-metrics, kubelet', () => {
    const v = kpsValues(sampleSite('office'));
    for (const off of ['kubeEtcd', 'kubeControllerManager', 'kubeScheduler', 'kubeProxy', 'kubeApiServer', 'kubeDns', 'coreDns', 'windowsMonitoring']) {
      expect({ off, enabled: v[off].enabled }).toEqual({ off, enabled: false });
    }
    for (const on of ['nodeExporter', 'kubeStateMetrics', 'kubelet']) expect({ on, enabled: v[on].enabled }).toEqual({ on, enabled: true });
    expect(v.defaultRules.rules.etcd).toBe(false);
    expect(v.defaultRules.rules.kubeSchedulerAlerting).toBe(false);
    expect(v.defaultRules.rules.nodeExporterAlerting).toBe(true);
    expect(v.prometheusOperator.admissionWebhooks.enabled).toBe(false);
  });

  it('Grafana per site from the inventory, with the admin password from a Secret', () => {
    expect(kpsValues(sampleSite('office')).grafana.enabled).toBe(false);
    const g = kpsValues(sampleSite('factory-floor')).grafana;
    expect(g.enabled).toBe(true);
    expect(g.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(g.adminPassword).toBeUndefined();
    expect(g.sidecar.dashboards).toEqual(expect.objectContaining({ label: 'grafana_dashboard', labelValue: '1' }));
  });

  it('remote_write with basic auth from a Secret (never inline), https only', () => {
    const site = yamlSite('{ remoteWriteUrl: "https://metrics.example.com/api/v1/write", remoteWriteSecretName: central-metrics }');
    expect(kpsValues(site).prometheus.prometheusSpec.remoteWrite).toEqual([
      expect.objectContaining({
        url: 'https://metrics.example.com/api/v1/write',
        basicAuth: { username: { name: 'central-metrics', key: 'username' }, password: { name: 'central-metrics', key: 'password' } },
      }),
    ]);
    // Without remoteWriteUrl: the fleet hub's receiver, with the hub Secret (docs/monitoring.md).
    expect(kpsValues(sampleSite('office')).prometheus.prometheusSpec.remoteWrite).toEqual([
      expect.objectContaining({ name: 'hub', basicAuth: { username: { name: 'hub-telemetry', key: 'username' }, password: { name: 'hub-telemetry', key: 'password' } } }),
    ]);
    const m = (s: string) => yamlSite(s).layers.monitoring;
    expect(() => remoteWrite(m('{ remoteWriteUrl: "https://x.example.com/w" }'), 'f')).toThrow(/remoteWriteSecretName: is required with remoteWriteUrl/);
    expect(() => remoteWrite(m('{ remoteWriteUrl: "http://x.example.com/w", remoteWriteSecretName: s }'), 'f')).toThrow(InputError);
    expect(() => remoteWrite(m('{ remoteWriteSecretName: s }'), 'f')).toThrow(/is set without remoteWriteUrl/);
  });

  it('bad monitoring settings fail the synth with the file and field', () => {
    expect(() => buildSite(yamlSite('{ receiver: { type: webhook } }'))).toThrow(/sites\/stack-test\.yaml: layers\.monitoring\.receiver\.secretName/);
    expect(() => buildSite(yamlSite('{ tracesEndpoint: "https://tempo:4317/v1" }'))).toThrow(/layers\.monitoring\.tracesEndpoint = "https:\/\/tempo:4317\/v1": is not a host:port/);
  });
});

describe('OpenTelemetry Collector', () => {
  it('pinned image, statefulset mode (the queue volume), memory_limiter before batch, OTLP gRPC and HTTP in', () => {
    const v = otelCollectorValues(sampleSite('office'), 'sites/office.yaml') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v.image).toEqual({ repository: IMAGES.otelCollector.repository, tag: IMAGES.otelCollector.tag });
    expect(v.mode).toBe('statefulset');
    const config = v.alternateConfig;
    // Without a hub: traces to `debug` only, no logs pipeline (a fleet without a hub keeps its telemetry local).
    expect(config.service.pipelines).toEqual({ traces: { receivers: ['otlp'], processors: ['memory_limiter', 'resource/site', 'batch'], exporters: ['debug'] } });
    expect(Object.keys(config.receivers.otlp.protocols).sort()).toEqual(['grpc', 'http']);
    // 4 GiB node: 2.5% = 102 MiB, at least 128 MiB; the limiter refuses data at 80%.
    expect(config.processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 102, spike_limit_mib: 25 });
  });

  it('exports to monitoring.tracesEndpoint over OTLP/gRPC, the hub without it, `debug` only in a fleet without a hub', () => {
    const m = yamlSite('{ tracesEndpoint: "tempo.example.com:4317" }').layers.monitoring;
    expect(tracesExporter(m, 'f')).toEqual(expect.objectContaining({ name: 'otlp_grpc', port: 4317, config: expect.objectContaining({ endpoint: 'tempo.example.com:4317' }) }));
    expect(tracesExporter(sampleSite('office').layers.monitoring, 'f').name).toBe('debug');
  });
});

describe('namespaces and NetworkPolicies', () => {
  it('monitoring is restricted with API server egress; node-exporter has its own privileged namespace with a reason', () => {
    const [monitoring, node] = monitoringNamespaces();
    expect(monitoring).toEqual({ name: 'monitoring', layer: 'monitoring', podSecurity: 'restricted', apiServerEgress: true });
    expect(node.podSecurity).toBe('privileged');
    expect(node.podSecurityReason).toMatch(/hostNetwork.*hostPID.*hostPath.*log agent/);
    expect(kpsValues(sampleSite('office'))['prometheus-node-exporter'].namespaceOverride).toBe(node.name);
    expect(resolvedLayers(sampleSite('office')).get('monitoring')?.namespaces.map((n) => n.name)).toEqual(['monitoring', 'monitoring-node']);
  });

  it('Prometheus may scrape every layer namespace and the kubelets and node-exporters on the node IPs', () => {
    const site = sampleSite('factory-floor');
    const egress = findResource(monitoringObjects(site), 'NetworkPolicy', 'allow-prometheus-egress', 'monitoring');
    expect(egress.spec.podSelector.matchLabels).toEqual(PROMETHEUS_POD_LABELS);
    // Exactly the namespaces of the site's enabled layers (those the baseline layer creates).
    const layerNamespaces = findAll(buildSite(site).layers.baseline, 'Namespace').map((n) => n.metadata.name).sort();
    expect(layerNamespaces).toEqual(expect.arrayContaining(['inference', 'monitoring', 'monitoring-node', 'ollama']));
    expect(egress.spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values).toEqual(layerNamespaces);
    expect(egress.spec.egress[1]).toEqual({ to: site.nodes.map((n) => ({ ipBlock: { cidr: `${n.ip}/32` } })), ports: [{ protocol: 'TCP', port: 10250 }, { protocol: 'TCP', port: 9100 }] });
    // …the scrape targets layers declare (Falco's metrics port at factory-floor)…
    expect(egress.spec.egress[2]).toEqual({ to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['falco'] }] } }], ports: [{ protocol: 'TCP', port: 8765 }] });
    // …and remote_write to the hub on its port (443 for the default hub URL), nothing else.
    expect(egress.spec.egress[3].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(egress.spec.egress).toHaveLength(4);
  });

  it('a pull-mode site scrapes its own Argo CD application controller (argocd_app_info); a hub-mode site does not', () => {
    const warehouse = monitoringObjects(sampleSite('warehouse'));
    const monitor = findResource(warehouse, 'ServiceMonitor', 'argocd-application-controller', 'monitoring');
    expect(monitor.spec).toEqual({
      namespaceSelector: { matchNames: ['argocd'] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'argocd-metrics', 'app.kubernetes.io/component': 'application-controller' } },
      endpoints: [{ port: 'http-metrics', path: '/metrics' }],
    });
    const egress = findResource(warehouse, 'NetworkPolicy', 'allow-prometheus-egress', 'monitoring');
    expect(egress.spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['argocd'] }] } }], ports: [{ protocol: 'TCP', port: 8082 }] });
    expect(findAll(monitoringObjects(sampleSite('factory-floor')), 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(['falco-metrics']);
  });

  it('Alertmanager reaches its receiver only where one is configured; blackbox reaches Ollama only where it runs', () => {
    const names = (s: string) => findAll(monitoringObjects(sampleSite(s)), 'NetworkPolicy').map((p) => p.metadata.name);
    expect(names('factory-floor')).toEqual(expect.arrayContaining(['allow-alertmanager-receiver', 'allow-blackbox-egress', 'allow-grafana-egress']));
    expect(names('office')).not.toContain('allow-alertmanager-receiver');
    expect(names('office')).not.toContain('allow-blackbox-egress');
    const blackbox = findResource(monitoringObjects(sampleSite('warehouse')), 'NetworkPolicy', 'allow-blackbox-egress', 'monitoring');
    expect(blackbox.spec.podSelector.matchLabels).toEqual(BLACKBOX_POD_LABELS);
    expect(blackbox.spec.egress).toEqual([{ to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['ollama'] }] } }], ports: [{ protocol: 'TCP', port: 11434 }] }]);
  });

  it('the collector admits OTLP from the inference namespace and the log agents only, and exports only to the traces endpoint and hub ports', () => {
    const otel = findResource(monitoringObjects(yamlSite('{ tracesEndpoint: "tempo.example.com:4317" }')), 'NetworkPolicy', 'allow-otel-collector', 'monitoring');
    expect(otel.spec.podSelector.matchLabels).toEqual(OTEL_COLLECTOR_POD_LABELS);
    expect(otel.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['inference', 'monitoring-node'] }] } }], ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] },
    ]);
    // Traces to the tracesEndpoint (4317), logs to the hub's OTLP/HTTP port (4318).
    expect(otel.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }]);
  });
});
