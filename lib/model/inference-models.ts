/**
 * The inference model catalogue as the charts need it: every model of `models/onnx/` (validated by
 * packages/inference-contract/src/model-folder.ts) plus the exact text of its metadata and eval set, because the chart ships all three
 * files to the edge in a ConfigMap (docs/decisions/0006-model-delivery.md) and a chart may not read files.
 *
 * `loadInferenceModels` is the only function here that touches the file system; lib/model/catalog.ts calls it once
 * per run. Everything else is pure.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadOnnxModels, METADATA_FILE, OnnxModel } from '@edge-ai/inference-contract';

/**
 * What one ConfigMap may hold (`data` + `binaryData`): "The data stored in a ConfigMap cannot exceed 1 MiB"
 * (kubernetes.io/docs/concepts/configuration/configmap). binaryData counts in its base64 form.
 */
export const CONFIGMAP_TOTAL_LIMIT_BYTES = 1024 * 1024;

/** A catalogue model with the files the chart delivers. */
export interface InferenceModel extends OnnxModel {
  /** model.json exactly as committed. */
  readonly metadataJson: string;
  /** The eval set (file name `evalSet`) exactly as committed. */
  readonly evalSetJson: string;
}

/** Reads `models/onnx/` once (called by lib/model/catalog.ts, never by a chart). */
export function loadInferenceModels(dir: string): InferenceModel[] {
  return loadOnnxModels(dir).map((m) => ({
    ...m,
    metadataJson: readFileSync(`${m.directory}/${METADATA_FILE}`, 'utf8'),
    evalSetJson: readFileSync(m.evalSetFile, 'utf8'),
  }));
}

/**
 * sha256 over every file a model delivers (model.onnx, model.json, the eval set, and for Triton the
 * generated config.pbtxt), framed by name and length so that moving bytes between files changes the sum.
 * It names the model's immutable ConfigMap (charts/inference/runtime.ts), so a new eval set or a raised
 * minimumAccuracy rolls out through the canary just like new weights do.
 */
export function deliveredFilesSha256(files: Readonly<Record<string, Uint8Array | string>>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    const content = files[name];
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    hash.update(`${name}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
