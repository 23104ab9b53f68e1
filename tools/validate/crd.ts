/**
 * Custom resources, validated closed-world against the `openAPIV3Schema` of the vendored upstream CRDs
 * (schemas/crds/). apiextensions.k8s.io/v1 schemas are structural: the API server prunes every field the
 * schema does not specify, and with `fieldValidation=Strict` rejects such a field instead. Pruning keeps a
 * field only where `properties` names it, `additionalProperties` allows it, or
 * `x-kubernetes-preserve-unknown-fields: true` is set, so that is exactly where we allow unknown fields.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { loadAll } from 'js-yaml';
import {
  ajv,
  describeErrors,
  ENFORCED_FORMATS,
  gvkKey,
  isObject,
  schemasDir,
  typeMeta,
  type JsonObject,
  type JsonSchema,
  type RawIssue,
} from './common';
import { k8s128, OBJECT_META_REF } from './k8s128';

/** Value validations of OpenAPI v3 / structural schemas that mean the same in draft-07. */
const COPIED = [
  'enum', 'required', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems',
  'uniqueItems', 'minProperties', 'maxProperties', 'multipleOf',
] as const;

/**
 * One structural-schema node → closed-world draft-07 node.
 * `inJunctor`: inside allOf/anyOf/oneOf/not, which structural schemas only allow as extra value checks on
 * fields already declared outside; closing objects there would reject fields declared elsewhere.
 */
export function convertStructural(node: JsonObject, inJunctor = false): JsonSchema {
  const out: JsonSchema = {};
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = node['x-kubernetes-embedded-resource'] === true;

  if (typeof node.type === 'string' && !intOrString) out.type = node.type;
  for (const k of COPIED) if (node[k] !== undefined) out[k] = node[k];
  if (typeof node.format === 'string' && ENFORCED_FORMATS.has(node.format)) out.format = node.format;
  // OpenAPI v3.0 spells exclusive bounds as booleans next to minimum/maximum; draft-07 as numbers.
  if (node.exclusiveMinimum === true && typeof node.minimum === 'number') {
    delete out.minimum;
    out.exclusiveMinimum = node.minimum;
  }
  if (node.exclusiveMaximum === true && typeof node.maximum === 'number') {
    delete out.maximum;
    out.exclusiveMaximum = node.maximum;
  }
  // Ajv implements OpenAPI's `nullable` but insists on a `type` next to it; without one, null already passes.
  if (node.nullable === true && out.type !== undefined) out.nullable = true;
  if (isObject(node.items)) out.items = convertStructural(node.items, inJunctor);

  let props: JsonSchema | undefined;
  if (isObject(node.properties)) {
    props = {};
    for (const [k, v] of Object.entries(node.properties)) if (isObject(v)) props[k] = convertStructural(v, inJunctor);
  }
  if (embedded) {
    // An embedded object is a whole Kubernetes object: apiVersion, kind and metadata are implicitly declared,
    // and the server requires apiVersion and kind.
    props = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: OBJECT_META_REF }, ...(props ?? {}) };
    out.required = [...new Set([...(Array.isArray(out.required) ? (out.required as string[]) : []), 'apiVersion', 'kind'])];
  }
  if (props) out.properties = props;

  if (isObject(node.additionalProperties)) out.additionalProperties = convertStructural(node.additionalProperties, inJunctor);
  else if (typeof node.additionalProperties === 'boolean') out.additionalProperties = node.additionalProperties;
  else if (!preserve && !inJunctor && (props !== undefined || node.type === 'object')) {
    // Pruning drops every field not named here, including all fields of a bare `type: object`.
    out.additionalProperties = false;
  }

  if (intOrString) {
    // Structural schemas write int-or-string as `anyOf: [{type: integer}, {type: string}]` plus the flag;
    // the flag alone means the same thing.
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  } else if (Array.isArray(node.anyOf)) out.anyOf = node.anyOf.filter(isObject).map((n) => convertStructural(n, true));
  for (const k of ['allOf', 'oneOf'] as const) {
    const list = node[k];
    if (Array.isArray(list)) out[k] = list.filter(isObject).map((n) => convertStructural(n, true));
  }
  if (isObject(node.not)) out.not = convertStructural(node.not, true);
  return out;
}

export interface CrdVersion {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly file: string;
  readonly schema: JsonObject;
}

export interface Crds {
  /** GVK → served CRD version. */
  readonly served: ReadonlyMap<string, CrdVersion>;
  /** `group/kind` → served versions, to tell "wrong version" from "unknown kind". */
  readonly versionsOf: ReadonlyMap<string, readonly string[]>;
  check(obj: JsonObject): RawIssue[] | undefined;
}

let loaded: Crds | undefined;
export const crdTimings = { load: 0, compile: 0, kindsCompiled: 0 };

/** The served versions of the CustomResourceDefinitions among `docs` (other documents are skipped). */
export function crdVersionsOf(docs: readonly unknown[], file: string): CrdVersion[] {
  const out: CrdVersion[] = [];
  for (const doc of docs) {
    if (!isObject(doc) || doc.kind !== 'CustomResourceDefinition' || !isObject(doc.spec)) continue;
    const spec = doc.spec;
    const names = isObject(spec.names) ? spec.names : {};
    if (typeof spec.group !== 'string' || typeof names.kind !== 'string' || !Array.isArray(spec.versions)) {
      throw new Error(`${file}: not an apiextensions.k8s.io/v1 CRD (group, names.kind, versions)`);
    }
    for (const v of spec.versions.filter(isObject)) {
      if (v.served !== true || typeof v.name !== 'string') continue;
      const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
      if (!schema) throw new Error(`${file}: version ${v.name} has no openAPIV3Schema`);
      out.push({ group: spec.group, version: v.name, kind: names.kind, plural: String(names.plural), file, schema });
    }
  }
  return out;
}

function loadCrdFiles(): CrdVersion[] {
  const dir = join(schemasDir(), 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => crdVersionsOf(loadAll(readFileSync(join(dir, file), 'utf8')), `schemas/crds/${file}`));
}

export function crds(): Crds {
  if (loaded) return loaded;
  const t0 = performance.now();
  const list = loadCrdFiles();
  crdTimings.load = performance.now() - t0;
  loaded = crdSet(list);
  return loaded;
}

/**
 * A validator for the given CRD versions (e.g. the CRDs a chart installs at a site, to check custom resources
 * against what the cluster will really serve). Kinds compile on first use.
 */
export function crdSet(list: readonly CrdVersion[]): Crds {
  const served = new Map<string, CrdVersion>();
  const versionsOf = new Map<string, string[]>();
  for (const v of list) {
    served.set(gvkKey(v.group, v.version, v.kind), v);
    versionsOf.set(`${v.group}/${v.kind}`, [...(versionsOf.get(`${v.group}/${v.kind}`) ?? []), v.version]);
  }

  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, v: CrdVersion): ValidateFunction => {
    let fn = compiled.get(key);
    if (!fn) {
      const t = performance.now();
      k8s128(); // registers the ObjectMeta definition referenced below
      const root = convertStructural(v.schema);
      const props = isObject(root.properties) ? { ...root.properties } : {};
      const apiVersion = v.group === '' ? v.version : `${v.group}/${v.version}`;
      props.apiVersion = { const: apiVersion };
      props.kind = { const: v.kind };
      // CRD schemas may only say `metadata: {type: object}`; the server applies ObjectMeta to it.
      props.metadata = { allOf: [{ $ref: OBJECT_META_REF }], required: ['name'] };
      const required = new Set([...(Array.isArray(root.required) ? (root.required as string[]) : []), 'apiVersion', 'kind', 'metadata']);
      fn = ajv().compile({ ...root, type: 'object', properties: props, required: [...required] });
      compiled.set(key, fn);
      crdTimings.compile += performance.now() - t;
      crdTimings.kindsCompiled += 1;
    }
    return fn;
  };

  return {
    served,
    versionsOf,
    check(obj) {
      const tm = typeMeta(obj);
      const key = gvkKey(tm.group, tm.version, tm.kind);
      const v = served.get(key);
      if (!v) {
        const versions = versionsOf.get(`${tm.group}/${tm.kind}`);
        if (!versions) return undefined;
        return [{ kind: tm.kind, name: tm.name, path: '/apiVersion', message: `${tm.apiVersion} is not served by the ${tm.kind} CRD (served: ${versions.map((x) => `${tm.group}/${x}`).join(', ')})`, sources: [`CRD ${tm.group}`] }];
      }
      const fn = validatorFor(key, v);
      if (fn(obj)) return [];
      return describeErrors(fn.errors ?? [], obj).map((d) => ({ kind: tm.kind, name: tm.name, ...d, sources: [`CRD ${v.plural}.${v.group}/${v.version}`] }));
    },
  };
}
