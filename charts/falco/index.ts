/**
 * The Falco layer (optional, `layers.falco.enabled`; docs/decisions/0028-falco-runtime-security.md): Falco with
 * the modern eBPF driver on every node as a Helm release (release.ts), with platform rules for the inference
 * and Ollama namespaces derived from the site's layers (watch.ts, falco-rules.ts), its scrape target, alerts and
 * dashboard (rules.ts, dashboard.ts), and the NetworkPolicy for the scrape (chart.ts).
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { FalcoChart } from './chart';
import { falcoDashboard } from './dashboard';
import { FALCO_METRICS_PORT, FALCO_METRICS_PORT_NAME, FALCO_METRICS_SERVICE, FALCO_METRICS_SERVICE_LABELS, FALCO_NAMESPACE } from './names';
import { resolveFalcoProps } from './props';
import { falcoRelease } from './release';
import { falcoRules } from './rules';
import { watchedNamespaces } from './watch';

export const falcoLayer = defineLayer({
  name: 'falco',
  // Without monitoring nothing scrapes Falco: no NetworkPolicy for Prometheus (its events stay in the pod log).
  reads: ['monitoring'],
  resolve: (ctx) => resolveFalcoProps(ctx),
  namespaces: () => [
    {
      name: FALCO_NAMESPACE,
      layer: 'falco',
      podSecurity: 'privileged',
      podSecurityReason:
        'Falco loads eBPF programs into the kernel (capabilities BPF, PERFMON, SYS_RESOURCE, SYS_PTRACE) and reads /proc, /etc, /boot, /sys/kernel and the K3s containerd socket from the host',
    },
  ],
  telemetry: () => ({
    rules: [falcoRules()],
    dashboards: [falcoDashboard],
    exporters: [Exporter.Falco],
    scrapes: [{ name: FALCO_METRICS_SERVICE, namespace: FALCO_NAMESPACE, serviceLabels: FALCO_METRICS_SERVICE_LABELS, portName: FALCO_METRICS_PORT_NAME, port: FALCO_METRICS_PORT }],
    workloadAlerts: true,
  }),
  releases: (props, site) => [falcoRelease(props, watchedNamespaces(site, props.serverIps))],
  build: (scope, props) => new FalcoChart(scope, 'falco', props),
});
