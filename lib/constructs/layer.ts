/**
 * The layer contract. A layer is one folder under charts/ that exports one `LayerDefinition` (built with
 * `defineLayer`); the registry (lib/synth/registry.ts) lists them in rendering order and is the only place
 * that knows them all.
 *
 * A layer answers once, in `resolve`, whether it runs at a site: `undefined` means off everywhere (no chart,
 * no namespace, no release, no alert). Everything else is a pure function of the props it resolved:
 * - `namespaces`: created and protected by the baseline layer;
 * - `telemetry`: rules (with promtool tests), dashboards, exporters, probes and scrape targets, network peers
 *   of the monitoring stack — rendered by the monitoring layer;
 * - `requests`: what the layer causes to run without rendering the pods itself (capacity check);
 * - `releases`: Helm charts installed by the gitops layer as Argo CD Applications;
 * - `build`: the layer's chart (`dist/<site>/<name>.k8s.yaml`).
 * Layers that compose others (baseline, monitoring, gitops) see the active layers' contributions through
 * the `SiteLayers`/`SiteView` argument, never through the inventory.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Consumer } from '../model/capacity';
import { SiteContext } from '../model/site';
import { HelmRelease } from './helm';
import { NamespaceSpec } from './namespaces';
import { TelemetryContribution } from './contribution';

/** What a resolver sees: the site, its file, the fleet catalogues, and the activity of the layers it reads. */
export interface ResolveContext extends SiteContext {
  /** Whether a layer named in the resolver's `reads` is active at the site (throws for any other name). */
  readonly isActive: (layer: string) => boolean;
}

/** One active layer of a site as the composing layers see it. */
export interface ActiveLayer {
  readonly name: string;
  readonly namespaces: readonly NamespaceSpec[];
  readonly telemetry: TelemetryContribution;
  readonly requests: readonly Consumer[];
}

/** The active layers of a site, in registry order. */
export interface SiteLayers {
  readonly layers: readonly ActiveLayer[];
}

/** A Helm release with the layer that declared it. */
export interface LayerRelease {
  readonly layer: string;
  readonly release: HelmRelease;
}

/** What a chart may know about the other layers of its site. */
export interface SiteView extends SiteLayers {
  /** Every Helm release of the site, in registry order. */
  readonly releases: readonly LayerRelease[];
}

/** A layer with its own props type `P` (the value `resolve` decides once). */
export interface Layer<P> {
  /** File name stem (`dist/<site>/<name>.k8s.yaml`) and `app.kubernetes.io/component` label. */
  readonly name: string;
  /** Layers whose activity `resolve` reads; they are resolved first. @default none */
  readonly reads?: readonly string[];
  /** Inventory + catalogue → fully decided props, or `undefined` when there is nothing to run. Throws InputError. */
  readonly resolve: (ctx: ResolveContext) => P | undefined;
  /** @default none */
  readonly namespaces?: (props: P) => readonly NamespaceSpec[];
  /** @default nothing */
  readonly telemetry?: (props: P) => TelemetryContribution;
  /** Requests of pods the layer causes but does not render (e.g. HPA replicas above one). @default none */
  readonly requests?: (props: P) => readonly Consumer[];
  /** @default none */
  readonly releases?: (props: P, site: SiteLayers) => readonly HelmRelease[];
  readonly build: (scope: Construct, props: P, site: SiteView) => Chart;
}

/** A layer resolved at one site: its props are captured, its contributions computed. */
export interface ResolvedLayer extends ActiveLayer {
  readonly releases: (site: SiteLayers) => readonly HelmRelease[];
  readonly build: (scope: Construct, site: SiteView) => Chart;
}

/** A layer with its props type erased, as the registry holds it. */
export interface LayerDefinition {
  readonly name: string;
  readonly reads: readonly string[];
  readonly resolve: (ctx: ResolveContext) => ResolvedLayer | undefined;
}

export function defineLayer<P>(layer: Layer<P>): LayerDefinition {
  return {
    name: layer.name,
    reads: layer.reads ?? [],
    resolve: (ctx) => {
      const props = layer.resolve(ctx);
      if (props === undefined) return undefined;
      return {
        name: layer.name,
        namespaces: layer.namespaces?.(props) ?? [],
        telemetry: layer.telemetry?.(props) ?? {},
        requests: layer.requests?.(props) ?? [],
        releases: (site) => layer.releases?.(props, site) ?? [],
        build: (scope, site) => layer.build(scope, props, site),
      };
    },
  };
}
