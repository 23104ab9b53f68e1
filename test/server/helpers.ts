/** Shared helpers for the inference-server tests: fixtures, a tiny HTTP client, a Prometheus text parser. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServerConfig } from '../../server/src/config';
import { Logger } from '../../server/src/log';
import { InferenceServer } from '../../server/src/server';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const MODELS_DIR = join(REPO_ROOT, 'models', 'onnx');
export const SAMPLE = 'bearing-anomaly';
/** The baseline version of the sample; SAMPLE_CANDIDATE is the A/B candidate (scripts/make-model.ts RECIPES). */
export const SAMPLE_VERSION = '1.0.0';
export const SAMPLE_CANDIDATE = '1.1.0';

const tempDirs: string[] = [];

export function tempDir(prefix = 'inference-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every temp dir created by this test file; call from afterAll. */
export function cleanTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * A model repository holding a copy of the sample model's baseline version (at `<folder>/<version>/`, returned
 * as modelDir), optionally with model.json edited: the fixture for one validation rule is "the sample, with
 * one thing wrong".
 */
export function sampleRepository(edit?: (meta: Record<string, unknown>) => void, folder = SAMPLE, version = SAMPLE_VERSION): { repo: string; modelDir: string } {
  const repo = tempDir();
  const modelDir = join(repo, folder, version);
  cpSync(join(MODELS_DIR, SAMPLE, SAMPLE_VERSION), modelDir, { recursive: true });
  if (edit) {
    const file = join(modelDir, 'model.json');
    const meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(meta);
    writeFileSync(file, JSON.stringify(meta, null, 2));
  }
  return { repo, modelDir };
}

export interface CapturedLogger extends Logger {
  readonly lines: { level: string; msg: string; fields?: Record<string, unknown> }[];
}

export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    modelRepository: MODELS_DIR,
    maxRequestBytes: 1024 * 1024,
    requestTimeoutMs: 10_000,
    shutdownTimeoutMs: 5_000,
    intraOpNumThreads: 1,
    logLevel: 'silent',
    // Unversioned requests go to the baseline, as at the sample sites that pin it; split tests override this.
    trafficSplit: { [SAMPLE]: { [SAMPLE_VERSION]: 100 } },
    batching: { maxBatchSize: 64, maxWaitMs: 2, maxQueue: 256 },
    ...overrides,
  };
}

export async function startServer(overrides: Partial<ServerConfig> = {}, logger: Logger = captureLogger()): Promise<InferenceServer> {
  return InferenceServer.start({ config: testConfig(overrides), logger });
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** One HTTP request over a fresh connection (no keep-alive, so servers close promptly after tests). */
export function http(url: string, options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: { connection: 'close', ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export const inferUrl = (server: InferenceServer, model = SAMPLE): string => `${server.url}/v2/models/${model}/infer`;

export function postJson(url: string, body: unknown): Promise<HttpResult> {
  return http(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

/** A batch of sensor rows as a v2 infer request body. */
export function inferBody(rows: number[][], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { inputs: [{ name: 'sensor_features', datatype: 'FP32', shape: [rows.length, 8], data: rows.flat() }], ...extra };
}

// ---- Prometheus text exposition format 0.0.4 -------------------------------------------------------------

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  type?: string;
  help?: string;
  readonly samples: Sample[];
}

/** Family name of a series: histogram/summary series map to their family. */
function familyOf(series: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (series.endsWith(suffix)) {
      const base = series.slice(0, -suffix.length);
      const type = families.get(base)?.type;
      if (type === 'histogram' || type === 'summary') return base;
    }
  }
  return series;
}

/** Go's strconv.ParseFloat, which Prometheus uses, reads NaN and Inf case-insensitively (prom-client writes "Nan"). */
function parseValue(text: string): number {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new Error(`not a sample value: ${JSON.stringify(text)}`);
  return v;
}

/**
 * Parses the text format strictly enough to catch a malformed exposition: HELP/TYPE comments, samples with
 * optional labels (with \\, \" and \n escapes) and an optional timestamp. Throws on a line it cannot read.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (!m) return; // other comments are allowed
      if (m[1] === 'HELP') family(m[2]).help = m[3];
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3])) throw new Error(`bad TYPE, ${where}`);
        family(m[2]).type = m[3];
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!m) throw new Error(`unparseable sample, ${where}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const body = m[2].slice(1, -1);
      const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
      let pos = 0;
      while (pos < body.length) {
        re.lastIndex = pos;
        const l = re.exec(body);
        if (!l) throw new Error(`bad label set, ${where}`);
        labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    family(familyOf(m[1], families)).samples.push({ name: m[1], labels, value: parseValue(m[3]) });
  });
  return families;
}
