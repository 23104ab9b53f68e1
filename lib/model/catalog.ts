/**
 * Loads the fleet-wide catalogues once per run (model metadata, Modelfiles): file reads happen here, never
 * in charts, so charts stay pure functions of their props.
 */
import { join } from 'node:path';
import { loadInferenceModels } from './inference-models';
import { loadOllamaModelfiles } from './modelfiles';
import { Catalog, PLATFORM } from './site';

export function loadCatalog(root: string): Catalog {
  return { platform: PLATFORM, onnxModels: loadInferenceModels(join(root, 'models', 'onnx')), modelfiles: loadOllamaModelfiles(join(root, 'models', 'ollama')) };
}
