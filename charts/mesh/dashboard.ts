/**
 * The mesh dashboard: how much of the meshed servers' inbound traffic is mTLS, what the proxies cost, and how far
 * their certificates are from expiring. Proxy series: linkerd2-proxy v2.210.4 (tcp_open_total carries
 * `direction`, `peer` and `tls="true"` for mTLS connections: linkerd/app/core/src/transport/labels.rs;
 * identity_cert_expiration_timestamp_seconds: linkerd/proxy/identity-client/src/metrics.rs).
 */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardContribution, dashboardBase, DashboardScope, Layout } from '../../lib/constructs/dashboard';
import { MESHED_NAMESPACES } from '../../lib/constructs/mesh';

const MESH_DASHBOARD = 'mesh';

function mesh(scope: DashboardScope): DashboardBuilder {
  const l = new Layout(scope);
  const d = dashboardBase(MESH_DASHBOARD, 'Service mesh (Linkerd)', scope);
  const by = scope === DashboardScope.Fleet ? 'site, namespace' : 'namespace';
  const ns = `namespace=~"${MESHED_NAMESPACES.join('|')}"`;
  const inbound = `${ns}, direction="inbound", peer="src"`;
  d.withPanel(
    l.timeseries('mTLS share of inbound connections', 'Connections accepted by the meshed servers\' proxies that were mutually authenticated (tls="true"); the rest come from unmeshed clients (Prometheus, probes, the Ollama bootstrap, unmeshed apps).', 'percentunit', [
      {
        expr: `sum by (${by}) (rate(${l.sel('tcp_open_total', `${inbound}, tls="true"`)}[$__rate_interval]))\n/\nsum by (${by}) (rate(${l.sel('tcp_open_total', inbound)}[$__rate_interval]))`,
        legend: l.legend('{{namespace}}'),
      },
    ]),
  );
  d.withPanel(
    l.timeseries('Proxy memory', 'Working set of the linkerd-proxy containers (cAdvisor); request = limit = MESH_PROXY.memoryMiB.', 'bytes', [
      { expr: `max by (${by}, pod) (${l.sel('container_memory_working_set_bytes', 'container="linkerd-proxy"')})`, legend: l.legend('{{pod}}') },
    ]),
  );
  d.withPanel(
    l.timeseries('Proxy certificate lifetime left', 'Hours until each proxy\'s mTLS certificate expires: renewed at 70 % of 24 h, so it should never fall below ~7 h (alert LinkerdProxyCertificateExpiring).', 'h', [
      { expr: `min by (${by}, pod) (${l.sel('identity_cert_expiration_timestamp_seconds')} - time()) / 3600`, legend: l.legend('{{pod}}') },
    ]),
  );
  return d;
}

export const meshDashboard: DashboardContribution = { id: MESH_DASHBOARD, build: (scope) => mesh(scope) };
