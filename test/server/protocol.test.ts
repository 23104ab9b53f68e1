/**
 * KServe v2 request validation and server configuration, without HTTP.
 *
 * @jest-environment ./test/server/ort-environment.ts
 */
import { Tensor } from 'onnxruntime-node';
import { loadOnnxModels, OnnxModel } from '@edge-ai/inference-contract';
import { configFromEnv } from '../../server/src/config';
import { encodeInferResponse, HttpError, modelMetadata, parseInferRequest } from '../../server/src/protocol';
import { tracingRequested } from '../../server/src/tracing';
import { MODELS_DIR } from './helpers';

let model: OnnxModel;
beforeAll(() => {
  [model] = loadOnnxModels(MODELS_DIR);
});

const row = [1.2, 1.3, 0.75, 4.2, 3.2, 52, 10.5, 1800];
const tensor = (overrides: Record<string, unknown> = {}) => ({ name: 'sensor_features', datatype: 'FP32', shape: [1, 8], data: row, ...overrides });

function rejection(body: unknown, m: OnnxModel = model): HttpError {
  try {
    parseInferRequest(body, m);
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('parseInferRequest', () => {
  it('accepts flat and nested row-major data', () => {
    const flat = parseInferRequest({ id: 'r1', inputs: [tensor({ shape: [2, 8], data: [...row, ...row] })] }, model);
    const nested = parseInferRequest({ inputs: [tensor({ shape: [2, 8], data: [row, row] })] }, model);
    expect(flat.id).toBe('r1');
    expect(flat.batch).toBe(2);
    expect(flat.outputs).toEqual(['probabilities', 'label']);
    expect(Array.from(nested.feeds.sensor_features.data as Float32Array)).toEqual(Array.from(flat.feeds.sensor_features.data as Float32Array));
    expect(flat.feeds.sensor_features.dims).toEqual([2, 8]);
    expect(flat.feeds.sensor_features.type).toBe('float32');
  });

  it('honours the requested outputs, in order', () => {
    expect(parseInferRequest({ inputs: [tensor()], outputs: [{ name: 'label' }] }, model).outputs).toEqual(['label']);
  });

  it.each<[string, unknown, string]>([
    ['body not an object', [1, 2], 'the request body must be a JSON object with an "inputs" array'],
    ['no inputs', { inputs: [] }, '"inputs" must be a non-empty array of tensors'],
    ['unknown input name', { inputs: [tensor({ name: 'features' })] }, 'unknown input "features" for model "bearing-anomaly"; its inputs are: sensor_features'],
    ['wrong datatype', { inputs: [tensor({ datatype: 'FP64' })] }, 'input "sensor_features" has datatype "FP64"; model "bearing-anomaly" expects "FP32"'],
    ['wrong rank', { inputs: [tensor({ shape: [8] })] }, 'input "sensor_features" has shape [8]; model "bearing-anomaly" expects [-1, 8] (-1 = any batch size)'],
    ['wrong feature count', { inputs: [tensor({ shape: [1, 7], data: row.slice(1) })] }, 'has shape [1, 7]; model "bearing-anomaly" expects [-1, 8]'],
    ['element count vs shape', { inputs: [tensor({ shape: [2, 8] })] }, 'input "sensor_features" has 8 values but shape [2, 8] needs 16'],
    ['empty batch', { inputs: [tensor({ shape: [0, 8], data: [] })] }, 'has batch size 0'],
    ['negative dimension', { inputs: [tensor({ shape: [-1, 8] })] }, 'shape must be an array of non-negative integers, got [-1,8]'],
    ['non-numeric value', { inputs: [tensor({ data: [...row.slice(0, 7), 'high'] })] }, 'input "sensor_features": data[7] is "high"; FP32 needs a number within the float32 range'],
    ['float32 overflow', { inputs: [tensor({ data: [...row.slice(0, 7), 1e39] })] }, 'data[7] is 1e+39'],
    ['duplicate input', { inputs: [tensor(), tensor()] }, 'input "sensor_features" is given twice'],
    ['data not an array', { inputs: [tensor({ data: 'abc' })] }, 'data must be an array'],
    ['nesting deeper than the shape', { inputs: [tensor({ data: [[[row]]] })] }, 'nested deeper than the tensor\'s 2 dimensions'],
    ['unknown output', { inputs: [tensor()], outputs: [{ name: 'scores' }] }, 'unknown output "scores" for model "bearing-anomaly"; its outputs are: probabilities, label'],
    ['binary extension', { inputs: [tensor()], parameters: { binary_data_output: true } }, 'binary tensor data extension is not supported'],
    ['id not a string', { id: 7, inputs: [tensor()] }, '"id" must be a string'],
  ])('rejects %s with 400 and a message', (_case, body, message) => {
    const e = rejection(body);
    expect(e.status).toBe(400);
    expect(e.message).toContain(message);
  });

  it('checks integer ranges and missing inputs for other datatypes', () => {
    const intModel: OnnxModel = {
      ...model,
      inputs: [
        { name: 'a', datatype: 'INT8', shape: [-1, 2] },
        { name: 'b', datatype: 'BOOL', shape: [-1, 1] },
      ],
    };
    expect(rejection({ inputs: [{ name: 'a', datatype: 'INT8', shape: [1, 2], data: [1, 300] }] }, intModel).message).toContain('data[1] is 300; INT8 needs an integer between -128 and 127');
    expect(rejection({ inputs: [{ name: 'a', datatype: 'INT8', shape: [1, 2], data: [1, 2] }] }, intModel).message).toBe('missing input "b" for model "bearing-anomaly"');
    const ok = parseInferRequest(
      {
        inputs: [
          { name: 'a', datatype: 'INT8', shape: [1, 2], data: [-3, 4] },
          { name: 'b', datatype: 'BOOL', shape: [1, 1], data: [true] },
        ],
      },
      intModel,
    );
    expect(ok.feeds.a.type).toBe('int8');
    expect(ok.feeds.b.type).toBe('bool');
  });
});

describe('encodeInferResponse', () => {
  it('encodes int64 as JSON numbers and echoes the id', () => {
    const request = parseInferRequest({ id: 'x', inputs: [tensor()] }, model);
    const response = encodeInferResponse(model, request, {
      probabilities: new Tensor('float32', Float32Array.from([0.25, 0.75]), [1, 2]),
      label: new Tensor('int64', BigInt64Array.from([1n]), [1]),
    });
    expect(response).toEqual({
      model_name: 'bearing-anomaly',
      model_version: '1.0.0',
      id: 'x',
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] },
        { name: 'label', datatype: 'INT64', shape: [1], data: [1] },
      ],
    });
  });

  it('describes the model as the protocol requires', () => {
    expect(modelMetadata(model)).toMatchObject({ name: 'bearing-anomaly', versions: ['1.0.0'], platform: 'onnxruntime_onnx', inputs: [{ name: 'sensor_features', datatype: 'FP32', shape: [-1, 8] }] });
  });
});

describe('configFromEnv', () => {
  it('has container defaults', () => {
    expect(configFromEnv({})).toEqual({
      port: 8080,
      host: undefined,
      modelRepository: '/models',
      maxRequestBytes: 1048576,
      requestTimeoutMs: 30000,
      shutdownTimeoutMs: 25000,
      intraOpNumThreads: 1,
      logLevel: 'info',
      trafficSplit: {},
      batching: { maxBatchSize: 64, maxWaitMs: 2, maxQueue: 256 },
    });
  });

  it('rejects bad values naming the variable, the value and the range', () => {
    expect(() => configFromEnv({ PORT: '80a' })).toThrow('environment variable PORT is "80a"; it must be an integer between 0 and 65535 (default 8080)');
    expect(() => configFromEnv({ MAX_REQUEST_BYTES: '-1' })).toThrow(/MAX_REQUEST_BYTES is "-1"/);
    expect(() => configFromEnv({ LOG_LEVEL: 'verbose' })).toThrow('environment variable LOG_LEVEL is "verbose"; it must be one of debug, info, warn, error, silent');
  });
});

describe('tracingRequested', () => {
  it('is off unless an OTLP endpoint or a traces exporter is configured', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });
});
