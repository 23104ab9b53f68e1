/** GitOps layer (stub: being built). */
import { Chart } from 'cdk8s';
import { FleetOutput, LayerDefinition } from '../lib/layer';
import { chartLabels } from '../lib/labels';

export const gitopsLayer: LayerDefinition = {
  name: 'gitops',
  enabled: () => true,
  namespaces: () => [],
  build: (scope, ctx) => new Chart(scope, 'gitops', { labels: chartLabels(ctx.site.name, 'gitops'), disableResourceNameHashes: true }),
};

export const hubOutput: FleetOutput = () => [];
