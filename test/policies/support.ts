/**
 * The rendered policies of a sample site and its objects, read from the committed dist/<site>/ (the review
 * artifact Argo CD syncs), plus the objects' namespaces and LimitRanges for the admission model.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { podOf, withLimitRangeDefaults } from '../../tools/policy/admission';
import { JsonObject, PolicyHarness, RuleDecision } from '../../tools/policy/kyverno';

export interface DistSite {
  readonly name: string;
  readonly objects: readonly JsonObject[];
  readonly policies: readonly JsonObject[];
}

export function distSite(name: string): DistSite {
  const dir = join('dist', name);
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith('.k8s.yaml'))
    .sort()
    .flatMap((f) => (loadAll(readFileSync(join(dir, f), 'utf8')) as unknown[]).filter((d): d is JsonObject => typeof d === 'object' && d !== null));
  return { name, objects, policies: objects.filter((o) => o.kind === 'ClusterPolicy') };
}

const meta = (o: JsonObject): { name?: string; namespace?: string } => (o.metadata ?? {}) as { name?: string; namespace?: string };

/** What Kyverno decides for one object, and for the Pod it creates (after the namespace's LimitRange defaults). */
export interface ObjectVerdict {
  readonly ref: string;
  readonly decisions: readonly RuleDecision[];
  readonly pod?: { readonly allowed: boolean; readonly denials: readonly RuleDecision[] };
}

export class SiteAdmission {
  private readonly namespaces = new Map<string, JsonObject>();
  private readonly limitRanges = new Map<string, JsonObject>();

  constructor(
    readonly harness: PolicyHarness,
    siteObjects: readonly JsonObject[],
  ) {
    for (const o of siteObjects) {
      if (o.kind === 'Namespace') this.namespaces.set(String(meta(o).name), o);
      if (o.kind === 'LimitRange') this.limitRanges.set(String(meta(o).namespace), o);
    }
  }

  /** `namespace`: where the object lands when its manifest does not say (a Helm release's namespace). */
  verdict(object: JsonObject, namespace?: string): ObjectVerdict {
    const ns = meta(object).namespace ?? namespace;
    const namespaceObject = ns === undefined ? undefined : this.namespaces.get(ns);
    const decisions = this.harness.evaluate({ object, namespace: ns, namespaceObject });
    const ref = `${String(object.kind)} ${ns ?? ''}/${meta(object).name ?? ''}`;
    const pod = ns === undefined || object.kind === 'Pod' ? undefined : podOf(object, ns);
    if (!pod) return { ref, decisions };
    const admitted = this.harness.admit({ object: withLimitRangeDefaults(pod, this.limitRanges.get(ns!)), namespace: ns, namespaceObject });
    return { ref, decisions, pod: { allowed: admitted.allowed, denials: admitted.denials } };
  }
}

export const describeDecision = (ref: string, d: RuleDecision): string => `${ref}: ${d.policy}/${d.rule} ${d.result} (${d.failureAction}): ${d.messages.join('; ')}`;
