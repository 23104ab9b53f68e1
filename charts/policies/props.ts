/** The policies layer's props, decided once from the inventory and the fleet config. */
import { ResolveContext } from '../../lib/constructs/layer';
import { upstreamRegistries } from '../../lib/model/versions';

export interface PoliciesProps {
  readonly site: string;
  /** The site runs the monitoring layer: ServiceMonitors, scrape NetworkPolicy. */
  readonly monitoring: boolean;
  /**
   * Image reference prefixes the registry policy allows, sorted: every upstream registry of a pinned image or
   * chart (`docker.io/`, `quay.io/`, …) and the fleet's own `<images.registry>/`.
   */
  readonly allowedImagePrefixes: readonly string[];
}

export function allowedImagePrefixes(fleetRegistry: string): string[] {
  return [...new Set([...upstreamRegistries().map((r) => `${r}/`), `${fleetRegistry}/`])].sort();
}

export function resolvePoliciesProps(ctx: ResolveContext): PoliciesProps | undefined {
  if (!ctx.site.layers.policies.enabled) return undefined;
  return { site: ctx.site.name, monitoring: ctx.isActive('monitoring'), allowedImagePrefixes: allowedImagePrefixes(ctx.catalog.fleet.images.registry) };
}
