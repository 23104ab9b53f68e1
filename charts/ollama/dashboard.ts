/** The Ollama dashboard: blackbox probe health and latency, memory against the limit, CPU. */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';
import { OLLAMA_PROBE_JOB } from '../../lib/constructs/telemetry';
import { DEFAULT_NAMESPACE as OLLAMA_NAMESPACE } from './props';

const OLLAMA_DASHBOARD = 'ollama';

function ollama(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = dashboardBase(OLLAMA_DASHBOARD, 'Ollama', scope);
  const probe = `job="${OLLAMA_PROBE_JOB}"`;
  d.withPanel(l.timeseries('Probe success', 'Blackbox probe of /api/version: 1 = answered 2xx (Ollama has no /metrics).', 'none', [{ expr: l.sel('probe_success', probe), legend: l.legend('up') }]));
  d.withPanel(l.timeseries('Probe latency', 'Duration of the /api/version probe; spikes while a model loads.', 's', [{ expr: l.sel('probe_duration_seconds', probe), legend: l.legend('probe') }]));
  const containers = `namespace="${OLLAMA_NAMESPACE}", container!="", container!="POD"`;
  d.withPanel(
    l.timeseries('Memory vs limit', 'Working set (cAdvisor) against the container memory limit (kube-state-metrics).', 'bytes', [
      { expr: `max by (${scope === DashboardScope.Fleet ? 'site, ' : ''}pod, container) (${l.sel('container_memory_working_set_bytes', containers)})`, legend: l.legend('{{container}} working set') },
      { expr: `max by (${scope === DashboardScope.Fleet ? 'site, ' : ''}pod, container) (${l.sel('kube_pod_container_resource_limits', `namespace="${OLLAMA_NAMESPACE}", resource="memory"`)})`, legend: l.legend('{{container}} limit') },
    ]),
  );
  d.withPanel(
    l.timeseries('CPU', 'CPU cores used by the Ollama containers.', 'none', [
      { expr: `sum by (${scope === DashboardScope.Fleet ? 'site, ' : ''}container) (rate(${l.sel('container_cpu_usage_seconds_total', containers)}[$__rate_interval]))`, legend: l.legend('{{container}}') },
    ]),
  );
  return d;
}

export const ollamaDashboard: DashboardContribution = { id: OLLAMA_DASHBOARD, build: (scope) => ollama(scope) };
