/**
 * Which kinds are cluster-scoped, from the vendored sources (no hand-kept list): the Kubernetes 1.28 OpenAPI
 * document (a kind is namespaced when it is served under a `{namespace}` path) and the vendored CRDs
 * (`spec.scope`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

interface Gvk {
  readonly group: string;
  readonly kind: string;
}

export interface ScopeIndex {
  /** Unknown kinds count as namespaced (the schema test reports unknown kinds separately). */
  isClusterScoped(group: string, kind: string): boolean;
}

export function loadCrdDocuments(crdDir: string, openApiFile = join(crdDir, '..', 'kubernetes', 'k8s-v1.28.0-openapi-v2.json')): ScopeIndex {
  const cluster = new Set<string>();
  const namespaced = new Set<string>();
  const key = (g: Gvk): string => `${g.group}/${g.kind}`;
  const doc = JSON.parse(readFileSync(openApiFile, 'utf8')) as { paths: Record<string, Record<string, { 'x-kubernetes-action'?: string; 'x-kubernetes-group-version-kind'?: Gvk }>> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const op of Object.values(ops)) {
      const gvk = typeof op === 'object' ? op['x-kubernetes-group-version-kind'] : undefined;
      if (!gvk || op['x-kubernetes-action'] !== 'get') continue;
      (path.includes('{namespace}') ? namespaced : cluster).add(key(gvk));
    }
  }
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
    const crd = yaml.load(readFileSync(join(crdDir, file), 'utf8')) as { spec: { group: string; scope: string; names: { kind: string } } };
    (crd.spec.scope === 'Cluster' ? cluster : namespaced).add(key({ group: crd.spec.group, kind: crd.spec.names.kind }));
  }
  return { isClusterScoped: (group, kind) => cluster.has(key({ group, kind })) && !namespaced.has(key({ group, kind })) };
}
