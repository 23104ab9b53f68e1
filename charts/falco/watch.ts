/**
 * What the Falco rules watch, derived from what the other layers already declare (SiteLayers), so that the
 * rules follow the site instead of a second hand-kept list:
 * - the namespaces: every namespace the active `inference` and `ollama` layers declare;
 * - the outbound connections each namespace may open, from the same declarations its NetworkPolicies are made
 *   of: DNS (baseline `allow-dns`, every namespace), the Kubernetes API (`apiServerEgress`, baseline
 *   `allow-kube-apiserver`), the OpenTelemetry Collector (`telemetry.otlpClients`, monitoring's collector
 *   ingress and the inference policy's egress).
 * What a layer renders in its own chart without declaring it as data (Ollama's model pulls over HTTPS and its
 * bootstrap Job's calls to the server, the Argo Rollouts controller's Prometheus queries, the model cache
 * paths, the bootstrap Job's bash) is listed in LAYER_FACTS below; test/falco/watch.test.ts compares the
 * result with the NetworkPolicies and pods the layers really render at every sample site, so neither side can
 * drift without a failing test.
 */
import { DEFAULT_MODEL_REPOSITORY } from '@edge-ai/inference-contract';
import { SiteLayers } from '../../lib/constructs/layer';
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, PROMETHEUS_PORT } from '../../lib/constructs/telemetry';
import { K3S_API_PORT, K3S_CLUSTER_CIDRS, K3S_KUBERNETES_SERVICE_IP } from '../../lib/model/k3s';

/** Where a connection may go: inside the cluster (pod and service networks), outside it, or to listed CIDRs. */
export type Peer = { readonly kind: 'cluster' } | { readonly kind: 'outside' } | { readonly kind: 'cidrs'; readonly cidrs: readonly string[] };

export interface EgressAllowance {
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  readonly peer: Peer;
  /** Which declaration or policy allows it (comments in the rendered rules). */
  readonly why: string;
}

/** A container that legitimately runs a shell as its entrypoint. */
export interface ShellException {
  readonly container: string;
  /** Its pods' names start with this (a Job's pods: `<job>-<hash>-<suffix>`). */
  readonly podPrefix: string;
}

export interface WatchedNamespace {
  readonly namespace: string;
  readonly layer: string;
  readonly egress: readonly EgressAllowance[];
  /** Model caches mounted in the namespace's pods: writes below them are unexpected… */
  readonly modelPaths: readonly string[];
  /** …except by these processes (`proc.name`). */
  readonly modelWriters: readonly string[];
  readonly shellExceptions: readonly ShellException[];
}

/** The layers whose namespaces the rules watch. */
export const WATCHED_LAYERS = ['inference', 'ollama'] as const;

interface LayerFacts {
  /** Per namespace: where its pods mount model caches. */
  readonly modelPaths: Readonly<Record<string, readonly string[]>>;
  readonly modelWriters: readonly string[];
  readonly shellExceptions: readonly ShellException[];
  /** Egress a namespace's chart renders beyond the declared kinds; `monitored`: only with the monitoring layer. */
  readonly egress: Readonly<Record<string, readonly (EgressAllowance & { readonly monitored?: boolean })[]>>;
}

const OUTSIDE: Peer = { kind: 'outside' };
const CLUSTER: Peer = { kind: 'cluster' };

/** Facts the layers render in their charts without declaring them as data (checked by test/falco/watch.test.ts). */
export const LAYER_FACTS: Readonly<Record<(typeof WATCHED_LAYERS)[number], LayerFacts>> = {
  inference: {
    // @edge-ai/inference-contract DEFAULT_MODEL_REPOSITORY: each model is mounted read-only below it.
    modelPaths: { inference: [DEFAULT_MODEL_REPOSITORY] },
    modelWriters: [],
    shellExceptions: [],
    egress: {
      // charts/inference: allow-prometheus-queries (the Argo Rollouts analysis queries the site Prometheus).
      'argo-rollouts': [{ protocol: 'TCP', port: PROMETHEUS_PORT, peer: CLUSTER, why: 'Argo Rollouts analysis queries Prometheus', monitored: true }],
    },
  },
  ollama: {
    // charts/ollama: the PVC of the server is mounted at /models; only the server (`ollama serve`) writes pulls.
    modelPaths: { ollama: ['/models'] },
    modelWriters: ['ollama'],
    // charts/ollama: the bootstrap Job's container runs `/bin/bash -c <script>` (pull, create, prune models).
    shellExceptions: [{ container: 'bootstrap', podPrefix: 'ollama-bootstrap-' }],
    egress: {
      ollama: [
        { protocol: 'TCP', port: 443, peer: OUTSIDE, why: 'model pulls from the Ollama registry and its CDN' },
        { protocol: 'TCP', port: 11434, peer: CLUSTER, why: 'the bootstrap Job calls the Ollama server' },
      ],
    },
  },
};

/** Allowances every namespace gets from the declarations of its layer and the monitoring contributions. */
function declaredEgress(site: SiteLayers, namespace: string, apiServerEgress: boolean, serverIps: readonly string[]): EgressAllowance[] {
  const out: EgressAllowance[] = [
    { protocol: 'UDP', port: 53, peer: CLUSTER, why: 'DNS (baseline allow-dns)' },
    { protocol: 'TCP', port: 53, peer: CLUSTER, why: 'DNS (baseline allow-dns)' },
  ];
  if (apiServerEgress) {
    out.push({ protocol: 'TCP', port: 443, peer: { kind: 'cidrs', cidrs: [`${K3S_KUBERNETES_SERVICE_IP}/32`] }, why: 'Kubernetes API Service (apiServerEgress)' });
    out.push({ protocol: 'TCP', port: K3S_API_PORT, peer: { kind: 'cidrs', cidrs: serverIps.map((ip) => `${ip}/32`) }, why: 'Kubernetes API on the server nodes (apiServerEgress)' });
  }
  const otlp = site.layers.some((l) => (l.telemetry.otlpClients ?? []).includes(namespace));
  const collector = site.layers.some((l) => l.name === 'monitoring');
  if (otlp && collector) {
    for (const port of [OTLP_GRPC_PORT, OTLP_HTTP_PORT]) out.push({ protocol: 'TCP', port, peer: CLUSTER, why: 'OTLP to the site collector (otlpClients)' });
  }
  return out;
}

/** The watched namespaces of a site, in registry order; empty when neither watched layer runs there. */
export function watchedNamespaces(site: SiteLayers, serverIps: readonly string[]): WatchedNamespace[] {
  const monitored = site.layers.some((l) => l.name === 'monitoring');
  const out: WatchedNamespace[] = [];
  for (const layer of site.layers) {
    if (!(WATCHED_LAYERS as readonly string[]).includes(layer.name)) continue;
    const facts = LAYER_FACTS[layer.name as (typeof WATCHED_LAYERS)[number]];
    for (const ns of layer.namespaces) {
      const extra = (facts.egress[ns.name] ?? []).filter((e) => !e.monitored || monitored).map(({ monitored: _m, ...e }) => e);
      out.push({
        namespace: ns.name,
        layer: layer.name,
        egress: [...declaredEgress(site, ns.name, ns.apiServerEgress ?? false, serverIps), ...extra],
        modelPaths: facts.modelPaths[ns.name] ?? [],
        modelWriters: facts.modelWriters,
        shellExceptions: facts.shellExceptions,
      });
    }
  }
  return out;
}

/** The pod and service networks, for `fd.snet in (...)`. */
export const CLUSTER_CIDRS: readonly string[] = K3S_CLUSTER_CIDRS;
