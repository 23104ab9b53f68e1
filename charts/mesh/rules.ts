/**
 * Mesh alerts, on series that exist at a mesh site: kube-state-metrics (deployments and pods of the control
 * plane and the meshed namespaces) and the Linkerd proxy's own `identity_cert_expiration_timestamp_seconds`
 * (linkerd/linkerd2-proxy release/v2.210.4, the proxy of stable-2.14.10: linkerd/proxy/identity-client/src/
 * metrics.rs), scraped by the chart's `linkerd-proxy` PodMonitor on the `linkerd-admin` port 4191.
 */
import { RuleModule, SeriesInput } from '../../lib/constructs/rules';
import { THRESHOLDS } from '../../lib/constructs/thresholds';
import { MESHED_NAMESPACES } from '../../lib/constructs/mesh';
import { LINKERD_NAMESPACE } from './names';

const LAYER = { layer: 'mesh' } as const;

/** The injector's webhook fails open (`webhookFailurePolicy: Ignore`): a pod created while it is down runs without a proxy. */
const PROXY_MISSING_FOR = THRESHOLDS.linkerdProxyMissingFor;
const CONTROL_PLANE_DOWN_FOR = THRESHOLDS.linkerdControlPlaneDownFor;
const CERT_MIN_REMAINING_SECONDS = THRESHOLDS.linkerdCertMinRemainingHours * 3600;
const CERT_EXPIRING_FOR = THRESHOLDS.linkerdCertExpiringFor;

/**
 * `namespaces`: where meshed pods run (a namespace without pods at a site simply never alerts). `controllers`: the
 * namespaces of the mesh's own Deployments (the control plane, and linkerd-smi's adaptor where it runs).
 */
export function meshRules(namespaces: readonly string[] = MESHED_NAMESPACES, controllers: readonly string[] = [LINKERD_NAMESPACE]): RuleModule {
  const nsRegex = namespaces.join('|');
  const controllerNs = controllers.length === 1 ? `namespace="${controllers[0]}"` : `namespace=~"${controllers.join('|')}"`;
  const testNs = namespaces[0];
  const pod = `${testNs}-server-0`;
  const podInfo = (createdBy: string): SeriesInput => ({
    series: `kube_pod_info{created_by_kind="${createdBy}", namespace="${testNs}", node="node-a", pod="${pod}"}`,
    values: '1x60',
  });
  const proxyContainer: SeriesInput = { series: `kube_pod_container_info{container="linkerd-proxy", namespace="${testNs}", pod="${pod}"}`, values: '1x60' };
  const appContainer: SeriesInput = { series: `kube_pod_container_info{container="server", namespace="${testNs}", pod="${pod}"}`, values: '1x60' };
  const available = (deployment: string, v: string): SeriesInput => ({
    series: `kube_deployment_status_replicas_available{deployment="${deployment}", namespace="${LINKERD_NAMESPACE}"}`,
    values: v,
  });
  // promtool evaluates at `evalTime` seconds after 0: an expiry at 30m + 1h is 1 h away at 30m.
  const expiry = (secondsAt30m: number): SeriesInput => ({
    series: `identity_cert_expiration_timestamp_seconds{namespace="${testNs}", pod="${pod}"}`,
    values: `${1800 + secondsAt30m}x60`,
  });
  return {
    name: 'edge-ai-mesh',
    groups: [
      {
        name: 'mesh-alerts',
        rules: [
          {
            alert: 'LinkerdControlPlaneDown',
            expr: `max by (namespace, deployment) (kube_deployment_status_replicas_available{${controllerNs}}) < 1`,
            for: CONTROL_PLANE_DOWN_FOR,
            severity: 'critical',
            labels: { ...LAYER },
            summary: 'Linkerd control plane component {{ $labels.deployment }} has no available pod',
            description:
              `Deployment {{ $labels.deployment }} in namespace {{ $labels.namespace }} has had no available replica for ${CONTROL_PLANE_DOWN_FOR}. ` +
              'Without identity, proxies cannot renew their certificates (meshed traffic fails within hours); without the injector, new pods start unmeshed; without destination, meshed clients lose discovery' +
              (controllers.length > 1 ? '; without the smi-adaptor, canary weight changes are not applied (the last split stays).' : '.'),
            runbook: 'linkerd-control-plane-down',
          },
          {
            alert: 'LinkerdProxyMissing',
            // Job pods (the Ollama model bootstrap) are never meshed: a proxy would keep them from completing.
            expr:
              `max by (namespace, pod, node) (kube_pod_info{namespace=~"${nsRegex}", created_by_kind!="Job"})\n` +
              `unless on (namespace, pod)\nmax by (namespace, pod) (kube_pod_container_info{namespace=~"${nsRegex}", container="linkerd-proxy"})`,
            for: PROXY_MISSING_FOR,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Pod {{ $labels.pod }} runs without a Linkerd proxy',
            description: `Pod {{ $labels.pod }} in the meshed namespace {{ $labels.namespace }} (node {{ $labels.node }}) has had no linkerd-proxy container for ${PROXY_MISSING_FOR}: its traffic is plaintext. It was created while the proxy injector was unreachable (the webhook fails open), or before the mesh was enabled.`,
            runbook: 'linkerd-proxy-missing',
          },
          {
            alert: 'LinkerdProxyCertificateExpiring',
            expr: `min by (namespace, pod) (identity_cert_expiration_timestamp_seconds) - time() < ${CERT_MIN_REMAINING_SECONDS}`,
            for: CERT_EXPIRING_FOR,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'The mTLS certificate of the proxy in {{ $labels.pod }} is not being renewed',
            description: `The Linkerd proxy of pod {{ $labels.pod }} (namespace {{ $labels.namespace }}) holds a certificate that expires in less than ${CERT_MIN_REMAINING_SECONDS / 3600} h; proxies renew at 70 % of the 24 h lifetime, so identity is failing to issue (identity down, or the issuer certificate Terraform created has expired).`,
            runbook: 'linkerd-proxy-certificate-expiring',
          },
        ],
      },
    ],
    tests: [
      {
        alert: 'LinkerdControlPlaneDown',
        cases: [
          {
            name: 'identity has no available pod',
            input: [available('linkerd-identity', '0x20'), available('linkerd-destination', '1x20')],
            evalTime: '10m',
            expect: [{ severity: 'critical', labels: { deployment: 'linkerd-identity', namespace: LINKERD_NAMESPACE } }],
          },
          { name: 'every component available', input: [available('linkerd-identity', '1x20'), available('linkerd-destination', '1x20')], evalTime: '10m', expect: [] },
        ],
      },
      {
        alert: 'LinkerdProxyMissing',
        cases: [
          { name: 'a server pod without proxy', input: [podInfo('StatefulSet'), appContainer], evalTime: '30m', expect: [{ severity: 'warning', labels: { namespace: testNs, node: 'node-a', pod } }] },
          { name: 'a server pod with its proxy', input: [podInfo('StatefulSet'), appContainer, proxyContainer], evalTime: '30m', expect: [] },
          { name: 'a Job pod without proxy (by design)', input: [podInfo('Job'), appContainer], evalTime: '30m', expect: [] },
        ],
      },
      {
        alert: 'LinkerdProxyCertificateExpiring',
        cases: [
          { name: 'one hour left', input: [expiry(3600)], evalTime: '30m', expect: [{ severity: 'warning', labels: { namespace: testNs, pod } }] },
          { name: 'a fresh 24 h certificate', input: [expiry(86400)], evalTime: '30m', expect: [] },
        ],
      },
    ],
  };
}
