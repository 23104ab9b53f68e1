/** Shared helpers of the monitoring tests: the sample fleet, its rendering, and dist/ when present. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HelmRelease } from '../../lib/constructs/helm';
import { loadInventory, LoadedSite } from '../../lib/model/load';
import { Site } from '../../lib/model/schema';
import { hubMonitoringOutput } from '../../lib/synth/hub';
import { resolveSite } from '../../lib/synth/render';
import { loadYamlDocs } from '../../tools/validate';
import * as yaml from 'js-yaml';
import { buildSite, K8sObject, repoCatalog, sampleSite } from '../helpers';

export const SAMPLE_SITES = ['factory-floor', 'warehouse', 'office'] as const;

let fleet: LoadedSite[] | undefined;
/** The repository's inventory (sites/). */
export function sampleFleet(): LoadedSite[] {
  fleet ??= loadInventory('sites');
  return fleet;
}

/** The monitoring layer's objects of a site, rendered in memory with every layer of the registry. */
export function monitoringObjects(site: Site): K8sObject[] {
  return buildSite(site).layers.monitoring ?? [];
}

export function releases(site: Site): HelmRelease[] {
  return resolveSite({ site, file: `sites/${site.name}.yaml`, catalog: repoCatalog() })
    .view.releases.filter((r) => r.layer === 'monitoring')
    .map((r) => r.release);
}

export function release(site: Site, name: string): HelmRelease {
  const r = releases(site).find((x) => x.name === name);
  if (!r) throw new Error(`site ${site.name} has no Helm release ${name}`);
  return r;
}

/** kube-prometheus-stack values of a sample site, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kpsValues(site: Site): any {
  return release(site, 'kube-prometheus-stack').values;
}

export function hubObjects(sites: readonly LoadedSite[] = sampleFleet()): K8sObject[] {
  return hubMonitoringOutput(sites, repoCatalog()).flatMap((f) => yaml.loadAll(f.content) as K8sObject[]);
}

/** Every manifest of dist/, per site folder (empty when dist/ has not been rendered). */
export function distObjects(): Map<string, K8sObject[]> {
  const out = new Map<string, K8sObject[]>();
  if (!existsSync('dist')) return out;
  const walk = (dir: string, site: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path, site);
      else if (e.name.endsWith('.k8s.yaml')) out.set(site, [...(out.get(site) ?? []), ...(loadYamlDocs(path) as K8sObject[])]);
    }
  };
  for (const e of readdirSync('dist', { withFileTypes: true })) if (e.isDirectory()) walk(join('dist', e.name), e.name);
  return out;
}

export { sampleSite };
