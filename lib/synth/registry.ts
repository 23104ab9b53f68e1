/**
 * The layer registry, in rendering order: the only module that knows every layer. Adding a layer = one folder
 * under charts/ plus one line here (README "How to add a layer").
 */
import { baselineLayer } from '../../charts/baseline';
import { falcoLayer } from '../../charts/falco';
import { gitopsLayer } from '../../charts/gitops';
import { inferenceLayer } from '../../charts/inference';
import { meshLayer } from '../../charts/mesh';
import { monitoringLayer } from '../../charts/monitoring';
import { ollamaLayer } from '../../charts/ollama';
import { policiesLayer } from '../../charts/policies';
import { LayerDefinition } from '../constructs/layer';

export const LAYERS: readonly LayerDefinition[] = [baselineLayer, inferenceLayer, ollamaLayer, meshLayer, falcoLayer, policiesLayer, monitoringLayer, gitopsLayer];
