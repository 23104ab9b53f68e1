/**
 * What differs between the two serving runtimes, as data: container, ports, probes, how a model's files are
 * laid out in its volume, which port Prometheus scrapes and which SLO queries apply. The chart builds the
 * same Rollout/Service/HPA/PDB/NetworkPolicy around either.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { DEFAULT_MODEL_REPOSITORY, HEALTH_PATHS, METRICS_PATH, MODEL_FILE, SERVER_PORT } from '@edge-ai/inference-contract';
import { OTEL_COLLECTOR_ENDPOINT } from '../../lib/constructs/telemetry';
import { imageName } from '../../lib/model/versions';
import { HttpProbeSpec, MainContainerSpec } from '../../lib/constructs/workload';
import { AnalysisMetricSpec, onnxServerAnalysis, tritonAnalysis } from './analysis';
import { deliveredFilesSha256, InferenceModel } from '../../lib/model/inference-models';
import { INFERENCE_NAMESPACE, WORKLOAD_NAME } from './names';
import { InferenceLayerProps, InferenceRuntime } from './props';
import { TRITON_MODEL_VERSION, TRITON_PORTS, tritonModelConfig } from './triton';

/** Where models are mounted (the server's default MODEL_REPOSITORY; Triton gets it as a flag). */
const MODEL_REPOSITORY = DEFAULT_MODEL_REPOSITORY;
/** Both images run as uid 1000: the server's Dockerfile user, Triton's `triton-server` user. */
export const RUNTIME_UID = 1000;
/** Writable scratch space (the root filesystem is read-only). */
export const TMP_VOLUME = 'tmp';
/** Seconds a terminating pod keeps serving before SIGTERM (see MainContainerSpec.preStopSleepSeconds). */
const PRE_STOP_SLEEP_SECONDS = 5;
/** Name of the generated Triton model configuration inside the model ConfigMap. */
const TRITON_CONFIG_FILE = 'config.pbtxt';

/** Files of one model, as ConfigMap keys (text in `data`, model.onnx in `binaryData`). */
export interface ModelFiles {
  readonly text: Readonly<Record<string, string>>;
  /** model.onnx, base64-encoded. */
  readonly binary: Readonly<Record<string, string>>;
}

export interface RuntimeDescriptor {
  readonly container: MainContainerSpec;
  /** Named ports the client Service exposes (the API). */
  readonly apiPorts: readonly string[];
  /** Named port Prometheus scrapes `METRICS_PATH` on. */
  readonly metricsPort: string;
  readonly metricsPath: string;
  /** Files of a model's ConfigMap. */
  readonly modelFiles: (model: InferenceModel) => ModelFiles;
  /** ConfigMap key → path inside the model's volume, mounted at `/models/<model>/`. */
  readonly modelItems: (model: InferenceModel, files: ModelFiles) => readonly k8s.KeyToPath[];
  readonly analysis: readonly AnalysisMetricSpec[];
  /** Pods send traces to the site collector. */
  readonly tracing: boolean;
}

export function modelVolumeName(model: Pick<InferenceModel, 'name'>): string {
  return `model-${model.name}`;
}

/** sha256 over every file of a model's ConfigMap (model.onnx as its raw bytes). */
function modelFilesSha256(files: ModelFiles): string {
  const all: Record<string, Uint8Array | string> = { ...files.text };
  for (const [k, v] of Object.entries(files.binary)) all[k] = Buffer.from(v, 'base64');
  return deliveredFilesSha256(all);
}

/** Hex digits of the content hash in a model ConfigMap's name (40 bits: collisions are not a concern). */
export const CONFIGMAP_HASH_LENGTH = 10;

/**
 * The ConfigMap of one model version: `model-<name>-<content hash>`, immutable (ADR 0006). A new version is
 * a new object referenced by a new pod template, so the old ReplicaSet keeps the files it was tested with:
 * an aborted canary scales the old pods back up with the old model, never with the new one (a ConfigMap
 * updated in place would hand the new model to every old pod that restarts).
 */
export function modelConfigMapName(model: Pick<InferenceModel, 'name'>, files: ModelFiles): string {
  return `model-${model.name}-${modelFilesSha256(files).slice(0, CONFIGMAP_HASH_LENGTH)}`;
}

function modelMounts(models: readonly InferenceModel[]): k8s.VolumeMount[] {
  const names = [...new Set(models.map((m) => m.name))];
  return [{ name: TMP_VOLUME, mountPath: '/tmp' }, ...names.map((name) => ({ name: modelVolumeName({ name }), mountPath: `${MODEL_REPOSITORY}/${name}`, readOnly: true }))];
}

/** The server's repository layout: every file of a version under `<version>/` (ADR 0022). */
function versionedItems(model: InferenceModel, files: ModelFiles): k8s.KeyToPath[] {
  return [...Object.keys(files.binary), ...Object.keys(files.text)].sort().map((key) => ({ key, path: `${model.version}/${key}` }));
}

/**
 * MODEL_TRAFFIC_SPLIT for the server: per model, version → percent (server/src/routing.ts), keys sorted so
 * the rendered value does not depend on inventory key order.
 */
export function trafficSplitEnv(traffic: InferenceLayerProps['traffic']): string {
  const sorted = Object.fromEntries(
    Object.keys(traffic)
      .sort()
      .map((name) => [name, Object.fromEntries(Object.keys(traffic[name]).sort().map((v) => [v, traffic[name][v]]))]),
  );
  return JSON.stringify(sorted);
}

function baseFiles(model: InferenceModel): ModelFiles {
  return { text: { 'model.json': model.metadataJson, [model.evalSet]: model.evalSetJson }, binary: { [MODEL_FILE]: model.base64 } };
}

function onnxServer(props: InferenceLayerProps): RuntimeDescriptor {
  const port = 'http';
  const env: Record<string, string> = { PORT: String(SERVER_PORT), MODEL_REPOSITORY, MODEL_TRAFFIC_SPLIT: trafficSplitEnv(props.traffic) };
  if (props.monitoring) {
    // Standard OTEL_* variables (server/src/tracing.ts starts the SDK only when they are set).
    Object.assign(env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: OTEL_COLLECTOR_ENDPOINT,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: WORKLOAD_NAME,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_RESOURCE_ATTRIBUTES: `edge_ai.site=${props.site},k8s.namespace.name=${INFERENCE_NAMESPACE}`,
    });
  }
  const live: HttpProbeSpec = { path: HEALTH_PATHS.live, port };
  return {
    container: {
      name: 'inference-server',
      image: imageName(props.image),
      ports: [{ name: port, containerPort: SERVER_PORT }],
      env,
      resources: props.resources,
      volumeMounts: modelMounts(props.models),
      // The server listens only after loading every model and scoring it on its eval set: give a Raspberry Pi
      // two minutes (60 × 2 s) before liveness takes over.
      startup: { ...live, periodSeconds: 2, failureThreshold: 60 },
      liveness: { ...live, periodSeconds: 10, failureThreshold: 3 },
      // Keep serving while the endpoint removal propagates, then drain on SIGTERM (terminationGracePeriod covers both).
      preStopSleepSeconds: PRE_STOP_SLEEP_SECONDS,
      readiness: { path: HEALTH_PATHS.ready, port, periodSeconds: 5, failureThreshold: 2 },
    },
    apiPorts: [port],
    metricsPort: port,
    metricsPath: METRICS_PATH,
    modelFiles: baseFiles,
    modelItems: versionedItems,
    analysis: onnxServerAnalysis(INFERENCE_NAMESPACE, props.slo),
    tracing: props.monitoring,
  };
}

function triton(props: InferenceLayerProps): RuntimeDescriptor {
  const live: HttpProbeSpec = { path: HEALTH_PATHS.live, port: 'http' };
  return {
    container: {
      name: 'triton',
      image: imageName(props.image),
      // The binary directly, not the image entrypoint: nvidia_entrypoint.sh probes for GPUs and tries to
      // symlink driver libraries into /opt/tritonserver/lib, which a read-only root filesystem refuses.
      command: ['tritonserver'],
      args: [
        `--model-repository=${MODEL_REPOSITORY}`,
        `--http-port=${TRITON_PORTS.http}`,
        `--grpc-port=${TRITON_PORTS.grpc}`,
        `--metrics-port=${TRITON_PORTS.metrics}`,
        // CPU-only edge nodes: no DCGM GPU metrics to poll.
        '--allow-gpu-metrics=false',
        // config.pbtxt is complete: refuse to guess, so a mismatch with model.onnx fails the pod, not a request.
        '--disable-auto-complete-config',
      ],
      ports: [
        { name: 'http', containerPort: TRITON_PORTS.http },
        { name: 'grpc', containerPort: TRITON_PORTS.grpc },
        { name: 'metrics', containerPort: TRITON_PORTS.metrics },
      ],
      resources: props.resources,
      volumeMounts: modelMounts(props.models),
      // Triton answers /v2/health/live once its HTTP endpoint is up, before models load; give it 5 minutes.
      startup: { ...live, periodSeconds: 5, failureThreshold: 60 },
      liveness: { ...live, periodSeconds: 10, failureThreshold: 3 },
      // Keep serving while the endpoint removal propagates, then drain on SIGTERM (terminationGracePeriod covers both).
      preStopSleepSeconds: PRE_STOP_SLEEP_SECONDS,
      readiness: { path: HEALTH_PATHS.ready, port: 'http', periodSeconds: 5, failureThreshold: 2 },
    },
    apiPorts: ['http', 'grpc'],
    metricsPort: 'metrics',
    metricsPath: METRICS_PATH,
    modelFiles: (m) => {
      const base = baseFiles(m);
      return { text: { ...base.text, [TRITON_CONFIG_FILE]: tritonModelConfig(m) }, binary: base.binary };
    },
    // Triton's repository layout: <model>/config.pbtxt and <model>/<version>/model.onnx.
    modelItems: () => [
      { key: TRITON_CONFIG_FILE, path: TRITON_CONFIG_FILE },
      { key: MODEL_FILE, path: `${TRITON_MODEL_VERSION}/${MODEL_FILE}` },
    ],
    analysis: tritonAnalysis(INFERENCE_NAMESPACE, props.slo, props.models.length),
    // Triton has its own OpenTelemetry trace flags (--trace-config); not wired yet, see docs/inference.md.
    tracing: false,
  };
}

export function runtimeDescriptor(props: InferenceLayerProps): RuntimeDescriptor {
  return props.runtime === InferenceRuntime.TRITON ? triton(props) : onnxServer(props);
}
