import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_CONTEXT_LENGTH,
  lookupOllamaModel,
  OLLAMA_MODELS,
  OLLAMA_SERVER_OVERHEAD_MIB,
  ollamaMemoryNeedMiB,
  ollamaModelResidentMiB,
  RUNNER_OVERHEAD_MIB,
} from '../../lib/model/ollama-catalog';
import { loadModelfile } from '../../lib/model/modelfile';

const ROOT = join(__dirname, '..', '..');
const GiB = 1024;
const one = { numParallel: 1, maxLoadedModels: 1, contextLength: DEFAULT_CONTEXT_LENGTH };

describe('OLLAMA_MODELS', () => {
  const required = [
    'llama3.2:1b',
    'llama3.2:3b',
    'qwen2.5:0.5b',
    'qwen2.5:1.5b',
    'phi3.5:3.8b',
    'gemma2:2b',
    'llama3.1:8b',
    'mistral:7b',
    'llama3.1:70b',
  ];

  it('contains the models the platform supports', () => {
    expect(Object.keys(OLLAMA_MODELS).sort()).toEqual([...required].sort());
  });

  it.each(Object.values(OLLAMA_MODELS))('$name is pinned, keyed by name and sourced', (m) => {
    expect(OLLAMA_MODELS[m.name]).toBe(m);
    expect(m.name).toMatch(/^[a-z0-9.]+:[a-z0-9.]+$/);
    expect(m.name).not.toMatch(/:latest$/);
    expect(m.source).toContain(`https://ollama.com/library/${m.name}`);
    expect(m.quantization).toMatch(/^(Q4_0|Q4_K_M|Q8_0)$/);
    expect(m.contextLength).toBeGreaterThanOrEqual(DEFAULT_CONTEXT_LENGTH);
    expect(Object.isFrozen(m)).toBe(true);
  });

  it.each(Object.values(OLLAMA_MODELS))('$name: memoryMiB = weights + KV at 4096 + compute + runner', (m) => {
    const a = m.architecture;
    expect(m.kvCacheKiBPerToken).toBe((2 * a.layers * a.kvHeads * a.headDim * 2) / 1024);
    const kv = Math.ceil((m.kvCacheKiBPerToken * DEFAULT_CONTEXT_LENGTH) / 1024);
    const compute = m.memoryMiB - m.downloadSizeMiB - kv - RUNNER_OVERHEAD_MIB;
    // The compute buffer is at least the logits of one 512-token micro-batch, plus the 32 MiB slack.
    expect(compute).toBeGreaterThanOrEqual(Math.ceil((a.vocabSize * 512 * 4) / 2 ** 20) + 32);
    expect(m.memoryMiB).toBeGreaterThan(m.downloadSizeMiB);
    if (m.downloadSizeBytes !== undefined) expect(m.downloadSizeMiB).toBe(Math.ceil(m.downloadSizeBytes / 2 ** 20));
  });

  it('records the figures of the library tags', () => {
    // ollama.com shows 1.3GB / 2.0GB / 398MB / 4.9GB for these tags; /api/tags gives the exact bytes.
    expect(OLLAMA_MODELS['llama3.2:1b']).toMatchObject({ quantization: 'Q8_0', downloadSizeMiB: 1260, digest: 'baf6a787fdff' });
    expect(OLLAMA_MODELS['llama3.2:3b']).toMatchObject({ quantization: 'Q4_K_M', downloadSizeMiB: 1926 });
    expect(OLLAMA_MODELS['qwen2.5:0.5b'].downloadSizeMiB).toBe(380);
    expect(OLLAMA_MODELS['llama3.1:8b'].downloadSizeMiB).toBe(4693);
    expect(OLLAMA_MODELS['llama3.2:1b'].memoryMiB).toBe(1740);
  });

  it('orders the small models below the big ones', () => {
    const mem = (n: string) => OLLAMA_MODELS[n].memoryMiB;
    expect(mem('qwen2.5:0.5b')).toBeLessThan(mem('qwen2.5:1.5b'));
    expect(mem('qwen2.5:1.5b')).toBeLessThan(mem('llama3.2:1b'));
    expect(mem('llama3.2:1b')).toBeLessThan(mem('llama3.2:3b'));
    expect(mem('mistral:7b')).toBeLessThan(mem('llama3.1:8b'));
    expect(mem('llama3.1:8b')).toBeLessThan(mem('llama3.1:70b'));
  });
});

describe('lookupOllamaModel', () => {
  it('finds pinned names, case-insensitively and with the implicit library prefix', () => {
    expect(lookupOllamaModel('llama3.2:1b')?.name).toBe('llama3.2:1b');
    expect(lookupOllamaModel('Llama3.2:1B')?.name).toBe('llama3.2:1b');
    expect(lookupOllamaModel('library/qwen2.5:0.5b')?.name).toBe('qwen2.5:0.5b');
    expect(lookupOllamaModel('registry.ollama.ai/library/gemma2:2b')?.name).toBe('gemma2:2b');
  });

  it('does not match untagged, :latest, unknown or prototype names', () => {
    expect(lookupOllamaModel('llama3.2')).toBeUndefined();
    expect(lookupOllamaModel('llama3.2:latest')).toBeUndefined();
    expect(lookupOllamaModel('llama3.3:70b')).toBeUndefined();
    expect(lookupOllamaModel('constructor')).toBeUndefined();
    expect(lookupOllamaModel('__proto__')).toBeUndefined();
  });

  it('knows the base model of the sample Modelfile', () => {
    const m = loadModelfile(join(ROOT, 'models', 'ollama', 'ai-assistant.Modelfile'));
    const base = lookupOllamaModel(m.from);
    expect(base?.name).toBe('llama3.2:1b');
    // The Modelfile's context is the one the catalogue budgets for.
    expect(m.parameters.num_ctx).toBe(DEFAULT_CONTEXT_LENGTH);
  });
});

describe('ollamaMemoryNeedMiB', () => {
  it('is the server overhead plus the resident size for one model at the default context', () => {
    expect(ollamaMemoryNeedMiB(['llama3.2:1b'], one)).toBe(OLLAMA_SERVER_OVERHEAD_MIB + OLLAMA_MODELS['llama3.2:1b'].memoryMiB);
    expect(ollamaMemoryNeedMiB(['llama3.2:1b'], one)).toBe(1868);
    expect(ollamaMemoryNeedMiB([], one)).toBe(OLLAMA_SERVER_OVERHEAD_MIB);
  });

  it('counts only the largest maxLoadedModels models', () => {
    const models = ['qwen2.5:0.5b', 'llama3.2:3b', 'llama3.2:1b'];
    const r = (n: string) => OLLAMA_MODELS[n].memoryMiB;
    expect(ollamaMemoryNeedMiB(models, one)).toBe(128 + r('llama3.2:3b'));
    expect(ollamaMemoryNeedMiB(models, { ...one, maxLoadedModels: 2 })).toBe(128 + r('llama3.2:3b') + r('llama3.2:1b'));
    expect(ollamaMemoryNeedMiB(models, { ...one, maxLoadedModels: 9 })).toBe(128 + r('llama3.2:3b') + r('llama3.2:1b') + r('qwen2.5:0.5b'));
    // The same model listed twice (or under another spelling) is loaded once.
    expect(ollamaMemoryNeedMiB(['llama3.2:1b', 'library/llama3.2:1b'], { ...one, maxLoadedModels: 2 })).toBe(1868);
  });

  it('grows the KV cache linearly with numParallel', () => {
    const m = OLLAMA_MODELS['llama3.2:1b'];
    const kvPerSlot = (m.kvCacheKiBPerToken * 4096) / 1024; // 128 MiB
    const p1 = ollamaMemoryNeedMiB(['llama3.2:1b'], one);
    const p2 = ollamaMemoryNeedMiB(['llama3.2:1b'], { ...one, numParallel: 2 });
    const p4 = ollamaMemoryNeedMiB(['llama3.2:1b'], { ...one, numParallel: 4 });
    expect(kvPerSlot).toBe(128);
    // Beyond the KV cache, the attention-score scratch (32 heads × 512 × cells × 4 B) grows with the cells too.
    expect(p2 - p1).toBe(kvPerSlot + (32 * 512 * 4096 * 4) / 2 ** 20);
    expect(p4 - p2).toBe(2 * (p2 - p1));
    // Doubling the context is the same number of cells as doubling the slots.
    expect(ollamaMemoryNeedMiB(['llama3.2:1b'], { ...one, contextLength: 8192 })).toBe(p2);
  });

  it('clamps the context to what the model was trained for', () => {
    expect(ollamaModelResidentMiB('gemma2:2b', 32768, 1)).toBe(ollamaModelResidentMiB('gemma2:2b', 8192, 1));
    expect(ollamaModelResidentMiB('llama3.2:1b', 32768, 1)).toBeGreaterThan(ollamaModelResidentMiB('llama3.2:1b', 8192, 1));
  });

  it('shows which models fit a Raspberry Pi and which fit nothing at the edge', () => {
    // Allocatable memory after the K3s server reserve (1024 MiB) and eviction threshold (100 MiB).
    const pi4GiB = 4 * GiB - 1024 - 100;
    const pi8GiB = 8 * GiB - 1024 - 100;
    const nuc32GiB = 32 * GiB - 1024 - 100;
    const need = (name: string) => ollamaMemoryNeedMiB([name], one);
    expect(need('llama3.2:1b')).toBeLessThan(pi4GiB);
    expect(need('qwen2.5:1.5b')).toBeLessThan(pi4GiB);
    expect(need('phi3.5:3.8b')).toBeGreaterThan(pi4GiB);
    expect(need('phi3.5:3.8b')).toBeLessThan(pi8GiB);
    expect(need('llama3.1:70b')).toBeGreaterThan(pi8GiB);
    expect(need('llama3.1:70b')).toBeGreaterThan(nuc32GiB);
  });

  it('rejects unknown or unpinned models and nonsense options', () => {
    expect(() => ollamaMemoryNeedMiB(['llama3.2'], one)).toThrow(/"llama3\.2" is not in the catalogue \(pin a tag, e\.g\. llama3\.2:<size>\)/);
    expect(() => ollamaMemoryNeedMiB(['tinyllama:1.1b'], one)).toThrow(/add it to lib\/model\/ollama-catalog\.ts/);
    expect(() => ollamaMemoryNeedMiB(['llama3.2:1b'], { ...one, numParallel: 0 })).toThrow('numParallel must be a positive integer, got 0');
    expect(() => ollamaMemoryNeedMiB(['llama3.2:1b'], { ...one, maxLoadedModels: 1.5 })).toThrow(/maxLoadedModels/);
    expect(() => ollamaMemoryNeedMiB(['llama3.2:1b'], { ...one, contextLength: -1 })).toThrow(/contextLength/);
  });
});

describe('docs/ollama-models.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'ollama-models.md'), 'utf8');

  it.each(Object.values(OLLAMA_MODELS))('lists $name with the catalogue figures', (m) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${m.name}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| **${m.memoryMiB}** |`);
    expect(row).toContain(`| ${m.downloadSizeMiB} |`);
    expect(row).toContain(`| ${ollamaModelResidentMiB(m.name, DEFAULT_CONTEXT_LENGTH, 2)} |`);
  });
});
