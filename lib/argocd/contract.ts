/**
 * The contract between this repository's rendered Argo CD objects and the Terraform bootstrap
 * (docs/gitops.md, "Terraform contract"). Terraform registers clusters and installs Argo CD; the objects
 * rendered here select those clusters by these labels and live in these namespaces and projects. Change a
 * value here only together with the Terraform module: a renamed label silently empties the hub generators.
 */
import { GitopsSpec, Site } from '../inventory/schema';
import { SITE_LABEL } from '../labels';

/** Namespace Argo CD runs in, on the hub and (pull mode) at the site. */
export const ARGOCD_NAMESPACE = 'argocd';
/** The cluster Argo CD runs in, as every Argo CD addresses itself. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Label Argo CD uses to recognise cluster secrets. */
export const CLUSTER_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const CLUSTER_SECRET_TYPE = 'cluster';
/** Site name on the cluster secret (the same key every rendered object carries). */
export { SITE_LABEL };
/** Rollout ring of the site, as a decimal string ("0", "1", ...). Also a label of every generated Application. */
export const RING_LABEL = 'edge-ai.io/ring';
/** Region of the site (informational; selectable for regional rollouts). */
export const REGION_LABEL = 'edge-ai.io/region';
/** `hub` on clusters the central Argo CD manages; pull-mode sites are not registered at the hub at all. */
export const GITOPS_MODE_LABEL = 'edge-ai.io/gitops-mode';
/** Layer file an Application syncs (`baseline`, `inference`, ...), on every generated Application. */
export const LAYER_LABEL = 'edge-ai.io/layer';

/** The two GitOps modes of a site (`gitops.mode` in the inventory). */
export type GitopsMode = GitopsSpec['mode'];

/**
 * Argo CD projects. `sites` holds everything that lands on a site cluster; `hub` only the per-site
 * Applications that place Argo CD objects into the hub's own `argocd` namespace; `site` is the project of a
 * pull-mode site's own Argo CD; `bootstrap` is created by Terraform for the one root Application.
 */
export const PROJECTS = {
  sites: 'edge-sites',
  hub: 'edge-hub',
  site: 'edge-site',
  bootstrap: 'edge-bootstrap',
} as const;

/**
 * Labels Terraform puts on a hub-mode site's cluster secret. The secret's `name` must equal the site name and
 * its `project` must be `edge-sites` (the project only permits project-scoped clusters).
 */
export function clusterSecretLabels(site: Site): Record<string, string> {
  return {
    [CLUSTER_SECRET_TYPE_LABEL]: CLUSTER_SECRET_TYPE,
    [SITE_LABEL]: site.name,
    [RING_LABEL]: String(site.ring),
    [REGION_LABEL]: site.region,
    [GITOPS_MODE_LABEL]: 'hub',
  };
}

/** The non-secret data fields of a hub-mode cluster secret (`server` and `config` come from Terraform). */
export function clusterSecretData(site: Site): { readonly name: string; readonly project: string } {
  return { name: site.name, project: PROJECTS.sites };
}

/**
 * Helm values (argo-helm `argo-cd` chart) the bootstrap must set on the HUB: Progressive Syncs are Beta and off
 * by default; without the flag the RollingSync strategy is ignored and every ring syncs at once. Annotation
 * tracking keeps Argo CD from overwriting the `app.kubernetes.io/instance` label the Helm charts select on
 * (the default since Argo CD 3.0; set explicitly so an older chart default cannot flip it).
 */
export const HUB_ARGOCD_HELM_VALUES = {
  configs: {
    params: { 'applicationsetcontroller.enable.progressive.syncs': true },
    cm: { 'application.resourceTrackingMethod': 'annotation' },
  },
} as const;

/**
 * Argo CD restored the health check of `Application` objects only on request (removed in 1.8): without it a
 * parent Application does not wait for a child's sync wave to become healthy. Pull-mode sites need it so the
 * root Application creates the Helm controllers (negative waves) before the layers that use their CRDs.
 */
export const APPLICATION_HEALTH_LUA = [
  'hs = {}',
  'hs.status = "Progressing"',
  'hs.message = ""',
  'if obj.status ~= nil then',
  '  if obj.status.health ~= nil then',
  '    hs.status = obj.status.health.status',
  '    if obj.status.health.message ~= nil then',
  '      hs.message = obj.status.health.message',
  '    end',
  '  end',
  'end',
  'return hs',
  '',
].join('\n');

/**
 * Helm values for the small Argo CD at a pull-mode site: no SSO, notifications or ApplicationSet controller
 * (the site syncs plain Applications from its own folder), so a Raspberry Pi keeps its memory for workloads.
 */
export const PULL_ARGOCD_HELM_VALUES = {
  // Argo CD core: no API server/UI on the site (it is managed through Git only).
  server: { enabled: false },
  // The site Prometheus scrapes the application controller (argocd_app_info alerts, lib/monitoring).
  controller: { metrics: { enabled: true } },
  dex: { enabled: false },
  notifications: { enabled: false },
  applicationSet: { enabled: false },
  configs: {
    cm: {
      'application.resourceTrackingMethod': 'annotation',
      'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
    },
  },
} as const;
