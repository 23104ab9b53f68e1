/**
 * Ollama rules, on real series only: Ollama has no /metrics endpoint (ollama/ollama#3144), so nothing here
 * reads an `ollama_*` series. Health comes from the blackbox exporter's probe of /api/version (the Ollama
 * layer's `Probe`, job OLLAMA_PROBE_JOB), memory from cAdvisor against the limit kube-state-metrics reports,
 * restarts from kube-state-metrics.
 */
import { OLLAMA_PROBE_JOB } from '../../lib/constructs/telemetry';
import { OLLAMA_PORT } from './bootstrap';
import { DEFAULT_NAMESPACE as OLLAMA_NAMESPACE } from './props';
import { THRESHOLDS } from '../../lib/constructs/thresholds';
import { num, RuleModule, SeriesInput } from '../../lib/constructs/rules';

const LAYER = { layer: 'ollama' } as const;
/** Attaches the pod's node so that Alertmanager can inhibit the alert while that node is NotReady. */
const ON_NODE = `* on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info{namespace="${OLLAMA_NAMESPACE}"})`;

export function ollamaRules(): RuleModule {
  const probe = `probe_success{job="${OLLAMA_PROBE_JOB}"}`;
  const pod = 'ollama-0';
  const podInfo: SeriesInput = { series: `kube_pod_info{namespace="${OLLAMA_NAMESPACE}", node="node-a", pod="${pod}"}`, values: '1x60' };
  const probeSeries = (v: string): SeriesInput => ({ series: `probe_success{instance="http://ollama.${OLLAMA_NAMESPACE}.svc:${OLLAMA_PORT}/api/version", job="${OLLAMA_PROBE_JOB}"}`, values: v });
  const mib = 1024 * 1024;
  const workingSet = (m: number): SeriesInput => ({ series: `container_memory_working_set_bytes{container="ollama", namespace="${OLLAMA_NAMESPACE}", pod="${pod}"}`, values: `${m * mib}x60` });
  const limit: SeriesInput = { series: `kube_pod_container_resource_limits{container="ollama", namespace="${OLLAMA_NAMESPACE}", pod="${pod}", resource="memory", unit="byte"}`, values: `${1000 * mib}x60` };
  const restarts = (v: string): SeriesInput => ({ series: `kube_pod_container_status_restarts_total{container="ollama", namespace="${OLLAMA_NAMESPACE}", pod="${pod}"}`, values: v });
  const onPod = { container: 'ollama', namespace: OLLAMA_NAMESPACE, node: 'node-a', pod };
  return {
    name: 'edge-ai-ollama',
    groups: [
      {
        name: 'ollama-alerts',
        rules: [
          {
            alert: 'OllamaDown',
            // absent(): no probe result at all (Probe missing, blackbox exporter down) is as blind as a failure.
            expr: `max by (job, instance) (${probe}) == 0\nor\nabsent(${probe})`,
            for: THRESHOLDS.ollamaDownFor,
            severity: 'critical',
            labels: { ...LAYER },
            summary: 'Ollama does not answer its health probe',
            description: `The blackbox probe of Ollama's /api/version has failed (or reported nothing) for ${THRESHOLDS.ollamaDownFor}; the site's LLM features are unavailable.`,
            runbook: 'ollama-down',
          },
          {
            alert: 'OllamaNearMemoryLimit',
            expr:
              `(\n  max by (namespace, pod, container) (container_memory_working_set_bytes{namespace="${OLLAMA_NAMESPACE}", container!="", container!="POD"})\n  /\n` +
              `  max by (namespace, pod, container) (kube_pod_container_resource_limits{namespace="${OLLAMA_NAMESPACE}", resource="memory"})\n  > ${num(THRESHOLDS.memoryLimitRatio)}\n)\n${ON_NODE}`,
            for: THRESHOLDS.memoryLimitFor,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Ollama container {{ $labels.container }} is close to its memory limit',
            description: `Container {{ $labels.container }} of pod {{ $labels.pod }} on node {{ $labels.node }} has used more than ${num(THRESHOLDS.memoryLimitRatio * 100)}% of its memory limit for ${THRESHOLDS.memoryLimitFor}; loading a larger model or a longer context will get it OOM-killed.`,
            runbook: 'ollama-near-memory-limit',
          },
          {
            alert: 'OllamaRestarting',
            expr: `(\n  max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{namespace="${OLLAMA_NAMESPACE}"}[${THRESHOLDS.restartWindow}])) > ${THRESHOLDS.restartCount}\n)\n${ON_NODE}`,
            severity: 'warning',
            labels: { ...LAYER },
            summary: 'Ollama container {{ $labels.container }} keeps restarting',
            description: `Container {{ $labels.container }} of pod {{ $labels.pod }} on node {{ $labels.node }} restarted more than ${THRESHOLDS.restartCount} times in ${THRESHOLDS.restartWindow} (typically OOM kills while loading a model).`,
            runbook: 'ollama-restarting',
          },
        ],
      },
    ],
    tests: [
      {
        alert: 'OllamaDown',
        cases: [
          { name: 'probe fails', input: [probeSeries('0x20')], evalTime: '10m', expect: [{ severity: 'critical', labels: { instance: `http://ollama.${OLLAMA_NAMESPACE}.svc:${OLLAMA_PORT}/api/version`, job: OLLAMA_PROBE_JOB } }] },
          { name: 'no probe result at all', input: [{ series: 'up{job="other"}', values: '1x20' }], evalTime: '10m', expect: [{ severity: 'critical', labels: { job: OLLAMA_PROBE_JOB } }] },
          { name: 'probe succeeds', input: [probeSeries('1x20')], evalTime: '10m', expect: [] },
        ],
      },
      {
        alert: 'OllamaNearMemoryLimit',
        cases: [
          { name: 'working set at 95% of the limit', input: [workingSet(950), limit, podInfo], evalTime: '30m', expect: [{ severity: 'warning', labels: onPod }] },
          { name: 'working set at half the limit', input: [workingSet(500), limit, podInfo], evalTime: '30m', expect: [] },
        ],
      },
      {
        alert: 'OllamaRestarting',
        cases: [
          { name: 'a restart every 5 minutes', input: [restarts(Array.from({ length: 61 }, (_, i) => Math.floor(i / 5)).join(' ')), podInfo], evalTime: '30m', expect: [{ severity: 'warning', labels: onPod }] },
          { name: 'no restarts', input: [restarts('3x60'), podInfo], evalTime: '30m', expect: [] },
        ],
      },
    ],
  };
}
