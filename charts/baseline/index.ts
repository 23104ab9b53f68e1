/**
 * The baseline layer: every active layer's namespaces with Pod Security labels, default-deny NetworkPolicies
 * and hardware-sized limits and quotas (chart.ts). Always on; it owns no namespace of its own.
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Site } from '../../lib/model/schema';
import { BaselineChart } from './chart';

export const baselineLayer = defineLayer<{ readonly site: Site }>({
  name: 'baseline',
  resolve: (ctx) => ({ site: ctx.site }),
  build: (scope, props, site) => new BaselineChart(scope, 'baseline', { site: props.site, namespaces: site.layers.flatMap((l) => l.namespaces) }),
});
