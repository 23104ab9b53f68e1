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
 *   GET  /metrics                                 Prometheus text exposition
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { ServerConfig } from './config';
import { HEALTH_PATHS, METRICS_PATH } from '@edge-ai/inference-contract';
import { Instruments, UNKNOWN_MODEL } from './instruments';
import { createLogger, Logger } from './log';
import { LoadedModel, loadModelRepository } from './models';
import { encodeInferResponse, HttpError, modelMetadata, parseInferRequest } from './protocol';
import { SERVICE_NAME } from './tracing';
import { SERVER_VERSION } from './version';

const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;
const INFER_ROUTE = '/v2/models/{name}/infer';

export interface StartOptions {
  readonly config: ServerConfig;
  readonly logger?: Logger;
  /** process_* and nodejs_* metrics; on by default. */
  readonly defaultMetrics?: boolean;
}

export interface ShutdownResult {
  /** True when in-flight requests outlived the shutdown timeout and their connections were cut. */
  readonly forced: boolean;
}


/** Per-request fields of the access log line. */
interface RequestLog {
  model?: string;
  batch?: number;
  error?: string;
  trace_id?: string;
  span_id?: string;
}

const elapsedSeconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export class InferenceServer {
  private readonly http: Server;
  private readonly models: ReadonlyMap<string, LoadedModel>;
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
  ) {
    this.models = new Map(models.map((m) => [m.spec.name, m]));
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
    const server = new InferenceServer(config, models, logger, instruments);
    try {
      await server.listen();
    } catch (e) {
      await Promise.all(models.map((m) => m.session.release())); // e.g. EADDRINUSE: do not leak native sessions
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

  /** Loaded models, in repository order. */
  get loadedModels(): readonly LoadedModel[] {
    return [...this.models.values()];
  }

  isReady(): boolean {
    return !this.draining && [...this.models.values()].every((m) => m.ready);
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
      await Promise.all([...this.models.values()].map((m) => m.session.release()));
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
      this.send(res, 200, await this.instruments.registry.metrics(), { 'content-type': this.instruments.registry.contentType });
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
    const loaded = this.lookup(name, version);
    if (action === 'ready') this.send(res, loaded.ready && !this.draining ? 200 : 503, { name, ready: loaded.ready && !this.draining });
    else this.send(res, 200, modelMetadata(loaded.spec));
  }

  private lookup(name: string, version: string | undefined): LoadedModel {
    const loaded = this.models.get(name);
    if (!loaded) throw new HttpError(404, `model "${name}" is not served here; available models: ${[...this.models.keys()].join(', ')}`);
    if (version !== undefined && version !== loaded.spec.version) {
      throw new HttpError(404, `model "${name}" has no version "${version}"; this server serves version ${loaded.spec.version}`);
    }
    return loaded;
  }

  private async infer(req: IncomingMessage, res: ServerResponse, name: string, version: string | undefined, path: string, log: RequestLog): Promise<void> {
    const known = this.models.get(name);
    const labels = known ? { model: name, version: known.spec.version } : { model: UNKNOWN_MODEL, version: '' };
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
    let status = 500;
    try {
      await context.with(trace.setSpan(parent, span), async () => {
        const loaded = this.lookup(name, version);
        span.setAttribute('model.version', loaded.spec.version);
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
        const results = await this.run(loaded, request.feeds, request.outputs, span);
        const response = encodeInferResponse(loaded.spec, request, results);
        this.send(res, 200, response);
        this.instruments.duration.observe(labels, elapsedSeconds(started));
        status = 200;
      });
    } catch (e) {
      status = e instanceof HttpError ? e.status : 500;
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      this.instruments.inFlight.dec();
      this.instruments.requests.inc({ ...labels, code: String(status) });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      span.end();
    }
  }

  private async run(loaded: LoadedModel, feeds: Parameters<LoadedModel['session']['run']>[0], outputs: readonly string[], parent: Span) {
    const span = this.tracer.startSpan('onnxruntime.run', { kind: SpanKind.INTERNAL, attributes: { 'model.name': loaded.spec.name } }, trace.setSpan(context.active(), parent));
    try {
      return await loaded.session.run(feeds, [...outputs]);
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
