/**
 * Catalogue of the Ollama library models the platform supports, with the memory each needs when loaded, so the
 * synth can size the Ollama pod (requests/limits) and refuse model sets that cannot fit an edge node.
 *
 * Where each number comes from (per entry in `source`; table and derivation in docs/ollama-models.md):
 * - download size: the exact `size` in bytes that `GET /api/tags` reports for the pinned tag and manifest digest
 *   (the sum of its layers; ollama.com/library/<model>:<tag> shows the same figure rounded, e.g. "1.3GB"),
 *   converted to MiB and rounded up. The weights are memory-mapped and fully touched on load, so the whole file
 *   is resident (page cache charged to the pod's cgroup);
 * - KV cache: f16 K and V for every layer, `2 × layers × kvHeads × headDim × 2 bytes` per token of context,
 *   using the architecture of the model card (GGUF metadata / Hugging Face config.json). Ollama allocates
 *   `num_ctx × OLLAMA_NUM_PARALLEL` cells up front (llm/server.go: `KvSize: opts.NumCtx * numParallel`);
 * - compute buffer: the llama.cpp graph scratch reserved for one 512-token micro-batch, dominated by either the
 *   output logits (`vocab × 512 × 4 bytes`) or, without flash attention, the attention scores
 *   (`heads × 512 × kvCells × 4 bytes`), plus 32 MiB for everything else — whichever term is larger;
 * - runner process: 64 MiB per loaded model for the runner subprocess itself (Go runtime, ggml, tokenizer).
 * These are estimates to budget with, not measurements from this project's hardware; treat ±10 % as normal and
 * keep headroom in the pod limit.
 */

/** Context every figure in the catalogue is computed for: Ollama's default below 24 GiB of VRAM (CPU-only edge
 *  nodes). The platform sets OLLAMA_CONTEXT_LENGTH explicitly so it never depends on detected hardware. */
export const DEFAULT_CONTEXT_LENGTH = 4096;

/** llama.cpp / Ollama micro-batch size (`num_batch` default 512) that sizes the compute buffer. */
const MICRO_BATCH = 512;
/** Graph scratch besides the two dominant terms (norms, rope, intermediate activations). */
const COMPUTE_SLACK_MIB = 32;
/** Per loaded model: the runner subprocess (Go runtime, ggml backend, tokenizer). */
export const RUNNER_OVERHEAD_MIB = 64;
/** Once per pod: the `ollama serve` process (HTTP server, scheduler, manifests), whatever is loaded. */
export const OLLAMA_SERVER_OVERHEAD_MIB = 128;

const MIB = 1024 * 1024;

/** Transformer shape facts that drive the KV cache and compute buffer sizes. */
export interface ModelArchitecture {
  readonly layers: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
}

export interface OllamaModelInfo {
  /** Pinned library name, `name:tag`. */
  readonly name: string;
  /** Parameter count as the model card states it, e.g. `1.24B`. */
  readonly parameters: string;
  /** Quantization of the default tag's weights, e.g. `Q4_K_M`. */
  readonly quantization: string;
  readonly downloadSizeMiB: number;
  /** Resident when loaded with {@link DEFAULT_CONTEXT_LENGTH} and one parallel slot: weights + KV + compute + runner. */
  readonly memoryMiB: number;
  /** Longest context the model was trained for; Ollama clamps larger `num_ctx` to it. */
  readonly contextLength: number;
  /** Where the figures come from: URL(s) and how they were derived. */
  readonly source: string;
  /** Exact `size` from `GET /api/tags`, or undefined where only the rounded library figure is known. */
  readonly downloadSizeBytes?: number;
  /** First 12 hex digits of the manifest digest (`ollama list` ID) the size belongs to, where known. */
  readonly digest?: string;
  readonly architecture: ModelArchitecture;
  /** f16 KV cache per token of context, in KiB. */
  readonly kvCacheKiBPerToken: number;
}

interface Entry {
  readonly name: string;
  readonly parameters: string;
  readonly quantization: string;
  readonly downloadSizeBytes?: number;
  /** Used when the exact byte count is not known: the library page's rounded size in decimal GB. */
  readonly librarySizeGB?: number;
  readonly digest?: string;
  readonly contextLength: number;
  readonly architecture: ModelArchitecture;
  readonly source: string;
}

function kvBytesPerToken(a: ModelArchitecture): number {
  return 2 /* K and V */ * a.layers * a.kvHeads * a.headDim * 2; /* f16 */
}

/** f16 KV cache for `cells` context cells (num_ctx × parallel), MiB rounded up. */
function kvCacheMiB(a: ModelArchitecture, cells: number): number {
  return Math.ceil((kvBytesPerToken(a) * cells) / MIB);
}

/** llama.cpp compute buffer for one micro-batch attending over `cells` KV cells, MiB rounded up. */
function computeBufferMiB(a: ModelArchitecture, cells: number): number {
  const logits = a.vocabSize * MICRO_BATCH * 4;
  const attentionScores = a.attentionHeads * MICRO_BATCH * cells * 4;
  return Math.ceil(Math.max(logits, attentionScores) / MIB) + COMPUTE_SLACK_MIB;
}

function downloadMiB(e: Entry): number {
  const bytes = e.downloadSizeBytes ?? (e.librarySizeGB ?? 0) * 1e9;
  return Math.ceil(bytes / MIB);
}

/** Resident MiB of one loaded model holding `cells` KV cells in total. */
function residentMiB(e: Entry, cells: number): number {
  return downloadMiB(e) + kvCacheMiB(e.architecture, cells) + computeBufferMiB(e.architecture, cells) + RUNNER_OVERHEAD_MIB;
}

const LLAMA_3_VOCAB = 128256;
const QWEN_2_VOCAB = 151936;

const ENTRIES: readonly Entry[] = [
  {
    name: 'llama3.2:1b',
    parameters: '1.24B',
    quantization: 'Q8_0',
    downloadSizeBytes: 1321098329,
    digest: 'baf6a787fdff',
    contextLength: 131072,
    architecture: { layers: 16, attentionHeads: 32, kvHeads: 8, headDim: 64, vocabSize: LLAMA_3_VOCAB },
    source:
      'https://ollama.com/library/llama3.2:1b (1.3GB, Q8_0, 128K context); exact size 1321098329 B from GET /api/tags for digest baf6a787fdff; ' +
      'architecture from the Llama 3.2 1B model card (16 layers, 32 heads, 8 KV heads, head dim 64, vocab 128256)',
  },
  {
    name: 'llama3.2:3b',
    parameters: '3.21B',
    quantization: 'Q4_K_M',
    downloadSizeBytes: 2019393189,
    digest: 'a80c4f17acd5',
    contextLength: 131072,
    architecture: { layers: 28, attentionHeads: 24, kvHeads: 8, headDim: 128, vocabSize: LLAMA_3_VOCAB },
    source:
      'https://ollama.com/library/llama3.2:3b (2.0GB, Q4_K_M, 128K context); exact size 2019393189 B from GET /api/tags for digest a80c4f17acd5; ' +
      'architecture from the Llama 3.2 3B model card (28 layers, 24 heads, 8 KV heads, head dim 128)',
  },
  {
    name: 'qwen2.5:0.5b',
    parameters: '494M',
    quantization: 'Q4_K_M',
    downloadSizeBytes: 397821319,
    digest: 'a8b0c5157701',
    contextLength: 32768,
    architecture: { layers: 24, attentionHeads: 14, kvHeads: 2, headDim: 64, vocabSize: QWEN_2_VOCAB },
    source:
      'https://ollama.com/library/qwen2.5:0.5b (398MB, Q4_K_M); exact size 397821319 B from GET /api/tags (ollama list ID a8b0c5157701); ' +
      'architecture and 32K context from Qwen/Qwen2.5-0.5B-Instruct config.json (24 layers, 14 heads, 2 KV heads, head dim 64, vocab 151936)',
  },
  {
    name: 'qwen2.5:1.5b',
    parameters: '1.54B',
    quantization: 'Q4_K_M',
    downloadSizeBytes: 986061892,
    digest: '65ec06548149',
    contextLength: 32768,
    architecture: { layers: 28, attentionHeads: 12, kvHeads: 2, headDim: 128, vocabSize: QWEN_2_VOCAB },
    source:
      'https://ollama.com/library/qwen2.5:1.5b (986MB, Q4_K_M); exact size 986061892 B from GET /api/tags (ollama list ID 65ec06548149); ' +
      'architecture and 32K context from Qwen/Qwen2.5-1.5B-Instruct config.json (28 layers, 12 heads, 2 KV heads, head dim 128)',
  },
  {
    name: 'phi3.5:3.8b',
    parameters: '3.82B',
    quantization: 'Q4_0',
    downloadSizeBytes: 2176178843,
    digest: '61819fb370a3',
    contextLength: 131072,
    architecture: { layers: 32, attentionHeads: 32, kvHeads: 32, headDim: 96, vocabSize: 32064 },
    source:
      'https://ollama.com/library/phi3.5:3.8b (2.2GB, Q4_0, 128K context; same manifest as phi3.5:latest); exact size 2176178843 B from GET /api/tags for digest 61819fb370a3; ' +
      'architecture from microsoft/Phi-3.5-mini-instruct config.json (32 layers, 32 heads, no GQA: 32 KV heads, head dim 96, vocab 32064) — hence the large KV cache',
  },
  {
    name: 'gemma2:2b',
    parameters: '2.61B',
    quantization: 'Q4_0',
    downloadSizeBytes: 1629518495,
    digest: '8ccf136fdd52',
    contextLength: 8192,
    architecture: { layers: 26, attentionHeads: 8, kvHeads: 4, headDim: 256, vocabSize: 256000 },
    source:
      'https://ollama.com/library/gemma2:2b (1.6GB, Q4_0, 8K context); exact size 1629518495 B from GET /api/tags for digest 8ccf136fdd52; ' +
      'architecture from google/gemma-2-2b-it config.json (26 layers, 8 heads, 4 KV heads, head dim 256, vocab 256000 — hence the large logits buffer); ' +
      'sliding-window layers are budgeted at full size (conservative)',
  },
  {
    name: 'llama3.1:8b',
    parameters: '8.03B',
    quantization: 'Q4_K_M',
    downloadSizeBytes: 4920753328,
    digest: '46e0c10c039e',
    contextLength: 131072,
    architecture: { layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, vocabSize: LLAMA_3_VOCAB },
    source:
      'https://ollama.com/library/llama3.1:8b (4.9GB, Q4_K_M, 128K context); exact size 4920753328 B from GET /api/tags for digest 46e0c10c039e; ' +
      'architecture from the Llama 3.1 8B model card (32 layers, 32 heads, 8 KV heads, head dim 128)',
  },
  {
    name: 'mistral:7b',
    parameters: '7.25B',
    quantization: 'Q4_K_M',
    downloadSizeBytes: 4372824384,
    digest: '6577803aa9a0',
    contextLength: 32768,
    architecture: { layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, vocabSize: 32768 },
    source:
      'https://ollama.com/library/mistral:7b (4.4GB, Mistral 7B Instruct v0.3, Q4_K_M, 32K context); exact size 4372824384 B from GET /api/tags for digest 6577803aa9a0; ' +
      'architecture from mistralai/Mistral-7B-Instruct-v0.3 config.json (32 layers, 32 heads, 8 KV heads, head dim 128, vocab 32768)',
  },
  {
    name: 'llama3.1:70b',
    parameters: '70.6B',
    quantization: 'Q4_K_M',
    librarySizeGB: 43,
    contextLength: 131072,
    architecture: { layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, vocabSize: LLAMA_3_VOCAB },
    source:
      'https://ollama.com/library/llama3.1:70b (43GB, Q4_K_M, 128K context) — rounded library figure, exact byte count not recorded; ' +
      'architecture from the Llama 3.1 70B model card (80 layers, 64 heads, 8 KV heads, head dim 128). Listed so capacity checks can show it fits no edge node',
  },
];

const BY_NAME = new Map<string, Entry>(ENTRIES.map((e) => [e.name, e]));

function toInfo(e: Entry): OllamaModelInfo {
  return Object.freeze({
    name: e.name,
    parameters: e.parameters,
    quantization: e.quantization,
    downloadSizeMiB: downloadMiB(e),
    memoryMiB: residentMiB(e, DEFAULT_CONTEXT_LENGTH),
    contextLength: e.contextLength,
    source: e.source,
    ...(e.downloadSizeBytes !== undefined ? { downloadSizeBytes: e.downloadSizeBytes } : {}),
    ...(e.digest !== undefined ? { digest: e.digest } : {}),
    architecture: Object.freeze({ ...e.architecture }),
    kvCacheKiBPerToken: kvBytesPerToken(e.architecture) / 1024,
  });
}

export const OLLAMA_MODELS: Readonly<Record<string, OllamaModelInfo>> = Object.freeze(
  Object.fromEntries(ENTRIES.map((e) => [e.name, toInfo(e)])),
);

/**
 * Looks a model up by its pinned name. Ollama names are case-insensitive and may carry the implicit
 * `registry.ollama.ai/library/` prefix; both are normalised. Untagged names never match — the platform only
 * deploys pinned tags.
 */
export function lookupOllamaModel(name: string): OllamaModelInfo | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/^registry\.ollama\.ai\//, '')
    .replace(/^library\//, '');
  return Object.prototype.hasOwnProperty.call(OLLAMA_MODELS, key) ? OLLAMA_MODELS[key] : undefined;
}

export interface OllamaMemoryOptions {
  /** OLLAMA_NUM_PARALLEL: concurrent requests per loaded model; each gets its own `contextLength` KV slot. */
  readonly numParallel: number;
  /** OLLAMA_MAX_LOADED_MODELS: how many models may be resident at once. */
  readonly maxLoadedModels: number;
  /** OLLAMA_CONTEXT_LENGTH (or the Modelfile's num_ctx): context per request slot. */
  readonly contextLength: number;
}

/**
 * Memory one model needs when loaded with `contextLength` tokens per slot and `numParallel` slots:
 * weights + KV(cells) + compute(cells) + runner, with `cells = min(contextLength, model max) × numParallel`.
 * At (4096, 1) this is `memoryMiB`; the difference at other settings is the KV cache (linear in cells) plus,
 * without flash attention, the attention-score scratch (also linear in cells once it outgrows the logits buffer).
 */
export function ollamaModelResidentMiB(name: string, contextLength: number, numParallel: number): number {
  const e = entryFor(name);
  positiveInt('contextLength', contextLength);
  positiveInt('numParallel', numParallel);
  return residentMiB(e, Math.min(contextLength, e.contextLength) * numParallel);
}

/**
 * Memory the Ollama pod needs for a set of models:
 *
 *   need = OLLAMA_SERVER_OVERHEAD_MIB + Σ over the `maxLoadedModels` largest of resident(model)
 *   resident(model) = weights + kvCache(cells) + computeBuffer(cells) + RUNNER_OVERHEAD_MIB
 *   cells = min(contextLength, model's trained context) × numParallel
 *
 * Why the largest `maxLoadedModels`: Ollama keeps up to OLLAMA_MAX_LOADED_MODELS runners and evicts idle ones to
 * make room, so the worst case at any moment is the biggest models that may be co-resident. Why × numParallel:
 * Ollama allocates a separate KV slot per parallel request when it starts the runner (llm/server.go `KvSize:
 * opts.NumCtx * numParallel`), so the KV cache grows linearly with OLLAMA_NUM_PARALLEL whether or not the slots
 * are busy. Why the min(): Ollama clamps num_ctx to the model's training context. Duplicate names count once.
 * Unknown names throw: every model a site may load must be in the catalogue so its memory is budgeted.
 */
export function ollamaMemoryNeedMiB(models: readonly string[], opts: OllamaMemoryOptions): number {
  positiveInt('numParallel', opts.numParallel);
  positiveInt('maxLoadedModels', opts.maxLoadedModels);
  positiveInt('contextLength', opts.contextLength);
  const unique = [...new Set(models.map((m) => entryFor(m).name))];
  const perModel = unique
    .map((m) => ollamaModelResidentMiB(m, opts.contextLength, opts.numParallel))
    .sort((a, b) => b - a)
    .slice(0, opts.maxLoadedModels);
  return OLLAMA_SERVER_OVERHEAD_MIB + perModel.reduce((sum, x) => sum + x, 0);
}

function entryFor(name: string): Entry {
  const info = lookupOllamaModel(name);
  const e = info ? BY_NAME.get(info.name) : undefined;
  if (!e) {
    const untagged = !name.includes(':') ? ` (pin a tag, e.g. ${name}:<size>)` : '';
    throw new Error(
      `Ollama model ${JSON.stringify(name)} is not in the catalogue${untagged} — use one of ${ENTRIES.map((x) => x.name).join(', ')}, or add it to lib/model/ollama-catalog.ts with its source`,
    );
  }
  return e;
}

function positiveInt(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
}
