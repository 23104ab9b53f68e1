/**
 * Alerts of the policies layer, on Kyverno's own series (pkg/metrics and pkg/engine/metrics.go of kyverno v1.13.6, exported through
 * OpenTelemetry's Prometheus exporter, which appends `_total` to counters):
 * - `kyverno_policy_results_total{policy_name, rule_name, rule_result, rule_execution_cause, resource_kind}`:
 *   one per rule evaluation, at admission and in background scans (`resource_namespace` is dropped by the
 *   chart's default metricsExposure);
 * - `up` of the admission controller's pod target (the chart's PodMonitor, job KYVERNO_JOB, container
 *   KYVERNO_ADMISSION_CONTAINER).
 */
import { RuleModule, SeriesInput } from '../../lib/constructs/rules';
import { KYVERNO_ADMISSION_CONTAINER, KYVERNO_JOB } from './names';

const LAYER = { layer: 'policies' } as const;
/** Window in which a failed rule evaluation counts as a current violation. */
const VIOLATION_WINDOW = '15m';
const DOWN_FOR = '10m';

export function policiesRules(): RuleModule {
  const results = (result: string, values: string): SeriesInput => ({
    series: `kyverno_policy_results_total{policy_name="edge-resources", resource_kind="Deployment", rule_execution_cause="background_scan", rule_name="pod-controllers", rule_result="${result}"}`,
    values,
  });
  const admission = `job="${KYVERNO_JOB}", container="${KYVERNO_ADMISSION_CONTAINER}"`;
  const up = (v: string): SeriesInput => ({ series: `up{container="${KYVERNO_ADMISSION_CONTAINER}", job="${KYVERNO_JOB}", namespace="kyverno", pod="kyverno-admission-controller-0"}`, values: v });
  const violated = { policy_name: 'edge-resources', resource_kind: 'Deployment', rule_name: 'pod-controllers' };
  return {
    name: 'edge-ai-policies',
    groups: [
      {
        name: 'policies-alerts',
        rules: [
          {
            alert: 'PolicyViolations',
            expr: `sum by (policy_name, rule_name, resource_kind) (increase(kyverno_policy_results_total{rule_result=~"fail|error"}[${VIOLATION_WINDOW}])) > 0`,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Objects violate admission policy {{ $labels.policy_name }}',
            description: `Rule {{ $labels.rule_name }} of policy {{ $labels.policy_name }} failed on {{ $labels.resource_kind }} objects in the last ${VIOLATION_WINDOW} (denied pods, or audited pod controllers and background-scan findings).`,
            runbook: 'policy-violations',
          },
          {
            alert: 'KyvernoAdmissionControllerDown',
            expr: `max by (job, container) (up{${admission}}) == 0\nor\nabsent(up{${admission}})`,
            for: DOWN_FOR,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Kyverno admission controller is down: admission policies are not enforced',
            description: `The Kyverno admission controller has not been scraped for ${DOWN_FOR}. Its webhooks fail open (failurePolicy Ignore), so deploys go on, unchecked.`,
            runbook: 'kyverno-admission-controller-down',
          },
        ],
      },
    ],
    tests: [
      {
        alert: 'PolicyViolations',
        cases: [
          { name: 'a rule fails every minute', input: [results('fail', '0+1x30')], evalTime: '20m', expect: [{ severity: 'warning', labels: violated }] },
          { name: 'only passes', input: [results('pass', '0+1x30'), results('fail', '3x30')], evalTime: '20m', expect: [] },
        ],
      },
      {
        alert: 'KyvernoAdmissionControllerDown',
        cases: [
          { name: 'target down', input: [up('0x20')], evalTime: '15m', expect: [{ severity: 'warning', labels: { job: KYVERNO_JOB, container: KYVERNO_ADMISSION_CONTAINER } }] },
          { name: 'no target at all', input: [{ series: 'up{job="other"}', values: '1x20' }], evalTime: '15m', expect: [{ severity: 'warning', labels: { job: KYVERNO_JOB, container: KYVERNO_ADMISSION_CONTAINER } }] },
          { name: 'target up', input: [up('1x20')], evalTime: '15m', expect: [] },
        ],
      },
    ],
  };
}
