/**
 * The HTTP side of the inference server: KServe v2 / Open Inference Protocol REST endpoints on Node's
 * built-in http module (no framework: eight routes do not justify a dependency tree in a Pi image).
 *
 *   GET  /v2/health/live                          200 while the process runs
 *   GET  /v2/health/ready                         200 when every model passed its gate and not draining
 *   GET  /v2                                      server metadata
 *   GET  /v2/models/{name}[/versions/{v}]         model metadata
 *   GET  /v2/models/{name}[/versions/{v}]/ready   model readiness
 *   POST /v2/models/{name}[/versions/{v}]/infer   inference (JSON tensors)
 *   GET  /metrics                                 Prometheus text exposition, or OpenMetrics with exemplars
 *
 * Several versions of a model are served side by side (`/versions/{v}/` addresses one); an unversioned infer
 * request goes to the version the x-model-version header names, else to the next one of the traffic split
 * (server/src/routing.ts). Each version batches concurrent requests into one session.run (server/src/batcher.ts).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { ServerConfig } from './config';
import { compareVersions, HEALTH_PATHS, METRICS_PATH } from '@edge-ai/inference-contract';
import { Batcher } from './batcher';
import { TrafficSplit, VERSION_HEADER, WeightedRouter } from './routing';
import { Instruments, UNKNOWN_MODEL } from './instruments';
import { createLogger, Logger } from './log';
import { LoadedModel, loadModelRepository } from './models';
import { encodeInferResponse, HttpError, InferRequest, modelMetadata, parseInferRequest } from './protocol';
import { SERVICE_NAME } from './tracing';
import { SERVER_VERSION } from './version';

const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;
const INFER_ROUTE = '/v2/models/{name}/infer';

export interface StartOptions {
  readonly config: ServerConfig;
  readonly logger?: Logger;
  /** process_* and nodejs_* metrics; on by default. */
  readonly defaultMetrics?: boolean;
  /** Called with the rows and requests of every session.run (the benchmark reports the mean batch). */
  readonly onBatch?: (rows: number, requests: number) => void;
}

export interface ShutdownResult {
  /** True when in-flight requests outlived the shutdown timeout and their connections were cut. */
  readonly forced: boolean;
}


/** Per-request fields of the access log line. */
interface RequestLog {
  model?: string;
  version?: string;
  batch?: number;
  error?: string;
  trace_id?: string;
  span_id?: string;
}

/** A model with every version loaded, and how its unversioned requests are split. */
interface ServedModel {
  readonly versions: ReadonlyMap<string, LoadedModel>;
  readonly batchers: ReadonlyMap<string, Batcher>;
  readonly router: WeightedRouter;
  /** The highest version: what unversioned metadata describes. */
  readonly latest: LoadedModel;
}

/**
 * Groups the loaded versions by model and checks the traffic split against them: a split naming a model or
 * version that is not loaded stops the start (the chart and the repository disagree).
 */
function servedModels(models: readonly LoadedModel[], split: TrafficSplit, repository: string): Map<string, Omit<ServedModel, 'batchers'>> {
  const byName = new Map<string, LoadedModel[]>();
  for (const m of models) byName.set(m.spec.name, [...(byName.get(m.spec.name) ?? []), m]);
  for (const [name, weights] of Object.entries(split)) {
    const versions = byName.get(name);
    if (!versions) throw new Error(`MODEL_TRAFFIC_SPLIT names model "${name}", which is not in ${repository} (models: ${[...byName.keys()].join(', ')}); remove it from the split or add the model`);
    for (const v of Object.keys(weights)) {
      if (!versions.some((m) => m.spec.version === v)) {
        throw new Error(`MODEL_TRAFFIC_SPLIT names ${name} version ${v}, which is not in ${repository}/${name}/ (versions: ${versions.map((m) => m.spec.version).join(', ')}); add the version folder or fix the split`);
      }
    }
  }
  const served = new Map<string, Omit<ServedModel, 'batchers'>>();
  for (const [name, versions] of byName) {
    const sorted = [...versions].sort((a, b) => compareVersions(a.spec.version, b.spec.version));
    const latest = sorted[sorted.length - 1];
    served.set(name, { versions: new Map(sorted.map((m) => [m.spec.version, m])), router: new WeightedRouter(split[name] ?? { [latest.spec.version]: 100 }), latest });
  }
  return served;
}

const elapsedSeconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export class InferenceServer {
  private readonly http: Server;
  private readonly models: ReadonlyMap<string, ServedModel>;
  /** Inference requests received whose body is not yet queued for a batch (the batcher waits for them). */
  private arriving = 0;
  private readonly tracer = trace.getTracer(SERVICE_NAME, SERVER_VERSION);
  private draining = false;
  private active = 0;
  private idle: (() => void) | undefined;
  private closing: Promise<ShutdownResult> | undefined;

  private constructor(
    private readonly config: ServerConfig,
    models: readonly LoadedModel[],
    private readonly logger: Logger,
    readonly instruments: Instruments,
    onBatch?: (rows: number, requests: number) => void,
  ) {
    this.models = new Map(
      [...servedModels(models, config.trafficSplit, config.modelRepository)].map(([name, m]) => [
        name,
        { ...m, batchers: new Map([...m.versions].map(([v, loaded]) => [v, new Batcher(loaded.session, config.batching, () => this.arriving, onBatch)])) },
      ]),
    );
    this.http = createServer((req, res) => void this.track(req, res));
    // Slow or stalled clients must not pin a connection (and a request slot) forever.
    this.http.requestTimeout = config.requestTimeoutMs;
    this.http.headersTimeout = Math.min(config.requestTimeoutMs, 20_000);
  }

  /** Loads the model repository, measures each model on its eval set and starts listening. */
  static async start(options: StartOptions): Promise<InferenceServer> {
    const { config } = options;
    const logger = options.logger ?? createLogger(config.logLevel);
    const instruments = new Instruments({ defaultMetrics: options.defaultMetrics ?? true });
    const models = await loadModelRepository(config.modelRepository, { intraOpNumThreads: config.intraOpNumThreads });
    if (models.length === 0) {
      throw new Error(`${config.modelRepository}: no model folders found; mount at least one model (sub-folder with model.json, model.onnx and its eval set) or set MODEL_REPOSITORY`);
    }
    for (const m of models) {
      const labels = { model: m.spec.name, version: m.spec.version };
      instruments.accuracy.set(labels, m.accuracy);
      instruments.minimumAccuracy.set(labels, m.spec.minimumAccuracy);
      instruments.modelReady.set(labels, m.ready ? 1 : 0);
      // Pre-create the success series so dashboards show 0 rather than "no data" before the first request.
      instruments.requests.inc({ ...labels, code: '200' }, 0);
      const fields = { model: m.spec.name, version: m.spec.version, sha256: m.spec.sha256, size_bytes: m.spec.sizeBytes, accuracy: m.accuracy, minimum_accuracy: m.spec.minimumAccuracy, eval_rows: m.evalRows };
      if (m.ready) logger.info('model loaded', fields);
      else logger.error('model below its minimum accuracy: not serving it, readiness stays false', fields);
    }
    let server: InferenceServer;
    try {
      server = new InferenceServer(config, models, logger, instruments, options.onBatch);
      for (const [name, m] of server.models) logger.info('traffic split', { model: name, weights: m.router.weights });
      await server.listen();
    } catch (e) {
      await Promise.all(models.map((m) => m.session.release())); // e.g. a bad split, EADDRINUSE: do not leak native sessions
      throw e;
    }
    return server;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ port: this.config.port, host: this.config.host }, () => {
        this.http.off('error', reject);
        this.logger.info('listening', { address: this.address.address, port: this.port, ready: this.isReady() });
        resolve();
      });
    });
  }

  private get address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  get port(): number {
    return this.address.port;
  }

  /** Base URL on the loopback interface (for tests and the benchmark). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Loaded model versions, in repository order. */
  get loadedModels(): readonly LoadedModel[] {
    return [...this.models.values()].flatMap((m) => [...m.versions.values()]);
  }

  isReady(): boolean {
    return !this.draining && this.loadedModels.every((m) => m.ready);
  }

  /**
   * Graceful shutdown: readiness turns false, the listener closes (no new connections), idle keep-alive
   * connections close, in-flight requests finish and their connections close after the response. After
   * shutdownTimeoutMs the remaining connections are cut. Sessions are released last. Idempotent.
   */
  shutdown(): Promise<ShutdownResult> {
    this.closing ??= (async () => {
      this.draining = true;
      this.logger.info('shutting down', { in_flight: this.active });
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.http.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs)));
      const forced = (await Promise.race([closed.then(() => 'closed' as const), timedOut])) === 'timeout';
      clearTimeout(timer);
      if (forced) {
        this.logger.warn('shutdown timeout reached: closing remaining connections', { in_flight: this.active });
        this.http.closeAllConnections();
        await closed;
      }
      // A cut connection does not stop a running session.run(): wait for handlers before releasing sessions.
      if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      await Promise.all(this.loadedModels.map((m) => m.session.release()));
      this.logger.info('stopped', { forced });
      return { forced };
    })();
    return this.closing;
  }

  private async track(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.active++;
    const start = process.hrtime.bigint();
    const log: RequestLog = {};
    try {
      await this.route(req, res, log);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, `internal error: ${(e as Error).message}`);
      if (err.status >= 500) this.logger.error('request failed', { method: req.method, path: req.url, error: e });
      log.error = err.message;
      if (!res.headersSent) this.send(res, err.status, { error: err.message }, err.headers);
      else res.destroy();
    } finally {
      const path = req.url ?? '';
      const probe = path.startsWith('/v2/health/') || path === METRICS_PATH;
      const fields = { method: req.method, path, status: res.statusCode, duration_ms: Math.round(elapsedSeconds(start) * 1e6) / 1e3, ...log };
      if (probe && res.statusCode < 400) this.logger.debug('request', fields);
      else this.logger.info('request', fields);
      if (--this.active === 0 && this.idle) this.idle();
    }
  }

  /** Writes a complete response. JSON unless `body` is already text (with its content type in `headers`). */
  private send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      // While draining, keep-alive clients must reconnect (the Service sends them to another Pod): this is
      // decided when the response is written, so requests that were in flight at SIGTERM get it too.
      ...(this.draining ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  }

  /** Dispatches a request; records the model name (and batch size) in `log` for the request log line. */
  private async route(req: IncomingMessage, res: ServerResponse, log: RequestLog): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const only = (allowed: string): void => {
      if (method !== allowed) throw new HttpError(405, `${req.method} is not allowed on ${path}; use ${allowed}`, { allow: allowed });
    };
    if (path === HEALTH_PATHS.live) {
      only('GET');
      this.send(res, 200, { live: true });
      return;
    }
    if (path === HEALTH_PATHS.ready) {
      only('GET');
      const ready = this.isReady();
      this.send(res, ready ? 200 : 503, { ready });
      return;
    }
    if (path === '/v2' || path === '/v2/') {
      only('GET');
      this.send(res, 200, { name: SERVICE_NAME, version: SERVER_VERSION, extensions: [] });
      return;
    }
    if (path === METRICS_PATH) {
      only('GET');
      // Exemplars exist only in OpenMetrics: served when the scraper asks for it (Prometheus does by default).
      const { text, contentType } = await this.instruments.exposition(req.headers.accept);
      this.send(res, 200, text, { 'content-type': contentType });
      return;
    }
    const match = MODEL_ROUTE.exec(path);
    if (!match) throw new HttpError(404, `no route for ${path}; see GET /v2 and the KServe v2 protocol`);
    const [, rawName, rawVersion, action] = match;
    let name: string;
    let version: string | undefined;
    try {
      name = decodeURIComponent(rawName);
      version = rawVersion === undefined ? undefined : decodeURIComponent(rawVersion);
    } catch {
      throw new HttpError(400, `the path ${path} is not valid percent-encoding`);
    }
    log.model = name;
    if (action === 'infer') {
      only('POST');
      await this.infer(req, res, name, version, path, log);
      return;
    }
    only('GET');
    const served = this.served(name);
    // Unversioned: ready when every version is (any of them may receive the split's requests).
    const versions = version === undefined ? [...served.versions.values()] : [this.version(name, served, version)];
    const ready = versions.every((m) => m.ready) && !this.draining;
    if (action === 'ready') this.send(res, ready ? 200 : 503, { name, ...(version !== undefined ? { version } : {}), ready });
    else this.send(res, 200, modelMetadata((version === undefined ? served.latest : versions[0]).spec, [...served.versions.keys()]));
  }

  private served(name: string): ServedModel {
    const served = this.models.get(name);
    if (!served) throw new HttpError(404, `model "${name}" is not served here; available models: ${[...this.models.keys()].join(', ')}`);
    return served;
  }

  private version(name: string, served: ServedModel, version: string): LoadedModel {
    const loaded = served.versions.get(version);
    if (!loaded) throw new HttpError(404, `model "${name}" has no version "${version}"; this server serves versions ${[...served.versions.keys()].join(', ')}`);
    return loaded;
  }

  /** The version an infer request goes to: the path's, else the x-model-version header's, else the split's next. */
  private choose(name: string, pathVersion: string | undefined, req: IncomingMessage): { loaded: LoadedModel; batcher: Batcher; routedBy: 'path' | 'header' | 'split' } {
    const served = this.served(name);
    const header = req.headers[VERSION_HEADER];
    const headerVersion = typeof header === 'string' && header !== '' ? header : undefined;
    const routedBy = pathVersion !== undefined ? 'path' : headerVersion !== undefined ? 'header' : 'split';
    const version = pathVersion ?? headerVersion ?? served.router.next();
    const loaded = this.version(name, served, version);
    return { loaded, batcher: served.batchers.get(version) as Batcher, routedBy };
  }

  private async infer(req: IncomingMessage, res: ServerResponse, name: string, version: string | undefined, path: string, log: RequestLog): Promise<void> {
    let labels = { model: UNKNOWN_MODEL, version: '' };
    // Continue the caller's trace when it sent a W3C traceparent header.
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = this.tracer.startSpan(
      `POST ${INFER_ROUTE}`,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: 'POST', [ATTR_HTTP_ROUTE]: INFER_ROUTE, [ATTR_URL_PATH]: path, 'model.name': name } },
      parent,
    );
    const spanContext = span.spanContext();
    // The access log line is written outside the span's context: carry the ids explicitly.
    if (isSpanContextValid(spanContext)) Object.assign(log, { trace_id: spanContext.traceId, span_id: spanContext.spanId });
    this.instruments.inFlight.inc();
    this.arriving++;
    let arrived = false;
    const arrive = (): void => {
      if (!arrived) this.arriving--;
      arrived = true;
    };
    let status = 500;
    try {
      await context.with(trace.setSpan(parent, span), async () => {
        const { loaded, batcher, routedBy } = this.choose(name, version, req);
        labels = { model: name, version: loaded.spec.version };
        span.setAttributes({ 'model.version': loaded.spec.version, 'inference.routed_by': routedBy });
        log.version = loaded.spec.version;
        if (!loaded.ready) {
          throw new HttpError(503, `model "${name}" is not ready: accuracy ${loaded.accuracy.toFixed(4)} on its eval set is below the required ${loaded.spec.minimumAccuracy}`);
        }
        if (this.draining) throw new HttpError(503, 'the server is shutting down; retry on another replica');
        const body = await readBody(req, this.config.maxRequestBytes);
        const started = process.hrtime.bigint();
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (e) {
          throw new HttpError(400, `the request body is not valid JSON: ${(e as Error).message}`);
        }
        const request = parseInferRequest(parsed, loaded.spec);
        span.setAttribute('inference.batch_size', request.batch);
        log.batch = request.batch;
        arrive();
        const results = await this.run(loaded, batcher, request, span);
        const response = encodeInferResponse(loaded.spec, request, results);
        this.send(res, 200, response);
        // The trace id as exemplar: a slow bucket on the dashboard links to the trace that landed in it.
        const exemplarLabels = isSpanContextValid(spanContext) && spanContext.traceFlags & TraceFlags.SAMPLED ? { trace_id: spanContext.traceId } : {};
        // (prom-client types exemplar labels as the metric's own label names; any names are valid.)
        this.instruments.duration.observe({ labels, value: elapsedSeconds(started), exemplarLabels: exemplarLabels as Record<string, string> as never });
        status = 200;
      });
    } catch (e) {
      status = e instanceof HttpError ? e.status : 500;
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      arrive();
      this.instruments.inFlight.dec();
      this.instruments.requests.inc({ ...labels, code: String(status) });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      span.end();
    }
  }

  /** Queues the request for its version's next batch; the span covers the wait and the shared session.run. */
  private async run(loaded: LoadedModel, batcher: Batcher, request: InferRequest, parent: Span) {
    const attributes = { 'model.name': loaded.spec.name, 'model.version': loaded.spec.version };
    const span = this.tracer.startSpan('onnxruntime.run', { kind: SpanKind.INTERNAL, attributes }, trace.setSpan(context.active(), parent));
    try {
      const { results, batchRows } = await batcher.run(request.feeds, request.batch, request.outputs);
      span.setAttribute('inference.batch_rows', batchRows);
      return results;
    } finally {
      span.end();
    }
  }
}

/**
 * Reads a request body up to `limit` bytes. Beyond it (by Content-Length up front, or while streaming) the
 * request fails with 413 without buffering more: the rest of the body is drained and discarded so the
 * client receives the response instead of a connection reset.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = (size: string): HttpError =>
    new HttpError(413, `the request body is ${size}; the limit is ${limit} bytes (MAX_REQUEST_BYTES) — send fewer rows per request`, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(`${declared} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge(`larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('aborted', () => reject(new HttpError(400, 'the client aborted the request')));
  });
}
