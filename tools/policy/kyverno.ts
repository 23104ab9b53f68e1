/**
 * A test harness that evaluates Kyverno ClusterPolicies (kyverno.io/v1) with `validate.cel` rules the way
 * Kyverno's admission controller does, for the subset of Kyverno the platform's policies use, with a real CEL
 * engine (cel.ts). Everything else is REFUSED when the policy is loaded (UnsupportedPolicyError), so a policy
 * can never pass here because the harness ignored one of its fields:
 * - spec: `rules`, `failurePolicy`, `webhookTimeoutSeconds`, `background`, `admission` (must not be false);
 * - metadata: autogen must be off (`pod-policies.kyverno.io/autogen-controllers: none`): the harness does not
 *   generate controller rules, the policies match controllers themselves;
 * - rule: `name`, `match.any[].resources.{kinds, namespaces, operations}` (no `all`, no `exclude`, no
 *   selectors, names, subjects or wildcards), `validate.failureAction` and `validate.cel.{variables, expressions}`
 *   (each expression with a static `message`; no `messageExpression`, `paramKind`, `auditAnnotations`).
 * Matching (Kyverno's `match.any`): an entry matches when the object's kind is in `kinds` (a bare `Kind`
 * matches every group and version; `version/Kind` and `group/version/Kind` must equal the object's
 * apiVersion), when `namespaces` is set, the object's namespace is in it (cluster-scoped objects never
 * match a namespace list), and when `operations` is set, the request's operation is in it (without it Kyverno
 * matches every operation, DELETE included).
 * Activation (as Kyverno builds it): `object` (null for a DELETE), `oldObject` (the object for UPDATE and
 * DELETE, else null), `request` (operation, kind, namespace, name, userInfo, dryRun), `namespaceObject` (the
 * Namespace, or null for cluster-scoped objects) and `variables` (each evaluated in order, seeing the ones
 * before it). An expression that is false fails the
 * rule with its message; one that errors or returns a non-bool is an `error` (Kyverno: the rule errors and the
 * request is denied under Enforce).
 */
import { compile, celValue, CelProgram } from './cel';

export type JsonObject = Record<string, unknown>;

export class UnsupportedPolicyError extends Error {}

export type RuleResult = 'pass' | 'fail' | 'error';

export interface RuleDecision {
  readonly policy: string;
  readonly rule: string;
  readonly failureAction: 'Enforce' | 'Audit';
  readonly result: RuleResult;
  /** Messages of the failed expressions (or the error), in expression order. */
  readonly messages: readonly string[];
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';
const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface AdmissionInput {
  readonly object: JsonObject;
  /** @default CREATE (UPDATE: the object replaces itself; DELETE: `object` is null, `oldObject` the object). */
  readonly operation?: Operation;
  /** Namespace the object is created in (a Helm release's objects may leave metadata.namespace out). */
  readonly namespace?: string;
  /** The Namespace object; a bare one with the name is used when absent. */
  readonly namespaceObject?: JsonObject;
}

interface CompiledRule {
  readonly name: string;
  readonly failureAction: 'Enforce' | 'Audit';
  readonly match: readonly { readonly kinds: readonly string[]; readonly namespaces?: readonly string[]; readonly operations?: readonly string[] }[];
  readonly variables: readonly { readonly name: string; readonly program: CelProgram }[];
  readonly expressions: readonly { readonly program: CelProgram; readonly message: string }[];
}

interface CompiledPolicy {
  readonly name: string;
  readonly rules: readonly CompiledRule[];
}

const AUTOGEN = 'pod-policies.kyverno.io/autogen-controllers';

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Refuses a field the harness does not implement. */
function only(where: string, obj: JsonObject, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new UnsupportedPolicyError(`${where}: "${k}" is not implemented by the policy harness (tools/policy/kyverno.ts); implement it there or do not use it`);
  }
}

function strings(where: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new UnsupportedPolicyError(`${where} must be a list of strings`);
  return v as string[];
}

function noWildcards(where: string, values: readonly string[]): void {
  for (const v of values) if (/[*?]/.test(v)) throw new UnsupportedPolicyError(`${where}: wildcard "${v}" is not implemented by the policy harness`);
}

function compileRule(policy: string, raw: unknown, i: number): CompiledRule {
  const at = `ClusterPolicy ${policy} rules[${i}]`;
  if (!isObject(raw)) throw new UnsupportedPolicyError(`${at} must be an object`);
  only(at, raw, ['name', 'match', 'validate']);
  if (typeof raw.name !== 'string') throw new UnsupportedPolicyError(`${at}.name must be a string`);
  const rat = `ClusterPolicy ${policy} rule ${raw.name}`;
  if (!isObject(raw.match)) throw new UnsupportedPolicyError(`${rat}: match is required`);
  only(`${rat} match`, raw.match, ['any']);
  if (!Array.isArray(raw.match.any) || raw.match.any.length === 0) throw new UnsupportedPolicyError(`${rat}: match.any must be a non-empty list`);
  const match = raw.match.any.map((entry, j) => {
    const eat = `${rat} match.any[${j}]`;
    if (!isObject(entry)) throw new UnsupportedPolicyError(`${eat} must be an object`);
    only(eat, entry, ['resources']);
    if (!isObject(entry.resources)) throw new UnsupportedPolicyError(`${eat}.resources is required`);
    only(`${eat}.resources`, entry.resources, ['kinds', 'namespaces', 'operations']);
    const kinds = strings(`${eat}.resources.kinds`, entry.resources.kinds);
    if (kinds.length === 0) throw new UnsupportedPolicyError(`${eat}.resources.kinds must not be empty`);
    noWildcards(`${eat}.resources.kinds`, kinds);
    for (const k of kinds) {
      if (!/^([a-z0-9.-]+\/)?([a-z0-9]+\/)?[A-Z][A-Za-z0-9]*$/.test(k)) throw new UnsupportedPolicyError(`${eat}.resources.kinds: "${k}" (subresources or this spelling) is not implemented by the policy harness`);
    }
    const namespaces = entry.resources.namespaces === undefined ? undefined : strings(`${eat}.resources.namespaces`, entry.resources.namespaces);
    if (namespaces) noWildcards(`${eat}.resources.namespaces`, namespaces);
    const operations = entry.resources.operations === undefined ? undefined : strings(`${eat}.resources.operations`, entry.resources.operations);
    for (const op of operations ?? []) if (!OPERATIONS.includes(op)) throw new UnsupportedPolicyError(`${eat}.resources.operations: "${op}" is not an admission operation`);
    return { kinds, namespaces: namespaces && namespaces.length > 0 ? namespaces : undefined, operations: operations && operations.length > 0 ? operations : undefined };
  });
  if (!isObject(raw.validate)) throw new UnsupportedPolicyError(`${rat}: only validate rules are implemented by the policy harness`);
  only(`${rat} validate`, raw.validate, ['failureAction', 'cel']);
  const failureAction = raw.validate.failureAction;
  if (failureAction !== 'Enforce' && failureAction !== 'Audit') throw new UnsupportedPolicyError(`${rat}: validate.failureAction must be Enforce or Audit (the policy-level default is not implemented)`);
  const cel = raw.validate.cel;
  if (!isObject(cel)) throw new UnsupportedPolicyError(`${rat}: validate.cel is required`);
  only(`${rat} validate.cel`, cel, ['variables', 'expressions']);
  const variables = (Array.isArray(cel.variables) ? cel.variables : cel.variables === undefined ? [] : undefined)?.map((v, j) => {
    if (!isObject(v)) throw new UnsupportedPolicyError(`${rat} validate.cel.variables[${j}] must be an object`);
    only(`${rat} validate.cel.variables[${j}]`, v, ['name', 'expression']);
    if (typeof v.name !== 'string' || typeof v.expression !== 'string') throw new UnsupportedPolicyError(`${rat} validate.cel.variables[${j}] needs a name and an expression`);
    return { name: v.name, program: compile(v.expression) };
  });
  if (!variables) throw new UnsupportedPolicyError(`${rat}: validate.cel.variables must be a list`);
  if (!Array.isArray(cel.expressions) || cel.expressions.length === 0) throw new UnsupportedPolicyError(`${rat}: validate.cel.expressions must be a non-empty list`);
  const expressions = cel.expressions.map((e, j) => {
    const xat = `${rat} validate.cel.expressions[${j}]`;
    if (!isObject(e)) throw new UnsupportedPolicyError(`${xat} must be an object`);
    only(xat, e, ['expression', 'message']);
    if (typeof e.expression !== 'string' || typeof e.message !== 'string') throw new UnsupportedPolicyError(`${xat} needs an expression and a static message`);
    return { program: compile(e.expression), message: e.message };
  });
  return { name: raw.name, failureAction, match, variables, expressions };
}

/** Parses and checks one ClusterPolicy, compiling every CEL expression. */
export function compilePolicy(doc: JsonObject): CompiledPolicy {
  if (doc.apiVersion !== 'kyverno.io/v1' || doc.kind !== 'ClusterPolicy') throw new UnsupportedPolicyError(`${String(doc.apiVersion)} ${String(doc.kind)}: only kyverno.io/v1 ClusterPolicy is implemented by the policy harness`);
  only('ClusterPolicy', doc, ['apiVersion', 'kind', 'metadata', 'spec']);
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!name) throw new UnsupportedPolicyError('ClusterPolicy without metadata.name');
  only(`ClusterPolicy ${name} metadata`, meta, ['name', 'labels', 'annotations']);
  const annotations = isObject(meta.annotations) ? meta.annotations : {};
  if (annotations[AUTOGEN] !== 'none') throw new UnsupportedPolicyError(`ClusterPolicy ${name}: pod-controller autogen is not implemented by the policy harness; set the annotation ${AUTOGEN}: none and match the controllers explicitly`);
  if (!isObject(doc.spec)) throw new UnsupportedPolicyError(`ClusterPolicy ${name}: spec is required`);
  only(`ClusterPolicy ${name} spec`, doc.spec, ['rules', 'failurePolicy', 'webhookTimeoutSeconds', 'background', 'admission']);
  if (doc.spec.admission === false) throw new UnsupportedPolicyError(`ClusterPolicy ${name}: admission: false (background-only policies) is not implemented by the policy harness`);
  if (!Array.isArray(doc.spec.rules) || doc.spec.rules.length === 0) throw new UnsupportedPolicyError(`ClusterPolicy ${name}: spec.rules must be a non-empty list`);
  return { name, rules: doc.spec.rules.map((r, i) => compileRule(name, r, i)) };
}

function kindMatches(pattern: string, apiVersion: string, kind: string): boolean {
  const parts = pattern.split('/');
  if (parts[parts.length - 1] !== kind) return false;
  if (parts.length === 1) return true;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (parts.length === 2) return group === '' && parts[0] === version;
  return parts[0] === group && parts[1] === version;
}

function matches(rule: CompiledRule, apiVersion: string, kind: string, namespace: string | undefined, operation: Operation): boolean {
  return rule.match.some(
    (m) =>
      m.kinds.some((k) => kindMatches(k, apiVersion, kind)) &&
      (m.namespaces === undefined || (namespace !== undefined && m.namespaces.includes(namespace))) &&
      (m.operations === undefined || m.operations.includes(operation)),
  );
}

export class PolicyHarness {
  private readonly policies: readonly CompiledPolicy[];

  constructor(docs: readonly JsonObject[]) {
    this.policies = docs.map(compilePolicy);
  }

  get policyNames(): string[] {
    return this.policies.map((p) => p.name);
  }

  /** The decision of every rule that matches the object (no entry: nothing matched). */
  evaluate(input: AdmissionInput): RuleDecision[] {
    const { object } = input;
    const meta = isObject(object.metadata) ? object.metadata : {};
    const apiVersion = String(object.apiVersion);
    const kind = String(object.kind);
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : input.namespace;
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const operation = input.operation ?? 'CREATE';
    const bindings = {
      object: operation === 'DELETE' ? null : celValue(object),
      oldObject: operation === 'CREATE' ? null : celValue(object),
      request: celValue({
        operation,
        kind: { group, version, kind },
        namespace: namespace ?? '',
        name: meta.name,
        userInfo: { username: 'system:serviceaccount:argocd:argocd-application-controller' },
        dryRun: false,
      }),
      namespaceObject: namespace === undefined ? null : celValue(input.namespaceObject ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
    };
    const out: RuleDecision[] = [];
    for (const p of this.policies) {
      for (const r of p.rules) {
        if (!matches(r, apiVersion, kind, namespace, operation)) continue;
        out.push({ policy: p.name, rule: r.name, failureAction: r.failureAction, ...evaluateRule(r, bindings) });
      }
    }
    return out;
  }

  /** Kyverno's admission answer: denied when an Enforce rule fails or errors. */
  admit(input: AdmissionInput): { allowed: boolean; denials: RuleDecision[]; audits: RuleDecision[] } {
    const decisions = this.evaluate(input).filter((d) => d.result !== 'pass');
    const denials = decisions.filter((d) => d.failureAction === 'Enforce');
    return { allowed: denials.length === 0, denials, audits: decisions.filter((d) => d.failureAction === 'Audit') };
  }
}

function evaluateRule(rule: CompiledRule, base: Readonly<Record<string, unknown>>): { result: RuleResult; messages: string[] } {
  const variables = new Map<string, unknown>();
  for (const v of rule.variables) {
    const r = v.program({ ...base, variables: variables } as never);
    if ('error' in r) return { result: 'error', messages: [`variable ${v.name}: ${r.error}`] };
    variables.set(v.name, r.value);
  }
  const messages: string[] = [];
  for (const e of rule.expressions) {
    const r = e.program({ ...base, variables } as never);
    if ('error' in r) return { result: 'error', messages: [`${e.message} (evaluation error: ${r.error})`] };
    if (typeof r.value !== 'boolean') return { result: 'error', messages: [`${e.message} (expression returned ${typeof r.value}, not bool)`] };
    if (!r.value) messages.push(e.message);
  }
  return { result: messages.length > 0 ? 'fail' : 'pass', messages };
}
