/**
 * Kubernetes 1.28 core kinds, validated closed-world against the vendored OpenAPI v2 document that a real
 * kube-apiserver v1.28.0 served (schemas/kubernetes/). The v2 definitions are open-world JSON Schema
 * (an unknown field passes), while the API server with `fieldValidation=Strict` rejects unknown fields;
 * so every definition with `properties` is compiled with `additionalProperties: false`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
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

const K8S_128_SPEC_FILE = 'kubernetes/k8s-v1.28.0-openapi-v2.json';
/** Ajv `$id` of the converted definitions document; CRD schemas use it to reach ObjectMeta. */
const K8S_128_ID = 'k8s-1.28';
export const OBJECT_META_REF = `${K8S_128_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

const INT_OR_STRING_DEF = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY_DEF = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** Keywords of the v2 definitions that carry validation and that we pass on to Ajv; all others are documentation or extensions. */
const COPIED = ['type', 'enum', 'required', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf'] as const;

interface OpenApiV2 {
  definitions: Record<string, JsonObject>;
  paths: Record<string, Record<string, unknown>>;
}

function intOrString(): JsonSchema {
  return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
}

/** One v2 schema node → closed-world draft-07 node. */
function convertV2(node: JsonObject): JsonSchema {
  if (typeof node.$ref === 'string') return { $ref: node.$ref };
  if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string'] === true) return intOrString();
  const out: JsonSchema = {};
  for (const k of COPIED) if (node[k] !== undefined) out[k] = node[k];
  if (typeof node.format === 'string' && ENFORCED_FORMATS.has(node.format)) out.format = node.format;
  if (isObject(node.items)) out.items = convertV2(node.items);
  if (isObject(node.properties)) {
    const props: JsonSchema = {};
    for (const [k, v] of Object.entries(node.properties)) if (isObject(v)) props[k] = convertV2(v);
    out.properties = props;
  }
  if (isObject(node.additionalProperties)) out.additionalProperties = convertV2(node.additionalProperties);
  else if (typeof node.additionalProperties === 'boolean') out.additionalProperties = node.additionalProperties;
  else if (out.properties !== undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    // The closed-world rule. Objects *without* `properties` (RawExtension, FieldsV1, Patch) are Go types
    // that take arbitrary JSON, so they stay open.
    out.additionalProperties = false;
  }
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = node[k];
    if (Array.isArray(list)) out[k] = list.filter(isObject).map(convertV2);
  }
  return out;
}

export interface K8s128 {
  readonly version: '1.28';
  /** GVK → definition name, for kinds that a 1.28 API server accepts in a create (POST) request. */
  readonly served: ReadonlyMap<string, string>;
  check(obj: JsonObject): RawIssue[] | undefined;
}

let loaded: K8s128 | undefined;
/** Milliseconds spent reading + converting the spec, and compiling per-kind validators (for reports). */
export const k8s128Timings = { load: 0, compile: 0, kindsCompiled: 0 };

export function k8s128(): K8s128 {
  if (loaded) return loaded;
  const t0 = performance.now();
  const spec = JSON.parse(readFileSync(join(schemasDir(), K8S_128_SPEC_FILE), 'utf8')) as OpenApiV2;

  const definitions: JsonSchema = {};
  for (const [name, def] of Object.entries(spec.definitions)) {
    if (name === INT_OR_STRING_DEF) definitions[name] = intOrString();
    // Quantity is declared `type: string`, but the API server also decodes JSON numbers (`cpu: 1`).
    else if (name === QUANTITY_DEF) definitions[name] = { anyOf: [{ type: 'string', format: 'quantity' }, { type: 'number' }] };
    else definitions[name] = convertV2(def);
  }
  ajv().addSchema({ $id: K8S_128_ID, definitions });

  // "Served" = some POST operation takes this GVK. x-kubernetes-group-version-kind on definitions alone
  // would also admit List kinds, Status, WatchEvent and DeleteOptions, which the server never creates.
  const creatable = new Set<string>();
  for (const ops of Object.values(spec.paths)) {
    for (const op of Object.values(ops)) {
      if (!isObject(op) || op['x-kubernetes-action'] !== 'post') continue;
      const g = op['x-kubernetes-group-version-kind'];
      if (isObject(g)) creatable.add(gvkKey(String(g.group), String(g.version), String(g.kind)));
    }
  }
  const served = new Map<string, string>();
  for (const [name, def] of Object.entries(spec.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const g of gvks.filter(isObject)) {
      const key = gvkKey(String(g.group), String(g.version), String(g.kind));
      if (creatable.has(key)) served.set(key, name);
    }
  }
  k8s128Timings.load = performance.now() - t0;

  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, definition: string, apiVersion: string, kind: string): ValidateFunction => {
    let fn = compiled.get(key);
    if (!fn) {
      const t = performance.now();
      fn = ajv().compile({
        allOf: [{ $ref: `${K8S_128_ID}#/definitions/${definition}` }],
        // The definitions leave these optional (they serve lists and patches too); a manifest needs them.
        required: ['apiVersion', 'kind', 'metadata'],
        properties: {
          apiVersion: { const: apiVersion },
          kind: { const: kind },
          metadata: { type: 'object', required: ['name'] },
        },
      });
      compiled.set(key, fn);
      k8s128Timings.compile += performance.now() - t;
      k8s128Timings.kindsCompiled += 1;
    }
    return fn;
  };

  loaded = {
    version: '1.28',
    served,
    check(obj) {
      const tm = typeMeta(obj);
      const key = gvkKey(tm.group, tm.version, tm.kind);
      const definition = served.get(key);
      if (definition === undefined) return undefined;
      const fn = validatorFor(key, definition, tm.apiVersion, tm.kind);
      if (fn(obj)) return [];
      return describeErrors(fn.errors ?? [], obj).map((d) => ({ kind: tm.kind, name: tm.name, ...d, sources: ['k8s 1.28'] }));
    },
  };
  return loaded;
}
