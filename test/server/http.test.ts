/**
 * The server over real HTTP on an ephemeral localhost port: KServe v2 endpoints, errors, /metrics, shutdown.
 *
 * @jest-environment ./test/server/ort-environment.ts
 */
import { rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { METRIC_NAMES, histogramSeries, INFERENCE_METRICS } from '@edge-ai/inference-contract';
import { InferenceServer } from '../../server/src/server';
import { captureLogger, cleanTempDirs, http, inferBody, inferUrl, parsePrometheusText, postJson, sampleRepository, startServer } from './helpers';

const healthy = [1.2, 1.3, 0.75, 4.2, 3.2, 52.0, 10.5, 1800];
const overheating = [1.4, 1.35, 0.8, 4.6, 3.3, 78.0, 14.5, 1600];

let server: InferenceServer;
const logger = captureLogger();

beforeAll(async () => {
  server = await startServer({ maxRequestBytes: 64 * 1024 }, logger);
});
afterAll(async () => {
  await server.shutdown();
  cleanTempDirs();
});

describe('health and metadata', () => {
  it('is live and ready', async () => {
    expect(await http(`${server.url}/v2/health/live`)).toMatchObject({ status: 200, text: '{"live":true}' });
    expect(await http(`${server.url}/v2/health/ready`)).toMatchObject({ status: 200, text: '{"ready":true}' });
    expect((await http(`${server.url}/v2/models/bearing-anomaly/ready`)).status).toBe(200);
    expect((await http(`${server.url}/v2/models/bearing-anomaly/versions/1.0.0/ready`)).status).toBe(200);
  });

  it('describes the server and the model', async () => {
    expect((await http(`${server.url}/v2`)).json()).toEqual({ name: 'inference-server', version: '0.2.0', extensions: [] });
    const meta = await http(`${server.url}/v2/models/bearing-anomaly`);
    expect(meta.headers['content-type']).toBe('application/json');
    expect(meta.json()).toMatchObject({
      name: 'bearing-anomaly',
      versions: ['1.0.0', '1.1.0'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'sensor_features', datatype: 'FP32', shape: [-1, 8] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });
  });
});

describe('POST /v2/models/{name}/infer', () => {
  it('classifies a batch', async () => {
    const res = await postJson(inferUrl(server), inferBody([healthy, overheating], { id: 'batch-7' }));
    expect(res.status).toBe(200);
    const body = res.json<{ model_name: string; model_version: string; id: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] }>();
    expect(body).toMatchObject({ model_name: 'bearing-anomaly', model_version: '1.0.0', id: 'batch-7' });
    const [probabilities, label] = body.outputs;
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 2] });
    expect(probabilities.data[1]).toBeCloseTo(0.0018416921375319362, 6);
    expect(label).toEqual({ name: 'label', datatype: 'INT64', shape: [2], data: [0, 1] });
  });

  it('returns only the requested outputs (also on the versioned path)', async () => {
    const res = await postJson(`${server.url}/v2/models/bearing-anomaly/versions/1.0.0/infer`, inferBody([healthy], { outputs: [{ name: 'label' }] }));
    expect(res.json()).toMatchObject({ outputs: [{ name: 'label', data: [0] }] });
  });

  it.each<[string, unknown, string]>([
    ['wrong shape', { inputs: [{ name: 'sensor_features', datatype: 'FP32', shape: [1, 7], data: healthy.slice(1) }] }, 'input "sensor_features" has shape [1, 7]; model "bearing-anomaly" expects [-1, 8]'],
    ['wrong datatype', { inputs: [{ name: 'sensor_features', datatype: 'INT32', shape: [1, 8], data: healthy }] }, 'has datatype "INT32"; model "bearing-anomaly" expects "FP32"'],
    ['unknown input name', { inputs: [{ name: 'vibration', datatype: 'FP32', shape: [1, 8], data: healthy }] }, 'unknown input "vibration"'],
    ['data length vs shape', { inputs: [{ name: 'sensor_features', datatype: 'FP32', shape: [3, 8], data: healthy }] }, 'has 8 values but shape [3, 8] needs 24'],
  ])('answers %s with 400 and a message', async (_case, body, message) => {
    const res = await postJson(inferUrl(server), body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json<{ error: string }>().error).toContain(message);
  });

  it('answers invalid JSON with 400', async () => {
    const res = await http(inferUrl(server), { method: 'POST', body: '{"inputs": [' });
    expect(res.status).toBe(400);
    expect(res.json<{ error: string }>().error).toMatch(/^the request body is not valid JSON/);
  });

  it('answers an unknown model or version with 404', async () => {
    const res = await postJson(inferUrl(server, 'pump-anomaly'), inferBody([healthy]));
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'model "pump-anomaly" is not served here; available models: bearing-anomaly' });
    expect((await http(`${server.url}/v2/models/pump-anomaly`)).status).toBe(404);
    const version = await http(`${server.url}/v2/models/bearing-anomaly/versions/2.0.0`);
    expect(version.status).toBe(404);
    expect(version.json<{ error: string }>().error).toContain('serves versions 1.0.0, 1.1.0');
  });

  it('answers a body above MAX_REQUEST_BYTES with 413, by Content-Length or while streaming', async () => {
    const rows = Array.from({ length: 2000 }, () => healthy); // ~100 KiB of JSON against a 64 KiB limit
    const declared = await postJson(inferUrl(server), inferBody(rows));
    expect(declared.status).toBe(413);
    expect(declared.json<{ error: string }>().error).toContain('the limit is 65536 bytes (MAX_REQUEST_BYTES)');

    // Chunked upload without Content-Length: the limit is enforced while reading.
    const streamed = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(inferUrl(server), { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      const chunk = JSON.stringify(inferBody(rows));
      for (let i = 0; i < chunk.length; i += 8192) req.write(chunk.slice(i, i + 8192));
      req.end();
    });
    expect(streamed.status).toBe(413);
    expect(streamed.text).toContain('larger than 65536 bytes');
  });

  it('answers a wrong method with 405 and Allow, an unknown path with 404', async () => {
    const get = await http(inferUrl(server));
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const post = await http(`${server.url}/v2/health/ready`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect((await http(`${server.url}/v1/models/bearing-anomaly:predict`)).status).toBe(404);
  });

  it('writes one JSON-ready log record per request with model and error', () => {
    const failures = logger.lines.filter((l) => l.msg === 'request' && l.fields?.status === 400);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0].fields).toMatchObject({ method: 'POST', path: '/v2/models/bearing-anomaly/infer', model: 'bearing-anomaly' });
    expect(typeof failures[0].fields?.error).toBe('string');
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format with the inference, accuracy and process metrics', async () => {
    await postJson(inferUrl(server), inferBody([healthy]));
    const res = await http(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(res.text);

    const requests = families.get('inference_requests_total');
    expect(requests?.type).toBe('counter');
    const count = (code: string, model = 'bearing-anomaly') => requests?.samples.find((s) => s.labels.code === code && s.labels.model === model)?.value ?? 0;
    expect(count('200')).toBeGreaterThanOrEqual(3);
    expect(count('400')).toBeGreaterThanOrEqual(5);
    expect(count('413')).toBe(2);
    expect(count('404', '_unknown')).toBe(1);
    expect(requests?.samples.find((s) => s.labels.code === '200')?.labels).toEqual({ model: 'bearing-anomaly', version: '1.0.0', code: '200' });

    const duration = families.get('inference_duration_seconds');
    expect(duration?.type).toBe('histogram');
    const [bucket, sum, counter] = histogramSeries('inference_duration_seconds');
    const buckets = duration?.samples.filter((s) => s.name === bucket) ?? [];
    expect(buckets.map((s) => s.labels.le)).toEqual([...INFERENCE_METRICS.duration.buckets.map(String), '+Inf']);
    const total = duration?.samples.find((s) => s.name === counter)?.value;
    expect(total).toBe(count('200'));
    expect(buckets[buckets.length - 1].value).toBe(total);
    expect(duration?.samples.find((s) => s.name === sum)?.value).toBeGreaterThan(0);

    // Both versions, each with its own accuracy on the shared eval set (scripts/make-model.ts prints the same figures).
    expect(families.get('model_accuracy_score')?.samples).toEqual([
      { name: 'model_accuracy_score', labels: { model: 'bearing-anomaly', version: '1.0.0' }, value: 0.98 },
      { name: 'model_accuracy_score', labels: { model: 'bearing-anomaly', version: '1.1.0' }, value: 0.9525 },
    ]);
    expect(families.get('model_accuracy_minimum')?.samples[0].value).toBe(0.9);
    expect(families.get('model_ready')?.samples[0].value).toBe(1);
    expect(families.get('process_cpu_seconds_total')?.samples[0].value).toBeGreaterThan(0);
    expect(families.get('process_resident_memory_bytes')?.samples[0].value).toBeGreaterThan(10 * 1024 * 1024);
    // The exported list (imported by the monitoring catalogue) is exactly what is served.
    const missing = METRIC_NAMES.filter((name) => !families.has(name));
    expect(missing).toEqual([]);
  });
});

describe('accuracy gate', () => {
  it('keeps a model below its minimumAccuracy out of service but visible on /metrics', async () => {
    const { repo } = sampleRepository((meta) => (meta.minimumAccuracy = 0.999));
    const gated = await startServer({ modelRepository: repo });
    try {
      expect(gated.isReady()).toBe(false);
      expect(await http(`${gated.url}/v2/health/ready`)).toMatchObject({ status: 503, text: '{"ready":false}' });
      expect((await http(`${gated.url}/v2/health/live`)).status).toBe(200);
      expect((await http(`${gated.url}/v2/models/bearing-anomaly/ready`)).status).toBe(503);
      const infer = await postJson(inferUrl(gated), inferBody([healthy]));
      expect(infer.status).toBe(503);
      expect(infer.json<{ error: string }>().error).toBe('model "bearing-anomaly" is not ready: accuracy 0.9800 on its eval set is below the required 0.999');
      const families = parsePrometheusText((await http(`${gated.url}/metrics`)).text);
      expect(families.get('model_accuracy_score')?.samples[0].value).toBe(0.98);
      expect(families.get('model_ready')?.samples[0].value).toBe(0);
    } finally {
      await gated.shutdown();
    }
  });

  it('refuses to start on an empty model repository', async () => {
    const { repo, modelDir } = sampleRepository();
    rmSync(modelDir, { recursive: true });
    await expect(startServer({ modelRepository: repo })).rejects.toThrow('no model folders found');
  });
});

describe('graceful shutdown', () => {
  /** Starts an infer request whose body is only half sent; returns a function that sends the rest. */
  function halfSentRequest(target: InferenceServer): { finish: () => void; response: Promise<{ status: number; connection?: string; text: string }> } {
    const body = JSON.stringify(inferBody([healthy]));
    let finish = (): void => undefined;
    // A keep-alive client, as a real one would be: the server must still tell it to close while draining.
    const agent = new Agent({ keepAlive: true });
    const response = new Promise<{ status: number; connection?: string; text: string }>((resolve, reject) => {
      const req = httpRequest(inferUrl(target), { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 20));
      finish = () => req.end(body.slice(20));
    });
    void response.finally(() => agent.destroy()).catch(() => undefined);
    return { finish, response };
  }

  it('stops accepting, finishes the in-flight request, then resolves', async () => {
    const target = await startServer();
    const url = target.url;
    const inFlight = halfSentRequest(target);
    await new Promise((r) => setTimeout(r, 50)); // let the server receive the headers
    const stopped = target.shutdown();
    expect(target.isReady()).toBe(false);
    await expect(http(`${url}/v2/health/live`)).rejects.toThrow(/ECONNREFUSED/);
    inFlight.finish();
    const res = await inFlight.response;
    expect(res.status).toBe(200);
    expect(res.connection).toBe('close');
    await expect(stopped).resolves.toEqual({ forced: false });
  });

  it('cuts connections still open after SHUTDOWN_TIMEOUT_SECONDS', async () => {
    const target = await startServer({ shutdownTimeoutMs: 200 });
    const stuck = halfSentRequest(target);
    stuck.response.catch(() => undefined); // the connection is reset by design
    await new Promise((r) => setTimeout(r, 50));
    await expect(target.shutdown()).resolves.toEqual({ forced: true });
    await expect(stuck.response).rejects.toThrow();
  });
});
