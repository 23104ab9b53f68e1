/**
 * Object names of the Falco layer: a public contract (Argo CD prunes by name, alerts and the ServiceMonitor
 * select by them). The chart's names follow from `fullnameOverride` and the release name (templates/_helpers.tpl
 * of falco 9.1.0: objects are `<fullname>`, the metrics Service `<fullname>-metrics`).
 */

export const FALCO_NAMESPACE = 'falco';
/** Helm release (and Application `<site>-falco-runtime`): an Application may not be named like the layer. */
export const FALCO_RELEASE = 'falco-runtime';
/** `fullnameOverride`: the DaemonSet, ConfigMaps and ServiceAccount are named `falco`. */
export const FALCO_FULLNAME = 'falco';
/** The DaemonSet's pods (`falco.selectorLabels`: the chart name and the release name). */
export const FALCO_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'falco', 'app.kubernetes.io/instance': FALCO_RELEASE };
/** templates/service.yaml: `<fullname>-metrics`, labelled `type: falco-metrics`; also the `job` label of its series. */
export const FALCO_METRICS_SERVICE = `${FALCO_FULLNAME}-metrics`;
export const FALCO_METRICS_SERVICE_LABELS: Readonly<Record<string, string>> = { ...FALCO_POD_LABELS, type: 'falco-metrics' };
/** Falco's webserver (`falco.webserver.listen_port`): /healthz and, with `metrics.enabled`, /metrics. */
export const FALCO_METRICS_PORT = 8765;
/** Port name of the metrics Service (templates/service.yaml). */
export const FALCO_METRICS_PORT_NAME = 'metrics';
/** Tag of every platform rule: Falco exports it as the label `tag_edge_ai="true"` on rules_matches. */
export const PLATFORM_RULE_TAG = 'edge_ai';
