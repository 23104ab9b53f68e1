/**
 * KServe v2 / Open Inference Protocol (REST, JSON tensors): request validation and response encoding.
 * https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 *
 * Everything here is a pure function of (body, model), so the rules are unit-tested without HTTP. Every
 * rejection is an HttpError whose message names the tensor, what was sent and what the model expects: the
 * client is usually a PLC gateway or a script on the shop floor, and "400 Bad Request" alone helps nobody.
 */
import { Tensor } from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { OnnxModel, TensorSpec } from '@edge-ai/inference-contract';
import { isSupportedDatatype, ORT_TYPES, SupportedDatatype } from './models';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (Allow on 405, Connection: close on 413). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const bad = (message: string): HttpError => new HttpError(400, message);

export interface InferRequest {
  readonly id?: string;
  readonly feeds: Record<string, Tensor>;
  /** Output names to return, in response order. */
  readonly outputs: readonly string[];
  /** Batch size (shape[0] of the first input), for tracing and logs. */
  readonly batch: number;
}

export interface ResponseTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: number[];
  readonly data: (number | boolean)[];
}

export interface InferResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id?: string;
  readonly outputs: ResponseTensor[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};
const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Flattens row-major nested arrays (`[[1,2],[3,4]]`) to a flat list; both forms are allowed by the protocol. */
function flatten(data: unknown[], name: string, maxDepth: number): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (value: unknown[], depth: number): void => {
    if (depth > maxDepth) throw bad(`input "${name}": data is nested deeper than the tensor's ${maxDepth} dimensions`);
    for (const v of value) {
      if (Array.isArray(v)) walk(v, depth + 1);
      else out.push(v);
    }
  };
  walk(data, 1);
  return out;
}

const INT_RANGES: Record<string, readonly [number, number]> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  // JSON numbers are IEEE doubles: 64-bit integers are only exact up to 2^53.
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};
const FLOAT32_MAX = 3.4028234663852886e38;

/** Converts validated JSON values into the typed array onnxruntime expects for the datatype. */
function toTypedData(datatype: SupportedDatatype, values: unknown[], name: string): Tensor.DataType {
  const firstBad = (ok: (v: unknown) => boolean): number => values.findIndex((v) => !ok(v));
  const reject = (i: number, what: string): never => {
    throw bad(`input "${name}": data[${i}] is ${show(values[i])}; ${datatype} needs ${what}`);
  };
  if (datatype === 'BOOL') {
    const i = firstBad((v) => typeof v === 'boolean');
    if (i >= 0) reject(i, 'true or false');
    return Uint8Array.from(values as boolean[], (v) => (v ? 1 : 0));
  }
  if (datatype === 'FP32' || datatype === 'FP64') {
    // One pass that checks and fills (the hot path of every request: no closure per value, no iterator).
    const limit = datatype === 'FP32' ? FLOAT32_MAX : Number.MAX_VALUE;
    const out = datatype === 'FP32' ? new Float32Array(values.length) : new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !(Math.abs(v) <= limit)) reject(i, datatype === 'FP32' ? 'a number within the float32 range' : 'a number');
      out[i] = v as number;
    }
    return out;
  }
  const [min, max] = INT_RANGES[datatype];
  const i = firstBad((v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max);
  if (i >= 0) reject(i, `an integer between ${min} and ${max}`);
  const nums = values as number[];
  switch (datatype) {
    case 'INT8':
      return Int8Array.from(nums);
    case 'INT16':
      return Int16Array.from(nums);
    case 'INT32':
      return Int32Array.from(nums);
    case 'INT64':
      return BigInt64Array.from(nums, (v) => BigInt(v));
    case 'UINT8':
      return Uint8Array.from(nums);
    case 'UINT16':
      return Uint16Array.from(nums);
    case 'UINT32':
      return Uint32Array.from(nums);
    case 'UINT64':
      return BigUint64Array.from(nums, (v) => BigInt(v));
  }
}

function parseInputTensor(raw: unknown, index: number, model: OnnxModel, seen: Set<string>): [TensorSpec, Tensor, number] {
  if (!isObject(raw)) throw bad(`inputs[${index}] must be an object with name, datatype, shape and data`);
  const { name, datatype, shape, data } = raw;
  if (typeof name !== 'string') throw bad(`inputs[${index}].name must be a string`);
  const spec = model.inputs.find((t) => t.name === name);
  if (!spec) throw bad(`unknown input "${name}" for model "${model.name}"; its inputs are: ${model.inputs.map((t) => t.name).join(', ')}`);
  if (seen.has(name)) throw bad(`input "${name}" is given twice`);
  seen.add(name);
  if (datatype !== spec.datatype) {
    throw bad(`input "${name}" has datatype ${show(datatype)}; model "${model.name}" expects "${spec.datatype}"`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw bad(`input "${name}": shape must be an array of non-negative integers, got ${show(shape)}`);
  }
  const dims = shape as number[];
  const expected = `${shapeText(spec.shape)} (-1 = any batch size)`;
  if (dims.length !== spec.shape.length || spec.shape.some((d, i) => d !== -1 && d !== dims[i])) {
    throw bad(`input "${name}" has shape ${shapeText(dims)}; model "${model.name}" expects ${expected}`);
  }
  if (dims[0] < 1) throw bad(`input "${name}" has batch size 0; send at least one row`);
  if (!Array.isArray(data)) throw bad(`input "${name}": data must be an array (flat row-major, or nested)`);
  const values = flatten(data, name, dims.length);
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw bad(`input "${name}" has ${values.length} values but shape ${shapeText(dims)} needs ${count}`);
  }
  const dt = spec.datatype;
  if (!isSupportedDatatype(dt)) throw new HttpError(500, `datatype ${dt} is not served`); // excluded at load time
  return [spec, new Tensor(ORT_TYPES[dt], toTypedData(dt, values, name), dims), dims[0]];
}

/** Validates a parsed infer request body against the model's declared inputs and outputs. */
export function parseInferRequest(body: unknown, model: OnnxModel): InferRequest {
  if (!isObject(body)) throw bad('the request body must be a JSON object with an "inputs" array');
  const { id, inputs, outputs, parameters } = body;
  if (id !== undefined && typeof id !== 'string') throw bad('"id" must be a string');
  if (parameters !== undefined && !isObject(parameters)) throw bad('"parameters" must be an object');
  if (isObject(parameters) && (parameters.binary_data_output === true || parameters.binary_data === true)) {
    throw bad('the binary tensor data extension is not supported; request JSON outputs');
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw bad('"inputs" must be a non-empty array of tensors');
  const seen = new Set<string>();
  const feeds: Record<string, Tensor> = {};
  const batches: number[] = [];
  inputs.forEach((raw, i) => {
    const [spec, tensor, batch] = parseInputTensor(raw, i, model, seen);
    feeds[spec.name] = tensor;
    batches.push(batch);
  });
  const missing = model.inputs.filter((t) => !seen.has(t.name)).map((t) => t.name);
  if (missing.length > 0) throw bad(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')} for model "${model.name}"`);
  if (batches.some((b) => b !== batches[0])) throw bad(`all inputs must have the same batch size (shape[0]); got ${batches.join(', ')}`);

  let names = model.outputs.map((t) => t.name);
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw bad('"outputs" must be an array of {"name": …}');
    names = outputs.map((o, i) => {
      if (!isObject(o) || typeof o.name !== 'string') throw bad(`outputs[${i}] must be an object with a "name"`);
      if (isObject(o.parameters) && o.parameters.binary_data === true) throw bad('the binary tensor data extension is not supported; request JSON outputs');
      if (!model.outputs.some((t) => t.name === o.name)) {
        throw bad(`unknown output "${o.name}" for model "${model.name}"; its outputs are: ${model.outputs.map((t) => t.name).join(', ')}`);
      }
      return o.name;
    });
    if (new Set(names).size !== names.length) throw bad('"outputs" names an output twice');
  }
  return { id: id as string | undefined, feeds, outputs: names, batch: batches[0] };
}

function toJsonData(tensor: Tensor): (number | boolean)[] {
  const data = tensor.data;
  if (tensor.type === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, (v) => Number(v));
  if (Array.isArray(data)) throw new HttpError(500, `output of type ${tensor.type} cannot be encoded as JSON numbers`);
  return Array.from(data as ArrayLike<number>);
}

/** Builds the v2 response from the onnxruntime results, in the requested output order. */
export function encodeInferResponse(model: OnnxModel, request: InferRequest, results: InferenceSession.OnnxValueMapType): InferResponse {
  return {
    model_name: model.name,
    model_version: model.version,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs: request.outputs.map((name) => {
      const tensor = results[name] as Tensor;
      const spec = model.outputs.find((t) => t.name === name) as TensorSpec;
      return { name, datatype: spec.datatype, shape: [...tensor.dims], data: toJsonData(tensor) };
    }),
  };
}

/** GET /v2/models/{name}[/versions/{v}]: model metadata as the protocol defines it (`versions`: every version served). */
export function modelMetadata(model: OnnxModel, versions: readonly string[] = [model.version]): Record<string, unknown> {
  const tensor = (t: TensorSpec) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] });
  return {
    name: model.name,
    versions: [...versions],
    platform: 'onnxruntime_onnx',
    inputs: model.inputs.map(tensor),
    outputs: model.outputs.map(tensor),
    // Not part of the protocol's required fields; clients that know them can show class names and check
    // which exact bytes are being served.
    parameters: { labels: [...model.labels], sha256: model.sha256, minimum_accuracy: model.minimumAccuracy },
  };
}
