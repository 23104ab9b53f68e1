/**
 * NVIDIA Triton as the optional inference runtime of amd64 sites: the model configuration it needs
 * (`config.pbtxt`, generated from model.json so the two can never disagree) and the metric names it really
 * emits, for the analysis and for the monitoring layer's alerts.
 *
 * Triton's model repository layout (docs/user_guide/model_repository.md): `<repository>/<model>/config.pbtxt`
 * and `<repository>/<model>/<version>/model.onnx`, where `<version>` is a positive integer directory.
 */
import { KServeDatatype, TensorSpec } from '@edge-ai/inference-contract';

/**
 * Triton model versions are integer directories; model.json carries a semantic version instead. Every site
 * serves exactly one version of a model, so the directory is always `1` and the semantic version travels in
 * the pod annotation `models.edge-ai.io/<model>` (and in model.json next to it).
 */
export const TRITON_MODEL_VERSION = '1';

/** The ports Triton listens on by default (docs/customization_guide/deploy.md): HTTP, gRPC, metrics. */
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;

/**
 * Per-model request metrics of Triton (docs/user_guide/metrics.md, labels `model` and `version`). Latency is
 * only published as cumulative counters by default (`--metrics-config counter_latencies=true`), not as a
 * histogram, so the analysis can check the mean latency but not a percentile.
 */
export const TRITON_METRICS = {
  /** Successful inference requests (a batch counts as one request). */
  requestSuccess: 'nv_inference_request_success',
  /** Failed inference requests. */
  requestFailure: 'nv_inference_request_failure',
  /** Inferences performed (a batch of n counts n). */
  inferenceCount: 'nv_inference_count',
  /** Cumulative end-to-end request handling time in microseconds. */
  requestDurationUs: 'nv_inference_request_duration_us',
} as const;

export type TritonMetricName = (typeof TRITON_METRICS)[keyof typeof TRITON_METRICS];

/** KServe v2 datatypes → Triton `DataType` enum (model_config.proto; BYTES is TYPE_STRING in Triton). */
const TRITON_DATATYPE: Record<KServeDatatype, string> = {
  BOOL: 'TYPE_BOOL',
  UINT8: 'TYPE_UINT8',
  UINT16: 'TYPE_UINT16',
  UINT32: 'TYPE_UINT32',
  UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8',
  INT16: 'TYPE_INT16',
  INT32: 'TYPE_INT32',
  INT64: 'TYPE_INT64',
  FP16: 'TYPE_FP16',
  FP32: 'TYPE_FP32',
  FP64: 'TYPE_FP64',
  BYTES: 'TYPE_STRING',
};

/** What config.pbtxt needs from model.json. */
export interface TritonModelSignature {
  readonly name: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export interface TritonConfigOptions {
  /**
   * Largest batch Triton may form. Every tensor of the catalogue has the batch dimension first (shape[0] = -1,
   * enforced by packages/inference-contract/src/model-folder.ts), which is exactly Triton's batching contract.
   * @default 64
   */
  readonly maxBatchSize?: number;
  /**
   * Model instances (ONNX Runtime sessions) per pod.
   * @default 1
   */
  readonly instanceCount?: number;
}

function tensor(t: TensorSpec): string {
  // Triton's dims exclude the batch dimension. A tensor that is only [batch] (e.g. a label per row) has no
  // dims left, which Triton does not accept: declare it as [1] and reshape it to [] for the model
  // (the "reshape" property of model_configuration.md).
  const dims = t.shape.slice(1);
  const shape = dims.length === 0 ? '[ 1 ]\n    reshape: { shape: [ ] }' : `[ ${dims.join(', ')} ]`;
  return `  {\n    name: ${JSON.stringify(t.name)}\n    data_type: ${TRITON_DATATYPE[t.datatype]}\n    dims: ${shape}\n  }`;
}

/**
 * config.pbtxt (protobuf text format of inference.ModelConfig) for an ONNX model on CPU. Deterministic:
 * the same model.json always yields the same bytes, so its checksum only changes with the model.
 */
export function tritonModelConfig(model: TritonModelSignature, options: TritonConfigOptions = {}): string {
  const maxBatchSize = options.maxBatchSize ?? 64;
  const instanceCount = options.instanceCount ?? 1;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new Error(`tritonModelConfig: maxBatchSize ${maxBatchSize} must be a positive integer`);
  }
  if (!Number.isInteger(instanceCount) || instanceCount < 1) {
    throw new Error(`tritonModelConfig: instanceCount ${instanceCount} must be a positive integer`);
  }
  return [
    '# Generated from model.json by charts/inference/triton.ts: do not edit.',
    `name: ${JSON.stringify(model.name)}`,
    'backend: "onnxruntime"',
    `max_batch_size: ${maxBatchSize}`,
    `input [\n${model.inputs.map(tensor).join(',\n')}\n]`,
    `output [\n${model.outputs.map(tensor).join(',\n')}\n]`,
    // Edge nodes have no GPU: pin the instances to the CPU instead of letting Triton probe for CUDA devices.
    `instance_group [\n  {\n    count: ${instanceCount}\n    kind: KIND_CPU\n  }\n]`,
    `version_policy: { specific: { versions: [ ${TRITON_MODEL_VERSION} ] } }`,
    '',
  ].join('\n');
}
