/** Monitoring layer (stub: being built). */
import { Chart } from 'cdk8s';
import { LayerDefinition } from '../lib/layer';
import { chartLabels } from '../lib/labels';

export const monitoringLayer: LayerDefinition = {
  name: 'monitoring',
  enabled: (site) => site.layers.monitoring.enabled,
  namespaces: () => [{ name: 'monitoring', layer: 'monitoring', podSecurity: 'restricted', apiServerEgress: true }],
  build: (scope, ctx) => new Chart(scope, 'monitoring', { labels: chartLabels(ctx.site.name, 'monitoring'), disableResourceNameHashes: true }),
};
