/**
 * One error type for every bad input the user can fix (inventory, Modelfile, model metadata): it names the
 * file, the field, the value and the fix, so the synth CLI can print exactly one actionable line.
 */
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
    super(`${file}: ${field}${value === undefined ? '' : ` = ${describeValue(value)}`}: ${problem}. Fix: ${fix}`);
    this.name = 'InputError';
  }
}

/** Short, single-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === MISSING) return '(missing)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
