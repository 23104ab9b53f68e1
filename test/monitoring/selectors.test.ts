/**
 * Selection: the site Prometheus selects ServiceMonitors, PodMonitors, Probes and PrometheusRules by exactly
 * PROMETHEUS_SELECTOR_LABELS, in every namespace — and every such object the platform renders (and every
 * one the charts create, through their values) carries those labels. The known pitfall: kube-prometheus-stack
 * otherwise only selects objects with its own `release` label.
 */
import { PROMETHEUS_SELECTOR_LABELS } from '../../lib/constructs/telemetry';
import { K8sObject, buildSite } from '../helpers';
import { distObjects, hubObjects, kpsValues, release, SAMPLE_SITES, sampleSite } from './support';

const MONITORING_KINDS = ['ServiceMonitor', 'PodMonitor', 'Probe', 'PrometheusRule', 'ScrapeConfig'];

function unselected(objects: readonly K8sObject[]): string[] {
  return objects
    .filter((o) => MONITORING_KINDS.includes(o.kind))
    .filter((o) => Object.entries(PROMETHEUS_SELECTOR_LABELS).some(([k, v]) => o.metadata.labels?.[k] !== v))
    .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
}

describe('Prometheus selects exactly PROMETHEUS_SELECTOR_LABELS', () => {
  it.each(SAMPLE_SITES)('%s: kube-prometheus-stack selectors are the selector labels, NilUsesHelmValues off, all namespaces', (name) => {
    const spec = kpsValues(sampleSite(name)).prometheus.prometheusSpec;
    for (const kind of ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig']) {
      expect({ kind, nil: spec[`${kind}SelectorNilUsesHelmValues`] }).toEqual({ kind, nil: false });
      expect({ kind, selector: spec[`${kind}Selector`] }).toEqual({ kind, selector: { matchLabels: PROMETHEUS_SELECTOR_LABELS } });
      expect({ kind, namespaces: spec[`${kind}NamespaceSelector`] }).toEqual({ kind, namespaces: {} });
    }
  });

  it.each(SAMPLE_SITES)('%s: every monitoring object rendered at the site (all layers) carries the labels', (name) => {
    const all = buildSite(sampleSite(name)).all;
    expect(all.filter((o) => MONITORING_KINDS.includes(o.kind)).length).toBeGreaterThan(2);
    expect(unselected(all)).toEqual([]);
  });

  it('every monitoring object in dist/ and of the hub carries the labels', () => {
    expect(unselected([...distObjects().values()].flat())).toEqual([]);
    expect(unselected(hubObjects())).toEqual([]);
  });

  it('the check is not vacuous: an unlabelled ServiceMonitor and one with the chart release label are reported', () => {
    const sm = (labels: Record<string, string>): K8sObject => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x', namespace: 'y', labels }, spec: {} });
    expect(unselected([sm({}), sm({ release: 'kube-prometheus-stack' }), sm({ ...PROMETHEUS_SELECTOR_LABELS })])).toEqual(['ServiceMonitor/y/x', 'ServiceMonitor/y/x']);
  });

  it('the monitors and rules the charts create themselves get the labels through their values', () => {
    const site = sampleSite('factory-floor');
    const v = kpsValues(site);
    const labelled = [
      v.defaultRules.labels,
      v.kubelet.serviceMonitor.additionalLabels,
      v['kube-state-metrics'].prometheus.monitor.additionalLabels,
      v['prometheus-node-exporter'].prometheus.monitor.additionalLabels,
      v.prometheusOperator.serviceMonitor.additionalLabels,
      v.prometheus.serviceMonitor.additionalLabels,
      v.alertmanager.serviceMonitor.additionalLabels,
      v.grafana.serviceMonitor.labels,
      (release(site, 'prometheus-blackbox-exporter').values as { serviceMonitor: { selfMonitor: { labels: unknown } } }).serviceMonitor.selfMonitor.labels,
      (release(site, 'otel-collector').values as { serviceMonitor: { extraLabels: unknown } }).serviceMonitor.extraLabels,
    ];
    for (const l of labelled) expect(l).toEqual(PROMETHEUS_SELECTOR_LABELS);
  });
});
