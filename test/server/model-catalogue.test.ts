/** packages/inference-contract/src/model-folder.ts: the catalogue loader and its model.json / eval set validation, one fixture per rule. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../../lib/model/errors';
import { CONFIGMAP_MODEL_LIMIT_BYTES, loadOnnxModels, modelMetadataJsonSchema, parseModelMetadata } from '@edge-ai/inference-contract';
import { cleanTempDirs, MODELS_DIR, SAMPLE, sampleRepository } from './helpers';

afterAll(cleanTempDirs);

/** How the loader shows a path: relative to the working directory unless outside it (temp fixtures are). */
const shown = (path: string): string => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));

function loadError(repo: string): InputError {
  try {
    loadOnnxModels(repo);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected loadOnnxModels to throw');
}

describe('loadOnnxModels', () => {
  it('loads the committed catalogue with everything a chart needs', () => {
    const models = loadOnnxModels(MODELS_DIR);
    // Two versions of the sample (the A/B pair), oldest first.
    expect(models.map((m) => `${m.name}@${m.version}`)).toEqual([`${SAMPLE}@1.0.0`, `${SAMPLE}@1.1.0`]);
    const [m] = models;
    expect(m.directory).toBe(join(MODELS_DIR, SAMPLE, '1.0.0'));
    const bytes = readFileSync(join(MODELS_DIR, SAMPLE, '1.0.0', 'model.onnx'));
    expect(m).toMatchObject({
      name: SAMPLE,
      version: '1.0.0',
      inputs: [{ name: 'sensor_features', datatype: 'FP32', shape: [-1, 8] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
      labels: ['normal', 'anomaly'],
      minimumAccuracy: 0.9,
      evalSet: 'eval.json',
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(Buffer.from(m.base64, 'base64').equals(bytes)).toBe(true);
    expect(m.sizeBytes).toBeLessThan(CONFIGMAP_MODEL_LIMIT_BYTES);
  });

  it('skips dot-entries (ConfigMap ..data) and plain files, and sorts by name', () => {
    const { repo } = sampleRepository();
    const second = sampleRepository((meta) => (meta.name = 'another-model'), 'another-model');
    // Move the second model next to the first, plus the litter a ConfigMap volume and editors leave.
    const target = join(repo, 'another-model', '1.0.0');
    mkdirSync(target, { recursive: true });
    for (const f of ['model.onnx', 'model.json', 'eval.json']) writeFileSync(join(target, f), readFileSync(join(second.modelDir, f)));
    mkdirSync(join(repo, '..2026_01_01_00_00_00.000000001'));
    writeFileSync(join(repo, 'README.md'), '# models\n');
    expect(loadOnnxModels(repo).map((m) => m.name)).toEqual(['another-model', SAMPLE]);
  });

  it('orders the versions of a model by semantic version, not by folder name', () => {
    const { repo } = sampleRepository();
    for (const version of ['1.10.0', '1.9.0', '1.10.0-rc.1']) {
      const dir = join(repo, SAMPLE, version);
      mkdirSync(dir);
      for (const f of ['model.onnx', 'eval.json']) writeFileSync(join(dir, f), readFileSync(join(MODELS_DIR, SAMPLE, '1.0.0', f)));
      const meta = JSON.parse(readFileSync(join(MODELS_DIR, SAMPLE, '1.0.0', 'model.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...meta, version }));
    }
    expect(loadOnnxModels(repo).map((m) => m.version)).toEqual(['1.0.0', '1.9.0', '1.10.0-rc.1', '1.10.0']);
  });

  it('requires one sub-folder per version, named after model.json "version"', () => {
    const { repo, modelDir } = sampleRepository();
    const flat = join(repo, 'flat-model');
    mkdirSync(flat);
    writeFileSync(join(flat, 'model.json'), '{}');
    const e = loadError(repo);
    expect(e.message).toContain('flat-model/model.json');
    expect(e.message).toContain('every version needs its own sub-folder');
    expect(e.message).toContain('flat-model/<version>/');
    rmSync(flat, { recursive: true });

    const meta = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(modelDir, 'model.json'), JSON.stringify({ ...meta, version: '2.0.0' }));
    const mismatch = loadError(repo);
    expect(mismatch.field).toBe('version');
    expect(mismatch.message).toContain('"2.0.0"');
    expect(mismatch.message).toContain('does not match its folder name "1.0.0"');
  });

  it('returns no models for an empty folder and fails on a missing one', () => {
    const { repo, modelDir } = sampleRepository();
    rmSync(modelDir, { recursive: true });
    expect(loadOnnxModels(repo)).toEqual([]);
    const e = loadError(join(repo, 'does-not-exist'));
    expect(e.message).toContain('does-not-exist');
    expect(e.message).toContain('cannot be read');
  });

  it('derives a JSON Schema from the zod schema (committed as models/onnx/model.schema.json)', () => {
    const committed = JSON.parse(readFileSync(join(MODELS_DIR, 'model.schema.json'), 'utf8')) as Record<string, unknown>;
    expect(committed).toEqual(modelMetadataJsonSchema());
    expect(committed.additionalProperties).toBe(false);
  });
});

type Edit = (meta: Record<string, unknown>) => void;
const inputs = (meta: Record<string, unknown>) => meta.inputs as Record<string, unknown>[];
const outputs = (meta: Record<string, unknown>) => meta.outputs as Record<string, unknown>[];

/** [rule, edit of the sample's model.json, field named in the error, value shown, words of the fix]. */
const RULES: [string, Edit, string, string, string][] = [
  ['minimumAccuracy within 0..1', (m) => (m.minimumAccuracy = 1.7), 'minimumAccuracy', '1.7', 'set the accuracy the model must reach on eval.json'],
  ['minimumAccuracy is a number', (m) => (m.minimumAccuracy = '90%'), 'minimumAccuracy', '"90%"', 'set the accuracy'],
  ['version is semver', (m) => (m.version = 'v1'), 'version', '"v1"', 'bump it on every change'],
  ['name is an RFC 1123 label', (m) => (m.name = 'Bearing_Anomaly'), 'name', '"Bearing_Anomaly"', 'use the model folder name'],
  ['name matches the folder', (m) => (m.name = 'pump-anomaly'), 'name', '"pump-anomaly"', 'rename the folder'],
  ['description is required', (m) => delete m.description, 'description', 'is required but missing', 'say what the model predicts'],
  ['unknown keys are errors', (m) => (m.minimumAcuracy = 0.9), 'minimumAcuracy', '0.9', 'correct its spelling'],
  ['unknown tensor keys are errors', (m) => (inputs(m)[0].dtype = 'FP32'), 'inputs[0].dtype', '"FP32"', 'allowed fields here: name, datatype, shape'],
  ['datatype is a KServe v2 name', (m) => (inputs(m)[0].datatype = 'float32'), 'inputs[0].datatype', '"float32"', 'use FP32'],
  ['shape starts with the batch dimension', (m) => (inputs(m)[0].shape = [1, 8]), 'inputs[0].shape', '[1,8]', 'write e.g. [-1, 8]'],
  ['shape sizes are integers', (m) => (inputs(m)[0].shape = [-1, 8.5]), 'inputs[0].shape[1]', '8.5', 'write e.g. [-1, 8]'],
  ['inputs is non-empty', (m) => (m.inputs = []), 'inputs', '[]', 'declare every graph input'],
  ['tensor names are unique', (m) => (outputs(m)[1].name = 'probabilities'), 'outputs[1].name', '"probabilities"', 'unique name'],
  ['first output has one score per label', (m) => (m.labels = ['normal', 'anomaly', 'unknown']), 'outputs[0].shape', '[-1,2]', 'one label per score column'],
  ['at least two labels', (m) => (m.labels = ['normal']), 'labels', '["normal"]', 'list the class names'],
  ['labels are unique', (m) => (m.labels = ['normal', 'normal']), 'labels', '["normal","normal"]', 'unique name'],
  ['evalSet is a .json file name', (m) => (m.evalSet = '../eval.csv'), 'evalSet', '"../eval.csv"', 'set it to "eval.json"'],
  ['evalSet exists', (m) => (m.evalSet = 'holdout.json'), 'evalSet', '"holdout.json"', 'add the labelled eval set'],
];

describe('model.json validation', () => {
  it.each(RULES)('%s', (_rule, edit, field, value, fix) => {
    const { repo, modelDir } = sampleRepository(edit);
    const e = loadError(repo);
    const file = shown(join(modelDir, 'model.json'));
    expect(e.file).toBe(file);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`${file}: ${field}`);
    expect(e.message).toContain(value);
    expect(e.message).toContain(fix);
  });

  it('reports how many more problems follow the first', () => {
    expect(() => parseModelMetadata({ name: 'x' }, 'model.json')).toThrow(/more problems after this one/);
  });

  it('names the file when model.json is not valid JSON', () => {
    const { repo, modelDir } = sampleRepository();
    writeFileSync(join(modelDir, 'model.json'), '{ "name": "bearing-anomaly", }');
    const e = loadError(repo);
    expect(e.message).toMatch(/model\.json: \(document\): is not valid JSON/);
    expect(e.message).toContain('trailing commas');
  });

  it('requires model.onnx next to model.json', () => {
    const { repo, modelDir } = sampleRepository();
    rmSync(join(modelDir, 'model.onnx'));
    const e = loadError(repo);
    expect(e.file).toBe(shown(join(modelDir, 'model.onnx')));
    expect(e.message).toContain('is missing');
    expect(e.message).toContain('npm run model:generate');
  });

  it('requires model.json in every model folder', () => {
    const { repo, modelDir } = sampleRepository();
    rmSync(join(modelDir, 'model.json'));
    expect(loadError(repo).message).toContain('model metadata is missing');
  });
});

describe('eval set validation', () => {
  const editEval = (edit: (e: Record<string, unknown>) => void): string => {
    const { repo, modelDir } = sampleRepository();
    const file = join(modelDir, 'eval.json');
    const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(data);
    writeFileSync(file, JSON.stringify(data));
    return repo;
  };

  it.each<[string, (e: Record<string, unknown>) => void, string, string]>([
    ['rows have one value per feature', (e) => ((e.features as number[][])[3] = [1, 2, 3]), 'features[3]', 'has 3 values but input "sensor_features" has 8 per row'],
    ['one target per row', (e) => (e.targets = (e.targets as number[]).slice(1)), 'targets', 'does not match the 400 rows'],
    ['targets index the labels', (e) => ((e.targets as number[])[7] = 2), 'targets[7]', 'is not an index into the 2 labels'],
    ['input names the first input', (e) => (e.input = 'features'), 'input', 'is not the model\'s first input "sensor_features"'],
    ['unknown keys are errors', (e) => (e.labels = [0, 1]), 'labels', 'is not a known field'],
  ])('%s', (_rule, edit, field, problem) => {
    const e = loadError(editEval(edit));
    expect(e.file).toMatch(/eval\.json$/);
    expect(e.field).toBe(field);
    expect(e.message).toContain(problem);
  });
});
