/**
 * Server configuration from the environment (12-factor: the Deployment sets env vars, the image sets the
 * defaults). Every invalid value stops the server at start with a message naming the variable, the value
 * and the accepted range, rather than running with a silently substituted default.
 */
import { SERVER_ENV } from '@edge-ai/inference-contract';
import { LOG_LEVELS, LogLevel } from './log';
import { parseTrafficSplit, TrafficSplit } from './routing';
import { BatchOptions } from './batcher';

export interface ServerConfig {
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  /** Interface to bind; undefined binds all (Node's default: `::` with IPv4 fallback). */
  readonly host: string | undefined;
  readonly modelRepository: string;
  /** Request bodies above this are answered 413 without being buffered. */
  readonly maxRequestBytes: number;
  /** Upper bound for receiving a whole request (slow-client protection), in milliseconds. */
  readonly requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before closing connections, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** onnxruntime intra-op threads per session. */
  readonly intraOpNumThreads: number;
  readonly logLevel: LogLevel;
  /** Per model: version → percent of the unversioned infer requests (empty: highest version takes all). */
  readonly trafficSplit: TrafficSplit;
  readonly batching: BatchOptions;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: keyof typeof SERVER_ENV, min: number, max: number): number {
  const raw = env[name] === undefined || env[name] === '' ? SERVER_ENV[name] : (env[name] as string);
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name} is ${JSON.stringify(raw)}; it must be an integer between ${min} and ${max} (default ${SERVER_ENV[name]})`);
  }
  return value;
}

export function configFromEnv(env: Env = process.env): ServerConfig {
  const logLevel = (env.LOG_LEVEL || SERVER_ENV.LOG_LEVEL).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`environment variable LOG_LEVEL is ${JSON.stringify(env.LOG_LEVEL)}; it must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port: integer(env, 'PORT', 0, 65535),
    host: env.HOST || undefined,
    modelRepository: env.MODEL_REPOSITORY || SERVER_ENV.MODEL_REPOSITORY,
    maxRequestBytes: integer(env, 'MAX_REQUEST_BYTES', 1024, 256 * 1024 * 1024),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_SECONDS', 1, 3600) * 1000,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 0, 3600) * 1000,
    // A Raspberry Pi 4 has 4 cores shared by every Pod on the node; one thread per session keeps a KB-sized
    // model's latency flat and leaves the cores to concurrent requests instead of thread hand-offs.
    intraOpNumThreads: integer(env, 'ORT_INTRA_OP_NUM_THREADS', 1, 64),
    logLevel: logLevel as LogLevel,
    trafficSplit: parseTrafficSplit(env.MODEL_TRAFFIC_SPLIT ?? SERVER_ENV.MODEL_TRAFFIC_SPLIT),
    batching: {
      maxBatchSize: integer(env, 'BATCH_MAX_SIZE', 1, 4096),
      maxWaitMs: integer(env, 'BATCH_MAX_WAIT_MS', 0, 1000),
      maxQueue: integer(env, 'BATCH_MAX_QUEUE', 1, 100_000),
    },
  };
}
