/** Platform rules of the monitoring layer: node health from kube-state-metrics. */
import { AlertSpec } from '../../lib/constructs/telemetry';
import { THRESHOLDS } from '../../lib/constructs/thresholds';
import { AlertTests, RuleModule, SeriesInput } from '../../lib/constructs/rules';

const NODE_LAYER = { layer: 'platform' } as const;

function nodeRules(): { alerts: AlertSpec[]; tests: AlertTests[] } {
  const condition = (c: string, status: string, v: string): SeriesInput => ({ series: `kube_node_status_condition{condition="${c}", node="node-a", status="${status}"}`, values: v });
  return {
    alerts: [
      {
        alert: 'NodeNotReady',
        expr: `max by (node) (kube_node_status_condition{condition="Ready", status="true"}) == 0`,
        for: THRESHOLDS.nodeNotReadyFor,
        severity: 'critical',
        labels: { ...NODE_LAYER },
        summary: 'Node {{ $labels.node }} is not Ready',
        description: `Node {{ $labels.node }} has not been Ready for ${THRESHOLDS.nodeNotReadyFor}: its pods are being evicted or are unreachable. Workload alerts for pods on this node are inhibited meanwhile.`,
        runbook: 'node-not-ready',
      },
      {
        alert: 'NodeMemoryPressure',
        expr: `max by (node) (kube_node_status_condition{condition="MemoryPressure", status="true"}) == 1`,
        for: THRESHOLDS.nodeMemoryPressureFor,
        severity: 'warning',
        labels: { ...NODE_LAYER },
        summary: 'Node {{ $labels.node }} is under memory pressure',
        description: `The kubelet of node {{ $labels.node }} has reported MemoryPressure for ${THRESHOLDS.nodeMemoryPressureFor}: it is evicting pods and admits no new BestEffort pods.`,
        runbook: 'node-memory-pressure',
      },
    ],
    tests: [
      {
        alert: 'NodeNotReady',
        cases: [
          { name: 'Ready=true is 0 (NotReady or Unknown)', input: [condition('Ready', 'true', '0x20'), condition('Ready', 'unknown', '1x20')], evalTime: '10m', expect: [{ severity: 'critical', labels: { node: 'node-a' } }] },
          { name: 'Ready', input: [condition('Ready', 'true', '1x20')], evalTime: '10m', expect: [] },
        ],
      },
      {
        alert: 'NodeMemoryPressure',
        cases: [
          { name: 'MemoryPressure=true', input: [condition('MemoryPressure', 'true', '1x20')], evalTime: '10m', expect: [{ severity: 'warning', labels: { node: 'node-a' } }] },
          { name: 'no pressure', input: [condition('MemoryPressure', 'true', '0x20')], evalTime: '10m', expect: [] },
        ],
      },
    ],
  };
}

/** Rules of every monitored site: node health. */
export function platformRules(): RuleModule {
  const nodes = nodeRules();
  return { name: 'edge-ai-platform', groups: [{ name: 'nodes', rules: nodes.alerts }], tests: nodes.tests };
}
