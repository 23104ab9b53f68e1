/**
 * The Ollama layer: an LLM server with pinned library models and custom models from Modelfiles (chart.ts,
 * bootstrap.ts), resolved and sized in props.ts, with its blackbox probe, rules and dashboard (rules.ts,
 * dashboard.ts). Off at a site that enables it without any model: nothing to serve, nothing to alert on.
 */
import { defineLayer } from '../../lib/constructs/layer';
import { OLLAMA_PROBE_JOB } from '../../lib/constructs/telemetry';
import { MESH_LAYER, proxyConsumer } from '../../lib/constructs/mesh';
import { OLLAMA_PORT } from './bootstrap';
import { OllamaChart } from './chart';
import { ollamaDashboard } from './dashboard';
import { DEFAULT_NAMESPACE, ollamaActive, resolveOllamaProps } from './props';
import { ollamaRules } from './rules';

export const ollamaLayer = defineLayer({
  name: 'ollama',
  // Without monitoring there is no Probe CRD and no blackbox exporter to probe from. With the mesh, the server
  // pods get a Linkerd proxy (lib/constructs/mesh.ts); the bootstrap Job does not (it would never complete).
  reads: ['monitoring', MESH_LAYER],
  resolve: (ctx) => (ollamaActive(ctx) ? { ...resolveOllamaProps(ctx, ctx.isActive('monitoring')), mesh: ctx.isActive(MESH_LAYER) } : undefined),
  namespaces: () => [{ name: DEFAULT_NAMESPACE, layer: 'ollama', podSecurity: 'restricted' }],
  telemetry: (props) => ({
    rules: [ollamaRules()],
    dashboards: [ollamaDashboard],
    // Ollama has no /metrics: health comes from the blackbox probe the chart renders.
    probes: props.monitored === false ? [] : [{ job: OLLAMA_PROBE_JOB, namespace: props.namespace ?? DEFAULT_NAMESPACE, port: OLLAMA_PORT }],
    workloadAlerts: true,
  }),
  requests: (props) => (props.mesh ? [proxyConsumer(`StatefulSet/${props.namespace ?? DEFAULT_NAMESPACE}/ollama`, props.replicas)] : []),
  build: (scope, props) => new OllamaChart(scope, 'ollama', props),
});
