/**
 * OpenTelemetry tracing through the official Node SDK, configured only by the standard OTEL_* variables
 * (endpoint, protocol, headers, sampler, resource attributes, service name…).
 *
 * Off unless asked for: the SDK defaults to exporting OTLP to localhost, which on an edge node without a
 * collector would mean a failed export every few seconds. So the SDK starts only when
 * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER is set (and
 * OTEL_SDK_DISABLED is not true). Only traces are enabled: metrics are served by prom-client on /metrics and
 * logs go to stdout, so the SDK's metric and log pipelines are switched off explicitly.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export const SERVICE_NAME = 'inference-server';

export interface Tracing {
  readonly enabled: boolean;
  /** Flushes pending spans; call once at shutdown. */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

export function tracingRequested(env: Env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').trim();
  if (exporters === 'none') return false;
  return exporters !== '' || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) || Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the SDK if requested. Call before the server handles requests; the tracer obtained from
 * @opentelemetry/api afterwards delegates to the registered provider.
 */
export function startTracing(serviceVersion: string, env: Env = process.env): Tracing {
  if (!tracingRequested(env)) return { enabled: false, shutdown: async () => undefined };
  const sdk = new NodeSDK({
    // service.name defaults to ours; OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES still win (env detector).
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME, [ATTR_SERVICE_VERSION]: serviceVersion })),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
