/**
 * Closed-world schema validation of rendered manifests, as strict as an API server with
 * `fieldValidation=Strict`: unknown fields are errors. `kubernetes-models`' own `validate()` is
 * open-world (a container with `bogusField` passes), which is why this module exists.
 *
 * - Core kinds: Kubernetes 1.28 (vendored kube-apiserver OpenAPI v2) AND 1.33 (kubernetes-models-1.33).
 * - Custom resources: the vendored upstream CRDs' openAPIV3Schema of the served version.
 * - Anything else is an issue: an object of a kind nobody can check is never silently accepted.
 * What is and is not guaranteed: schemas/README.md.
 */
import { readFileSync } from 'node:fs';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';
import { gvkKey, isObject, renderIssue, typeMeta, type JsonObject, type RawIssue, type SchemaIssue, type Validator } from './common';
import { crds, crdTimings } from './crd';
import { k8s128, k8s128Timings } from './k8s128';
import { k8s133 } from './k8s133';

export type { SchemaIssue, Validator } from './common';

export type KindSource = 'core' | 'crd' | 'unknown';

/** Which validator family knows this object's apiVersion/kind (`core` = served by k8s 1.28 or 1.33). */
export function kindSource(obj: unknown): KindSource {
  if (!isObject(obj)) return 'unknown';
  const tm = typeMeta(obj);
  const key = gvkKey(tm.group, tm.version, tm.kind);
  if (k8s128().served.has(key) || k8s133().served.has(key)) return 'core';
  if (crds().versionsOf.has(`${tm.group}/${tm.kind}`)) return 'crd';
  return 'unknown';
}

function notAnObject(obj: unknown): RawIssue {
  const got = obj === null ? 'null' : Array.isArray(obj) ? 'an array' : typeof obj;
  return { kind: '<none>', name: '<none>', path: '', message: `a manifest document must be an object (got ${got})`, sources: [] };
}

function unknownKind(obj: JsonObject): RawIssue {
  const tm = typeMeta(obj);
  const what = tm.apiVersion === '' || tm.kind === '' ? 'an object without apiVersion and kind' : `apiVersion "${tm.apiVersion}", kind "${tm.kind}"`;
  return {
    kind: tm.kind || '<no kind>',
    name: tm.name,
    path: '',
    message: `unknown kind: ${what} is neither served by Kubernetes 1.28/1.33 nor defined by a vendored CRD (schemas/crds/), so it cannot be validated`,
    sources: [],
  };
}

function notServed(obj: JsonObject, version: string): RawIssue {
  const tm = typeMeta(obj);
  return { kind: tm.kind, name: tm.name, path: '/apiVersion', message: `${tm.apiVersion} ${tm.kind} is not served by Kubernetes ${version}`, sources: [] };
}

function coreIssues(obj: JsonObject, version: '1.28' | '1.33'): RawIssue[] | undefined {
  return (version === '1.28' ? k8s128() : k8s133()).check(obj);
}

/**
 * What the object looks like once serialised, which is all a YAML file or the API server can see:
 * `undefined` members vanish, class instances become plain data. Also a private copy, so that the 1.33
 * check may wrap it in Proxies (a frozen input would break their invariants).
 */
function asJson(obj: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(obj)) as JsonObject;
}

/** Core kinds against one Kubernetes version; custom-resource kinds are left to `crdValidator` (no issue). */
export function kubernetesValidator(version: '1.28' | '1.33'): Validator {
  return {
    validate(input, file) {
      if (!isObject(input)) return [renderIssue(notAnObject(input), file)];
      const obj = asJson(input);
      const issues = coreIssues(obj, version);
      if (issues) return issues.map((i) => renderIssue(i, file));
      const source = kindSource(obj);
      if (source === 'crd') return [];
      return [renderIssue(source === 'core' ? notServed(obj, version) : unknownKind(obj), file)];
    },
  };
}

/** Custom resources against the vendored CRDs; core kinds are left to `kubernetesValidator` (no issue). */
export function crdValidator(): Validator {
  return {
    validate(input, file) {
      if (!isObject(input)) return [renderIssue(notAnObject(input), file)];
      const obj = asJson(input);
      const issues = crds().check(obj);
      if (issues) return issues.map((i) => renderIssue(i, file));
      return kindSource(obj) === 'core' ? [] : [renderIssue(unknownKind(obj), file)];
    },
  };
}

/** The same finding from several schemas (typically k8s 1.28 and 1.33) becomes one issue naming all of them. */
function merge(issues: readonly RawIssue[]): RawIssue[] {
  const byKey = new Map<string, RawIssue>();
  for (const i of issues) {
    const key = `${i.path}\u0000${i.message}`;
    const prev = byKey.get(key);
    byKey.set(key, prev ? { ...prev, sources: [...new Set([...prev.sources, ...i.sources])] } : i);
  }
  return [...byKey.values()];
}

/** Validates every document: core kinds against k8s 1.28 and 1.33, custom resources against their CRD. */
export function validateManifests(docs: unknown[], file?: string): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const input of docs) {
    if (!isObject(input)) {
      out.push(renderIssue(notAnObject(input), file));
      continue;
    }
    const obj = asJson(input);
    let raw: RawIssue[];
    if (kindSource(obj) === 'core') {
      const v128 = coreIssues(obj, '1.28') ?? [{ ...notServed(obj, '1.28'), sources: [] }];
      const v133 = coreIssues(obj, '1.33') ?? [{ ...notServed(obj, '1.33'), sources: [] }];
      raw = merge([...v128, ...v133]);
    } else {
      raw = crds().check(obj) ?? [unknownKind(obj)];
    }
    for (const r of raw) out.push(renderIssue(r, file));
  }
  return out;
}

/**
 * All non-empty documents of a (multi-document) YAML file, read the way the cluster-side tools read it:
 * kubectl and Argo CD parse manifests with sigs.k8s.io/yaml (go-yaml, YAML 1.1), where unquoted
 * `yes`/`no`/`on`/`off` are booleans and `0777` is octal. Reading with YAML 1.2 instead would hide
 * e.g. a ConfigMap value `enabled: yes` that the API server receives as `true` and rejects.
 * Duplicate keys are a parse error. (js-yaml's 1.1 timestamps become Date objects; validation sees
 * them as their ISO string.)
 */
export function loadYamlDocs(path: string): unknown[] {
  return loadAll(readFileSync(path, 'utf8'), { schema: YAML11_SCHEMA }).filter((d) => d !== null && d !== undefined);
}

/** `<file>: <kind>/<name>: <json path>: <message>`; the object itself is shown as path `/`. */
export function formatIssue(issue: SchemaIssue): string {
  return `${issue.file !== undefined ? `${issue.file}: ` : ''}${issue.kind}/${issue.name}: ${issue.path === '' ? '/' : issue.path}: ${issue.message}`;
}

/** Where the time went so far (ms): loading the vendored documents and compiling per-kind validators. */
export function validationTimings(): { k8s128: typeof k8s128Timings; crd: typeof crdTimings } {
  return { k8s128: { ...k8s128Timings }, crd: { ...crdTimings } };
}
