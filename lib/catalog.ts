/**
 * Loads the fleet-wide catalogues once per run (model metadata, Modelfiles): file reads happen here, never
 * in charts, so charts stay pure functions of their props.
 */
import { Catalog, PLATFORM } from './site';

export function loadCatalog(_root: string): Catalog {
  return { platform: PLATFORM };
}
