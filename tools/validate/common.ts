/**
 * Shared plumbing of the schema validators: the issue shape, the one Ajv instance every compiled
 * schema lives in, translation of Ajv errors into messages a human can act on, and file lookup.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';

export interface SchemaIssue {
  readonly file?: string;
  readonly kind: string;
  readonly name: string;
  /** JSON pointer into the object ("" = the object itself). */
  readonly path: string;
  readonly message: string;
}

export interface Validator {
  validate(obj: unknown, file?: string): SchemaIssue[];
}

/**
 * An issue before it is rendered: `sources` says which schema(s) found it, so that
 * `validateManifests` can merge the same finding from k8s 1.28 and 1.33 into one line.
 */
export interface RawIssue {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly message: string;
  readonly sources: readonly string[];
}

/** A plain JSON-Schema (draft-07) node as we build it. Kept loose on purpose: it is data for Ajv. */
export type JsonSchema = { [key: string]: unknown };

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly name: string;
}

/** Reads apiVersion/kind/metadata.name without trusting their types (they are validated later). */
export function typeMeta(obj: JsonObject): TypeMeta {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : '<unnamed>';
  return { apiVersion, kind, group, version, name };
}

export function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/**
 * Formats we enforce, and only where ajv-formats implements what the API server does:
 * int32/int64 (range of an integer), float/double (any number), byte (strict padded base64, as Go's
 * base64.StdEncoding), date-time/date (RFC 3339 with timezone, as metav1.Time). Every other format
 * (e.g. `duration`, which the API server reads as a Go duration but ajv-formats as ISO 8601, or `uri`,
 * which differs in strictness) is dropped from the schema: accepted leniently, like an unknown format.
 */
export const ENFORCED_FORMATS = new Set(['int32', 'int64', 'float', 'double', 'byte', 'date-time', 'date']);

/** Kubernetes resource.Quantity: signed number + optional binary-SI, decimal-SI or exponent suffix. */
const QUANTITY_PATTERN =
  '^[+-]?(?:[0-9]+|[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:[0-9]+|[0-9]+\\.[0-9]*|\\.[0-9]+))?$';

/** Keywords that check a value itself (not its children): the kinds of failure a junctor branch reports. */
const VALUE_KEYWORDS = new Set(['type', 'format', 'pattern', 'enum', 'const', 'minimum', 'maximum', 'minLength', 'maxLength']);

let sharedAjv: Ajv | undefined;

/**
 * Ajv's RegExpEngine interface: a factory plus a `code` name (used only by standalone code generation).
 * Ajv caches compiled patterns under `toString()` of what the factory returns, so it must name the pattern.
 */
const re2Engine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string): boolean => re.test(s), toString: (): string => `re2js:${pattern}` };
  },
  { code: 'require("re2js").RE2JS.compile' },
);

/**
 * One Ajv for the 1.28 definitions and all CRD schemas: CRD schemas reference the 1.28 ObjectMeta
 * definition for `metadata`, and compiled sub-schemas are shared between kinds.
 * - allErrors: report every problem of an object, not the first one.
 * - regExp: `pattern`s in CRDs are Go RE2 syntax, which the API server evaluates with Go's regexp
 *   (unanchored, like JSON Schema). Some are not valid ECMAScript (`^(?i)(abort|warn)?$` in
 *   PrometheusRule, a group-scoped `(?i)` in AlertmanagerConfig), so patterns run on re2js, a port of RE2.
 * - optimize: false: Ajv's code optimisation passes cost more than they save here: compiling all 15 CRD
 *   versions took 5.3 s with them and 2.1 s without (ApplicationSet alone 2.2 s -> 0.9 s), and
 *   validating 2,000 objects stays around 150 ms.
 * - strict: keyword whitelisting happens in our converters, so strict mode only guards our own mistakes.
 */
export function ajv(): Ajv {
  if (sharedAjv) return sharedAjv;
  const instance = new Ajv({
    allErrors: true,
    code: { regExp: re2Engine, optimize: false },
    strict: true,
    strictRequired: false,
    strictTypes: false,
    allowUnionTypes: true,
    validateSchema: false,
  });
  addFormats(instance, { mode: 'full', formats: ['int32', 'int64', 'float', 'double', 'byte', 'date-time', 'date'] });
  const quantity = RE2JS.compile(QUANTITY_PATTERN);
  instance.addFormat('quantity', { type: 'string', validate: (s: string) => quantity.test(s) });
  sharedAjv = instance;
  return instance;
}

/** Value at a JSON pointer (Ajv's instancePath), for messages such as `(got "two")`. */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `number ${v}`;
  if (typeof v === 'string') return `string ${show(v)}`;
  return typeof v;
}

/**
 * Ajv errors → (path, message). anyOf/oneOf failures are collapsed with their branch errors into one
 * message (`must be integer or string`), since "must match a schema in anyOf" plus one line per branch
 * says the same thing three times.
 */
export function describeErrors(errors: readonly ErrorObject[], root: unknown): { path: string; message: string }[] {
  const junctors = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  // A branch error sits under the junctor's schemaPath, or - when the branches were compiled as separate
  // functions (kubernetes-models' standalone code restarts schemaPath at `#`) - is a value check at the
  // junctor's own instancePath reported before it.
  const branchOf = (e: ErrorObject): ErrorObject | undefined =>
    junctors.find(
      (j) =>
        j !== e &&
        e.instancePath.startsWith(j.instancePath) &&
        (e.schemaPath.startsWith(`${j.schemaPath}/`) ||
          (e.instancePath === j.instancePath && VALUE_KEYWORDS.has(e.keyword) && errors.indexOf(e) < errors.indexOf(j))),
    );
  const out: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string): void => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path, message });
  };
  for (const e of errors) {
    if (branchOf(e)) continue;
    const value = valueAt(root, e.instancePath);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties':
        push(e.instancePath, `must NOT have additional property "${String(p.additionalProperty)}"`);
        break;
      case 'required':
        push(e.instancePath, `must have required property "${String(p.missingProperty)}"`);
        break;
      case 'type':
        push(e.instancePath, `must be ${String(p.type)} (got ${typeName(value)})`);
        break;
      case 'enum':
        push(e.instancePath, `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')} (got ${show(value)})`);
        break;
      case 'const':
        push(e.instancePath, `must be ${show(p.allowedValue)} (got ${show(value)})`);
        break;
      case 'format':
        push(e.instancePath, `must match format "${String(p.format)}" (got ${show(value)})`);
        break;
      case 'pattern':
        push(e.instancePath, `must match pattern ${show(p.pattern)} (got ${show(value)})`);
        break;
      case 'anyOf':
      case 'oneOf': {
        // e.g. int-or-string: "must be integer or string"; Quantity: "must be number or match format "quantity"".
        const branches = errors.filter((b) => branchOf(b) === e);
        const alternatives = branches.map((b) => {
          const bp = b.params as Record<string, unknown>;
          if (b.instancePath !== e.instancePath) return `(${b.instancePath.slice(e.instancePath.length)} ${b.message ?? b.keyword})`;
          if (b.keyword === 'type') return String(bp.type);
          if (b.keyword === 'format') return `string in format "${String(bp.format)}"`;
          if (b.keyword === 'pattern') return `string matching ${show(bp.pattern)}`;
          return `(${b.message ?? b.keyword})`;
        });
        // Sorted, so that the same alternatives from differently ordered schemas (1.28 vs 1.33) read the same.
        const unique = [...new Set(alternatives)].sort();
        push(e.instancePath, unique.length > 0 ? `must be ${unique.join(' or ')} (got ${typeName(value)})` : `${e.message ?? e.keyword} (got ${show(value)})`);
        break;
      }
      default:
        push(e.instancePath, `${e.message ?? e.keyword} (got ${show(value)})`);
    }
  }
  return out;
}

/**
 * Directory holding the vendored schemas. Walks up from this file so that it works from the
 * TypeScript sources (jest), from an esbuild bundle in `.build/`, and from any working directory.
 * Never looks outside the repository (`../shared` is not a run-time dependency).
 */
export function schemasDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'schemas', 'kubernetes');
    if (existsSync(candidate)) return join(dir, 'schemas');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`tools/validate: cannot find the vendored schemas/ directory above ${__dirname}`);
    dir = parent;
  }
}

export function renderIssue(raw: RawIssue, file: string | undefined): SchemaIssue {
  return {
    ...(file !== undefined ? { file } : {}),
    kind: raw.kind,
    name: raw.name,
    path: raw.path,
    message: raw.sources.length > 0 ? `${raw.message} [${raw.sources.join(', ')}]` : raw.message,
  };
}
