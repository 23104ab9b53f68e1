/**
 * CEL evaluation for the policy harness, on @bufbuild/cel (Buf's CEL for ECMAScript; docs/decisions/
 * 0027-admission-policies.md says why this engine). Only the CEL standard library and the strings extension
 * are bound: an expression that calls a Kubernetes library function (`quantity()`, `url()`, `isSorted()`, …)
 * fails here with "unbound function" instead of being approximated.
 *
 * JSON values are bound the way the API server hands unstructured objects to CEL: objects as maps, arrays as
 * lists, integers as `int` (so `runAsUser > 0` compares ints), other numbers as `double`.
 */
import { celEnv, isCelError, parse, plan, type CelInput, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

const ENV = celEnv({ funcs: strings });

export class CelCompileError extends Error {}

/** A compiled expression: evaluate it against bindings; a CEL error comes back as `{ error }`, never thrown. */
export type CelProgram = (bindings: Readonly<Record<string, CelInput>>) => { value: CelValue } | { error: string };

const compiled = new Map<string, CelProgram>();

/** Compiles (parses and plans) an expression once per process; a syntax error throws CelCompileError. */
export function compile(expression: string): CelProgram {
  const cached = compiled.get(expression);
  if (cached) return cached;
  const program = compileOnce(expression);
  compiled.set(expression, program);
  return program;
}

function compileOnce(expression: string): CelProgram {
  let program: ReturnType<typeof plan>;
  try {
    program = plan(ENV, parse(expression));
  } catch (e) {
    throw new CelCompileError(`cannot compile CEL expression ${JSON.stringify(expression)}: ${(e as Error).message}`);
  }
  return (bindings) => {
    let out: unknown;
    try {
      out = program(bindings as Record<string, CelInput>);
    } catch (e) {
      return { error: (e as Error).message };
    }
    return isCelError(out) ? { error: out.message } : { value: out as CelValue };
  };
}

/** A JSON value (parsed YAML) as a CEL input value. */
export function celValue(v: unknown): CelInput {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(celValue);
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).map(([k, x]) => [k, celValue(x)]));
  return v as CelInput;
}
