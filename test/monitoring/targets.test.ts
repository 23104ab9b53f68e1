/**
 * The constants other layers import from lib/constructs/telemetry.ts agree with what the monitoring layer really
 * deploys (chart fullnameOverrides, ports), and the workload namespaces the rules select on agree with the
 * layers that declare them; the Ollama Probe and the inference wiring use them.
 */
import { RELEASES } from '../../charts/monitoring/targets';
import { alertsOf } from '../../lib/constructs/rules';
import {
  BLACKBOX_HTTP_MODULE,
  BLACKBOX_PROBER_URL,
  MONITORING_NAMESPACE,
  OLLAMA_PROBE_JOB,
  OTEL_COLLECTOR_ENDPOINT,
  OTEL_COLLECTOR_GRPC_ENDPOINT,
  PROMETHEUS_URL,
} from '../../lib/constructs/telemetry';
import { buildSite, findAll, resolvedLayers } from '../helpers';
import { kpsValues, release, sampleSite } from './support';

describe('telemetry constants', () => {
  const site = sampleSite('factory-floor');

  it('name the Services the charts create under our fullnameOverrides', () => {
    expect(kpsValues(site).fullnameOverride).toBe(RELEASES.kubePrometheusStack);
    expect(PROMETHEUS_URL).toBe(`http://${RELEASES.kubePrometheusStack}-prometheus.${MONITORING_NAMESPACE}.svc:9090`);
    expect((release(site, 'prometheus-blackbox-exporter').values as { fullnameOverride: string }).fullnameOverride).toBe(BLACKBOX_PROBER_URL.split('.')[0]);
    expect(BLACKBOX_PROBER_URL).toBe(`${RELEASES.blackboxExporter}.${MONITORING_NAMESPACE}.svc:9115`);
    const otel = release(site, 'otel-collector').values as { fullnameOverride: string; alternateConfig: { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } } };
    expect(OTEL_COLLECTOR_ENDPOINT).toBe(`http://${otel.fullnameOverride}.${MONITORING_NAMESPACE}.svc:4318`);
    expect(OTEL_COLLECTOR_GRPC_ENDPOINT).toBe(`http://${otel.fullnameOverride}.${MONITORING_NAMESPACE}.svc:4317`);
    expect(otel.alternateConfig.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
    expect(Object.keys((release(site, 'prometheus-blackbox-exporter').values as { config: { modules: object } }).config.modules)).toEqual([BLACKBOX_HTTP_MODULE]);
  });

  it('every namespace a layer\'s alerts select is one that layer declares', () => {
    const selected: string[] = [];
    for (const layer of resolvedLayers(site).values()) {
      const own = layer.namespaces.map((n) => n.name);
      for (const a of (layer.telemetry.rules ?? []).flatMap(alertsOf)) {
        for (const m of a.expr.matchAll(/namespace="([^"]+)"/g)) {
          selected.push(`${layer.name}:${m[1]}`);
          expect(own).toContain(m[1]);
        }
      }
    }
    expect(selected).toEqual(expect.arrayContaining(['inference:inference']));
  });

  it('the Ollama Probe uses our prober, module and job name (the Ollama alerts select job="ollama")', () => {
    const probes = findAll(buildSite(site).all, 'Probe');
    expect(probes.length).toBe(1);
    expect(probes[0].spec).toEqual(expect.objectContaining({ jobName: OLLAMA_PROBE_JOB, module: BLACKBOX_HTTP_MODULE, prober: expect.objectContaining({ url: BLACKBOX_PROBER_URL }) }));
  });
});
