/**
 * Synth-time validation of the inference layer: one fixture (or synthetic catalogue) per rule, each failing
 * with one InputError that names the file, the field, the value and the fix.
 */
import { join } from 'node:path';
import { InputError } from '../../lib/model/errors';
import { CONFIGMAP_MODEL_LIMIT_BYTES } from '@edge-ai/inference-contract';
import { InferenceModel } from '../../lib/model/inference-models';
import { resolveInferenceProps } from '../../charts/inference/props';
import { Catalog } from '../../lib/model/site';
import { repoCatalog } from '../helpers';
import { build, renderFixture, testSite, thrown } from './sites';

const FIXTURES = 'test/inference/fixtures';

interface Case {
  readonly rule: string;
  readonly file: string;
  readonly field: string;
  readonly value: string;
  readonly says: readonly string[];
}

const CASES: readonly Case[] = [
  {
    rule: 'triton-arm64',
    file: 'pi-line.yaml',
    field: 'layers.inference.runtime',
    value: '"triton"',
    says: ['needs an amd64 node', 'no Triton image for Raspberry-Pi-class arm64', 'pi-01 (arm64), pi-02 (arm64)', 'use runtime: onnx'],
  },
  {
    rule: 'unknown-model',
    file: 'pump-line.yaml',
    field: 'layers.inference.models[1]',
    value: '"pump-cavitation"',
    says: ['is not a model of models/onnx/', 'available: bearing-anomaly', 'add the model folder'],
  },
  {
    rule: 'max-replicas',
    file: 'small-line.yaml',
    field: 'layers.inference.maxReplicas',
    value: '2',
    says: ['below replicas (3)', 'set maxReplicas to at least 3'],
  },
  {
    rule: 'traffic-unknown-version',
    file: 'ab-line.yaml',
    field: 'layers.inference.traffic.bearing-anomaly.2.0.0',
    value: '"2.0.0"',
    says: ['is not a version of model "bearing-anomaly" (available: 1.0.0, 1.1.0)', 'add models/onnx/bearing-anomaly/2.0.0/'],
  },
  {
    rule: 'traffic-unlisted-model',
    file: 'ab-line.yaml',
    field: 'layers.inference.traffic.pump-cavitation',
    value: '"pump-cavitation"',
    says: ['is not a model this site serves', 'add "pump-cavitation" to layers.inference.models'],
  },
  {
    rule: 'triton-split',
    file: 'nuc-line.yaml',
    field: 'layers.inference.traffic.bearing-anomaly',
    value: '{"1.0.0":90,"1.1.0":10}',
    says: ['only the project server (runtime onnx) does', 'use runtime: onnx for A/B tests'],
  },
];

describe('inference validation: one fixture per rule', () => {
  it.each(CASES)('$rule fails with file, field, value and fix', (c) => {
    const path = join(FIXTURES, 'invalid', c.rule, c.file);
    const e = thrown(() => renderFixture(path));
    expect(e).toBeInstanceOf(InputError);
    const err = e as InputError;
    expect(err.file).toBe(path);
    expect(err.field).toBe(c.field);
    expect(err.message).toContain(`${path}: ${c.field} = ${c.value}`);
    for (const text of c.says) expect(err.message).toContain(text);
    expect(err.message).toContain('Fix: ');
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('the valid Triton fixture (NUC + Pi) renders', () => {
    expect(() => renderFixture(join(FIXTURES, 'valid', 'nuc-line.yaml'))).not.toThrow();
  });
});

describe('model size limits of ConfigMap delivery', () => {
  const real = (): InferenceModel => repoCatalog().onnxModels.find((m) => m.name === 'bearing-anomaly')!;
  const catalogWith = (m: InferenceModel): Catalog => ({ ...repoCatalog(), onnxModels: [m] });

  it('refuses a model.onnx above 512 KiB and names ADR 0006', () => {
    const size = CONFIGMAP_MODEL_LIMIT_BYTES + 1;
    const big: InferenceModel = { ...real(), sizeBytes: size, base64: Buffer.alloc(size).toString('base64') };
    const e = thrown(() => build({}, catalogWith(big)));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).field).toBe('layers.inference.models[0]');
    expect(e.message).toContain(`${size} bytes`);
    expect(e.message).toContain('docs/decisions/0006-model-delivery.md');
    expect(e.message).toContain('OCI model image');
  });

  it('accepts a model of exactly 512 KiB', () => {
    const size = CONFIGMAP_MODEL_LIMIT_BYTES;
    const edge: InferenceModel = { ...real(), sizeBytes: size, base64: Buffer.alloc(size).toString('base64') };
    expect(() => build({}, catalogWith(edge))).not.toThrow();
  });

  it('refuses a ConfigMap above 1 MiB in total (a small model with a huge eval set)', () => {
    const bloated: InferenceModel = { ...real(), evalSetJson: 'x'.repeat(1024 * 1024) };
    const e = thrown(() => build({}, catalogWith(bloated)));
    expect(e.message).toContain('above the 1 MiB Kubernetes limit');
    expect(e.message).toContain(`shrink the eval set ${real().evalSet}`);
  });
});

describe('other rules', () => {
  it('a model listed twice', () => {
    const site = testSite({ inference: 'models: [bearing-anomaly, bearing-anomaly]' });
    const e = thrown(() => resolveInferenceProps({ site, file: 'sites/test-line.yaml', catalog: repoCatalog() }, true));
    expect(e.message).toContain('sites/test-line.yaml: layers.inference.models[1] = "bearing-anomaly": is listed twice');
  });

  it('a model name too long for its pod volume', () => {
    const long = `m${'x'.repeat(57)}`;
    const m = { ...repoCatalog().onnxModels[0], name: long };
    const site = testSite({ inference: `models: [${long}]` });
    const e = thrown(() => resolveInferenceProps({ site, file: 'sites/test-line.yaml', catalog: { ...repoCatalog(), onnxModels: [m] } }, true));
    expect(e.message).toContain('may have at most 63');
  });

  it('lists the available models when the catalogue is empty', () => {
    const e = thrown(() => build({}, { ...repoCatalog(), onnxModels: [] }));
    expect(e.message).toContain('(none: models/onnx/ is empty)');
  });
});

describe('capacity accounting', () => {
  it('counts every HPA-floor replica although the Rollout carries no replicas field', () => {
    const one = build({ inference: 'replicas: 1\nmaxReplicas: 4\nresources: { cpuMillicores: 100, memoryMiB: 200 }' });
    const three = build({ inference: 'replicas: 3\nmaxReplicas: 4\nresources: { cpuMillicores: 100, memoryMiB: 200 }' });
    expect(three.rendered.summary.requests.memoryMiB - one.rendered.summary.requests.memoryMiB).toBe(400);
    expect(three.rendered.summary.requests.cpuMillicores - one.rendered.summary.requests.cpuMillicores).toBe(200);
  });
});
