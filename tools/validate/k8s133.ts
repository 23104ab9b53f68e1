/**
 * Kubernetes 1.33 core kinds, validated closed-world with the schemas of kubernetes-models-1.33
 * (kubernetes-models@4.5.1, generated from the 1.33 OpenAPI spec).
 *
 * That package ships no JSON Schema documents: only Ajv *standalone* code (`_schemas/*.js`), which is
 * open-world (no `additionalProperties: false`), so an unknown field passes its `validate()`.
 * Re-deriving schemas from minified generated code would be fragile, so instead we observe it: the
 * object is handed to the package's own validator wrapped in Proxies that record every property the
 * validator reads. Standalone Ajv code reads exactly the properties its schema declares
 * (`void 0 === data.image || validate(data.image)`), and enumerates keys only where the schema has
 * `additionalProperties` (maps such as labels). So after validation:
 *   - an object whose keys were enumerated is a map: every key is allowed;
 *   - an object some of whose declared properties were read is a schema'd object: every own key
 *     that was not read is an unknown field;
 *   - an object the validator never looked into is free-form (RawExtension, JSON) or sits under a type
 *     error that is already reported: it is not checked further.
 * This is the same closed-world rule as for 1.28 (`additionalProperties: false` wherever `properties`
 * is present), applied to the 1.33 schemas, without copying them.
 */
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import { describeErrors, gvkKey, isObject, typeMeta, type JsonObject, type RawIssue } from './common';
import { k8s128 } from './k8s128';

const PACKAGE = 'kubernetes-models-1.33';

/**
 * The served set of a default 1.33 API server = the 1.28 served set (read from the 1.28 spec), minus the
 * API removals of 1.29-1.33, plus the APIs that went GA in 1.29-1.33 (Kubernetes deprecated API migration
 * guide and release notes; new beta APIs are off by default since 1.24, so none are added).
 * kubernetes-models keeps models of removed versions, so its file list alone cannot tell what is served;
 * test/validate/validate.test.ts checks these lists against the package (every addition has a model, and
 * every kind that first appears in the 1.33 package is either served or a List).
 */
export const REMOVED_AFTER_128: readonly (readonly [string, string])[] = [
  ['flowcontrol.apiserver.k8s.io/v1beta2/FlowSchema', '1.29'],
  ['flowcontrol.apiserver.k8s.io/v1beta2/PriorityLevelConfiguration', '1.29'],
  ['flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema', '1.32'],
  ['flowcontrol.apiserver.k8s.io/v1beta3/PriorityLevelConfiguration', '1.32'],
];
export const ADDED_AFTER_128: readonly (readonly [string, string])[] = [
  ['flowcontrol.apiserver.k8s.io/v1/FlowSchema', '1.29'],
  ['flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration', '1.29'],
  ['admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy', '1.30'],
  ['admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding', '1.30'],
  ['networking.k8s.io/v1/IPAddress', '1.33'],
  ['networking.k8s.io/v1/ServiceCIDR', '1.33'],
];

/** A kubernetes-models class: statics name its GVK, `prototype.validate` runs the generated validator on `this`. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(this: unknown): void };
}

function isModelClass(v: unknown): v is ModelClass {
  if (typeof v !== 'function') return false;
  const c = v as unknown as Record<string, unknown>;
  const proto = c.prototype as Record<string, unknown> | undefined;
  return typeof c.apiVersion === 'string' && typeof c.kind === 'string' && typeof proto?.validate === 'function';
}

// createRequire: the module path is computed, and esbuild (scripts/build.mjs) must leave it to Node at run time.
const requireModels = createRequire(__filename);

/** `kubernetes-models-1.33/apps/v1` exports `Deployment`; core kinds live in `kubernetes-models-1.33/v1`. */
export function modelClass133(group: string, version: string, kind: string): ModelClass | undefined {
  if (!/^[a-z0-9.-]*$/.test(group) || !/^v[0-9a-z]+$/.test(version) || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
  let mod: unknown;
  try {
    mod = requireModels(`${PACKAGE}/${group === '' ? '' : `${group}/`}${version}`);
  } catch {
    return undefined;
  }
  const cls = isObject(mod) || typeof mod === 'function' ? (mod as Record<string, unknown>)[kind] : undefined;
  return isModelClass(cls) && cls.kind === kind ? cls : undefined;
}

interface Reads {
  readonly keys: Set<string>;
  enumerated: boolean;
}

/** Wraps `root` (and lazily everything reached from it) in read-recording Proxies. */
function instrument(root: JsonObject): { proxy: JsonObject; reads: Map<object, Reads> } {
  const reads = new Map<object, Reads>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    const rec: Reads = { keys: new Set(), enumerated: false };
    reads.set(value, rec);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') rec.keys.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === 'string') rec.keys.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        rec.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root) as JsonObject, reads };
}

/** Own keys the validator never read, as (parent path, key). */
function unreadKeys(value: unknown, path: string, reads: Map<object, Reads>, out: { path: string; key: string }[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => unreadKeys(v, `${path}/${i}`, reads, out));
    return;
  }
  if (!isObject(value)) return;
  const rec = reads.get(value);
  if (!rec || (!rec.enumerated && rec.keys.size === 0)) return; // never looked into: free-form or under a reported error
  for (const [key, child] of Object.entries(value)) {
    if (!rec.enumerated && !rec.keys.has(key)) out.push({ path, key });
    else unreadKeys(child, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, reads, out);
  }
}

function ajvErrorsOf(e: unknown): ErrorObject[] | undefined {
  if (isObject(e) || e instanceof Error) {
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors as ErrorObject[];
  }
  return undefined;
}

export interface K8s133 {
  readonly version: '1.33';
  readonly served: ReadonlySet<string>;
  check(obj: JsonObject): RawIssue[] | undefined;
}

let loaded: K8s133 | undefined;

export function k8s133(): K8s133 {
  if (loaded) return loaded;
  const served = new Set(k8s128().served.keys());
  for (const [key] of REMOVED_AFTER_128) served.delete(key);
  for (const [key] of ADDED_AFTER_128) served.add(key);
  const classes = new Map<string, ModelClass | undefined>();

  loaded = {
    version: '1.33',
    served,
    check(obj) {
      const tm = typeMeta(obj);
      const key = gvkKey(tm.group, tm.version, tm.kind);
      if (!served.has(key)) return undefined;
      if (!classes.has(key)) classes.set(key, modelClass133(tm.group, tm.version, tm.kind));
      const cls = classes.get(key);
      const issue = (path: string, message: string): RawIssue => ({ kind: tm.kind, name: tm.name, path, message, sources: ['k8s 1.33'] });
      if (!cls) return [issue('', `${PACKAGE} has no model for ${tm.apiVersion} ${tm.kind}`)];

      // `obj` is the caller's private JSON copy (index.ts asJson): plain, unfrozen data, safe to wrap in Proxies.
      const { proxy, reads } = instrument(obj);
      const issues: RawIssue[] = [];
      try {
        cls.prototype.validate.call(proxy);
      } catch (e) {
        const errors = ajvErrorsOf(e);
        if (!errors) throw e;
        for (const d of describeErrors(errors, obj)) issues.push(issue(d.path, d.message));
      }
      const unread: { path: string; key: string }[] = [];
      unreadKeys(obj, '', reads, unread);
      for (const u of unread) issues.push(issue(u.path, `must NOT have additional property "${u.key}"`));
      // Same as for 1.28: a manifest must name its object (the generated schema leaves metadata optional).
      const meta = obj.metadata;
      if (!isObject(meta)) issues.push(issue('', 'must have required property "metadata"'));
      else if (meta.name === undefined) issues.push(issue('/metadata', 'must have required property "name"'));
      return issues;
    },
  };
  return loaded;
}
