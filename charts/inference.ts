/** Inference layer (stub: being built). */
import { Chart } from 'cdk8s';
import { LayerDefinition } from '../lib/layer';
import { chartLabels } from '../lib/labels';

export const inferenceLayer: LayerDefinition = {
  name: 'inference',
  enabled: (site) => site.layers.inference.enabled,
  namespaces: () => [{ name: 'inference', layer: 'inference', podSecurity: 'restricted' }],
  build: (scope, ctx) => new Chart(scope, 'inference', { labels: chartLabels(ctx.site.name, 'inference'), disableResourceNameHashes: true }),
};
