/**
 * The real entry point (server/src/main.ts, bundled with esbuild as the image does) in a child process:
 * JSON logs on stdout, OTLP traces configured only by OTEL_* variables, SIGTERM drain with exit code 0,
 * exit code 1 on a bad model. The OTLP "collector" is a local HTTP server: no network, no Docker.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build, stop } from 'esbuild';
import { serverBuildOptions } from '../../server/build.cjs';
import { cleanTempDirs, http, inferBody, MODELS_DIR, REPO_ROOT, sampleRepository, SAMPLE, SAMPLE_CANDIDATE, SAMPLE_VERSION, tempDir } from './helpers';
import { decodeTraceExport } from './otlp';
import { findResource } from '../helpers';
import { inferenceObjects } from '../inference/sites';

let bundle: string;

beforeAll(async () => {
  bundle = join(tempDir('inference-main-'), 'main.js');
  await build({ ...serverBuildOptions, outfile: bundle, sourcemap: false });
  // esbuild keeps a service process alive for later builds; stop it so the Jest worker can exit.
  await stop();
});
afterAll(cleanTempDirs);

interface Child {
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  waitFor(msg: string): Promise<Record<string, unknown>>;
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [bundle], {
    cwd: REPO_ROOT,
    // NODE_PATH: the bundle keeps packages external and lives in a temp dir, outside node_modules' reach.
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(REPO_ROOT, 'node_modules'), HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const record = JSON.parse(line) as Record<string, unknown>; // every stdout line must be JSON
      lines.push(record);
      for (const w of waiters.filter((x) => x.msg === record.msg)) w.resolve(record);
    }
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    if (stderr.trim()) lines.push({ msg: 'stderr', text: stderr });
    return code as number | null;
  });
  return {
    process: child,
    lines,
    exited,
    waitFor: (msg) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => l.msg === msg);
        if (seen) return resolve(seen);
        waiters.push({ msg, resolve });
        void exited.then((code) => reject(new Error(`child exited (${code}) before logging "${msg}": ${JSON.stringify(lines)}`)));
      }),
  };
}

describe('server/src/main.ts', () => {
  let collector: Server;
  const exports: { path: string; contentType?: string; body: Buffer }[] = [];

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
  });
  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  it('serves, traces each inference over OTLP, and drains on SIGTERM with exit code 0', async () => {
    // The environment the chart renders for an A/B site (site attribute, split), with the collector replaced
    // by the local endpoint: what the test proves is what a Pod at that site runs.
    const rollout = findResource(inferenceObjects({ name: 'ab-line', inference: `traffic: { ${SAMPLE}: { "${SAMPLE_VERSION}": 50, "${SAMPLE_CANDIDATE}": 50 } }` }), 'Rollout', 'inference-server', 'inference');
    const chartEnv = Object.fromEntries((rollout.spec.template.spec.containers[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    expect(chartEnv.OTEL_RESOURCE_ATTRIBUTES).toContain('edge_ai.site=ab-line');
    const child = startChild({
      MODEL_REPOSITORY: MODELS_DIR,
      MODEL_TRAFFIC_SPLIT: chartEnv.MODEL_TRAFFIC_SPLIT,
      OTEL_RESOURCE_ATTRIBUTES: chartEnv.OTEL_RESOURCE_ATTRIBUTES,
      OTEL_SERVICE_NAME: chartEnv.OTEL_SERVICE_NAME,
      OTEL_EXPORTER_OTLP_PROTOCOL: chartEnv.OTEL_EXPORTER_OTLP_PROTOCOL,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const listening = await child.waitFor('listening');
    const url = `http://127.0.0.1:${String(listening.port)}`;
    expect(child.lines.find((l) => l.msg === 'starting')).toMatchObject({ level: 'info', tracing: true, version: '0.2.0' });

    // A caller's W3C trace context is continued by the server span.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const ok = await http(`${url}/v2/models/bearing-anomaly/infer`, {
      method: 'POST',
      body: JSON.stringify(inferBody([[1.2, 1.3, 0.75, 4.2, 3.2, 52.0, 10.5, 1800]])),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(ok.status).toBe(200);
    // The split sends the next unversioned request to the other version (50/50 alternates).
    const next = await http(`${url}/v2/models/bearing-anomaly/infer`, { method: 'POST', body: JSON.stringify(inferBody([[1.2, 1.3, 0.75, 4.2, 3.2, 52.0, 10.5, 1800]])) });
    expect(new Set([ok.json<{ model_version: string }>().model_version, next.json<{ model_version: string }>().model_version])).toEqual(new Set([SAMPLE_VERSION, SAMPLE_CANDIDATE]));

    // Exemplars: the latency histogram links the bucket of that request to its trace, in OpenMetrics only.
    const openMetrics = await http(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
    expect(openMetrics.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const version = ok.json<{ model_version: string }>().model_version;
    const exemplar = new RegExp(`^inference_duration_seconds_bucket\\{le="[^"]+",model="bearing-anomaly",version="${version.replace(/\./g, '\\.')}"\\} 1 # \\{trace_id="${traceId}"\\} [0-9.e-]+ [0-9.]+$`, 'm');
    expect(openMetrics.text).toMatch(exemplar);
    expect(openMetrics.text).toMatch(/^# TYPE inference_requests counter$/m);
    expect(openMetrics.text).toMatch(/^inference_requests_total\{/m);
    expect(openMetrics.text.endsWith('# EOF\n')).toBe(true);
    const text = await http(`${url}/metrics`);
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.text).not.toContain('trace_id');
    expect(text.text).toMatch(/^# TYPE inference_requests_total counter$/m);

    // In flight when SIGTERM arrives: headers sent, body not yet.
    const body = JSON.stringify(inferBody([[1.4, 1.35, 0.8, 4.6, 3.3, 78.0, 14.5, 1600]]));
    let finish = (): void => undefined;
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/v2/models/bearing-anomaly/infer`, { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      finish = () => req.end(body.slice(10));
    });
    await new Promise((r) => setTimeout(r, 100));
    child.process.kill('SIGTERM');
    await child.waitFor('shutting down');
    finish();
    expect(await inFlight).toBe(200);
    expect(await child.exited).toBe(0);
    expect(child.lines.find((l) => l.msg === 'stopped')).toMatchObject({ forced: false });

    const requestLog = child.lines.find((l) => l.msg === 'request' && l.status === 200);
    expect(requestLog).toMatchObject({ method: 'POST', model: 'bearing-anomaly', batch: 1, trace_id: traceId });

    // The SDK flushed on shutdown: OTLP/HTTP protobuf with our spans, service name and the caller's trace id.
    const traces = exports.filter((e) => e.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0].contentType).toBe('application/x-protobuf');
    const spans = traces.flatMap((t) => decodeTraceExport(t.body));
    const served = spans.filter((s) => s.name === 'POST /v2/models/{name}/infer');
    // Site (from the chart's OTEL_RESOURCE_ATTRIBUTES), model and version on every request span.
    for (const s of served) {
      expect(s.resource).toMatchObject({ 'edge_ai.site': 'ab-line', 'service.name': chartEnv.OTEL_SERVICE_NAME });
      expect(s.attributes).toMatchObject({ 'model.name': SAMPLE, 'http.response.status_code': 200 });
    }
    expect(new Set(served.map((s) => s.attributes['model.version']))).toEqual(new Set([SAMPLE_VERSION, SAMPLE_CANDIDATE]));
    expect(served.find((s) => s.traceId === traceId)?.attributes).toMatchObject({ 'model.version': version, 'inference.routed_by': 'split' });
    const runs = spans.filter((s) => s.name === 'onnxruntime.run');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const r of runs) expect(r.attributes).toEqual(expect.objectContaining({ 'model.name': SAMPLE, 'inference.batch_rows': 1 }));
    // Only traces: metrics and logs stay on /metrics and stdout.
    expect(exports.filter((e) => e.path !== '/v1/traces')).toEqual([]);
  });

  it('exits 1 with a JSON line naming the file when a model is invalid', async () => {
    const { repo } = sampleRepository((meta) => (meta.minimumAccuracy = 1.7));
    const child = startChild({ MODEL_REPOSITORY: repo });
    expect(await child.exited).toBe(1);
    const failure = child.lines.find((l) => l.msg === 'start-up failed');
    expect(failure).toMatchObject({ level: 'error' });
    expect(String(failure?.error)).toMatch(/bearing-anomaly\/1\.0\.0\/model\.json: minimumAccuracy = 1\.7: is not a number between 0 and 1/);
  });

  it('starts without tracing when no OTEL_* variable asks for it', async () => {
    const child = startChild({ MODEL_REPOSITORY: MODELS_DIR });
    await child.waitFor('listening');
    expect(child.lines.find((l) => l.msg === 'starting')).toMatchObject({ tracing: false });
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});
