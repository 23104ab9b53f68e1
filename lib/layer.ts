/**
 * What a layer is: when a site has it, which namespaces it owns, and how its chart is built. One chart per
 * layer; one file `dist/<site>/<layer>.k8s.yaml` per chart. The registry is lib/layers.ts.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { HelmRelease } from './helm';
import { LoadedSite } from './inventory/load';
import { Site } from './inventory/schema';
import { NamespaceSpec } from './namespaces';
import { Catalog, SiteContext } from './site';
import { RenderedFile } from './synth/render';

export interface LayerDefinition {
  /** File name stem and `app.kubernetes.io/component` label. */
  readonly name: string;
  readonly enabled: (site: Site) => boolean;
  /** Namespaces the layer's workloads live in (created by the baseline layer). */
  readonly namespaces: (site: Site) => readonly NamespaceSpec[];
  /** Builds the layer's chart. `layers` is the whole registry (the baseline layer needs every namespace). */
  readonly build: (scope: Construct, ctx: SiteContext, layers: readonly LayerDefinition[]) => Chart;
  /** Helm charts the layer needs, installed by the gitops layer as Argo CD Applications. */
  readonly helmReleases?: (ctx: SiteContext) => readonly HelmRelease[];
}

/** Every Helm release the enabled layers of a site need, in registry order. */
export function siteHelmReleases(ctx: SiteContext, layers: readonly LayerDefinition[]): HelmRelease[] {
  return layers.filter((l) => l.enabled(ctx.site) && l.helmReleases).flatMap((l) => l.helmReleases?.(ctx) ?? []);
}

/** Namespaces of every enabled layer of a site, in registry order. */
export function siteNamespaces(site: Site, layers: readonly LayerDefinition[]): NamespaceSpec[] {
  return layers.filter((l) => l.enabled(site)).flatMap((l) => l.namespaces(site));
}

/** Outputs rendered once for the whole fleet (e.g. `hub/` for the central Argo CD), not per site. */
export type FleetOutput = (sites: readonly LoadedSite[], catalog: Catalog) => RenderedFile[];
