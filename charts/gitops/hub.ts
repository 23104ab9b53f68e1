/**
 * The hub's GitOps objects (`dist/hub/`, rendered on full runs by lib/synth/hub.ts): the AppProjects and the
 * two ApplicationSets that generate the (site, layer) Applications of every hub-mode site.
 */
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { MANAGED_BY, PART_OF } from '../../lib/constructs/labels';
import { Site } from '../../lib/model/schema';
import { PlatformSettings } from '../../lib/model/site';
import { GITOPS_APPLICATIONSET, gitopsApplicationSetSpec, LAYERS_APPLICATIONSET, layersApplicationSetSpec } from './applicationset';
import { KEEP_ON_REMOVAL } from './chart';
import { ARGOCD_NAMESPACE, PROJECTS } from './contract';
import { hubControlProjectSpec, hubSitesProjectSpec, hubTelemetryProjectSpec } from './project';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { HelmRelease } from '../../lib/constructs/helm';
import { helmApplication } from './application';
import { IN_CLUSTER_SERVER } from './contract';
import { GITOPS_LAYER, LayerPlacement, siteDeployNamespaces } from './site';

/** Labels of the hub objects (fleet-level: no site label). */
function hubLabels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/component': GITOPS_LAYER };
}

/** A hub-mode site with its resolved layers. */
export interface HubSite {
  readonly site: Site;
  readonly layers: readonly LayerPlacement[];
}

export interface HubChartProps {
  readonly platform: PlatformSettings;
  /** Hub-mode sites only, in inventory order. */
  readonly sites: readonly HubSite[];
}

/** `dist/hub/projects.k8s.yaml`: the project of the site clusters and the project of the hub-side Applications. */
export class HubProjectsChart extends Chart {
  constructor(scope: Construct, id: string, props: HubChartProps) {
    super(scope, id, { labels: hubLabels(), disableResourceNameHashes: true });
    const namespaces = props.sites.flatMap((s) => siteDeployNamespaces(s.layers));
    const projects = [
      { name: PROJECTS.sites, spec: hubSitesProjectSpec({ name: PROJECTS.sites, repoURL: props.platform.repoURL, namespaces, sites: props.sites.map((s) => s.site) }) },
      { name: PROJECTS.hub, spec: hubControlProjectSpec(props.platform.repoURL) },
    ];
    for (const p of projects) {
      const model = new AppProject({
        metadata: { name: p.name, namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/name': p.name }, annotations: { ...KEEP_ON_REMOVAL } },
        spec: p.spec,
      });
      model.validate();
      new ApiObject(this, p.name, model.toJSON());
    }
  }
}

/** `dist/hub/applicationsets.k8s.yaml`: the generators of every hub-mode site's Applications. */
export class HubApplicationSetsChart extends Chart {
  constructor(scope: Construct, id: string, props: HubChartProps) {
    super(scope, id, { labels: hubLabels(), disableResourceNameHashes: true });
    const rings = props.sites.map((s) => s.site.ring);
    const sets = [
      { name: LAYERS_APPLICATIONSET, spec: layersApplicationSetSpec(props.platform, rings) },
      { name: GITOPS_APPLICATIONSET, spec: gitopsApplicationSetSpec(props.platform, rings) },
    ];
    for (const s of sets) {
      const model = new ApplicationSet({
        metadata: { name: s.name, namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/name': s.name }, annotations: { ...KEEP_ON_REMOVAL } },
        spec: s.spec,
      });
      model.validate();
      new ApiObject(this, s.name, model.toJSON());
    }
  }
}


/** Project of the hub's own telemetry backends (Prometheus receiver, Loki, Tempo, OTLP gateway). */
export const HUB_TELEMETRY_PROJECT = 'edge-hub-telemetry';

/**
 * `dist/hub/telemetry.k8s.yaml`: the hub's telemetry backends as Argo CD Applications of pinned Helm charts
 * (charts/monitoring/hub-stack.ts), into the hub cluster itself, with their own project.
 */
export class HubTelemetryChart extends Chart {
  constructor(scope: Construct, id: string, props: { readonly releases: readonly HelmRelease[] }) {
    super(scope, id, { labels: hubLabels(), disableResourceNameHashes: true });
    if (props.releases.length === 0) return;
    const project = new AppProject({
      metadata: { name: HUB_TELEMETRY_PROJECT, namespace: ARGOCD_NAMESPACE, labels: { 'app.kubernetes.io/name': HUB_TELEMETRY_PROJECT }, annotations: { ...KEEP_ON_REMOVAL } },
      spec: hubTelemetryProjectSpec(props.releases),
    });
    project.validate();
    new ApiObject(this, HUB_TELEMETRY_PROJECT, project.toJSON());
    for (const release of props.releases) {
      const parts = helmApplication({ site: 'hub', ring: '0', layer: 'monitoring', release, project: HUB_TELEMETRY_PROJECT, cluster: { server: IN_CLUSTER_SERVER } });
      // Like the projects: a render that drops a backend never deletes its Application (and its data) via the root.
      const app = new Application({ metadata: { ...parts.metadata, annotations: { ...parts.metadata.annotations, ...KEEP_ON_REMOVAL } }, spec: parts.spec });
      app.validate();
      new ApiObject(this, parts.metadata.name as string, app.toJSON());
    }
  }
}
