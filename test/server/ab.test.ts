/**
 * A/B serving (docs/decisions/0022-model-ab-testing.md): both versions of the sample behind one server, the
 * KServe v2 versioned endpoints, the exact traffic split, the x-model-version override and per-version metrics.
 *
 * @jest-environment ./test/server/ort-environment.ts
 */
import { Agent, request as httpRequest } from 'node:http';
import { InferenceServer } from '../../server/src/server';
import { parseTrafficSplit, WeightedRouter } from '../../server/src/routing';
import { cleanTempDirs, http, inferBody, inferUrl, parsePrometheusText, postJson, SAMPLE, SAMPLE_CANDIDATE, SAMPLE_VERSION, startServer } from './helpers';

const row = [1.2, 1.3, 0.75, 4.2, 3.2, 52.0, 10.5, 1800];
let server: InferenceServer;

beforeAll(async () => {
  server = await startServer({ trafficSplit: { [SAMPLE]: { [SAMPLE_VERSION]: 90, [SAMPLE_CANDIDATE]: 10 } } });
});
afterAll(async () => {
  await server.shutdown();
  cleanTempDirs();
});

const versionOf = async (res: Promise<{ status: number; json<T>(): T }>): Promise<string> => {
  const r = await res;
  expect(r.status).toBe(200);
  return r.json<{ model_version: string }>().model_version;
};

describe('several versions of a model side by side', () => {
  it('serves /versions/{v}/infer, ready and metadata for each version', async () => {
    for (const v of [SAMPLE_VERSION, SAMPLE_CANDIDATE]) {
      const base = `${server.url}/v2/models/${SAMPLE}/versions/${v}`;
      expect(await versionOf(postJson(`${base}/infer`, inferBody([row])))).toBe(v);
      expect((await http(`${base}/ready`)).json()).toEqual({ name: SAMPLE, version: v, ready: true });
      expect((await http(base)).json()).toMatchObject({ name: SAMPLE, versions: [SAMPLE_VERSION, SAMPLE_CANDIDATE] });
    }
    expect((await http(`${server.url}/v2/models/${SAMPLE}/versions/9.9.9/infer`, { method: 'POST', body: JSON.stringify(inferBody([row])) })).status).toBe(404);
  });

  it('gives the two versions their own accuracy, measured on the same eval set', () => {
    const accuracy = Object.fromEntries(server.loadedModels.map((m) => [m.spec.version, m.accuracy]));
    expect(accuracy).toEqual({ [SAMPLE_VERSION]: 0.98, [SAMPLE_CANDIDATE]: 0.9525 });
    const [a, b] = server.loadedModels.map((m) => m.spec.evalSetFile);
    expect(a).not.toBe(b);
  });
});

describe('dynamic batching through the real session', () => {
  it('answers concurrent requests exactly as it answers them one by one', async () => {
    const url = `${server.url}/v2/models/${SAMPLE}/versions/${SAMPLE_VERSION}/infer`;
    const inputs = Array.from({ length: 12 }, (_v, i) => [row.map((x, j) => x * (1 + ((i + j) % 5) * 0.3))]);
    const one = async (rows: number[][]) => (await postJson(url, inferBody(rows))).json<{ outputs: unknown[] }>().outputs;
    const sequential: unknown[] = [];
    for (const rows of inputs) sequential.push(await one(rows));
    expect(await Promise.all(inputs.map(one))).toEqual(sequential);
  });
});

describe('traffic split', () => {
  it('routes unversioned requests exactly 90/10, one candidate request in every window of ten', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify(inferBody([row]));
        const req = httpRequest(inferUrl(server), { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as { model_version: string }).model_version));
        });
        req.on('error', reject);
        req.end(body);
      });
    const before = await requestsByVersion();
    const versions: string[] = [];
    for (let i = 0; i < 200; i++) versions.push(await post());
    agent.destroy();
    for (let w = 0; w < 200; w += 10) expect(versions.slice(w, w + 10).filter((v) => v === SAMPLE_CANDIDATE)).toHaveLength(1);
    // The per-version counters agree with what the clients saw.
    const after = await requestsByVersion();
    expect(after[SAMPLE_VERSION] - (before[SAMPLE_VERSION] ?? 0)).toBe(180);
    expect(after[SAMPLE_CANDIDATE] - (before[SAMPLE_CANDIDATE] ?? 0)).toBe(20);
  });

  it('lets the x-model-version header pick a version for one request (404 for an unknown one)', async () => {
    for (let i = 0; i < 5; i++) {
      expect(await versionOf(http(inferUrl(server), { method: 'POST', body: JSON.stringify(inferBody([row])), headers: { 'x-model-version': SAMPLE_CANDIDATE } }))).toBe(SAMPLE_CANDIDATE);
    }
    const unknown = await http(inferUrl(server), { method: 'POST', body: JSON.stringify(inferBody([row])), headers: { 'x-model-version': '0.0.1' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json<{ error: string }>().error).toContain('has no version "0.0.1"');
  });

  it('labels every inference metric with model and version', async () => {
    const families = parsePrometheusText((await http(`${server.url}/metrics`)).text);
    for (const name of ['inference_requests_total', 'inference_duration_seconds', 'model_accuracy_score', 'model_accuracy_minimum', 'model_ready']) {
      const versions = new Set(families.get(name)?.samples.filter((s) => s.labels.model === SAMPLE).map((s) => s.labels.version));
      expect({ name, versions: [...versions].sort() }).toEqual({ name, versions: [SAMPLE_VERSION, SAMPLE_CANDIDATE] });
    }
  });

  it('refuses to start when the split names a version that is not in the repository', async () => {
    await expect(startServer({ trafficSplit: { [SAMPLE]: { '2.0.0': 100 } } })).rejects.toThrow(`MODEL_TRAFFIC_SPLIT names ${SAMPLE} version 2.0.0, which is not in`);
    await expect(startServer({ trafficSplit: { 'pump-anomaly': { '1.0.0': 100 } } })).rejects.toThrow('MODEL_TRAFFIC_SPLIT names model "pump-anomaly"');
  });

  it('without a split sends everything to the highest version', async () => {
    const plain = await startServer({ trafficSplit: {} });
    try {
      for (let i = 0; i < 3; i++) expect(await versionOf(postJson(inferUrl(plain), inferBody([row])))).toBe(SAMPLE_CANDIDATE);
    } finally {
      await plain.shutdown();
    }
  });
});

async function requestsByVersion(): Promise<Record<string, number>> {
  const families = parsePrometheusText((await http(`${server.url}/metrics`)).text);
  const out: Record<string, number> = {};
  for (const s of families.get('inference_requests_total')?.samples ?? []) if (s.labels.code === '200' && s.labels.model === SAMPLE) out[s.labels.version] = s.value;
  return out;
}

describe('WeightedRouter (smooth weighted round robin)', () => {
  it('is exact over every window of sum(weights) and interleaves', () => {
    const router = new WeightedRouter({ '1.1.0': 1, '1.0.0': 3 });
    const seq = Array.from({ length: 8 }, () => router.next());
    expect(seq).toEqual(['1.0.0', '1.0.0', '1.1.0', '1.0.0', '1.0.0', '1.0.0', '1.1.0', '1.0.0']);
    const fifty = new WeightedRouter({ a: 50, b: 50 });
    expect(Array.from({ length: 4 }, () => fifty.next())).toEqual(['a', 'b', 'a', 'b']);
  });

  it('never routes to a weight of 0', () => {
    const router = new WeightedRouter({ '1.0.0': 100, '1.1.0': 0 });
    expect(new Set(Array.from({ length: 50 }, () => router.next()))).toEqual(new Set(['1.0.0']));
  });
});

describe('parseTrafficSplit (MODEL_TRAFFIC_SPLIT)', () => {
  it('reads the JSON the chart renders; empty means no split', () => {
    expect(parseTrafficSplit('')).toEqual({});
    expect(parseTrafficSplit('{"bearing-anomaly":{"1.0.0":90,"1.1.0":10}}')).toEqual({ 'bearing-anomaly': { '1.0.0': 90, '1.1.0': 10 } });
  });

  it.each([
    ['{"m":{"1.0.0":90,"1.1.0":20}}', 'the weights of "m" sum to 110, not 100'],
    ['{"m":{"1.0.0":99.5,"1.1.0":0.5}}', 'must be an integer from 0 to 100'],
    ['{"m":{}}', '"m" must map at least one version to a weight'],
    ['m=1.0.0:100', 'it is not JSON'],
  ])('rejects %s naming the variable and the rule', (raw, says) => {
    expect(() => parseTrafficSplit(raw)).toThrow(says);
    expect(() => parseTrafficSplit(raw)).toThrow('environment variable MODEL_TRAFFIC_SPLIT is');
  });
});
