/**
 * The ONNX model catalogue: one folder per model under `models/onnx/`, in it one folder per version, each holding
 *
 *   model.onnx  the graph (opset ≤ what onnxruntime-node supports),
 *   model.json  its metadata (validated here, strictly: an unknown key is an error, not a silent no-op),
 *   eval.json   a labelled evaluation set the inference server scores the model on at load time.
 *
 * Used by two consumers with different needs, so this module depends only on `node:` built-ins, zod and
 * ./errors (no YAML, no cdk8s): the charts (which deliver the bytes in a ConfigMap, hence `base64`) and
 * the inference server in server/ (which bundles this file into its image).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { displayPath, fieldPath, InputError, moreProblems, valueAt } from './errors';

/** File names inside a model folder. The eval set's name is declared in model.json (`evalSet`). */
export const MODEL_FILE = 'model.onnx';
export const METADATA_FILE = 'model.json';

/**
 * Models up to this size are delivered in a ConfigMap (binaryData); larger ones through an OCI model image
 * (docs/decisions/0006-model-delivery.md). A ConfigMap is capped at 1 MiB by etcd, and base64 inflates the
 * bytes by 4/3, so 512 KiB leaves room for model.json and the eval set in the same object.
 */
export const CONFIGMAP_MODEL_LIMIT_BYTES = 512 * 1024;

/** Tensor datatypes of the KServe v2 / Open Inference Protocol. */
export const KSERVE_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type KServeDatatype = (typeof KSERVE_DATATYPES)[number];

// Semantic Versioning 2.0.0 (the regular expression recommended on semver.org, without the `v` prefix).
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
// The model name becomes a URL segment (/v2/models/{name}), a Prometheus label and part of Kubernetes object
// names, so it is held to an RFC 1123 label.
const MODEL_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const TENSOR_NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;
const EVAL_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/;

/** shape[0] is the batch dimension (-1: any size); the others are fixed positive sizes. */
function isBatchedShape(shape: readonly number[]): boolean {
  return shape[0] === -1 && shape.slice(1).every((d) => d >= 1);
}

export const TensorSpecSchema = z
  .object({
    name: z.string().regex(TENSOR_NAME),
    datatype: z.enum(KSERVE_DATATYPES),
    shape: z.array(z.number().int().min(-1)).min(1).max(8).refine(isBatchedShape, { message: 'first dimension must be -1 (batch), the others positive' }),
  })
  .strict();
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

export const ModelMetadataSchema = z
  .object({
    /** Editor hint (`"$schema": "../model.schema.json"`); ignored otherwise. */
    $schema: z.string().optional(),
    name: z.string().regex(MODEL_NAME),
    version: z.string().regex(SEMVER),
    description: z.string().min(1).max(1000),
    inputs: z.array(TensorSpecSchema).min(1),
    outputs: z.array(TensorSpecSchema).min(1),
    labels: z.array(z.string().min(1)).min(2),
    minimumAccuracy: z.number().min(0).max(1),
    evalSet: z.string().regex(EVAL_FILE),
  })
  .strict();
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/**
 * eval.json: labelled rows for the first input. `targets[i]` is the index into model.json `labels` of the
 * true class of `features[i]`.
 */
export const EvalSetSchema = z
  .object({
    input: z.string().regex(TENSOR_NAME),
    featureNames: z.array(z.string().min(1)).optional(),
    features: z.array(z.array(z.number())).min(1),
    targets: z.array(z.number().int().min(0)).min(1),
  })
  .strict();
export type EvalSet = z.infer<typeof EvalSetSchema>;

/** A validated model of the catalogue. */
export interface OnnxModel {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly labels: readonly string[];
  /** Accuracy (0..1) the model must reach on its eval set, checked by the server at load time. */
  readonly minimumAccuracy: number;
  /** File name of the eval set inside the model folder. */
  readonly evalSet: string;
  /** Absolute path of the model folder. */
  readonly directory: string;
  /** Absolute path of model.onnx. */
  readonly modelFile: string;
  /** Absolute path of the eval set. */
  readonly evalSetFile: string;
  /** Size of model.onnx in bytes. */
  readonly sizeBytes: number;
  /** Hex SHA-256 of model.onnx (pins the exact bytes a site runs; used in annotations and logs). */
  readonly sha256: string;
  /** model.onnx, base64-encoded, ready for a ConfigMap `binaryData` entry. */
  readonly base64: string;
}

/** Per-field rule and fix, so that every message tells the user what to write instead. */
const METADATA_RULES: Record<string, { must: string; fix: string }> = {
  $schema: { must: 'a string', fix: 'point it at ../model.schema.json or remove it' },
  name: { must: 'a lower-case RFC 1123 label (a-z, 0-9, "-", at most 63 characters)', fix: 'use the model folder name, e.g. "bearing-anomaly"' },
  version: { must: 'a semantic version such as 1.2.0', fix: 'bump it on every change to model.onnx: major for new inputs/outputs, minor for retraining' },
  description: { must: 'a non-empty string of at most 1000 characters', fix: 'say what the model predicts and from which inputs' },
  inputs: { must: 'a non-empty array of {name, datatype, shape}', fix: 'declare every graph input of model.onnx' },
  outputs: { must: 'a non-empty array of {name, datatype, shape}', fix: 'declare the graph outputs of model.onnx; the first one must be the class scores' },
  'inputs[].name': { must: 'an identifier (letters, digits, "_", ".", ":", "/", "-")', fix: 'use the input name of the ONNX graph' },
  'outputs[].name': { must: 'an identifier (letters, digits, "_", ".", ":", "/", "-")', fix: 'use the output name of the ONNX graph' },
  'inputs[].datatype': { must: `a KServe v2 datatype (${KSERVE_DATATYPES.join(', ')})`, fix: 'use FP32 for an ONNX float tensor, INT64 for int64' },
  'outputs[].datatype': { must: `a KServe v2 datatype (${KSERVE_DATATYPES.join(', ')})`, fix: 'use FP32 for an ONNX float tensor, INT64 for int64' },
  'inputs[].shape': { must: 'an array of 1 to 8 integers: -1 for the batch dimension first, then positive sizes', fix: 'write e.g. [-1, 8] for a batch of 8-feature rows' },
  'outputs[].shape': { must: 'an array of 1 to 8 integers: -1 for the batch dimension first, then positive sizes', fix: 'write e.g. [-1, 2] for a batch of two class scores' },
  'inputs[].shape[]': { must: 'an integer: -1 for the batch dimension, else a positive size', fix: 'write e.g. [-1, 8] for a batch of 8-feature rows' },
  'outputs[].shape[]': { must: 'an integer: -1 for the batch dimension, else a positive size', fix: 'write e.g. [-1, 2] for a batch of two class scores' },
  labels: { must: 'an array of at least two non-empty class names', fix: 'list the class names in the order of the model\'s score output' },
  'labels[]': { must: 'a non-empty string', fix: 'name every class' },
  minimumAccuracy: { must: 'a number between 0 and 1', fix: 'set the accuracy the model must reach on eval.json' },
  evalSet: { must: 'a file name ending in .json in the model folder', fix: 'set it to "eval.json" and put the labelled rows there' },
};

const EVAL_RULES: Record<string, { must: string; fix: string }> = {
  input: { must: 'the name of the model\'s first input', fix: 'set it to inputs[0].name of model.json' },
  featureNames: { must: 'an array of feature names, one per column', fix: 'list the column names or remove the field' },
  'featureNames[]': { must: 'a non-empty string', fix: 'name every column' },
  features: { must: 'a non-empty array of rows (arrays of numbers)', fix: 'regenerate it with npm run model:generate' },
  'features[]': { must: 'an array of numbers', fix: 'regenerate it with npm run model:generate' },
  'features[][]': { must: 'a number', fix: 'regenerate it with npm run model:generate' },
  targets: { must: 'a non-empty array of class indices', fix: 'regenerate it with npm run model:generate' },
  'targets[]': { must: 'an integer index into model.json labels', fix: 'use 0 for labels[0], 1 for labels[1], …' },
};

/** The rule key of a path: array indices erased (`inputs[0].shape[1]` → `inputs[].shape`). */
function ruleKey(path: readonly PropertyKey[], rules: Record<string, unknown>): string {
  // Walk up from the full path so that an element of a shape (`inputs[].shape[]`) falls back to the shape rule.
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).map((p) => (typeof p === 'number' ? '[]' : `.${String(p)}`)).join('').replace(/^\./, '');
    if (key in rules) return key;
  }
  return '';
}

/** Turns the first zod issue into one InputError; the others are counted so the user knows more follow. */
function issueToError(file: string, raw: unknown, issues: readonly z.core.$ZodIssue[], rules: Record<string, { must: string; fix: string }>): InputError {
  const issue = issues[0];
  const more = moreProblems(issues.length);
  if (issue.code === 'unrecognized_keys') {
    const path = [...issue.path, issue.keys[0]];
    const allowed = issue.path.length === 0 ? Object.keys(rules).filter((k) => !/[.[]/.test(k)) : ['name', 'datatype', 'shape'];
    return new InputError(file, fieldPath(path), valueAt(raw, path), `is not a known field${more}`, `remove it or correct its spelling; allowed fields here: ${allowed.join(', ')}`);
  }
  const field = fieldPath(issue.path);
  const value = valueAt(raw, issue.path);
  const rule = rules[ruleKey(issue.path, rules)];
  if (value === undefined && issue.path.length > 0) {
    return new InputError(file, field, undefined, `is required but missing${more}`, rule ? `add it: ${rule.must} — ${rule.fix}` : 'add it');
  }
  if (!rule) return new InputError(file, field, value, `is invalid: ${issue.message}${more}`, 'see models/onnx/model.schema.json');
  return new InputError(file, field, value, `is not ${rule.must}${more}`, rule.fix);
}

/** Validates parsed model.json content. `file` is only used in error messages. */
export function parseModelMetadata(raw: unknown, file: string): ModelMetadata {
  const result = ModelMetadataSchema.safeParse(raw);
  if (!result.success) throw issueToError(file, raw, result.error.issues, METADATA_RULES);
  const meta = result.data;
  // Cross-field rules zod cannot express per field.
  for (const kind of ['inputs', 'outputs'] as const) {
    const seen = new Map<string, number>();
    meta[kind].forEach((t, i) => {
      const prev = seen.get(t.name);
      if (prev !== undefined) {
        throw new InputError(file, `${kind}[${i}].name`, t.name, `is already the name of ${kind}[${prev}]`, 'give every tensor of a model a unique name');
      }
      seen.set(t.name, i);
    });
  }
  const scores = meta.outputs[0];
  const expected = [-1, meta.labels.length];
  if (scores.shape.length !== 2 || scores.shape[1] !== meta.labels.length) {
    throw new InputError(
      file,
      'outputs[0].shape',
      scores.shape,
      `does not match the ${meta.labels.length} labels (the first output holds one score per label)`,
      `set it to ${JSON.stringify(expected)} or list one label per score column`,
    );
  }
  if (new Set(meta.labels).size !== meta.labels.length) {
    throw new InputError(file, 'labels', meta.labels, 'contains the same name twice', 'give every class a unique name');
  }
  return meta;
}

function readJson(file: string, what: string, fix: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(displayPath(file), '(file)', undefined, `cannot be read: the ${what} is missing`, fix);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(displayPath(file), '(document)', undefined, `is not valid JSON (${(e as Error).message})`, 'fix the syntax, e.g. trailing commas or unquoted keys');
  }
}

/** Number of values in one row of a batched tensor: the product of the non-batch dimensions. */
export function rowSize(spec: Pick<TensorSpec, 'shape'>): number {
  return spec.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Reads and validates the eval set of a model against its metadata. */
export function loadEvalSet(model: Pick<OnnxModel, 'evalSetFile' | 'inputs' | 'labels'>): EvalSet {
  const file = displayPath(model.evalSetFile);
  const raw = readJson(model.evalSetFile, 'eval set', 'run npm run model:generate, or fix "evalSet" in model.json');
  const result = EvalSetSchema.safeParse(raw);
  if (!result.success) throw issueToError(file, raw, result.error.issues, EVAL_RULES);
  const evalSet = result.data;
  const first = model.inputs[0];
  if (evalSet.input !== first.name) {
    throw new InputError(file, 'input', evalSet.input, `is not the model's first input "${first.name}"`, `set it to "${first.name}"`);
  }
  const width = rowSize(first);
  const bad = evalSet.features.findIndex((row) => row.length !== width);
  if (bad >= 0) {
    throw new InputError(file, `features[${bad}]`, evalSet.features[bad], `has ${evalSet.features[bad].length} values but input "${first.name}" has ${width} per row`, `give every row ${width} values`);
  }
  if (evalSet.featureNames && evalSet.featureNames.length !== width) {
    throw new InputError(file, 'featureNames', evalSet.featureNames, `has ${evalSet.featureNames.length} names for ${width} columns`, `list ${width} names or remove the field`);
  }
  if (evalSet.targets.length !== evalSet.features.length) {
    throw new InputError(file, 'targets', `${evalSet.targets.length} targets`, `does not match the ${evalSet.features.length} rows of features`, 'give one target per row');
  }
  const outOfRange = evalSet.targets.findIndex((t) => t >= model.labels.length);
  if (outOfRange >= 0) {
    throw new InputError(file, `targets[${outOfRange}]`, evalSet.targets[outOfRange], `is not an index into the ${model.labels.length} labels`, `use 0 … ${model.labels.length - 1}`);
  }
  return evalSet;
}

/** Loads one model folder. Throws an InputError naming file, field, value and fix on any problem. */
export function loadOnnxModel(directory: string, folderName: string): OnnxModel {
  const metaFile = join(directory, METADATA_FILE);
  const meta = parseModelMetadata(readJson(metaFile, 'model metadata', `add ${METADATA_FILE} (see models/onnx/bearing-anomaly/1.0.0/${METADATA_FILE}) or remove the folder`), displayPath(metaFile));
  if (meta.name !== folderName) {
    throw new InputError(displayPath(metaFile), 'name', meta.name, `does not match the folder name "${folderName}"`, `rename the folder to ${meta.name} or set name to "${folderName}"`);
  }
  const modelFile = join(directory, MODEL_FILE);
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelFile);
  } catch {
    throw new InputError(displayPath(modelFile), '(file)', undefined, 'is missing', `put the ONNX graph of "${meta.name}" next to ${METADATA_FILE} (npm run model:generate for the sample model)`);
  }
  if (bytes.length === 0) {
    throw new InputError(displayPath(modelFile), '(file)', undefined, 'is empty', 'regenerate or re-export the model');
  }
  const evalSetFile = join(directory, meta.evalSet);
  if (!isFile(evalSetFile)) {
    throw new InputError(displayPath(metaFile), 'evalSet', meta.evalSet, `names a file that does not exist (${displayPath(evalSetFile)})`, 'add the labelled eval set or correct the file name');
  }
  const model: OnnxModel = {
    name: meta.name,
    version: meta.version,
    description: meta.description,
    inputs: meta.inputs,
    outputs: meta.outputs,
    labels: meta.labels,
    minimumAccuracy: meta.minimumAccuracy,
    evalSet: meta.evalSet,
    directory,
    modelFile,
    evalSetFile,
    sizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    base64: bytes.toString('base64'),
  };
  loadEvalSet(model); // validated now so that a broken eval set fails the synth, not a Pod at the edge
  return model;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Semantic-version order (semver.org §11): numeric core, then a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = a.split('+')[0].split(/-(.*)/s);
  const [coreB, preB] = b.split('+')[0].split(/-(.*)/s);
  const na = coreA.split('.').map(Number);
  const nb = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (na[i] !== nb[i]) return na[i] - nb[i];
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const pa = preA.split('.');
  const pb = preB.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const [ia, ib] = [/^\d+$/.test(pa[i]), /^\d+$/.test(pb[i])];
    if (ia && ib) return Number(pa[i]) - Number(pb[i]);
    if (ia !== ib) return ia ? -1 : 1;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Sub-folders of `dir` (symlinks followed), sorted, without dot-entries; plain files are skipped. */
function subFolders(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    throw new InputError(displayPath(dir), 'model repository', undefined, 'cannot be read', 'pass an existing folder with one sub-folder per model');
  }
  return entries.filter((entry) => {
    if (entry.startsWith('.')) return false;
    const path = join(dir, entry);
    // statSync follows symlinks: Kubernetes volume mounts are directories or symlinks to them.
    try {
      return statSync(path).isDirectory();
    } catch {
      throw new InputError(displayPath(path), '(entry)', undefined, 'cannot be read (a broken symlink?)', 'remove it or point it at a model folder');
    }
  });
}

/**
 * Loads every model version under `dir`, laid out as KServe/Triton model repositories are:
 * `<dir>/<model name>/<version>/{model.onnx, model.json, eval set}` (docs/decisions/0022-model-ab-testing.md).
 * Returned sorted by name, then by semantic version (oldest first), so every run sees the same order.
 * Entries starting with "." are skipped: a ConfigMap volume keeps its `..data` bookkeeping there, and
 * editors keep theirs. Plain files (model.schema.json, README.md) are skipped as well.
 */
export function loadOnnxModels(dir: string): OnnxModel[] {
  const models: OnnxModel[] = [];
  for (const name of subFolders(dir)) {
    const modelDir = join(dir, name);
    if (isFile(join(modelDir, METADATA_FILE))) {
      throw new InputError(
        displayPath(join(modelDir, METADATA_FILE)),
        '(file)',
        undefined,
        'lies directly in the model folder, but every version needs its own sub-folder',
        `move ${MODEL_FILE}, ${METADATA_FILE} and the eval set into ${displayPath(modelDir)}/<version>/ (e.g. 1.0.0/)`,
      );
    }
    const versions = subFolders(modelDir).map((version) => {
      const model = loadOnnxModel(join(modelDir, version), name);
      if (model.version !== version) {
        throw new InputError(displayPath(join(modelDir, version, METADATA_FILE)), 'version', model.version, `does not match its folder name "${version}"`, `rename the folder to ${model.version} or set version to "${version}"`);
      }
      return model;
    });
    models.push(...versions.sort((a, b) => compareVersions(a.version, b.version)));
  }
  return models;
}

/** JSON Schema of model.json (for editors, via `"$schema"`), derived from the zod schema so they cannot drift. */
export function modelMetadataJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ModelMetadataSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
