/**
 * A small evaluator for the HCL the Terraform layer uses, so that tests can compute what Terraform derives
 * from `sites/*.yaml` without a Terraform binary.
 *
 * Parsing is HashiCorp's own: `@cdktf/hcl2json` runs the Go HCL parser (WebAssembly) and returns both the
 * JSON form of a file and the syntax tree of any expression. This module only *evaluates* those trees, for
 * the subset of the language the modules use (for expressions, conditionals, the functions listed in
 * FUNCTIONS, traversals, splats, templates). Anything outside the subset throws `Unsupported`, so a module
 * that starts using a new construct fails the suite loudly instead of being evaluated wrongly.
 *
 * Semantics follow Terraform where it matters for equality with the TypeScript side: map/object iteration
 * in lexicographic key order, sets of strings sorted, missing attributes are errors (so `try()` works),
 * duplicate keys in `{ for }` are errors unless grouped with `...`.
 *
 * Values of resources, data sources and provider-computed attributes are unknown before apply: referencing
 * one throws `Unknown`; tests only evaluate what Terraform knows at plan time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as yaml from 'js-yaml';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Value = any;
type Json = any;

/** An expression or construct outside the subset this evaluator implements. */
class Unsupported extends Error {}
/** A value Terraform only knows after apply (resource attributes). */
class Unknown extends Error {}
/** An HCL evaluation error (missing attribute, wrong type, duplicate key...), as Terraform would raise. */
class EvalError extends Error {}

interface Ast {
  readonly type: string;
  readonly children: Ast[];
  readonly meta?: Record<string, any>;
  readonly range?: { start: { byte: number }; end: { byte: number } };
}

/** One parsed `.tf` file: the JSON form hcl2json returns. */
export type TfJson = Record<string, Json>;

/** The files of one module directory, parsed, plus their blocks merged the way Terraform merges files. */
export interface TfModule {
  readonly dir: string;
  readonly files: Readonly<Record<string, TfJson>>;
  readonly locals: Readonly<Record<string, Json>>;
  readonly variables: Readonly<Record<string, Json>>;
  readonly outputs: Readonly<Record<string, Json>>;
  readonly modules: Readonly<Record<string, Json>>;
  readonly resources: Readonly<Record<string, Json>>;
  readonly terraform: readonly Json[];
}

// The parser is Go compiled to WebAssembly; its runtime keeps the event loop busy after use, which would stop
// Jest from exiting. It therefore runs in a worker thread that does not hold the process open (unref).
let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function hcl2json(op: 'parse' | 'getExpressionAst', ...args: string[]): Promise<unknown> {
  if (!worker) {
    worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const hcl = require(${JSON.stringify(require.resolve('@cdktf/hcl2json'))});
       parentPort.on('message', async ({ id, op, args }) => {
         try { parentPort.postMessage({ id, ok: true, value: await hcl[op](...args) }); }
         catch (err) { parentPort.postMessage({ id, ok: false, error: String((err && err.message) || err) }); }
       });`,
      { eval: true },
    );
    worker.unref();
    worker.on('message', ({ id, ok, value, error }: { id: number; ok: boolean; value: unknown; error: string }) => {
      const p = pending.get(id);
      pending.delete(id);
      if (ok) p?.resolve(value);
      else p?.reject(new Error(error));
    });
  }
  const id = nextId++;
  return new Promise((resolvePromise, reject) => {
    pending.set(id, { resolve: resolvePromise, reject });
    worker!.postMessage({ id, op, args });
  });
}

/** Stops the parser's worker thread (call from afterAll so Jest's workers exit cleanly). */
export async function closeHcl(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

/** Parses one `.tf` file with HashiCorp's HCL parser; a syntax error rejects with the parser's diagnostic. */
export async function parseTfFile(path: string): Promise<TfJson> {
  return (await hcl2json('parse', basename(path), readFileSync(path, 'utf8'))) as TfJson;
}

/** Parses HCL source text (for fixtures). */
export async function parseHcl(name: string, text: string): Promise<TfJson> {
  return (await hcl2json('parse', name, text)) as TfJson;
}

export async function loadModule(dir: string): Promise<TfModule> {
  const files: Record<string, TfJson> = {};
  const locals: Record<string, Json> = {};
  const variables: Record<string, Json> = {};
  const outputs: Record<string, Json> = {};
  const modules: Record<string, Json> = {};
  const resources: Record<string, Json> = {};
  const terraform: Json[] = [];
  const unique = (kind: string, into: Record<string, Json>, name: string, value: Json) => {
    if (name in into) throw new EvalError(`${dir}: duplicate ${kind} "${name}"`);
    into[name] = value;
  };
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    const json = await parseTfFile(join(dir, f));
    files[f] = json;
    for (const block of json.locals ?? []) for (const [k, v] of Object.entries(block)) unique('local', locals, k, v);
    for (const [k, v] of Object.entries(json.variable ?? {})) unique('variable', variables, k, (v as Json[])[0]);
    for (const [k, v] of Object.entries(json.output ?? {})) unique('output', outputs, k, (v as Json[])[0]);
    for (const [k, v] of Object.entries(json.module ?? {})) unique('module', modules, k, (v as Json[])[0]);
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [name, v] of Object.entries(byName as Record<string, Json[]>)) unique('resource', resources, `${type}.${name}`, v[0]);
    }
    terraform.push(...(json.terraform ?? []));
  }
  return { dir, files, locals, variables, outputs, modules, resources, terraform };
}

// ---------------------------------------------------------------------------------------------------------
// Values

function typeOf(v: Value): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'tuple';
  return typeof v === 'object' ? 'object' : typeof v;
}

function isObject(v: Value): v is Record<string, Value> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Terraform iterates maps and objects in lexicographic key order. */
function sortedKeys(o: Record<string, Value>): string[] {
  return Object.keys(o).sort();
}

function canonical(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${sortedKeys(v).map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

function hclEqual(a: Value, b: Value): boolean {
  return canonical(a) === canonical(b);
}

function toStr(v: Value, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new EvalError(`${what}: cannot convert ${typeOf(v)} to string`);
}

function toNum(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new EvalError(`${what}: cannot convert ${typeOf(v)} to number`);
}

function toBool(v: Value, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new EvalError(`${what}: cannot convert ${typeOf(v)} to bool`);
}

function toList(v: Value, what: string): Value[] {
  if (Array.isArray(v)) return v;
  throw new EvalError(`${what}: expected a list, got ${typeOf(v)}`);
}

function toMap(v: Value, what: string): Record<string, Value> {
  if (isObject(v)) return v;
  throw new EvalError(`${what}: expected a map or object, got ${typeOf(v)}`);
}

/** HCL string escapes inside quoted template literals (the parser hands back raw source text). */
function unescapeLiteral(raw: string, quoted: boolean): string {
  let s = raw.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  if (!quoted) return s;
  s = s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, c: string) => {
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    if (c === 't') return '\t';
    if (c === '"') return '"';
    if (c === '\\') return '\\';
    if (c[0] === 'u' || c[0] === 'U') return String.fromCodePoint(parseInt(c.slice(1), 16));
    throw new EvalError(`invalid escape \\${c}`);
  });
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Expression sources: hcl2json returns every expression as a string ("${...}" or a template).

/** If `s` is exactly one `${ ... }` interpolation, returns the inner expression source. */
function singleInterpolation(s: string): string | undefined {
  if (!s.startsWith('${')) return undefined;
  let depth = 0;
  let quote = false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i === s.length - 1 ? s.slice(2, -1) : undefined;
    }
  }
  return undefined;
}

/** Re-quotes a template string from hcl2json so the HCL parser reads it back as a template. */
function templateSource(s: string): string {
  let out = '"';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('${', i) || s.startsWith('%{', i)) {
      let depth = 0;
      let quote = false;
      let j = i + 1;
      for (; j < s.length; j++) {
        const c = s[j];
        if (quote) {
          if (c === '\\') j++;
          else if (c === '"') quote = false;
        } else if (c === '"') quote = true;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      out += s.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const c = s[i];
    out += c === '"' ? '\\"' : c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : c;
    i++;
  }
  return `${out}"`;
}

const astCache = new Map<string, Promise<Ast | null>>();
function astOf(source: string): Promise<Ast | null> {
  let p = astCache.get(source);
  if (!p) {
    p = hcl2json('getExpressionAst', 'expr.tf', source) as Promise<Ast | null>;
    astCache.set(source, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// Scope and module instances

export interface ModuleArgs {
  /** Input variable values; variables missing here take their declared default. */
  readonly vars?: Readonly<Record<string, Value>>;
  /** Terraform's `path.root` (the environment directory for environments). @default the module directory */
  readonly root?: string;
}

/** One instance of a module: its variables bound, its locals, outputs and child modules evaluated lazily. */
export class ModuleInstance {
  private readonly localCache = new Map<string, Promise<Value>>();
  private readonly childCache = new Map<string, Promise<Value>>();
  readonly root: string;

  private constructor(
    readonly module: TfModule,
    private readonly vars: Readonly<Record<string, Value>>,
    root: string | undefined,
  ) {
    this.root = root ?? module.dir;
  }

  static async create(dir: string, args: ModuleArgs = {}): Promise<ModuleInstance> {
    return ModuleInstance.of(await loadModule(dir), args);
  }

  static of(module: TfModule, args: ModuleArgs = {}): ModuleInstance {
    const vars: Record<string, Value> = {};
    for (const [name, decl] of Object.entries(module.variables)) {
      if (args.vars && name in args.vars) vars[name] = args.vars[name];
      else if ('default' in decl) vars[name] = decl.default;
    }
    for (const name of Object.keys(args.vars ?? {})) {
      if (!(name in module.variables)) throw new EvalError(`${module.dir}: no variable "${name}" is declared`);
    }
    return new ModuleInstance(module, vars, args.root);
  }

  variable(name: string): Value {
    if (!(name in this.module.variables)) throw new EvalError(`${this.module.dir}: no variable "${name}"`);
    if (!(name in this.vars)) throw new EvalError(`${this.module.dir}: variable "${name}" has no value and no default`);
    return this.vars[name];
  }

  local(name: string): Promise<Value> {
    let p = this.localCache.get(name);
    if (!p) {
      if (!(name in this.module.locals)) throw new EvalError(`${this.module.dir}: no local "${name}"`);
      p = this.evaluate(this.module.locals[name]);
      this.localCache.set(name, p);
    }
    return p;
  }

  async output(name: string): Promise<Value> {
    const decl = this.module.outputs[name];
    if (!decl) throw new EvalError(`${this.module.dir}: no output "${name}"`);
    return this.evaluate(decl.value);
  }

  /** Evaluates the preconditions of an output: one entry per precondition block. */
  async outputPreconditions(name: string): Promise<{ ok: boolean; message: string }[]> {
    const decl = this.module.outputs[name];
    return Promise.all(
      ((decl?.precondition ?? []) as Json[]).map(async (p) => {
        const ok = toBool(await this.evaluate(p.condition), `output ${name} precondition`);
        return { ok, message: ok ? '' : toStr(await this.evaluate(p.error_message), 'error_message') };
      }),
    );
  }

  /** Evaluates the validation blocks of a variable with its current value. */
  async variableValidations(name: string): Promise<{ ok: boolean; message: string }[]> {
    const decl = this.module.variables[name];
    if (!decl) throw new EvalError(`${this.module.dir}: no variable "${name}"`);
    const out: { ok: boolean; message: string }[] = [];
    for (const v of (decl.validation ?? []) as Json[]) {
      let ok: boolean;
      try {
        ok = toBool(await this.evaluate(v.condition), `variable ${name} validation`);
      } catch (err) {
        if (err instanceof Unsupported || err instanceof Unknown) throw err;
        // Terraform reports an error in a condition as a failed validation with the error itself.
        ok = false;
      }
      out.push({ ok, message: ok ? '' : toStr(await this.evaluate(v.error_message), 'error_message') });
    }
    return out;
  }

  /** A child module call: its `for_each` keys (or null) and the instance(s) it creates. */
  async moduleCall(name: string): Promise<{ forEach: string[] | null; instance: (key?: string) => Promise<ModuleInstance> }> {
    const call = this.module.modules[name];
    if (!call) throw new EvalError(`${this.module.dir}: no module "${name}"`);
    const source = call.source as string;
    if (!source.startsWith('./') && !source.startsWith('../')) throw new Unsupported(`module "${name}": only local sources are evaluated (${source})`);
    const childDir = resolve(this.module.dir, source);
    const child = await loadModule(childDir);
    const forEachValue = 'for_each' in call ? await this.evaluate(call.for_each) : undefined;
    const forEach = forEachValue === undefined ? null : Array.isArray(forEachValue) ? [...forEachValue].sort() : sortedKeys(toMap(forEachValue, 'for_each'));
    const instance = async (key?: string) => {
      const each = forEachValue === undefined ? undefined : { key, value: Array.isArray(forEachValue) ? key : forEachValue[key as string] };
      if (forEach && (key === undefined || !forEach.includes(key))) throw new EvalError(`module "${name}" has no instance "${key}"`);
      const args: Record<string, Value> = {};
      for (const [arg, expr] of Object.entries(call)) {
        if (['source', 'version', 'for_each', 'count', 'depends_on', 'providers'].includes(arg)) continue;
        try {
          args[arg] = await this.evaluate(expr, each ? { each } : {});
        } catch (err) {
          // An argument Terraform only knows after apply (e.g. a kubeconfig) stays unknown in the child.
          if (!(err instanceof Unknown)) throw err;
          args[arg] = new UnknownValue(err.message);
        }
      }
      return ModuleInstance.of(child, { vars: args, root: this.root });
    };
    return { forEach, instance };
  }

  /** Evaluates a JSON value from hcl2json (string expressions, nested objects and arrays). */
  async evaluate(json: Json, locals: Record<string, Value> = {}): Promise<Value> {
    if (typeof json === 'string') {
      if (!json.includes('${') && !json.includes('%{')) return unescapeLiteral(json, false);
      const inner = singleInterpolation(json);
      const source = inner ?? templateSource(json);
      const ast = await astOf(source);
      if (!ast) throw new Unsupported(`cannot parse expression ${source}`);
      return new Evaluation(this, source, locals).eval(ast);
    }
    if (Array.isArray(json)) {
      const out: Value[] = [];
      for (const item of json) out.push(await this.evaluate(item, locals));
      return out;
    }
    if (isObject(json)) {
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(json)) out[k] = await this.evaluate(v, locals);
      return out;
    }
    return json;
  }

  async childOutput(name: string, key: string | undefined, output: string): Promise<Value> {
    const cacheKey = `${name}[${key ?? ''}].${output}`;
    let p = this.childCache.get(cacheKey);
    if (!p) {
      p = (async () => (await (await this.moduleCall(name)).instance(key)).output(output))();
      this.childCache.set(cacheKey, p);
    }
    return p;
  }

  path(which: string): string {
    if (which === 'module') return this.module.dir;
    if (which === 'root') return this.root;
    if (which === 'cwd') return this.root;
    throw new Unsupported(`path.${which}`);
  }
}

/** A placeholder for an argument only known after apply; using it throws Unknown. */
class UnknownValue {
  constructor(readonly reason: string) {}
}

function checkKnown(v: Value): Value {
  if (v instanceof UnknownValue) throw new Unknown(v.reason);
  return v;
}

/** A reference to a child module: `module.x` (whole call) or `module.x["key"]` (one instance). */
class ModuleRef {
  constructor(
    readonly owner: ModuleInstance,
    readonly name: string,
    readonly key?: string,
  ) {}
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation of one expression tree

class Evaluation {
  constructor(
    private readonly mod: ModuleInstance,
    private readonly source: string,
    private readonly scope: Record<string, Value>,
  ) {}

  private with(extra: Record<string, Value>): Evaluation {
    return new Evaluation(this.mod, this.source, { ...this.scope, ...extra });
  }

  private text(node: Ast): string {
    if (!node.range) throw new Unsupported('expression without source range');
    return Buffer.from(this.source).subarray(node.range.start.byte, node.range.end.byte).toString();
  }

  async eval(node: Ast): Promise<Value> {
    switch (node.type) {
      case 'templateWrap':
        return this.eval(node.children[0]);
      case '':
        if (node.children.length === 1) return this.eval(node.children[0]); // parentheses
        throw new Unsupported(`empty expression node in ${this.source}`);
      case 'literalValue':
        return this.literal(node);
      case 'template':
        return this.template(node);
      case 'templateJoin':
        return (await this.eval(node.children[0])).join('');
      case 'scopeTraversal':
        return this.traverse(await this.root(node.meta!.traversal[0].segment), node.meta!.traversal.slice(1));
      case 'relativeTraversal':
        return this.traverse(await this.eval(node.children[0]), node.meta!.traversal);
      case 'index':
        return this.index(await this.eval(node.children[0]), await this.eval(node.children[1]));
      case 'splat':
        return this.splat(node);
      case 'function':
        return this.call(node);
      case 'for':
        return this.forExpr(node);
      case 'conditional': {
        const cond = toBool(await this.eval(node.children[0]), 'condition');
        return this.eval(node.children[cond ? 1 : 2]);
      }
      case 'binaryOp':
        return this.binary(node);
      case 'unaryOp': {
        const v = await this.eval(node.children[0]);
        if (node.meta!.operator === 'logicalNot') return !toBool(v, '!');
        if (node.meta!.operator === 'negate') return -toNum(v, '-');
        throw new Unsupported(`unary ${node.meta!.operator}`);
      }
      case 'tuple': {
        const out: Value[] = [];
        for (const c of node.children) out.push(await this.eval(c));
        return out;
      }
      case 'object':
        return this.object(node);
      default:
        throw new Unsupported(`expression type "${node.type}" in ${this.source}`);
    }
  }

  private literal(node: Ast): Value {
    const { type, value } = node.meta as { type: string; value: string };
    if (type === 'number') return Number(value);
    if (type === 'bool') return value === 'true';
    if (type === 'string') return unescapeLiteral(value, true);
    if (type === 'dynamic' && value === 'null') return null;
    throw new Unsupported(`literal of type ${type}`);
  }

  private async template(node: Ast): Promise<Value> {
    // Quoted templates process backslash escapes; heredocs only `$${` and `%%{`.
    const quoted = !String(node.meta?.value ?? '').startsWith('<<');
    let out = '';
    for (const part of node.children) {
      if (part.type === 'literalValue' && part.meta!.type === 'string') {
        out += unescapeLiteral(part.meta!.value, quoted);
        continue;
      }
      const v = await this.eval(part);
      if (v === null) throw new EvalError(`null value in template ${this.source}`);
      out += toStr(v, 'template');
    }
    return out;
  }

  private async root(name: string): Promise<Value> {
    if (name in this.scope) return this.scope[name];
    switch (name) {
      case 'var':
        return { __var: true };
      case 'local':
        return { __local: true };
      case 'path':
        return { module: this.mod.path('module'), root: this.mod.path('root'), cwd: this.mod.path('cwd') };
      case 'module':
        return { __module: true };
      case 'terraform':
        throw new Unsupported('terraform.* references');
      default:
        if (/^[a-z0-9_]+$/.test(name) && Object.keys(this.mod.module.resources).some((r) => r.startsWith(`${name}.`))) {
          throw new Unknown(`resource ${name}.* is only known after apply`);
        }
        if (name === 'data') throw new Unknown('data sources are read at plan/apply time');
        throw new EvalError(`unknown reference "${name}" in ${this.source}`);
    }
  }

  private async traverse(start: Value, parts: { type: string; segment: string }[]): Promise<Value> {
    let cur = start;
    for (const part of parts) {
      const key = part.type === 'indexTraversal' ? JSON.parse(part.segment) : part.segment;
      if (isObject(cur) && cur.__var === true) {
        cur = this.mod.variable(key);
        continue;
      }
      if (isObject(cur) && cur.__local === true) {
        cur = await this.mod.local(key);
        continue;
      }
      if (isObject(cur) && cur.__module === true) {
        cur = new ModuleRef(this.mod, key);
        continue;
      }
      if (cur instanceof ModuleRef) {
        if (part.type === 'indexTraversal' && cur.key === undefined) cur = new ModuleRef(cur.owner, cur.name, String(key));
        else cur = await cur.owner.childOutput(cur.name, cur.key, key);
        continue;
      }
      cur = this.index(cur, key);
    }
    return checkKnown(cur);
  }

  private index(collection: Value, key: Value): Value {
    collection = checkKnown(collection);
    if (collection instanceof ModuleRef) {
      if (collection.key !== undefined) throw new Unsupported('index into a module instance');
      return new ModuleRef(collection.owner, collection.name, toStr(key, 'module key'));
    }
    if (Array.isArray(collection)) {
      const i = toNum(key, 'index');
      if (!Number.isInteger(i) || i < 0 || i >= collection.length) throw new EvalError(`index ${i} out of range (length ${collection.length})`);
      return checkKnown(collection[i]);
    }
    if (isObject(collection)) {
      const k = toStr(key, 'key');
      if (!Object.prototype.hasOwnProperty.call(collection, k)) throw new EvalError(`object has no attribute "${k}"`);
      return checkKnown(collection[k]);
    }
    throw new EvalError(`cannot index ${typeOf(collection)} with ${JSON.stringify(key)}`);
  }

  private async splat(node: Ast): Promise<Value> {
    const source = checkKnown(await this.eval(node.children[0]));
    const list = source === null ? [] : Array.isArray(source) ? source : [source];
    const each = node.children[1];
    if (each.type === '') return list;
    if (each.type !== 'relativeTraversal') throw new Unsupported(`splat over ${each.type}`);
    const out: Value[] = [];
    for (const item of list) out.push(await this.traverse(item, each.meta!.traversal));
    return out;
  }

  private async binary(node: Ast): Promise<Value> {
    const op = node.meta!.operator as string;
    const l = await this.eval(node.children[0]);
    if (op === 'logicalAnd') return toBool(l, '&&') && toBool(await this.eval(node.children[1]), '&&');
    if (op === 'logicalOr') return toBool(l, '||') || toBool(await this.eval(node.children[1]), '||');
    const r = await this.eval(node.children[1]);
    switch (op) {
      case 'equal':
        return hclEqual(l, r);
      case 'notEqual':
        return !hclEqual(l, r);
      case 'lessThan':
        return toNum(l, '<') < toNum(r, '<');
      case 'lessThanOrEqual':
        return toNum(l, '<=') <= toNum(r, '<=');
      case 'greaterThan':
        return toNum(l, '>') > toNum(r, '>');
      case 'greaterThanOrEqual':
        return toNum(l, '>=') >= toNum(r, '>=');
      case 'add':
        return toNum(l, '+') + toNum(r, '+');
      case 'subtract':
        return toNum(l, '-') - toNum(r, '-');
      case 'multiply':
        return toNum(l, '*') * toNum(r, '*');
      case 'divide':
        return toNum(l, '/') / toNum(r, '/');
      case 'modulo':
        return toNum(l, '%') % toNum(r, '%');
      default:
        throw new Unsupported(`operator ${op}`);
    }
  }

  private async object(node: Ast): Promise<Value> {
    const out: Record<string, Value> = {};
    for (let i = 0; i < node.children.length; i += 2) {
      const keyNode = node.children[i];
      // A bare identifier key has no syntax tree of its own: read it from the source.
      const key = keyNode.type === '' && keyNode.children.length === 0 ? this.text(keyNode) : toStr(await this.eval(keyNode), 'object key');
      if (key in out) throw new EvalError(`duplicate object key "${key}" in ${this.source}`);
      out[key] = await this.eval(node.children[i + 1]);
    }
    return out;
  }

  private async forExpr(node: Ast): Promise<Value> {
    const m = node.meta as Record<string, any>;
    const isMap = m.openRangeValue === '{';
    const isTemplate = String(m.openRangeValue).startsWith('%{');
    const kids = [...node.children];
    const collectionNode = kids.shift()!;
    const keyNode = isMap ? kids.shift()! : undefined;
    const valueNode = kids.shift()!;
    const condNode = m.conditionalExpression ? kids.shift() : undefined;
    const collection = checkKnown(await this.eval(collectionNode));
    const pairs: [Value, Value][] = Array.isArray(collection)
      ? collection.map((v, i) => [i, v])
      : isObject(collection)
        ? sortedKeys(collection).map((k) => [k, collection[k]])
        : (() => {
            throw new EvalError(`for expression over ${typeOf(collection)}`);
          })();
    const listOut: Value[] = [];
    const mapOut: Record<string, Value> = {};
    for (const [k, v] of pairs) {
      const scope: Record<string, Value> = { [m.valVar]: v };
      if (m.keyVar) scope[m.keyVar] = k;
      const inner = this.with(scope);
      if (condNode && !toBool(await inner.eval(condNode), 'for condition')) continue;
      const value = await inner.eval(valueNode);
      if (!isMap) {
        listOut.push(value);
        continue;
      }
      const key = toStr(await inner.eval(keyNode!), 'for key');
      if (m.groupedValue) (mapOut[key] ??= []).push(value);
      else if (key in mapOut) throw new EvalError(`duplicate object key "${key}" in for expression ${this.source}`);
      else mapOut[key] = value;
    }
    if (isTemplate) return listOut.map((s) => toStr(s, 'template for'));
    return isMap ? mapOut : listOut;
  }

  private async call(node: Ast): Promise<Value> {
    const name = node.meta!.name as string;
    if (name === 'try' || name === 'can') {
      for (const arg of node.children) {
        try {
          const v = await this.eval(arg);
          return name === 'can' ? true : v;
        } catch (err) {
          if (err instanceof Unsupported || err instanceof Unknown) throw err;
        }
      }
      if (name === 'can') return false;
      throw new EvalError(`try(): no argument could be evaluated in ${this.source}`);
    }
    const fn = FUNCTIONS[name];
    if (!fn) throw new Unsupported(`function ${name}() in ${this.source}`);
    const args: Value[] = [];
    for (const c of node.children) args.push(checkKnown(await this.eval(c)));
    if (node.meta!.expandedFinalArgument) args.push(...toList(args.pop(), `${name}(...)`));
    return fn(args, this.mod);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Functions (Terraform's built-ins, the subset the modules use)

function resolvePath(p: string, mod: ModuleInstance): string {
  return isAbsolute(p) ? p : resolve(mod.root, p);
}

/** `fileset(path, pattern)` for patterns made of one path segment with `*` (what the modules use). */
function fileset(dir: string, pattern: string): string[] {
  if (pattern.includes('/') || /[?[{]/.test(pattern) || pattern.includes('**')) throw new Unsupported(`fileset pattern ${pattern}`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return readdirSync(dir)
    .filter((f) => re.test(f) && statSync(join(dir, f)).isFile())
    .sort();
}

function deepMerge(maps: Value[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const m of maps) {
    if (m === null) continue;
    Object.assign(out, toMap(m, 'merge'));
  }
  return out;
}

function flatten(list: Value[]): Value[] {
  return list.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

function yamlDump(v: Value): string {
  return yaml.dump(v, { noRefs: true, lineWidth: -1, sortKeys: true });
}

type Fn = (args: Value[], mod: ModuleInstance) => Value;

const FUNCTIONS: Record<string, Fn> = {
  abspath: ([p], mod) => resolvePath(toStr(p, 'abspath'), mod),
  alltrue: ([l]) => toList(l, 'alltrue').every((v) => toBool(v, 'alltrue')),
  anytrue: ([l]) => toList(l, 'anytrue').some((v) => toBool(v, 'anytrue')),
  base64decode: ([s]) => Buffer.from(toStr(s, 'base64decode'), 'base64').toString('utf8'),
  base64encode: ([s]) => Buffer.from(toStr(s, 'base64encode'), 'utf8').toString('base64'),
  coalesce: (args) => {
    const v = args.find((a) => a !== null && a !== '');
    if (v === undefined) throw new EvalError('coalesce: no non-null argument');
    return v;
  },
  compact: ([l]) => toList(l, 'compact').filter((v) => v !== null && v !== ''),
  concat: (args) => args.flatMap((a) => toList(a, 'concat')),
  contains: ([l, v]) => toList(l, 'contains').some((x) => hclEqual(x, v)),
  distinct: ([l]) => {
    const seen = new Set<string>();
    return toList(l, 'distinct').filter((v) => {
      const c = canonical(v);
      if (seen.has(c)) return false;
      seen.add(c);
      return true;
    });
  },
  endswith: ([s, suffix]) => toStr(s, 'endswith').endsWith(toStr(suffix, 'endswith')),
  file: ([p], mod) => {
    const path = resolvePath(toStr(p, 'file'), mod);
    if (!existsSync(path)) throw new EvalError(`file(): no file at ${path}`);
    return readFileSync(path, 'utf8');
  },
  fileexists: ([p], mod) => {
    const path = resolvePath(toStr(p, 'fileexists'), mod);
    return existsSync(path) && statSync(path).isFile();
  },
  fileset: ([dir, pattern], mod) => fileset(resolvePath(toStr(dir, 'fileset'), mod), toStr(pattern, 'fileset')),
  flatten: ([l]) => flatten(toList(l, 'flatten')),
  floor: ([n]) => Math.floor(toNum(n, 'floor')),
  format: ([f, ...rest]) => {
    let i = 0;
    return toStr(f, 'format').replace(/%([sdq%])/g, (_m, c: string) => {
      if (c === '%') return '%';
      const v = rest[i++];
      return c === 'd' ? String(Math.trunc(toNum(v, 'format'))) : c === 'q' ? JSON.stringify(toStr(v, 'format')) : toStr(v, 'format');
    });
  },
  join: ([sep, l]) => toList(l, 'join').map((v) => toStr(v, 'join')).join(toStr(sep, 'join')),
  jsondecode: ([s]) => JSON.parse(toStr(s, 'jsondecode')),
  jsonencode: ([v]) => JSON.stringify(v),
  keys: ([m]) => sortedKeys(toMap(m, 'keys')),
  length: ([v]) => {
    if (typeof v === 'string') return [...v].length;
    if (Array.isArray(v)) return v.length;
    return Object.keys(toMap(v, 'length')).length;
  },
  lookup: ([m, k, d]) => {
    const map = toMap(m, 'lookup');
    const key = toStr(k, 'lookup');
    if (Object.prototype.hasOwnProperty.call(map, key)) return map[key];
    if (d === undefined) throw new EvalError(`lookup: no key "${key}"`);
    return d;
  },
  lower: ([s]) => toStr(s, 'lower').toLowerCase(),
  max: (args) => Math.max(...args.map((a) => toNum(a, 'max'))),
  merge: (args) => deepMerge(args),
  min: (args) => Math.min(...args.map((a) => toNum(a, 'min'))),
  nonsensitive: ([v]) => v,
  pathexpand: ([p]) => toStr(p, 'pathexpand').replace(/^~(?=\/|$)/, process.env.HOME ?? '~'),
  regex: ([re, s]) => {
    const m = new RegExp(toStr(re, 'regex')).exec(toStr(s, 'regex'));
    if (!m) throw new EvalError(`regex: no match for ${re} in ${JSON.stringify(s)}`);
    if (m.groups && Object.keys(m.groups).length) return { ...m.groups };
    return m.length > 1 ? m.slice(1) : m[0];
  },
  replace: ([s, search, rep]) => {
    const str = toStr(s, 'replace');
    const pat = toStr(search, 'replace');
    const r = toStr(rep, 'replace');
    if (pat.length > 1 && pat.startsWith('/') && pat.endsWith('/')) return str.replace(new RegExp(pat.slice(1, -1), 'g'), r.replace(/\$\{?(\d+)\}?/g, '$$$1'));
    return str.split(pat).join(r);
  },
  sensitive: ([v]) => v,
  sha256: ([s]) => createHash('sha256').update(toStr(s, 'sha256')).digest('hex'),
  slice: ([l, from, to]) => toList(l, 'slice').slice(toNum(from, 'slice'), toNum(to, 'slice')),
  sort: ([l]) => toList(l, 'sort').map((v) => toStr(v, 'sort')).sort(),
  split: ([sep, s]) => toStr(s, 'split').split(toStr(sep, 'split')),
  startswith: ([s, prefix]) => toStr(s, 'startswith').startsWith(toStr(prefix, 'startswith')),
  templatefile: async ([p, vars], mod) => {
    const path = resolvePath(toStr(p, 'templatefile'), mod);
    const text = readFileSync(path, 'utf8');
    const source = `<<EOT\n${text}${text.endsWith('\n') ? '' : '\n'}EOT\n`;
    const ast = await astOf(source);
    if (!ast) throw new Unsupported(`cannot parse template ${path}`);
    const rendered = await new Evaluation(mod, source, { ...toMap(vars, 'templatefile') }).eval(ast);
    // A heredoc always ends with the newline before its closing marker; the file may not.
    return text.endsWith('\n') ? rendered : String(rendered).replace(/\n$/, '');
  },
  tobool: ([v]) => toBool(v, 'tobool'),
  tolist: ([v]) => toList(v, 'tolist'),
  tomap: ([v]) => toMap(v, 'tomap'),
  tonumber: ([v]) => toNum(v, 'tonumber'),
  toset: ([v]) => {
    const seen = new Map<string, Value>();
    for (const item of toList(v, 'toset')) seen.set(canonical(item), item);
    return [...seen.keys()].sort().map((k) => seen.get(k));
  },
  tostring: ([v]) => toStr(v, 'tostring'),
  trimprefix: ([s, p]) => {
    const str = toStr(s, 'trimprefix');
    const pre = toStr(p, 'trimprefix');
    return str.startsWith(pre) ? str.slice(pre.length) : str;
  },
  trimspace: ([s]) => toStr(s, 'trimspace').trim(),
  trimsuffix: ([s, p]) => {
    const str = toStr(s, 'trimsuffix');
    const suf = toStr(p, 'trimsuffix');
    return suf && str.endsWith(suf) ? str.slice(0, -suf.length) : str;
  },
  upper: ([s]) => toStr(s, 'upper').toUpperCase(),
  urlencode: ([s]) => encodeURIComponent(toStr(s, 'urlencode')),
  values: ([m]) => {
    const map = toMap(m, 'values');
    return sortedKeys(map).map((k) => map[k]);
  },
  yamldecode: ([s]) => yaml.load(toStr(s, 'yamldecode'), { schema: yaml.CORE_SCHEMA }) ?? null,
  yamlencode: ([v]) => yamlDump(v),
};
