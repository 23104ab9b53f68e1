/**
 * What a layer contributes to the monitoring of its site (STYLE: "a layer owns its telemetry"). The monitoring
 * layer renders it: rules as PrometheusRules, dashboards as ConfigMaps, probes through the blackbox exporter it
 * installs, scrape targets as ServiceMonitors, and the NetworkPolicy edges between its pods and the layer's.
 * A layer that is off contributes nothing, so none of its alerts can fire at a site that does not run it.
 */
import { DashboardContribution } from './dashboard';
import { Exporter } from './metrics';
import { RuleModule } from './rules';

/** A blackbox probe the layer renders (a `Probe`): the exporter must reach `namespace` on `port`. */
export interface ProbeTarget {
  /** `Probe.spec.jobName`: the `job` label of `probe_success` (alerts select it). */
  readonly job: string;
  readonly namespace: string;
  readonly port: number;
}

/** A scrape target the monitoring layer renders a ServiceMonitor for (workloads that cannot bring their own). */
export interface ScrapeTarget {
  /** ServiceMonitor name; the `job` label of its series is the Service name. */
  readonly name: string;
  readonly namespace: string;
  readonly serviceLabels: Readonly<Record<string, string>>;
  readonly portName: string;
  readonly port: number;
}

export interface TelemetryContribution {
  /** Recording and alerting rules with their promtool cases. @default none */
  readonly rules?: readonly RuleModule[];
  /** Grafana dashboards (site and fleet scope). @default none */
  readonly dashboards?: readonly DashboardContribution[];
  /** Exporters the layer runs: its rules and dashboards may use their metrics (the metric contract). @default none */
  readonly exporters?: readonly Exporter[];
  /** `Probe`s the layer renders. @default none */
  readonly probes?: readonly ProbeTarget[];
  /** ServiceMonitors the monitoring layer renders for the layer. @default none */
  readonly scrapes?: readonly ScrapeTarget[];
  /** Namespaces whose pods export OTLP to the site collector. @default none */
  readonly otlpClients?: readonly string[];
  /**
   * The layer's alerts carry `layer: <name>` and concern pods on a node: Alertmanager inhibits them while
   * that node is NotReady. @default false
   */
  readonly workloadAlerts?: boolean;
}

/**
 * Exporters whose series exist where these contributions are rendered: the declared ones, plus the blackbox
 * exporter that runs every probe, plus Prometheus' own series. Sorted.
 */
export function exportersOf(contributions: readonly TelemetryContribution[]): Exporter[] {
  const out = new Set<Exporter>([Exporter.Prometheus]);
  for (const c of contributions) {
    for (const e of c.exporters ?? []) out.add(e);
    if ((c.probes ?? []).length > 0) out.add(Exporter.BlackboxExporter);
  }
  return [...out].sort();
}

