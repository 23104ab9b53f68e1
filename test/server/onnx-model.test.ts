/**
 * Real inference with onnxruntime-node on the committed sample model.
 *
 * @jest-environment ./test/server/ort-environment.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadEvalSet, loadOnnxModels, OnnxModel } from '@edge-ai/inference-contract';
import { contractMismatches, evaluate, sessionOptions } from '../../server/src/models';
import { forward, MlpParameters } from '../../scripts/make-model';
import { MODELS_DIR } from './helpers';

let model: OnnxModel;
let session: InferenceSession;

beforeAll(async () => {
  [model] = loadOnnxModels(MODELS_DIR);
  session = await InferenceSession.create(model.modelFile, sessionOptions({ intraOpNumThreads: 1 }));
});
afterAll(() => session.release());

async function run(rows: number[][]): Promise<{ probabilities: number[]; labels: number[] }> {
  const out = await session.run({ sensor_features: new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 8]) });
  return { probabilities: Array.from(out.probabilities.data as Float32Array), labels: Array.from(out.label.data as BigInt64Array, Number) };
}

/** Reads the float32 initializers back out of model.onnx: an independent view of what the graph computes. */
function parametersFromOnnx(file: string): MlpParameters {
  const proto = onnx.ModelProto.decode(readFileSync(file));
  const tensor = (name: string): number[] => {
    const t = proto.graph?.initializer?.find((i) => i.name === name);
    if (!t?.rawData) throw new Error(`initializer ${name} missing`);
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  };
  return { mean: tensor('feature_mean'), std: tensor('feature_std'), w1: tensor('hidden_weight'), b1: tensor('hidden_bias'), w2: tensor('output_weight'), b2: tensor('output_bias') };
}

describe('bearing-anomaly on onnxruntime-node', () => {
  it('declares the opset and graph the server expects', () => {
    const proto = onnx.ModelProto.decode(readFileSync(model.modelFile));
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(session.inputNames).toEqual(['sensor_features']);
    expect(session.outputNames).toEqual(['probabilities', 'label']);
    expect(contractMismatches(model, session)).toEqual([]);
  });

  it('gives the golden outputs for fixed inputs', async () => {
    const rows = [
      [1.2, 1.3, 0.75, 4.2, 3.2, 52.0, 10.5, 1800], // healthy machine at moderate load
      [1.3, 1.25, 0.8, 9.5, 9.8, 55.0, 11.0, 1750], // impacts: kurtosis 9.8, high peak (outer-race defect)
      [1.4, 1.35, 0.8, 4.6, 3.3, 78.0, 14.5, 1600], // 78 °C housing (lubrication loss)
      [3.9, 4.1, 1.0, 13.0, 3.2, 50.0, 11.0, 2400], // radial vibration ×3 (imbalance)
    ];
    const golden = [
      [0.9981582760810852, 0.0018416921375319362],
      [1.4303589152816825e-15, 1],
      [0.000006700878657284193, 0.9999933242797852],
      [6.158950844985245e-13, 1],
    ];
    const { probabilities, labels } = await run(rows);
    expect(labels).toEqual([0, 1, 1, 1]);
    golden.flat().forEach((p, i) => expect(Math.abs(probabilities[i] - p)).toBeLessThan(1e-6));
  });

  it('matches the reference forward pass over the whole eval set', async () => {
    const evalSet = loadEvalSet(model);
    const { probabilities, labels } = await run(evalSet.features);
    const reference = forward(parametersFromOnnx(model.modelFile), evalSet.features);
    expect(labels).toEqual(reference.labels);
    const maxDiff = Math.max(...reference.probabilities.flat().map((p, i) => Math.abs(p - probabilities[i])));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('reaches its declared minimum accuracy on the eval set', async () => {
    const { accuracy, rows } = await evaluate(model, session);
    expect(rows).toBeGreaterThanOrEqual(200);
    expect(accuracy).toBeGreaterThanOrEqual(model.minimumAccuracy);
  });

  it('reports every difference between model.json and the graph', () => {
    const wrong: OnnxModel = {
      ...model,
      inputs: [{ name: 'sensor_features', datatype: 'FP64', shape: [-1, 7] }],
      outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 2] }],
    };
    const problems = contractMismatches(wrong, session);
    expect(problems).toEqual([
      'inputs[0].datatype is "FP64" but the ONNX graph declares float32',
      'inputs[0].shape is [-1,7] but the ONNX graph declares ["batch",8]',
      'outputs[0].name is "scores" but the ONNX graph has outputs ["probabilities","label"]',
    ]);
  });

  it('is small enough for ConfigMap delivery and hashes its bytes', () => {
    const bytes = readFileSync(join(model.directory, 'model.onnx'));
    expect(model.sizeBytes).toBe(bytes.length);
    expect(Buffer.from(model.base64, 'base64').equals(bytes)).toBe(true);
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
