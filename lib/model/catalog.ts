/**
 * Loads the fleet-wide catalogues once per run (model metadata, Modelfiles): file reads happen here, never
 * in charts, so charts stay pure functions of their props.
 */
import { join } from 'node:path';
import { loadInferenceModels } from './inference-models';
import { loadOllamaModelfiles } from './modelfiles';
import type { Fleet } from './fleet';
import { Catalog, platformSettings } from './site';

/** The catalogues of the repository at `root`, with the fleet config the run loaded (lib/model/load.ts loadFleet). */
export function loadCatalog(root: string, fleet: Fleet): Catalog {
  return { fleet, platform: platformSettings(fleet), onnxModels: loadInferenceModels(join(root, 'models', 'onnx')), modelfiles: loadOllamaModelfiles(join(root, 'models', 'ollama')) };
}
