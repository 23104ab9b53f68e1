/**
 * What the API server does to a pod before Kyverno's validating webhook sees it, for the parts the policies
 * read: the pod a controller creates from its template, and the LimitRanger's container defaults of the
 * namespace (an explicit limit is the missing request, as pod defaulting does; then `default` → limits,
 * `defaultRequest` → requests, and a request still missing takes the defaulted limit). Mutating webhooks are not modelled: the site runs none.
 */
import type { JsonObject } from './kyverno';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The pod template spec of a pod controller (Deployment, StatefulSet, DaemonSet, Job, Rollout, CronJob), if any. */
export function podTemplate(obj: JsonObject): { metadata: JsonObject; spec: JsonObject } | undefined {
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  const t = obj.kind === 'CronJob' ? (spec?.jobTemplate as JsonObject | undefined)?.spec : spec;
  const template = isObject(t) && isObject(t.template) ? t.template : undefined;
  if (!template || !isObject(template.spec)) return undefined;
  return { metadata: isObject(template.metadata) ? template.metadata : {}, spec: template.spec };
}

/** The Pod a controller creates in `namespace`. */
export function podOf(controller: JsonObject, namespace: string): JsonObject | undefined {
  const t = podTemplate(controller);
  if (!t) return undefined;
  const name = String((controller.metadata as JsonObject | undefined)?.name ?? 'pod');
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...t.metadata, name: `${name}-0`, namespace }, spec: structuredClone(t.spec) };
}

/** `limitRange` (a LimitRange object) applied to the containers and init containers of `pod`, as a copy. */
export function withLimitRangeDefaults(pod: JsonObject, limitRange: JsonObject | undefined): JsonObject {
  const items = ((limitRange?.spec as JsonObject | undefined)?.limits ?? []) as JsonObject[];
  const container = items.find((l) => l.type === 'Container');
  const out = structuredClone(pod);
  if (!container) return out;
  const defaults = (container.default ?? {}) as Record<string, unknown>;
  const defaultRequests = (container.defaultRequest ?? {}) as Record<string, unknown>;
  const spec = out.spec as JsonObject;
  for (const field of ['containers', 'initContainers']) {
    for (const c of (spec[field] ?? []) as JsonObject[]) {
      const res = (isObject(c.resources) ? c.resources : {}) as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
      const limits = { ...defaults, ...(res.limits ?? {}) };
      // Pod defaulting (before admission) copies an explicit limit into a missing request; LimitRanger fills the rest.
      const requests: Record<string, unknown> = { ...defaultRequests, ...(res.limits ?? {}), ...(res.requests ?? {}) };
      for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
      c.resources = { ...res, ...(Object.keys(limits).length > 0 ? { limits } : {}), ...(Object.keys(requests).length > 0 ? { requests } : {}) };
    }
  }
  return out;
}
