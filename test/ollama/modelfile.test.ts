import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEPRECATED_MODELFILE_PARAMETERS,
  formatModelfile,
  loadModelfile,
  Modelfile,
  ModelfileError,
  ModelfileInstruction,
  ModelfileRule,
  MODELFILE_PARAMETERS,
  parseModelfile,
} from '../../lib/model/modelfile';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, '..', 'fixtures', 'modelfiles');

/** Fixtures are parsed under their repository-relative path, which is what errors must show. */
function fixture(kind: 'valid' | 'invalid', name: string): { source: string; file: string } {
  return {
    source: readFileSync(join(FIXTURES, kind, name), 'utf8'),
    file: `test/fixtures/modelfiles/${kind}/${name}`,
  };
}

/** Instructions without line numbers: formatting drops comments and blank lines, so lines legitimately move. */
function withoutLines(instructions: readonly ModelfileInstruction[]): Omit<ModelfileInstruction, 'line'>[] {
  return instructions.map(({ line: _line, ...rest }) => rest);
}

function errorOf(source: string, file: string): ModelfileError {
  try {
    parseModelfile(source, file);
  } catch (e) {
    if (e instanceof ModelfileError) return e;
    throw e;
  }
  throw new Error(`${file} parsed without error`);
}

describe('parseModelfile: valid files', () => {
  const names = readdirSync(join(FIXTURES, 'valid')).filter((f) => f.endsWith('.Modelfile'));

  it('has valid fixtures to check', () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
  });

  it.each(names)('%s round-trips through formatModelfile', (name) => {
    const { source, file } = fixture('valid', name);
    const m = parseModelfile(source, file);
    const text = formatModelfile(m);
    const again = parseModelfile(text, file);
    expect(withoutLines(again.instructions)).toEqual(withoutLines(m.instructions));
    expect(again.parameters).toEqual(m.parameters);
    expect(again.from).toBe(m.from);
    // Canonical text is a fixed point.
    expect(formatModelfile(again)).toBe(text);
  });

  it('parses a simple file with typed parameters and line numbers', () => {
    const { source, file } = fixture('valid', 'basic.Modelfile');
    const m = parseModelfile(source, file);
    expect(m.file).toBe(file);
    expect(m.source).toBe(source);
    expect(m.from).toBe('qwen2.5:0.5b');
    expect(m.parameters).toEqual({ temperature: 0.7, num_ctx: 2048 });
    expect(m.instructions).toEqual([
      { line: 1, kind: 'FROM', value: 'qwen2.5:0.5b' },
      { line: 3, kind: 'PARAMETER', name: 'temperature', value: '0.7' },
      { line: 4, kind: 'PARAMETER', name: 'num_ctx', value: '2048' },
      { line: 5, kind: 'SYSTEM', value: 'You are Mario from Super Mario Bros, acting as an assistant.' },
    ]);
  });

  it('handles comments, case-insensitive instructions, multi-line strings and repeated stop', () => {
    const { source, file } = fixture('valid', 'multiline.Modelfile');
    const m = parseModelfile(source, file);
    expect(m.from).toBe('llama3.2:3b');
    expect(m.parameters).toEqual({
      top_p: 0.9,
      stop: ['<|eot_id|>', '<|start_header_id|>'],
      seed: -1,
      use_mmap: 'true',
    });
    const template = m.instructions.find((i) => i.kind === 'TEMPLATE');
    expect(template?.line).toBe(10);
    // A '#' inside a string is text, and the blank lines inside the template are kept.
    expect(template?.value).toContain('{{ end }}# not a comment: inside the string\n');
    expect(template?.value.startsWith('{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n')).toBe(true);
    expect(template?.value.endsWith('{{ .Response }}<|eot_id|>')).toBe(true);
    const system = m.instructions.find((i) => i.kind === 'SYSTEM');
    expect(system).toEqual({
      line: 18,
      kind: 'SYSTEM',
      value: '\n  Leading and trailing blank lines and "quotes" inside are kept verbatim.\n',
    });
    expect(m.instructions.filter((i) => i.kind === 'MESSAGE')).toEqual([
      { line: 21, kind: 'MESSAGE', name: 'user', value: 'Is the conveyor safe to touch while running?' },
      { line: 22, kind: 'MESSAGE', name: 'assistant', value: 'No. Stop it and apply lockout/tagout first.' },
    ]);
    expect(m.instructions.at(-1)).toEqual({ line: 23, kind: 'LICENSE', value: 'Llama 3.2 Community License' });
  });

  it('accepts tabs as separators and single-quoted values spanning lines, as Ollama does', () => {
    const { source, file } = fixture('valid', 'quoted.Modelfile');
    const m = parseModelfile(source, file);
    expect(m.parameters).toEqual({ stop: ['<end_of_turn>'] });
    expect(m.instructions[2]).toEqual({
      line: 3,
      kind: 'SYSTEM',
      value: "A single-quoted value\nmay also span lines, as in Ollama's parser, as long as it ends with a quote",
    });
    expect(m.instructions[3]).toEqual({ line: 5, kind: 'MESSAGE', name: 'system', value: '  keeps its leading blanks' });
    expect(m.instructions[4]).toEqual({ line: 6, kind: 'ADAPTER', value: './adapters/lora.gguf' });
  });

  it('treats CRLF files like LF files and ignores a BOM', () => {
    const lf = 'FROM llama3.2:1b\nSYSTEM """a\nb"""\nPARAMETER temperature 0.3\n';
    const crlf = `\uFEFF${lf.replace(/\n/g, '\r\n')}`;
    expect(parseModelfile(crlf, 'x').instructions).toEqual(parseModelfile(lf, 'x').instructions);
  });

  it('formats values in the form Ollama reads back: bare numbers, quoted text, """ for multi-line', () => {
    const m = parseModelfile(
      [
        'FROM llama3.2:1b',
        'PARAMETER temperature 0.30',
        'PARAMETER stop <|eot_id|>',
        'SYSTEM say "hi" first',
        'TEMPLATE """line one',
        'line "two\""""',
        'MESSAGE user "hello"',
      ].join('\n'),
      'x',
    );
    expect(formatModelfile(m)).toBe(
      [
        'FROM llama3.2:1b',
        'PARAMETER temperature 0.30',
        'PARAMETER stop "<|eot_id|>"',
        'SYSTEM "say "hi" first"',
        'TEMPLATE """line one',
        'line "two\""""',
        'MESSAGE user "hello"',
        '',
      ].join('\n'),
    );
  });

  it('refuses to format a value that no quoting can represent', () => {
    const m: Modelfile = {
      file: 'x',
      from: 'llama3.2:1b',
      parameters: {},
      source: '',
      instructions: [
        { line: 1, kind: 'FROM', value: 'llama3.2:1b' },
        { line: 2, kind: 'SYSTEM', value: 'ends with triple"""\nand a quote"\nhere' },
      ],
    };
    expect(() => formatModelfile(m)).toThrow(/cannot be written in Modelfile syntax/);
  });

  it('knows the documented parameters and their types', () => {
    for (const name of ['num_ctx', 'repeat_last_n', 'seed', 'num_predict', 'top_k']) {
      expect(MODELFILE_PARAMETERS[name].type).toBe('int');
    }
    for (const name of ['repeat_penalty', 'temperature', 'top_p', 'min_p']) {
      expect(MODELFILE_PARAMETERS[name].type).toBe('float');
    }
    expect(MODELFILE_PARAMETERS.stop).toMatchObject({ type: 'string', repeatable: true });
    for (const name of DEPRECATED_MODELFILE_PARAMETERS) expect(MODELFILE_PARAMETERS[name]).toBeUndefined();
  });
});

describe('parseModelfile: one failing fixture per rule', () => {
  const cases: readonly { file: string; line: number; rule: ModelfileRule; message: string | RegExp }[] = [
    {
      file: 'missing-from.Modelfile',
      line: 1,
      rule: 'missing-from',
      message: 'no FROM instruction — add the pinned base model, e.g. FROM llama3.2:1b',
    },
    {
      file: 'duplicate-from.Modelfile',
      line: 3,
      rule: 'duplicate-from',
      message: 'second FROM (the first is on line 1) — a platform Modelfile builds on exactly one pinned base model; delete one of them',
    },
    {
      file: 'unknown-instruction.Modelfile',
      line: 2,
      rule: 'unknown-instruction',
      message: '"FORM" is not a Modelfile instruction — did you mean FROM? use one of FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, MESSAGE (comments start with #)',
    },
    {
      file: 'unsupported-instruction.Modelfile',
      line: 2,
      rule: 'unsupported-instruction',
      message: /^REQUIRES is an Ollama instruction the platform does not use — remove it/,
    },
    {
      file: 'unknown-parameter.Modelfile',
      line: 3,
      rule: 'unknown-parameter',
      message: /^unknown PARAMETER "temprature" \(value "0\.7"\) — did you mean temperature\? valid names: num_ctx, /,
    },
    {
      file: 'wrong-type-float.Modelfile',
      line: 7,
      rule: 'parameter-type',
      message: 'PARAMETER temperature "hot" is not a number — use a float such as 0.7',
    },
    {
      file: 'wrong-type-int.Modelfile',
      line: 2,
      rule: 'parameter-type',
      message: 'PARAMETER num_ctx "4096.5" is not an integer — use a whole number such as 4096',
    },
    {
      file: 'trailing-comment.Modelfile',
      line: 2,
      rule: 'parameter-type',
      message: 'PARAMETER temperature "0.3 # comments only work on their own line" is not a number — use a float such as 0.7',
    },
    {
      file: 'out-of-range.Modelfile',
      line: 2,
      rule: 'parameter-range',
      message: 'PARAMETER top_p "1.5" is out of range — use a value between 0 and 1, such as 0.9',
    },
    {
      file: 'duplicate-parameter.Modelfile',
      line: 4,
      rule: 'duplicate-parameter',
      message: 'PARAMETER temperature is set twice (first on line 2) — Ollama keeps only the last value; delete one of them',
    },
    {
      file: 'deprecated-parameter.Modelfile',
      line: 2,
      rule: 'deprecated-parameter',
      message: 'PARAMETER mirostat is deprecated — Ollama ignores it with a warning, so it does nothing; delete the line',
    },
    {
      file: 'removed-parameter.Modelfile',
      line: 2,
      rule: 'removed-parameter',
      message: 'PARAMETER tfs_z no longer exists in Ollama — ollama create rejects it as an unknown parameter; delete the line',
    },
    {
      file: 'unterminated-triple.Modelfile',
      line: 3,
      rule: 'unterminated-string',
      message: 'SYSTEM opens a """ string that is never closed — add """ at the end of the text',
    },
    {
      file: 'unterminated-quote.Modelfile',
      line: 2,
      rule: 'unterminated-string',
      message: 'SYSTEM value starts with " but no line ends with a closing " — close the quote, or use """…""" for text that contains quotes or spans lines',
    },
    {
      file: 'swallowed-instruction.Modelfile',
      line: 2,
      rule: 'swallowed-instruction',
      message: 'the quoted SYSTEM value runs on into line 3, which is an instruction ("PARAMETER temperature 0.3") — close the quote before line 3',
    },
    {
      file: 'bad-role.Modelfile',
      line: 3,
      rule: 'message-role',
      message: 'MESSAGE role "bot" is not valid — use system, user or assistant (lower case), e.g. MESSAGE user How do I reset the conveyor?',
    },
    {
      file: 'untagged-from.Modelfile',
      line: 1,
      rule: 'unpinned-from',
      message: 'FROM llama3.2 is not pinned to a tag — use name:tag such as llama3.2:1b so every site runs the same weights',
    },
    {
      file: 'latest-from.Modelfile',
      line: 1,
      rule: 'latest-tag',
      message: 'FROM llama3.2:latest uses the moving "latest" tag — pin an explicit tag such as llama3.2:1b',
    },
    {
      file: 'local-from.Modelfile',
      line: 1,
      rule: 'local-from',
      message: /^FROM \.\/models\/llama-3\.2-1b-q8_0\.gguf is a local file — .*use a pinned library model such as llama3\.2:1b$/,
    },
    {
      file: 'wrong-stop-token.Modelfile',
      line: 3,
      rule: 'stop-token',
      message: `PARAMETER stop "<|im_end|>" is a Qwen 2.5 (ChatML) token, not a Llama 3.x one, so it never matches llama3.2:1b's output — use "<|eot_id|>"`,
    },
    {
      file: 'missing-eot.Modelfile',
      line: 2,
      rule: 'stop-token',
      message: /leaves out "<\|eot_id\|>", the Llama 3\.x end-of-turn token.* — add PARAMETER stop "<\|eot_id\|>"$/,
    },
    {
      file: 'missing-argument.Modelfile',
      line: 2,
      rule: 'missing-argument',
      message: 'SYSTEM needs an argument — e.g. SYSTEM """You are a concise assistant."""',
    },
  ];

  it('covers every invalid fixture', () => {
    const files = readdirSync(join(FIXTURES, 'invalid')).filter((f) => f.endsWith('.Modelfile'));
    expect(cases.map((c) => c.file).sort()).toEqual(files.sort());
  });

  it.each(cases)('$file → line $line, $rule', ({ file: name, line, rule, message }) => {
    const { source, file } = fixture('invalid', name);
    const error = errorOf(source, file);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ModelfileError');
    expect(error.file).toBe(file);
    expect(error.line).toBe(line);
    expect(error.rule).toBe(rule);
    expect(error.message).toBe(`${file}:${line}: ${error.detail}`);
    if (typeof message === 'string') expect(error.detail).toBe(message);
    else expect(error.detail).toMatch(message);
  });

  it('reports the example from the issue in the documented format', () => {
    const { source } = fixture('invalid', 'wrong-type-float.Modelfile');
    expect(() => parseModelfile(source, 'models/ollama/ai-assistant.Modelfile')).toThrow(
      'models/ollama/ai-assistant.Modelfile:7: PARAMETER temperature "hot" is not a number — use a float such as 0.7',
    );
  });
});

describe('parseModelfile: rules from Ollama parser/parser.go', () => {
  const bad = (text: string): ModelfileError => errorOf(text, 'm');

  it('needs exactly one blank between PARAMETER/MESSAGE and the name, like Ollama', () => {
    expect(bad('FROM llama3.2:1b\nPARAMETER  temperature 0.3').rule).toBe('extra-whitespace');
    expect(bad('FROM llama3.2:1b\nMESSAGE  user hi').rule).toBe('extra-whitespace');
  });

  it('rejects instructions glued to their argument and bare keywords', () => {
    expect(bad('FROM:llama3.2:1b').detail).toMatch(/separate FROM from its argument with a space/);
    expect(bad('FROM llama3.2:1b\nPARAMETER temperature').rule).toBe('missing-argument');
    expect(bad('FROM llama3.2:1b\nMESSAGE user').rule).toBe('missing-argument');
    expect(bad('FROM llama3.2:1b\nMESSAGE user:  hi').rule).toBe('message-role');
    expect(bad('FROM llama3.2:1b\nMESSAGE User hi').rule).toBe('message-role');
  });

  it('treats parameter names as case-sensitive', () => {
    expect(bad('FROM llama3.2:1b\nPARAMETER Temperature 0.3').detail).toBe('PARAMETER Temperature — parameter names are case-sensitive; write temperature');
    expect(bad('FROM llama3.2:1b\nPARAMETER num-ctx 4096').rule).toBe('invalid-parameter-name');
  });

  it('checks booleans, integer ranges and float syntax', () => {
    expect(bad('FROM llama3.2:1b\nPARAMETER use_mmap yes').detail).toBe('PARAMETER use_mmap "yes" is not a boolean — use true or false');
    expect(bad('FROM llama3.2:1b\nPARAMETER num_ctx 0').rule).toBe('parameter-range');
    expect(bad('FROM llama3.2:1b\nPARAMETER temperature NaN').rule).toBe('parameter-type');
    expect(bad('FROM llama3.2:1b\nPARAMETER temperature 1e39').rule).toBe('parameter-range');
    expect(bad('FROM llama3.2:1b\nPARAMETER stop ""').rule).toBe('missing-argument');
    expect(parseModelfile('FROM llama3.2:1b\nPARAMETER temperature .5\nPARAMETER repeat_last_n -1', 'm').parameters).toEqual({
      temperature: 0.5,
      repeat_last_n: -1,
    });
  });

  it('accepts namespaced and registry model names but only with a tag', () => {
    expect(parseModelfile('FROM library/llama3.2:1b', 'm').from).toBe('library/llama3.2:1b');
    expect(parseModelfile('FROM registry.local:5000/edge/assistant:v1', 'm').from).toBe('registry.local:5000/edge/assistant:v1');
    expect(bad('FROM registry.local:5000/edge/assistant').rule).toBe('unpinned-from');
    expect(bad('FROM /models/x.gguf').rule).toBe('local-from');
    expect(bad('FROM llama3.2:1b!').rule).toBe('invalid-model-name');
  });

  it('reports the first problem in file order with its own line', () => {
    const e = bad('FROM llama3.2\nPARAMETER temperature hot');
    expect(e.line).toBe(1);
    expect(e.rule).toBe('unpinned-from');
  });

  it('counts lines inside multi-line values when reporting later errors', () => {
    const e = bad('FROM llama3.2:1b\nSYSTEM """one\ntwo\nthree"""\n\nPARAMETER top_k many');
    expect(e.line).toBe(6);
    expect(e.detail).toBe('PARAMETER top_k "many" is not an integer — use a whole number such as 40');
  });
});

describe('models/ollama/ai-assistant.Modelfile', () => {
  const path = join(ROOT, 'models', 'ollama', 'ai-assistant.Modelfile');
  const m = loadModelfile(path, 'models/ollama/ai-assistant.Modelfile');

  it('is pinned to llama3.2:1b with the Llama 3.2 stop tokens', () => {
    expect(m.from).toBe('llama3.2:1b');
    expect(m.parameters.stop).toEqual(['<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>']);
    expect(m.parameters.temperature).toBe(0.3);
    expect(m.parameters.num_ctx).toBe(4096);
  });

  it('carries the Llama 3.2 chat template', () => {
    const template = m.instructions.find((i) => i.kind === 'TEMPLATE')?.value ?? '';
    for (const token of ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '{{ .System }}', '{{ .Content }}', 'range $i, $_ := .Messages']) {
      expect(template).toContain(token);
    }
    expect(template).not.toContain('<|im_end|>');
  });

  it('has a safety-first maintenance SYSTEM prompt', () => {
    const system = m.instructions.find((i) => i.kind === 'SYSTEM')?.value ?? '';
    expect(system).toMatch(/lockout\/tagout/i);
    expect(system).toMatch(/Safety first/);
    expect(system).toMatch(/concise/i);
    expect(system).toMatch(/Never invent sensor values/);
  });

  it('round-trips', () => {
    expect(withoutLines(parseModelfile(formatModelfile(m), 'x').instructions)).toEqual(withoutLines(m.instructions));
  });
});
