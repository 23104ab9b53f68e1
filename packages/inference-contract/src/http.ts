/**
 * What a Kubernetes manifest needs to know about the inference server: port, probe paths, environment
 * variables and their defaults. No runtime imports, so charts can import it without pulling server code.
 */
/** Container port of the HTTP API (KServe v2 REST) and of /metrics. */
export const SERVER_PORT = 8080;

/** Open Inference Protocol health endpoints: use `live` for the liveness probe and `ready` for readiness. */
export const HEALTH_PATHS = {
  live: '/v2/health/live',
  ready: '/v2/health/ready',
} as const;

/** Folder the image expects the model repository in (`<model>/<version>/` sub-folders). */
export const DEFAULT_MODEL_REPOSITORY = '/models';

/** Environment variables the server reads (besides the standard OTEL_* ones), with their defaults. */
export const SERVER_ENV = {
  PORT: String(SERVER_PORT),
  HOST: '', // empty: all interfaces, IPv6 and IPv4 where available
  MODEL_REPOSITORY: DEFAULT_MODEL_REPOSITORY,
  MAX_REQUEST_BYTES: String(1024 * 1024),
  REQUEST_TIMEOUT_SECONDS: '30',
  SHUTDOWN_TIMEOUT_SECONDS: '25',
  ORT_INTRA_OP_NUM_THREADS: '1',
  LOG_LEVEL: 'info',
  // A/B split between the versions of a model: JSON {"<model>": {"<version>": <percent>}}; empty = highest version.
  MODEL_TRAFFIC_SPLIT: '',
  // Dynamic batching (server/src/batcher.ts): rows per session.run, wait for requests being received, queue bound.
  BATCH_MAX_SIZE: '64',
  BATCH_MAX_WAIT_MS: '2',
  BATCH_MAX_QUEUE: '256',
} as const;

export type ServerEnvName = keyof typeof SERVER_ENV;
