/** Names of the policies layer that tests, rules and the dashboard share (stable: Argo CD prunes renamed objects). */

/** Namespace of the Kyverno controllers. Kyverno leaves its own namespace out of its webhooks (excludeKyvernoNamespace). */
export const POLICIES_NAMESPACE = 'kyverno';
/** Helm release name; the chart's fullname is then `kyverno`. */
export const KYVERNO_RELEASE = 'kyverno';
/** Port the admission controller's webhook server listens on (chart value admissionController.webhookServer.port). */
export const KYVERNO_WEBHOOK_PORT = 9443;
/** Port of the controllers' Prometheus metrics (chart value <controller>.metering.port / metricsService.port). */
export const KYVERNO_METRICS_PORT = 8000;
/** The PodMonitor the policies chart renders for the Kyverno controllers (the chart's ServiceMonitors are off). */
export const KYVERNO_POD_MONITOR = 'kyverno';
/** `job` of every Kyverno series: the Prometheus Operator names a PodMonitor's job `<namespace>/<name>`. */
export const KYVERNO_JOB = `${POLICIES_NAMESPACE}/${KYVERNO_POD_MONITOR}`;
/** `container` label of the admission controller's series (its container is named `kyverno` in the chart). */
export const KYVERNO_ADMISSION_CONTAINER = 'kyverno';
/** Labels the chart puts on every Kyverno controller pod (templates/_helpers labels, release `kyverno`). */
export const KYVERNO_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/part-of': 'kyverno', 'app.kubernetes.io/instance': 'kyverno' };
/** Metrics container ports: `metrics-port` on the admission controller, `metrics` on the reports controller. */
export const KYVERNO_METRICS_PORT_NAMES = ['metrics-port', 'metrics'] as const;
/**
 * Annotation that switches off Kyverno's pod-controller autogen: the policies match Pods and every pod
 * controller explicitly (docs/decisions/0027-admission-policies.md), so the harness in tools/policy sees exactly
 * what Kyverno evaluates.
 */
export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';
