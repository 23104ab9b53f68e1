/** The layer registry, in rendering order. Adding a layer = one chart module + one line here. */
import { baselineLayer } from '../charts/baseline';
import { gitopsLayer, hubOutput } from '../charts/gitops';
import { inferenceLayer } from '../charts/inference';
import { hubMonitoringOutput, monitoringLayer } from '../charts/monitoring';
import { ollamaLayer } from '../charts/ollama';
import { FleetOutput, LayerDefinition } from './layer';

export const LAYERS: readonly LayerDefinition[] = [baselineLayer, inferenceLayer, ollamaLayer, monitoringLayer, gitopsLayer];

// The hub output needs the registry; it is passed here because charts/gitops.ts cannot import this module.
export const FLEET_OUTPUTS: readonly FleetOutput[] = [(sites, catalog) => hubOutput(sites, catalog, LAYERS), hubMonitoringOutput];
