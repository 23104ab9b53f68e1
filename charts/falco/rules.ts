/**
 * Falco's alerts, on the metrics Falco 0.44.1 really exports (lib/constructs/metrics.ts, Exporter.Falco) and on
 * kube-state-metrics:
 * - FalcoPlatformRuleTriggered: a platform rule (tag `edge_ai`, charts/falco/falco-rules.ts) matched. Falco only
 *   exports a rule's counter once it has matched, so the first match is a new series whose increase() is empty:
 *   a series that did not exist 10 minutes ago counts as well. Critical for priorities ERROR and above (Falco
 *   exports the priority as its number: 0 emergency … 3 error, 4 warning … 7 debug);
 * - FalcoDown: the DaemonSet has fewer ready pods than nodes, or no Falco target answers scrapes at all;
 * - FalcoEventsDropped: the kernel ring buffers drop more than 1% of the syscall events (rules go blind).
 */
import { num, RuleModule, SeriesInput } from '../../lib/constructs/rules';
import { FALCO_METRICS_SERVICE, FALCO_NAMESPACE, FALCO_FULLNAME, PLATFORM_RULE_TAG } from './names';

const LAYER = { layer: 'falco' } as const;
/** Thresholds of the Falco alerts (one place, the kubernetes-mixin `_config` convention). */
export const FALCO_THRESHOLDS = {
  /** A platform rule match keeps the alert firing this long. */
  matchWindow: '10m',
  /** Pods missing or not ready this long (an image pull on a Pi takes minutes). */
  downFor: '10m',
  /** Dropped / captured syscall events above this ratio… */
  dropRatio: 0.01,
  /** …for this long (a short burst during a build or an image pull is normal). */
  dropFor: '15m',
} as const;

/** Attaches the Falco pod's node so that Alertmanager can inhibit the alert while that node is NotReady. */
const ON_NODE = `* on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info{namespace="${FALCO_NAMESPACE}"})`;

export function falcoRules(): RuleModule {
  const t = FALCO_THRESHOLDS;
  const matches = `falcosecurity_falco_rules_matches_total{tag_${PLATFORM_RULE_TAG}="true"}`;
  const matched = (priorities: string) => {
    const sel = matches.replace('}', `, priority=~"${priorities}"}`);
    return (
      `(\n  sum by (namespace, pod, rule_name, priority) (\n    increase(${sel}[${t.matchWindow}]) > 0\n    or\n` +
      `    (${sel} unless ${matches} offset ${t.matchWindow})\n  ) > 0\n)\n${ON_NODE}`
    );
  };
  // One alert per severity: Falco priorities 0-3 page, 4-7 are tickets.
  const platformRuleAlert = (priorities: string, severity: 'critical' | 'warning', range: string) => ({
    alert: 'FalcoPlatformRuleTriggered',
    expr: matched(priorities),
    severity,
    labels: { ...LAYER },
    summary: 'Falco: {{ $labels.rule_name }}',
    description: `Falco on node {{ $labels.node }} matched the platform rule "{{ $labels.rule_name }}" (priority {{ $labels.priority }}, ${range}) in the last ${t.matchWindow}. The event (namespace, pod, process) is in the Falco pod's log.`,
    runbook: 'falco-platform-rule-triggered',
  });
  const pod = 'falco-abcde';
  const podInfo: SeriesInput = { series: `kube_pod_info{namespace="${FALCO_NAMESPACE}", node="ff-rpi-01", pod="${pod}"}`, values: '1x60' };
  const rule = 'Edge AI shell in a workload container';
  const match = (priority: string, values: string): SeriesInput => ({
    series: `falcosecurity_falco_rules_matches_total{namespace="${FALCO_NAMESPACE}", pod="${pod}", priority="${priority}", rule_name="${rule}", source="syscall", tag_${PLATFORM_RULE_TAG}="true", tag_shell="true"}`,
    values,
  });
  const onPod = (priority: string) => ({ namespace: FALCO_NAMESPACE, node: 'ff-rpi-01', pod, priority, rule_name: rule });
  const ds = (metric: string, v: string): SeriesInput => ({ series: `${metric}{daemonset="${FALCO_FULLNAME}", namespace="${FALCO_NAMESPACE}"}`, values: v });
  const up = (v: string): SeriesInput => ({ series: `up{job="${FALCO_METRICS_SERVICE}", namespace="${FALCO_NAMESPACE}", pod="${pod}"}`, values: v });
  const counter = (metric: string, perMinute: number): SeriesInput => ({ series: `${metric}{namespace="${FALCO_NAMESPACE}", pod="${pod}"}`, values: `0+${perMinute}x60` });
  return {
    name: 'edge-ai-falco',
    groups: [
      {
        name: 'falco-alerts',
        rules: [
          platformRuleAlert('[0-3]', 'critical', '0 emergency … 3 error'),
          platformRuleAlert('[4-7]', 'warning', '4 warning … 7 debug'),
          {
            alert: 'FalcoDown',
            expr:
              `(\n  max by (namespace, daemonset) (kube_daemonset_status_desired_number_scheduled{namespace="${FALCO_NAMESPACE}", daemonset="${FALCO_FULLNAME}"})\n  -\n` +
              `  max by (namespace, daemonset) (kube_daemonset_status_number_ready{namespace="${FALCO_NAMESPACE}", daemonset="${FALCO_FULLNAME}"})\n) > 0\nor\nabsent(up{job="${FALCO_METRICS_SERVICE}"} == 1)`,
            for: t.downFor,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Falco is not running on every node',
            description: `For ${t.downFor} the Falco DaemonSet has had fewer ready pods than nodes, or no Falco pod has answered Prometheus: runtime security is blind on at least one node.`,
            runbook: 'falco-down',
          },
          {
            alert: 'FalcoEventsDropped',
            expr:
              `(\n  (\n    sum by (namespace, pod) (rate(falcosecurity_scap_n_drops_total{namespace="${FALCO_NAMESPACE}"}[10m]))\n    /\n` +
              `    sum by (namespace, pod) (rate(falcosecurity_scap_n_evts_total{namespace="${FALCO_NAMESPACE}"}[10m]))\n  ) > ${num(t.dropRatio)}\n)\n${ON_NODE}`,
            for: t.dropFor,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Falco drops syscall events on {{ $labels.node }}',
            description: `Falco on node {{ $labels.node }} has dropped more than ${num(t.dropRatio * 100)}% of the kernel events for ${t.dropFor}: rules may miss what happens there.`,
            runbook: 'falco-events-dropped',
          },
        ],
      },
    ],
    tests: [
      {
        alert: 'FalcoPlatformRuleTriggered',
        cases: [
          { name: 'first match of a WARNING rule (new series)', input: [match('4', '_x10 1x20'), podInfo], evalTime: '15m', expect: [{ severity: 'warning', labels: onPod('4') }] },
          { name: 'an ERROR rule keeps matching', input: [match('3', '1+1x30'), podInfo], evalTime: '20m', expect: [{ severity: 'critical', labels: onPod('3') }] },
          { name: 'old matches only', input: [match('4', '2x40'), podInfo], evalTime: '30m', expect: [] },
        ],
      },
      {
        alert: 'FalcoDown',
        cases: [
          {
            name: 'one of two pods not ready',
            input: [ds('kube_daemonset_status_desired_number_scheduled', '2x30'), ds('kube_daemonset_status_number_ready', '1x30'), up('1x30')],
            evalTime: '20m',
            expect: [{ severity: 'warning', labels: { daemonset: FALCO_FULLNAME, namespace: FALCO_NAMESPACE } }],
          },
          { name: 'no Falco target answers', input: [ds('kube_daemonset_status_desired_number_scheduled', '2x30'), ds('kube_daemonset_status_number_ready', '2x30'), up('0x30')], evalTime: '20m', expect: [{ severity: 'warning', labels: {} }] },
          { name: 'every pod ready and scraped', input: [ds('kube_daemonset_status_desired_number_scheduled', '2x30'), ds('kube_daemonset_status_number_ready', '2x30'), up('1x30')], evalTime: '20m', expect: [] },
        ],
      },
      {
        alert: 'FalcoEventsDropped',
        cases: [
          { name: '5% of the events dropped', input: [counter('falcosecurity_scap_n_drops_total', 50), counter('falcosecurity_scap_n_evts_total', 1000), podInfo], evalTime: '40m', expect: [{ severity: 'warning', labels: { namespace: FALCO_NAMESPACE, node: 'ff-rpi-01', pod } }] },
          { name: '0.1% dropped', input: [counter('falcosecurity_scap_n_drops_total', 1), counter('falcosecurity_scap_n_evts_total', 1000), podInfo], evalTime: '40m', expect: [] },
        ],
      },
    ],
  };
}
