/**
 * Puts a hardened pod spec (lib/constructs/workload.ts, typed with cdk8s-plus-28's k8s imports) into an Argo Rollouts
 * `Rollout` (typed with the constructs generated from the vendored CRD).
 *
 * The two type families describe the same Kubernetes JSON but wrap int-or-string values differently: the k8s
 * imports serialise `IntOrString`/`Quantity` classes themselves, the generated Rollout types expect objects
 * with a `value` field at the same places. So the pod spec is serialised once with the k8s serialiser (the
 * exact JSON a Deployment would carry) and the few int-or-string fields are re-wrapped for the Rollout
 * serialiser. test/inference/rollout-pod.test.ts proves the round trip is lossless.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { RolloutSpecTemplateSpec } from '../../imports/rollouts-argoproj.io';

type Json = Record<string, unknown>;

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PORT_HANDLERS = ['httpGet', 'tcpSocket'] as const;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{ httpGet: { port: 'http' } }` → `{ httpGet: { port: { value: 'http' } } }` (and tcpSocket). */
function wrapProbe(probe: unknown): unknown {
  if (!isObject(probe)) return probe;
  const out: Json = { ...probe };
  for (const handler of PORT_HANDLERS) {
    const h = probe[handler];
    if (isObject(h) && h.port !== undefined) out[handler] = { ...h, port: { value: h.port } };
  }
  return out;
}

function unsupported(where: string, field: string): never {
  throw new Error(`rolloutPodSpec: ${where} sets ${field}, whose int-or-string values this conversion does not re-wrap yet: extend charts/inference/rollout-pod.ts (and its round-trip test) before using it`);
}

/** Lifecycle handlers carry the same httpGet/tcpSocket ports as probes. */
function wrapLifecycle(lifecycle: unknown): unknown {
  if (!isObject(lifecycle)) return lifecycle;
  const out: Json = { ...lifecycle };
  for (const hook of ['postStart', 'preStop'] as const) if (lifecycle[hook] !== undefined) out[hook] = wrapProbe(lifecycle[hook]);
  return out;
}

function wrapContainer(c: Json, where: string): Json {
  const env = Array.isArray(c.env) ? (c.env as Json[]) : [];
  if (env.some((e) => isObject(e.valueFrom) && isObject(e.valueFrom.resourceFieldRef))) unsupported(where, 'env[].valueFrom.resourceFieldRef');
  const out: Json = { ...c };
  for (const p of PROBES) if (c[p] !== undefined) out[p] = wrapProbe(c[p]);
  if (c.lifecycle !== undefined) out.lifecycle = wrapLifecycle(c.lifecycle);
  return out;
}

/** Converts a hardened pod spec into the Rollout's typed pod template spec, losslessly. */
export function rolloutPodSpec(spec: k8s.PodSpec): RolloutSpecTemplateSpec {
  const json = k8s.toJson_PodSpec(spec) as Json;
  if (json.overhead !== undefined) unsupported('the pod', 'overhead');
  if (json.resources !== undefined) unsupported('the pod', 'resources');
  if (json.ephemeralContainers !== undefined) unsupported('the pod', 'ephemeralContainers');
  const containers = (json.containers as Json[]).map((c, i) => wrapContainer(c, `containers[${i}]`));
  const initContainers = Array.isArray(json.initContainers)
    ? (json.initContainers as Json[]).map((c, i) => wrapContainer(c, `initContainers[${i}]`))
    : undefined;
  // The generated Rollout types are structurally this JSON with `{ value }` at the int-or-string fields
  // handled above; TypeScript cannot see that through the k8s serialiser's `any`, hence the one cast.
  return { ...json, containers, ...(initContainers ? { initContainers } : {}) } as unknown as RolloutSpecTemplateSpec;
}
