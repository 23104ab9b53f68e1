/**
 * Container entry point: `node dist/main.js`. Reads the environment, starts tracing (if configured), loads
 * the models, serves, and shuts down gracefully on SIGTERM (what the kubelet sends before SIGKILL).
 *
 * Exit codes: 0 after a clean drain, 1 on a start-up error (bad model, bad env) or when the shutdown
 * timeout had to cut in-flight requests.
 */
import './ort-env'; // must stay the first import: it configures onnxruntime before the addon loads
import { configFromEnv } from './config';
import { createLogger, Logger } from './log';
import { InferenceServer } from './server';
import { startTracing, Tracing } from './tracing';
import { SERVER_VERSION } from './version';

async function main(): Promise<void> {
  let logger: Logger = createLogger('info');
  // Tracing first: the global tracer provider must be registered before the server creates spans. A broken
  // OTEL_* setting costs the traces, not the inference service.
  let tracing: Tracing = { enabled: false, shutdown: async () => undefined };
  try {
    tracing = startTracing(SERVER_VERSION);
  } catch (e) {
    logger.warn('tracing disabled: the OpenTelemetry SDK did not start', { error: (e as Error).message });
  }
  let server: InferenceServer | undefined;
  let stopping = false;

  const exit = async (code: number): Promise<never> => {
    await tracing.shutdown().catch((e: Error) => logger.warn('trace flush failed', { error: e.message }));
    process.exit(code);
  };
  // Signal handlers go in before anything slow: without a listener, SIGTERM kills Node on the spot, and a
  // Pod deleted while its models load must still exit cleanly.
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('signal received', { signal });
    if (!server) return void exit(0); // still starting: nothing in flight
    server
      .shutdown()
      .then(({ forced }) => exit(forced ? 1 : 0))
      .catch((e: Error) => {
        logger.error('shutdown failed', { error: e });
        return exit(1);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // A bug must still produce a JSON line (not a bare stack trace on stderr) and a non-zero exit.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: reason instanceof Error ? reason : String(reason) });
    void exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error });
    void exit(1);
  });

  try {
    const config = configFromEnv();
    logger = createLogger(config.logLevel);
    logger.info('starting', { version: SERVER_VERSION, model_repository: config.modelRepository, tracing: tracing.enabled, node: process.version, arch: process.arch });
    const started = await InferenceServer.start({ config, logger });
    if (stopping) {
      await started.shutdown(); // the signal arrived while loading
      return;
    }
    server = started;
  } catch (e) {
    logger.error('start-up failed', { error: (e as Error).message });
    await exit(1);
  }
}

void main();
