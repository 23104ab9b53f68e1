/**
 * The GitOps layer: the Argo CD objects of every site (chart.ts) and of the hub (hub.ts), the contract with
 * the Terraform bootstrap (contract.ts, bootstrap.ts), and, in pull mode, the site's own Argo CD: its
 * namespace, requests, NetworkPolicies and alerts.
 */
import { defineLayer } from '../../lib/constructs/layer';
import { Exporter } from '../../lib/constructs/metrics';
import { NamespaceSpec } from '../../lib/constructs/namespaces';
import { GitopsChart } from './chart';
import { ARGOCD_METRICS, ARGOCD_NAMESPACE, pullArgoCdConsumers } from './contract';
import { siteArgoCdRules } from './rules';
import { GITOPS_LAYER, siteLayers } from './site';
import { Site } from '../../lib/model/schema';
import { PlatformSettings } from '../../lib/model/site';

export interface GitopsProps {
  readonly site: Site;
  readonly platform: PlatformSettings;
  readonly pull: boolean;
}

/**
 * The namespace of a pull-mode site's own Argo CD. Terraform's K3s HelmChart creates it at install time (Helm
 * `--create-namespace`, no labels; nothing re-applies it), and the baseline layer then adopts it like every
 * declared namespace. `restricted`: the argo-cd chart's default security contexts satisfy it for every pod
 * left enabled (charts/gitops/contract.ts PULL_ARGOCD_HELM_VALUES). The hub's `argocd` namespace is not a site
 * namespace: hub-mode sites declare none.
 */
function argoCdNamespace(): NamespaceSpec {
  return { name: ARGOCD_NAMESPACE, layer: GITOPS_LAYER, podSecurity: 'restricted', apiServerEgress: true };
}

export const gitopsLayer = defineLayer<GitopsProps>({
  name: GITOPS_LAYER,
  resolve: (ctx) => ({ site: ctx.site, platform: ctx.catalog.platform, pull: ctx.site.gitops.mode === 'pull' }),
  namespaces: (props) => (props.pull ? [argoCdNamespace()] : []),
  // In hub mode Argo CD runs at the hub: nothing of it at the site.
  telemetry: (props) =>
    props.pull
      ? {
          rules: [siteArgoCdRules(props.site)],
          exporters: [Exporter.ArgoCd],
          // Installed by Terraform before any CRD exists, so its chart cannot bring a ServiceMonitor.
          scrapes: [{ name: 'argocd-application-controller', namespace: ARGOCD_NAMESPACE, serviceLabels: ARGOCD_METRICS.serviceLabels, portName: ARGOCD_METRICS.portName, port: ARGOCD_METRICS.port }],
        }
      : {},
  requests: (props) => (props.pull ? pullArgoCdConsumers() : []),
  build: (scope, props, site) => new GitopsChart(scope, GITOPS_LAYER, { site: props.site, platform: props.platform, layers: siteLayers(props.site, site) }),
});
