/** Ollama layer (stub: being built). */
import { Chart } from 'cdk8s';
import { LayerDefinition } from '../lib/layer';
import { chartLabels } from '../lib/labels';

export const ollamaLayer: LayerDefinition = {
  name: 'ollama',
  enabled: (site) => site.layers.ollama.enabled,
  namespaces: () => [{ name: 'ollama', layer: 'ollama', podSecurity: 'restricted' }],
  build: (scope, ctx) => new Chart(scope, 'ollama', { labels: chartLabels(ctx.site.name, 'ollama'), disableResourceNameHashes: true }),
};
