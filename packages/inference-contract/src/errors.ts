/**
 * One error type for every bad input the user can fix (inventory, Modelfile, model metadata): it names the
 * file, the field, the value and the fix, so the synth CLI can print exactly one actionable line.
 */
import { relative } from 'node:path';
/** Marks a required value that is absent (printed as `(missing)`). */
export const MISSING = Symbol('missing');

export class InputError extends Error {
  constructor(
    /** Path of the offending file, relative to the repository where possible. */
    readonly file: string,
    /** Dotted path of the field (`layers.ollama.models[0]`), or a line reference (`line 7`). */
    readonly field: string,
    /** The value received, as the user wrote it. */
    readonly value: unknown,
    /** What is wrong, phrased after the value: `is not a pinned tag`. */
    readonly problem: string,
    /** How to fix it. */
    readonly fix: string,
  ) {
    // A pathological field path (a 200 KB label key) is cut, so the message stays one readable line.
    super(`${file}: ${field.length > 120 ? `${field.slice(0, 117)}...` : field}${value === undefined ? '' : ` = ${describeValue(value)}`}: ${problem}. Fix: ${fix}`);
    this.name = 'InputError';
  }
}

/** Display path for error messages: relative to the current directory unless that climbs out of it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** `['nodes', 0, 'ip']` → `nodes[0].ip`: how error messages name a field of a parsed file. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(document)';
}

/** The value at a field path of parsed YAML/JSON, or undefined where the path does not exist. */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Suffix telling the user that more problems follow the one reported (we report one at a time). */
export function moreProblems(total: number): string {
  return total > 1 ? ` (${total - 1} more problem${total > 2 ? 's' : ''} after this one)` : '';
}

/** Short, single-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === MISSING) return '(missing)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
