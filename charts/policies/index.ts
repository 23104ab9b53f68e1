/**
 * The policies layer: the platform's invariants enforced at admission by Kyverno (docs/decisions/
 * 0027-admission-policies.md): ClusterPolicies with CEL rules (policies.ts, chart.ts), the Kyverno release
 * (kyverno.ts), its alerts and dashboard (rules.ts, dashboard.ts). Off unless the site sets
 * `layers.policies.enabled: true`.
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { PoliciesChart } from './chart';
import { policiesDashboard } from './dashboard';
import { kyvernoRelease } from './kyverno';
import { POLICIES_NAMESPACE } from './names';
import { resolvePoliciesProps } from './props';
import { policiesRules } from './rules';

export const policiesLayer = defineLayer({
  name: 'policies',
  // Without monitoring there is no ServiceMonitor CRD and nothing to alert from.
  reads: ['monitoring'],
  resolve: (ctx) => resolvePoliciesProps(ctx),
  // The admission controller serves the webhook and watches policies; the reports controller scans objects.
  namespaces: () => [{ name: POLICIES_NAMESPACE, layer: 'policies', podSecurity: 'restricted', apiServerEgress: true }],
  telemetry: (props) => (props.monitoring ? { rules: [policiesRules()], dashboards: [policiesDashboard], exporters: [Exporter.Kyverno] } : {}),
  releases: () => [kyvernoRelease()],
  build: (scope, props, site) => new PoliciesChart(scope, 'policies', props, site),
});
