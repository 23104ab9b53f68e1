/** Names of the policies layer that tests, rules and the dashboard share (stable: Argo CD prunes renamed objects). */

/** Namespace of the Kyverno controllers. Kyverno leaves its own namespace out of its webhooks (excludeKyvernoNamespace). */
export const POLICIES_NAMESPACE = 'kyverno';
/** Helm release name; the chart's fullname is then `kyverno`. */
export const KYVERNO_RELEASE = 'kyverno';
/** Port the admission controller's webhook server listens on (chart value admissionController.webhookServer.port). */
export const KYVERNO_WEBHOOK_PORT = 9443;
/** Port of the controllers' Prometheus metrics (chart value <controller>.metering.port / metricsService.port). */
export const KYVERNO_METRICS_PORT = 8000;
/**
 * `job` label of the admission controller's series: the chart's ServiceMonitor scrapes the Service
 * `<fullname>-svc-metrics` (templates/admission-controller/metricsservice.yaml), and the job is the Service name.
 */
export const KYVERNO_ADMISSION_JOB = 'kyverno-svc-metrics';
/**
 * Annotation that switches off Kyverno's pod-controller autogen: the policies match Pods and every pod
 * controller explicitly (docs/decisions/0027-admission-policies.md), so the harness in tools/policy sees exactly
 * what Kyverno evaluates.
 */
export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';
