/**
 * Loads the model repository into onnxruntime sessions and gates every model on its eval set.
 *
 * model.json is the contract clients see (GET /v2/models/{name}); the ONNX graph is what actually runs.
 * They are checked against each other at load time so a mismatch fails the Pod's start, not a request.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { KServeDatatype, loadEvalSet, loadOnnxModels, OnnxModel, TensorSpec } from '@edge-ai/inference-contract';

/** KServe datatype ↔ onnxruntime tensor type for the datatypes this server accepts. */
export const ORT_TYPES = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
} as const satisfies Partial<Record<KServeDatatype, Tensor.Type>>;
export type SupportedDatatype = keyof typeof ORT_TYPES;

export function isSupportedDatatype(datatype: string): datatype is SupportedDatatype {
  return Object.prototype.hasOwnProperty.call(ORT_TYPES, datatype);
}

export interface LoadedModel {
  readonly spec: OnnxModel;
  readonly session: InferenceSession;
  /** Accuracy on the eval set (0..1). */
  readonly accuracy: number;
  readonly evalRows: number;
  /** True when accuracy ≥ minimumAccuracy: only then does the model serve. */
  readonly ready: boolean;
}

export interface LoadOptions {
  readonly intraOpNumThreads: number;
}

export function sessionOptions(options: LoadOptions): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3, // errors only: onnxruntime's own log lines are not JSON
  };
}

/** Checks the session's graph inputs/outputs against model.json; returns the problems found. */
export function contractMismatches(spec: OnnxModel, session: InferenceSession): string[] {
  const problems: string[] = [];
  const compare = (kind: 'inputs' | 'outputs', declared: readonly TensorSpec[], actual: readonly InferenceSession.ValueMetadata[]): void => {
    const byName = new Map(actual.map((m) => [m.name, m]));
    declared.forEach((t, i) => {
      const field = `${kind}[${i}]`;
      const meta = byName.get(t.name);
      if (!meta) {
        problems.push(`${field}.name is "${t.name}" but the ONNX graph has ${kind} ${JSON.stringify(actual.map((m) => m.name))}`);
        return;
      }
      if (!meta.isTensor) {
        problems.push(`${field} "${t.name}" is not a tensor in the ONNX graph`);
        return;
      }
      if (!isSupportedDatatype(t.datatype)) {
        problems.push(`${field}.datatype is "${t.datatype}", which this server does not serve (supported: ${Object.keys(ORT_TYPES).join(', ')})`);
        return;
      }
      if (ORT_TYPES[t.datatype] !== meta.type) {
        problems.push(`${field}.datatype is "${t.datatype}" but the ONNX graph declares ${meta.type}`);
      }
      // A symbolic or unknown ONNX dimension must be declared -1; a fixed one must match exactly.
      if (meta.shape.length > 0) {
        const onnxShape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1));
        if (onnxShape.length !== t.shape.length || onnxShape.some((d, j) => d !== t.shape[j])) {
          problems.push(`${field}.shape is ${JSON.stringify(t.shape)} but the ONNX graph declares ${JSON.stringify(meta.shape)}`);
        }
      }
    });
    const declaredNames = new Set(declared.map((t) => t.name));
    if (kind === 'inputs') {
      for (const m of actual) if (!declaredNames.has(m.name)) problems.push(`the ONNX graph input "${m.name}" is not declared in inputs`);
    }
  };
  compare('inputs', spec.inputs, session.inputMetadata);
  compare('outputs', spec.outputs, session.outputMetadata);
  return problems;
}

/** Index of the largest value of each row of a [rows, classes] tensor. */
function argmaxRows(data: ArrayLike<number>, rows: number, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[r * classes + c] > data[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

/**
 * Runs the eval set through the session in one batch and returns the fraction of rows whose arg-max over
 * the first output (one score per label) equals the target.
 */
export async function evaluate(spec: OnnxModel, session: InferenceSession): Promise<{ accuracy: number; rows: number }> {
  const evalSet = loadEvalSet(spec);
  const input = spec.inputs[0];
  const type = ORT_TYPES[input.datatype as SupportedDatatype];
  if (type !== 'float32' && type !== 'float64') {
    throw new Error(`${spec.name}: the eval set feeds inputs[0] "${input.name}", which must be FP32 or FP64, not ${input.datatype}`);
  }
  if (spec.inputs.length > 1) {
    throw new Error(`${spec.name}: the eval set covers one input, but the model declares ${spec.inputs.length}; accuracy cannot be measured`);
  }
  const rows = evalSet.features.length;
  const flat = evalSet.features.flat();
  const data = type === 'float32' ? Float32Array.from(flat) : Float64Array.from(flat);
  const feeds = { [input.name]: new Tensor(type, data, [rows, ...input.shape.slice(1)]) };
  const scoresName = spec.outputs[0].name;
  const result = await session.run(feeds, [scoresName]);
  const scores = result[scoresName];
  const predicted = argmaxRows(scores.data as Float32Array, rows, spec.labels.length);
  let hits = 0;
  predicted.forEach((p, i) => (hits += p === evalSet.targets[i] ? 1 : 0));
  return { accuracy: hits / rows, rows };
}

const ZEROS: Record<(typeof ORT_TYPES)[SupportedDatatype], (n: number) => Tensor.DataType> = {
  bool: (n) => new Uint8Array(n),
  uint8: (n) => new Uint8Array(n),
  uint16: (n) => new Uint16Array(n),
  uint32: (n) => new Uint32Array(n),
  uint64: (n) => new BigUint64Array(n),
  int8: (n) => new Int8Array(n),
  int16: (n) => new Int16Array(n),
  int32: (n) => new Int32Array(n),
  int64: (n) => new BigInt64Array(n),
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
};

/**
 * One batch-1 run with zeros: the first run of a new input shape allocates buffers and plans memory, which
 * would otherwise land on the first client request as a latency spike.
 */
async function warmUp(spec: OnnxModel, session: InferenceSession): Promise<void> {
  const feeds: Record<string, Tensor> = {};
  for (const input of spec.inputs) {
    const dims = [1, ...input.shape.slice(1)];
    const size = dims.reduce((a, b) => a * b, 1);
    const type = ORT_TYPES[input.datatype as SupportedDatatype];
    feeds[input.name] = new Tensor(type, ZEROS[type](size), dims);
  }
  await session.run(feeds);
}

async function loadModel(spec: OnnxModel, options: LoadOptions): Promise<LoadedModel> {
  const session = await InferenceSession.create(spec.modelFile, sessionOptions(options));
  try {
    const problems = contractMismatches(spec, session);
    if (problems.length > 0) {
      throw new Error(`${spec.modelFile}: model.json does not match the ONNX graph: ${problems.join('; ')} — make model.json describe the graph's real inputs and outputs`);
    }
    const { accuracy, rows } = await evaluate(spec, session);
    await warmUp(spec, session);
    return { spec, session, accuracy, evalRows: rows, ready: accuracy >= spec.minimumAccuracy };
  } catch (e) {
    await session.release();
    throw e;
  }
}

/** Loads every model of the repository; throws on the first one that cannot be loaded at all. */
export async function loadModelRepository(dir: string, options: LoadOptions): Promise<LoadedModel[]> {
  const specs = loadOnnxModels(dir);
  const loaded: LoadedModel[] = [];
  try {
    // One after the other: loading is a start-up cost, and parallel loads would double peak memory on a Pi.
    for (const spec of specs) loaded.push(await loadModel(spec, options));
  } catch (e) {
    await Promise.all(loaded.map((m) => m.session.release()));
    throw e;
  }
  return loaded;
}
