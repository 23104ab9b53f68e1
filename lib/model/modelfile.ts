/**
 * Ollama Modelfile parser and validator.
 *
 * The grammar follows Ollama's own parser (ollama/ollama `parser/parser.go`, `ParseFile`), rune for rune where it
 * matters, so a file this module accepts is a file `ollama create -f` accepts:
 * - instructions are case-insensitive words of ASCII letters followed by one space or tab;
 * - `#` starts a comment only where an instruction could start (a `#` inside a value is part of the value, so
 *   `PARAMETER temperature 0.7 # warm` is the value `0.7 # warm` and fails as a number, exactly as in Ollama);
 * - a value ends at the first newline at which the whitespace-trimmed text so far is "complete": unquoted text,
 *   `"…"` or `"""…"""`. An opened quote therefore swallows following lines until one ends with the closing quote
 *   — that is how multi-line strings work, and also how a forgotten quote silently eats the next instruction;
 * - `PARAMETER <name> <value>`: the name is `[A-Za-z0-9_]+` and case-sensitive (it is looked up against the
 *   JSON tags of `api.Options`/`api.Runner` in `api/types.go`);
 * - `MESSAGE <role> <text>`: the role is exactly `system`, `user` or `assistant`.
 *
 * On top of Ollama's rules it enforces the platform's (docs/decisions/0007-ollama-hardening.md): exactly one
 * FROM naming a pinned library model (`name:tag`, never bare or `:latest`), no local-file FROM, only the seven
 * instructions the platform uses, typed and range-checked parameter values, no silently-ignored (deprecated) or
 * rejected (removed) parameters, no parameter set twice, and stop tokens that belong to the base model's chat
 * template. Every error names the file and line and says how to fix it.
 *
 * Deliberate deviations, all in the strict direction: CRLF/CR line endings are normalised to LF before parsing
 * (Ollama counts `\r\n` as two lines and keeps `\r` inside multi-line strings); numbers must be plain decimal
 * (Go's `strconv.ParseFloat` would also take `0x1p-2`, `Inf` or `NaN`).
 */
import { readFileSync } from 'node:fs';

export type ModelfileInstructionKind = 'FROM' | 'PARAMETER' | 'TEMPLATE' | 'SYSTEM' | 'ADAPTER' | 'LICENSE' | 'MESSAGE';

export interface ModelfileInstruction {
  /** 1-based line on which the instruction starts. */
  readonly line: number;
  readonly kind: ModelfileInstructionKind;
  /** PARAMETER name or MESSAGE role; absent for the other instructions. */
  readonly name?: string;
  /** The argument with quotes removed, as Ollama stores it (parameter values are kept as written, e.g. `0.30`). */
  readonly value: string;
}

export interface Modelfile {
  readonly file: string;
  /** The pinned base model, e.g. `llama3.2:1b`. */
  readonly from: string;
  /** Typed PARAMETER values; `stop` (the only repeatable one) is an array; booleans are `'true'`/`'false'`. */
  readonly parameters: Readonly<Record<string, string | number | readonly (string | number)[]>>;
  readonly instructions: readonly ModelfileInstruction[];
  /** The text that was parsed, unmodified. */
  readonly source: string;
}

/** Machine-readable reason of a {@link ModelfileError}, so callers and tests need not match on prose. */
export type ModelfileRule =
  | 'missing-from'
  | 'duplicate-from'
  | 'unpinned-from'
  | 'latest-tag'
  | 'local-from'
  | 'invalid-model-name'
  | 'unknown-instruction'
  | 'unsupported-instruction'
  | 'missing-argument'
  | 'extra-whitespace'
  | 'invalid-parameter-name'
  | 'unknown-parameter'
  | 'deprecated-parameter'
  | 'removed-parameter'
  | 'parameter-type'
  | 'parameter-range'
  | 'duplicate-parameter'
  | 'stop-token'
  | 'message-role'
  | 'unterminated-string'
  | 'swallowed-instruction';

export class ModelfileError extends Error {
  constructor(
    /** Path as given to the parser (repository-relative in this project). */
    readonly file: string,
    /** 1-based line the problem is reported on (the line where the offending instruction starts). */
    readonly line: number,
    readonly rule: ModelfileRule,
    /** The problem and its fix, without the `file:line:` prefix. */
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'ModelfileError';
  }
}

const MODELFILE_INSTRUCTIONS: readonly ModelfileInstructionKind[] = [
  'FROM',
  'PARAMETER',
  'TEMPLATE',
  'SYSTEM',
  'ADAPTER',
  'LICENSE',
  'MESSAGE',
];

/**
 * Instructions Ollama's parser accepts (`isValidCommand` in parser/parser.go) that the platform does not use:
 * REQUIRES (minimum Ollama version), DRAFT (speculative-decoding model), RENDERER/PARSER (engine-side prompt
 * rendering). Rejected with their own message so nobody mistakes them for typos.
 */
const OLLAMA_ONLY_INSTRUCTIONS: readonly string[] = ['REQUIRES', 'DRAFT', 'RENDERER', 'PARSER'];

const MESSAGE_ROLES: readonly string[] = ['system', 'user', 'assistant'];

export type ParameterType = 'int' | 'float' | 'bool' | 'string';

export interface ParameterSpec {
  readonly type: ParameterType;
  /** Only `stop` may appear several times; Ollama collects it into a list. */
  readonly repeatable?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Shown in error messages as the fix. */
  readonly example: string;
  readonly description: string;
}

/**
 * Valid PARAMETER names and their types: the JSON tags of `api.Options` and `api.Runner` in ollama/ollama
 * `api/types.go` (current main), the set `api.FormatParams` accepts. The first eleven are the documented table of
 * docs/modelfile.mdx; the rest are accepted by the same code path. Ranges are the documented domains (e.g.
 * `repeat_last_n` -1 = num_ctx, `num_predict` -1 = unlimited), not Ollama checks: Ollama passes nonsense such as a
 * negative temperature straight to the sampler.
 */
export const MODELFILE_PARAMETERS: Readonly<Record<string, ParameterSpec>> = {
  num_ctx: { type: 'int', min: 1, example: '4096', description: 'context window in tokens' },
  repeat_last_n: { type: 'int', min: -1, example: '64', description: 'look-back for repetition penalty (-1 = num_ctx)' },
  repeat_penalty: { type: 'float', min: 0, example: '1.1', description: 'repetition penalty' },
  temperature: { type: 'float', min: 0, example: '0.7', description: 'sampling temperature' },
  seed: { type: 'int', example: '42', description: 'random seed' },
  stop: { type: 'string', repeatable: true, example: '"<|eot_id|>"', description: 'stop sequence' },
  num_predict: { type: 'int', min: -2, example: '256', description: 'max tokens to generate (-1 = unlimited)' },
  draft_num_predict: {
    type: 'int',
    min: 0,
    example: '4',
    description: 'speculative draft tokens per step (documented on main in 2026; older servers reject it)',
  },
  top_k: { type: 'int', min: 0, example: '40', description: 'top-k sampling' },
  top_p: { type: 'float', min: 0, max: 1, example: '0.9', description: 'nucleus sampling' },
  min_p: { type: 'float', min: 0, max: 1, example: '0.05', description: 'min-p sampling' },
  typical_p: { type: 'float', min: 0, max: 1, example: '1.0', description: 'locally typical sampling' },
  num_keep: { type: 'int', min: -1, example: '4', description: 'prompt tokens kept on context shift' },
  presence_penalty: { type: 'float', example: '0.0', description: 'presence penalty' },
  frequency_penalty: { type: 'float', example: '0.0', description: 'frequency penalty' },
  num_batch: { type: 'int', min: 1, example: '512', description: 'prompt batch size' },
  num_gpu: { type: 'int', min: -1, example: '0', description: 'layers to offload to GPU (-1 = auto)' },
  main_gpu: { type: 'int', min: 0, example: '0', description: 'GPU index for small tensors' },
  num_thread: { type: 'int', min: 0, example: '4', description: 'CPU threads (0 = auto)' },
  use_mmap: { type: 'bool', example: 'true', description: 'memory-map the weights' },
};

/**
 * `deprecatedParameters` in parser/parser.go: `CreateRequest` prints "warning: parameter X is deprecated" and drops
 * the line, so the setting silently does nothing. A GitOps config must not carry no-ops, so they are errors here.
 */
export const DEPRECATED_MODELFILE_PARAMETERS: readonly string[] = [
  'penalize_newline',
  'low_vram',
  'f16_kv',
  'logits_all',
  'vocab_only',
  'use_mlock',
  'mirostat',
  'mirostat_tau',
  'mirostat_eta',
];

/**
 * Parameters older Ollama releases and docs had that are no longer `Options`/`Runner` fields and are not in the
 * deprecated list either, so `ollama create` fails with "unknown parameter" (e.g. `tfs_z`, still in many blog
 * posts; `numa`, `embedding_only`, `rope_frequency_*`, `num_gqa` from 2023).
 */
const REMOVED_MODELFILE_PARAMETERS: readonly string[] = [
  'tfs_z',
  'numa',
  'embedding_only',
  'rope_frequency_base',
  'rope_frequency_scale',
  'num_gqa',
];

/**
 * End-of-turn tokens per chat-template family, taken from the `stop` params of the Ollama library models
 * (`ollama show <model> --parameters`). Setting `PARAMETER stop` replaces the base model's whole stop list, so a
 * Modelfile that sets any stop must keep its family's end-of-turn token, and a token from another family (the
 * seed's Llama 3.2 Modelfile carried ChatML's `<|im_end|>`) never fires and lets the model talk past its turn.
 */
interface StopFamily {
  readonly label: string;
  readonly matches: RegExp;
  /** Must be present whenever any stop is set. */
  readonly required?: string;
  /** Every token that belongs to the family (required one included). */
  readonly tokens: readonly string[];
}

const STOP_FAMILIES: readonly StopFamily[] = [
  {
    label: 'Llama 3.x',
    matches: /^llama3(\.\d+)?:/,
    required: '<|eot_id|>',
    tokens: ['<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>', '<|eom_id|>', '<|reserved_special_token'],
  },
  { label: 'Qwen 2.5 (ChatML)', matches: /^qwen2(\.5)?:/, required: '<|im_end|>', tokens: ['<|im_start|>', '<|im_end|>'] },
  { label: 'Gemma 2', matches: /^gemma2:/, required: '<end_of_turn>', tokens: ['<start_of_turn>', '<end_of_turn>'] },
  { label: 'Phi-3', matches: /^phi3(\.5)?:/, required: '<|end|>', tokens: ['<|end|>', '<|user|>', '<|assistant|>', '<|system|>'] },
  { label: 'Mistral', matches: /^mistral:/, tokens: ['[INST]', '[/INST]'] },
];

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** Parses and validates a Modelfile; throws {@link ModelfileError} on the first problem, in file order. */
export function parseModelfile(source: string, file: string): Modelfile {
  const instructions = scanInstructions(source, file);
  const parameters = validate(instructions, file);
  const from = instructions.find((i) => i.kind === 'FROM');
  if (!from) {
    throw new ModelfileError(file, 1, 'missing-from', 'no FROM instruction — add the pinned base model, e.g. FROM llama3.2:1b');
  }
  return { file, from: from.value, parameters, instructions, source };
}

/** Reads and parses a Modelfile from disk; `displayPath` is what errors show (defaults to `path`). */
export function loadModelfile(path: string, displayPath: string = path): Modelfile {
  return parseModelfile(readFileSync(path, 'utf8'), displayPath);
}

function scanInstructions(source: string, file: string): ModelfileInstruction[] {
  // Ollama decodes with a BOM override; line endings are normalised (see the module comment).
  const src = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const out: ModelfileInstruction[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }

    const start = line;
    const fail = (rule: ModelfileRule, detail: string): never => {
      throw new ModelfileError(file, start, rule, detail);
    };

    // Instruction word: letters, then exactly one space or tab.
    const wordStart = i;
    while (i < n && isAlpha(src[i])) i++;
    const word = src.slice(wordStart, i);
    const after = src[i] ?? '';
    if (word === '' || !(isSpace(after) || after === '\n' || after === '')) {
      const token = tokenAt(src, wordStart);
      const known = word !== '' && MODELFILE_INSTRUCTIONS.includes(word.toUpperCase() as ModelfileInstructionKind);
      if (known) {
        fail('unknown-instruction', `${JSON.stringify(token)} is not a Modelfile instruction — separate ${word.toUpperCase()} from its argument with a space`);
      }
      fail('unknown-instruction', unknownInstructionText(token));
    }
    const kind = instructionKind(word, fail);
    if (!isSpace(after)) fail('missing-argument', `${kind} needs an argument — e.g. ${exampleFor(kind)}`);
    i++; // the separator

    let name: string | undefined;
    if (kind === 'PARAMETER' || kind === 'MESSAGE') {
      if (isSpace(src[i] ?? '')) {
        fail('extra-whitespace', `put exactly one space between ${kind} and the ${kind === 'PARAMETER' ? 'parameter name' : 'role'} — Ollama reads an empty ${kind === 'PARAMETER' ? 'name' : 'role'} otherwise`);
      }
      const nameStart = i;
      const allowed = kind === 'PARAMETER' ? /[A-Za-z0-9_]/ : /[A-Za-z]/;
      while (i < n && allowed.test(src[i])) i++;
      name = src.slice(nameStart, i);
      const next = src[i] ?? '';
      if (kind === 'MESSAGE') {
        if (name === '' || !(isSpace(next) || next === '\n' || next === '') || !MESSAGE_ROLES.includes(name)) {
          const role = name === '' || !(isSpace(next) || next === '\n' || next === '') ? tokenAt(src, nameStart) : name;
          fail('message-role', `MESSAGE role ${JSON.stringify(role)} is not valid — use system, user or assistant (lower case), e.g. ${exampleFor('MESSAGE')}`);
        }
        if (!isSpace(next)) fail('missing-argument', `MESSAGE ${name} needs the message text — e.g. ${exampleFor('MESSAGE')}`);
      } else {
        if (name === '' || !(isSpace(next) || next === '\n' || next === '')) {
          fail('invalid-parameter-name', `${JSON.stringify(tokenAt(src, nameStart))} is not a parameter name — names are letters, digits and _, e.g. PARAMETER temperature 0.7`);
        }
        if (!isSpace(next)) fail('missing-argument', `PARAMETER ${name} needs a value — e.g. PARAMETER ${name} ${MODELFILE_PARAMETERS[name]?.example ?? '<value>'}`);
      }
      i++; // the separator after the name/role
    }

    const scanned = scanValue(src, i);
    if (!scanned.ok) {
      const what = kind === 'PARAMETER' || kind === 'MESSAGE' ? `${kind} ${name}` : kind;
      if (scanned.quote === '"""') {
        fail('unterminated-string', `${what} opens a """ string that is never closed — add """ at the end of the text`);
      }
      fail('unterminated-string', `${what} value starts with " but no line ends with a closing " — close the quote, or use """…""" for text that contains quotes or spans lines`);
    }
    checkSwallowed(scanned.raw, kind, name, start, file);
    out.push(name === undefined ? { line: start, kind, value: scanned.value } : { line: start, kind, name, value: scanned.value });
    line += countNewlines(src, i, scanned.end);
    i = scanned.end;
  }
  return out;
}

interface ScannedValue {
  readonly ok: boolean;
  /** Index just past the value (at its terminating newline, or the end of input). */
  readonly end: number;
  readonly value: string;
  /** Text of the value as written, including quotes and surrounding blanks. */
  readonly raw: string;
  readonly quote: '' | '"' | '"""';
}

/**
 * The value state of Ollama's state machine: blanks never end a value; a newline ends it when the trimmed text
 * so far unquotes; otherwise the newline becomes part of the value. At end of input the text must unquote.
 */
function scanValue(src: string, start: number): ScannedValue {
  let i = start;
  while (i < src.length) {
    if (src[i] === '\n') {
      const u = unquote(src.slice(start, i).trim());
      if (u.ok) return { ok: true, end: i, value: u.value, raw: src.slice(start, i), quote: u.quote };
    }
    i++;
  }
  const raw = src.slice(start);
  const u = unquote(raw.trim());
  return { ok: u.ok, end: src.length, value: u.value, raw, quote: u.quote };
}

/** `unquote` of parser/parser.go: `"""…"""`, `"…"` or bare text; an unclosed opening quote is not ok. */
function unquote(s: string): { ok: boolean; value: string; quote: '' | '"' | '"""' } {
  if (s.startsWith('"""')) {
    return s.length >= 6 && s.endsWith('"""') ? { ok: true, value: s.slice(3, -3), quote: '"""' } : { ok: false, value: '', quote: '"""' };
  }
  if (s.startsWith('"')) {
    return s.length >= 2 && s.endsWith('"') ? { ok: true, value: s.slice(1, -1), quote: '"' } : { ok: false, value: '', quote: '"' };
  }
  return { ok: true, value: s, quote: '' };
}

/**
 * A quoted value whose continuation line looks exactly like an instruction almost always means a quote was closed
 * too late (or not at all) and Ollama folded the next instruction into this value. Only upper-case keywords in
 * their canonical shape count, so prose such as "From now on…" in a SYSTEM prompt is not flagged.
 */
const INSTRUCTION_LIKE: readonly RegExp[] = [
  /^FROM [^\s"]+$/,
  /^ADAPTER \S/,
  /^PARAMETER [a-z_]+ \S/,
  /^MESSAGE (system|user|assistant) \S/,
  /^(TEMPLATE|SYSTEM|LICENSE) "/,
];

function checkSwallowed(raw: string, kind: ModelfileInstructionKind, name: string | undefined, start: number, file: string): void {
  const lines = raw.split('\n');
  for (let k = 1; k < lines.length; k++) {
    const text = lines[k].trim();
    if (INSTRUCTION_LIKE.some((re) => re.test(text))) {
      const what = name === undefined ? kind : `${kind} ${name}`;
      throw new ModelfileError(
        file,
        start,
        'swallowed-instruction',
        `the quoted ${what} value runs on into line ${start + k}, which is an instruction (${JSON.stringify(text.slice(0, 60))}) — close the quote before line ${start + k}`,
      );
    }
  }
}

function instructionKind(word: string, fail: (rule: ModelfileRule, detail: string) => never): ModelfileInstructionKind {
  const upper = word.toUpperCase();
  if ((MODELFILE_INSTRUCTIONS as readonly string[]).includes(upper)) return upper as ModelfileInstructionKind;
  if (OLLAMA_ONLY_INSTRUCTIONS.includes(upper)) {
    return fail('unsupported-instruction', `${upper} is an Ollama instruction the platform does not use — remove it (platform Modelfiles use only ${MODELFILE_INSTRUCTIONS.join(', ')})`);
  }
  return fail('unknown-instruction', unknownInstructionText(word));
}

function unknownInstructionText(token: string): string {
  const guess = closest(token.toUpperCase(), MODELFILE_INSTRUCTIONS);
  const hint = guess ? `did you mean ${guess}? ` : '';
  return `${JSON.stringify(token)} is not a Modelfile instruction — ${hint}use one of ${MODELFILE_INSTRUCTIONS.join(', ')} (comments start with #)`;
}

function exampleFor(kind: ModelfileInstructionKind): string {
  switch (kind) {
    case 'FROM':
      return 'FROM llama3.2:1b';
    case 'PARAMETER':
      return 'PARAMETER temperature 0.7';
    case 'TEMPLATE':
      return 'TEMPLATE """{{ .Prompt }}"""';
    case 'SYSTEM':
      return 'SYSTEM """You are a concise assistant."""';
    case 'ADAPTER':
      return 'ADAPTER ./lora.gguf';
    case 'LICENSE':
      return 'LICENSE """Apache-2.0"""';
    case 'MESSAGE':
      return 'MESSAGE user How do I reset the conveyor?';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

function validate(instructions: readonly ModelfileInstruction[], file: string): Record<string, string | number | (string | number)[]> {
  const parameters: Record<string, string | number | (string | number)[]> = {};
  const firstLine = new Map<string, number>();
  let fromLine: number | undefined;
  let from: string | undefined;
  const stops: ModelfileInstruction[] = [];

  for (const ins of instructions) {
    const fail = (rule: ModelfileRule, detail: string): never => {
      throw new ModelfileError(file, ins.line, rule, detail);
    };
    switch (ins.kind) {
      case 'FROM':
        if (fromLine !== undefined) {
          fail('duplicate-from', `second FROM (the first is on line ${fromLine}) — a platform Modelfile builds on exactly one pinned base model; delete one of them`);
        }
        fromLine = ins.line;
        checkFrom(ins.value, fail);
        from = ins.value;
        break;
      case 'ADAPTER':
        if (ins.value.trim() === '') fail('missing-argument', `ADAPTER needs a path — e.g. ${exampleFor('ADAPTER')}`);
        break;
      case 'MESSAGE':
        if (ins.value.trim() === '') fail('missing-argument', `MESSAGE ${ins.name} needs the message text — e.g. ${exampleFor('MESSAGE')}`);
        break;
      case 'PARAMETER': {
        const name = ins.name ?? '';
        const spec = parameterSpec(name, ins.value, fail);
        const typed = typedValue(name, spec, ins.value, fail);
        if (spec.repeatable) {
          const list = (parameters[name] as (string | number)[] | undefined) ?? [];
          list.push(typed);
          parameters[name] = list;
          if (name === 'stop') stops.push(ins);
        } else {
          const seen = firstLine.get(name);
          if (seen !== undefined) {
            fail('duplicate-parameter', `PARAMETER ${name} is set twice (first on line ${seen}) — Ollama keeps only the last value; delete one of them`);
          }
          firstLine.set(name, ins.line);
          parameters[name] = typed;
        }
        break;
      }
      default:
        // TEMPLATE, SYSTEM, LICENSE: any text, including empty (an empty SYSTEM clears the base model's prompt).
        break;
    }
  }
  if (from !== undefined && stops.length > 0) checkStops(from, stops, file);
  return parameters;
}

function checkFrom(value: string, fail: (rule: ModelfileRule, detail: string) => never): void {
  const v = value.trim();
  if (v === '') fail('missing-argument', `FROM needs a model — e.g. ${exampleFor('FROM')}`);
  if (/^(\/|\.{1,2}[/\\]|~|[A-Za-z]:[\\/])/.test(v) || v.includes('\\') || /\.(gguf|bin|safetensors)$/i.test(v)) {
    fail('local-from', `FROM ${v} is a local file — the bootstrap Job builds against the in-cluster Ollama, which has no copy of repository files; use a pinned library model such as llama3.2:1b`);
  }
  if (/[\s"']/.test(v)) fail('invalid-model-name', `FROM ${JSON.stringify(v)} is not a model name — use [namespace/]name:tag, e.g. llama3.2:1b`);
  const slash = v.lastIndexOf('/');
  const last = v.slice(slash + 1);
  const colon = last.indexOf(':');
  if (colon < 0) {
    fail('unpinned-from', `FROM ${v} is not pinned to a tag — use name:tag such as ${v.includes('llama3.2') ? 'llama3.2:1b' : `${v}:<size>`} so every site runs the same weights`);
  }
  const tag = last.slice(colon + 1);
  if (tag.toLowerCase() === 'latest') {
    fail('latest-tag', `FROM ${v} uses the moving "latest" tag — pin an explicit tag such as ${v.startsWith('llama3.2') ? 'llama3.2:1b' : 'name:<size>'}`);
  }
  // types/model/name.go: host (optionally :port), namespace and model parts; tag up to 80 characters.
  const host = '[A-Za-z0-9][A-Za-z0-9._-]*(?::\\d+)?';
  const part = '[A-Za-z0-9][A-Za-z0-9._-]{0,79}';
  const re = new RegExp(`^(?:${host}/)?(?:${part}/)?${part}:[A-Za-z0-9_][A-Za-z0-9._-]{0,79}$`);
  if (!re.test(v)) fail('invalid-model-name', `FROM ${JSON.stringify(v)} is not a valid model name — use [namespace/]name:tag with letters, digits, '.', '_' and '-', e.g. llama3.2:1b`);
}

function parameterSpec(name: string, value: string, fail: (rule: ModelfileRule, detail: string) => never): ParameterSpec {
  const spec = MODELFILE_PARAMETERS[name];
  if (spec) return spec;
  const lower = name.toLowerCase();
  if (MODELFILE_PARAMETERS[lower]) {
    fail('unknown-parameter', `PARAMETER ${name} — parameter names are case-sensitive; write ${lower}`);
  }
  if (DEPRECATED_MODELFILE_PARAMETERS.includes(lower)) {
    fail('deprecated-parameter', `PARAMETER ${lower} is deprecated — Ollama ignores it with a warning, so it does nothing; delete the line`);
  }
  if (REMOVED_MODELFILE_PARAMETERS.includes(lower)) {
    fail('removed-parameter', `PARAMETER ${lower} no longer exists in Ollama — ollama create rejects it as an unknown parameter; delete the line`);
  }
  const guess = closest(lower, Object.keys(MODELFILE_PARAMETERS));
  const hint = guess ? `did you mean ${guess}? ` : '';
  return fail('unknown-parameter', `unknown PARAMETER ${JSON.stringify(name)} (value ${JSON.stringify(value)}) — ${hint}valid names: ${Object.keys(MODELFILE_PARAMETERS).join(', ')}`);
}

const FLOAT32_MAX = 3.4028234663852886e38;

function typedValue(name: string, spec: ParameterSpec, value: string, fail: (rule: ModelfileRule, detail: string) => never): string | number {
  const shown = `PARAMETER ${name} ${JSON.stringify(value)}`;
  switch (spec.type) {
    case 'string':
      if (value === '') fail('missing-argument', `PARAMETER ${name} needs a non-empty value — e.g. PARAMETER ${name} ${spec.example}`);
      return value;
    case 'bool':
      // strconv.ParseBool spellings, normalised.
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return 'true';
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return 'false';
      return fail('parameter-type', `${shown} is not a boolean — use true or false`);
    case 'int': {
      if (!/^[+-]?\d+$/.test(value)) return fail('parameter-type', `${shown} is not an integer — use a whole number such as ${spec.example}`);
      const n = Number(value);
      if (!Number.isSafeInteger(n)) return fail('parameter-range', `${shown} is too large — use a number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`);
      checkRange(shown, spec, n, fail);
      return n;
    }
    case 'float': {
      if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(value)) {
        return fail('parameter-type', `${shown} is not a number — use a float such as ${spec.example}`);
      }
      const n = Number(value);
      if (!Number.isFinite(n) || Math.abs(n) > FLOAT32_MAX) return fail('parameter-range', `${shown} does not fit a 32-bit float — use a value such as ${spec.example}`);
      checkRange(shown, spec, n, fail);
      return n;
    }
  }
}

function checkRange(shown: string, spec: ParameterSpec, n: number, fail: (rule: ModelfileRule, detail: string) => never): void {
  const low = spec.min !== undefined && n < spec.min;
  const high = spec.max !== undefined && n > spec.max;
  if (!low && !high) return;
  const domain =
    spec.min !== undefined && spec.max !== undefined
      ? `between ${spec.min} and ${spec.max}`
      : spec.min !== undefined
        ? `of at least ${spec.min}`
        : `of at most ${spec.max}`;
  fail('parameter-range', `${shown} is out of range — use a value ${domain}, such as ${spec.example}`);
}

function checkStops(from: string, stops: readonly ModelfileInstruction[], file: string): void {
  const base = from.replace(/^(registry\.ollama\.ai\/)?(library\/)?/, '').toLowerCase();
  const family = STOP_FAMILIES.find((f) => f.matches.test(base));
  if (!family) return;
  for (const s of stops) {
    const foreign = STOP_FAMILIES.find((f) => f !== family && f.tokens.some((t) => s.value === t));
    if (foreign) {
      const use = family.required ? `use ${JSON.stringify(family.required)}` : `use one of ${family.tokens.map((t) => JSON.stringify(t)).join(', ')}`;
      throw new ModelfileError(file, s.line, 'stop-token', `PARAMETER stop ${JSON.stringify(s.value)} is a ${foreign.label} token, not a ${family.label} one, so it never matches ${from}'s output — ${use}`);
    }
  }
  if (family.required && !stops.some((s) => s.value === family.required)) {
    throw new ModelfileError(
      file,
      stops[0].line,
      'stop-token',
      `PARAMETER stop replaces ${from}'s stop list but leaves out ${JSON.stringify(family.required)}, the ${family.label} end-of-turn token, so replies run past their turn — add PARAMETER stop ${JSON.stringify(family.required)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

/**
 * Canonical text of a Modelfile: one instruction per line in the original order (order carries meaning for
 * MESSAGE history and the stop list), upper-case keywords, no comments or blank lines. Each value is written in
 * the first form that Ollama's scanner reads back unchanged — bare (numbers, FROM), `"…"` (single-line text) or
 * `"""…"""` (multi-line text) — so `parseModelfile(formatModelfile(m))` yields the same instructions as `m`
 * apart from line numbers. Throws if a value cannot be written at all (e.g. a line ending in `"""` inside it).
 */
export function formatModelfile(m: Modelfile): string {
  const lines = m.instructions.map((ins) => {
    switch (ins.kind) {
      case 'FROM':
        return `FROM ${encodeValue(ins.value, true)}`;
      case 'ADAPTER':
        return `ADAPTER ${encodeValue(ins.value, true)}`;
      case 'PARAMETER': {
        const bareOk = MODELFILE_PARAMETERS[ins.name ?? '']?.type !== 'string';
        return `PARAMETER ${ins.name} ${encodeValue(ins.value, bareOk)}`;
      }
      case 'MESSAGE':
        return `MESSAGE ${ins.name} ${encodeValue(ins.value, false)}`;
      default:
        return `${ins.kind} ${encodeValue(ins.value, false)}`;
    }
  });
  return `${lines.join('\n')}\n`;
}

function encodeValue(value: string, bareOk: boolean): string {
  const multiLine = value.includes('\n');
  const candidates = [
    ...(bareOk ? [value] : []),
    ...(multiLine ? [`"""${value}"""`, `"${value}"`] : [`"${value}"`, `"""${value}"""`]),
    ...(bareOk ? [] : [value]),
  ];
  for (const c of candidates) {
    const text = `${c}\n`;
    const back = scanValue(text, 0);
    if (back.ok && back.end === c.length && back.value === value) return c;
  }
  throw new Error(`formatModelfile: ${JSON.stringify(value.slice(0, 60))} cannot be written in Modelfile syntax (it contains a line ending in """ and a quote Ollama would close early)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t';
}

function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** The whitespace-delimited token starting at `i`, for error messages. */
function tokenAt(src: string, i: number): string {
  let j = i;
  while (j < src.length && !/\s/.test(src[j])) j++;
  return src.slice(i, j) || src.slice(i, i + 1);
}

function countNewlines(src: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) if (src[k] === '\n') count++;
  return count;
}

/** Nearest candidate by edit distance (≤ 2, or ≤ 3 for long words), for "did you mean" hints. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = word.length > 8 ? 4 : 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
