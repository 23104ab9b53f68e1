/**
 * Test helpers: build sites in memory (no files written) and find objects in the result.
 */
import * as yaml from 'js-yaml';
import { loadCatalog } from '../lib/model/catalog';
import { loadFleet, parseSiteFile } from '../lib/model/load';
import { Fleet } from '../lib/model/fleet';
import { Site } from '../lib/model/schema';
import { Catalog, PlatformSettings, platformSettings } from '../lib/model/site';
import { ResolvedLayer } from '../lib/constructs/layer';
import { RenderedSite, renderSite, resolveSite } from '../lib/synth/render';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

let catalog: Catalog | undefined;
/** The repository's catalogues (models, Modelfiles), loaded once per test file. */
export function repoCatalog(): Catalog {
  catalog ??= loadCatalog(process.cwd(), repoFleet());
  return catalog;
}

let fleet: Fleet | undefined;
/** The repository's fleet.yaml, validated. */
export function repoFleet(): Fleet {
  fleet ??= loadFleet('fleet.yaml');
  return fleet;
}

/** Repository, revision and dist folder Argo CD syncs (from fleet.yaml). */
export function repoPlatform(): PlatformSettings {
  return platformSettings(repoFleet());
}

/** Parses a site from YAML text as if it were `sites/<name>.yaml`. */
export function siteFromYaml(text: string): Site {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1] ?? 'test-site';
  return parseSiteFile(`sites/${name}.yaml`, text).site;
}

/** Reads a sample site of the repository. */
export function sampleSite(name: string): Site {
  return parseSiteFile(`sites/${name}.yaml`).site;
}

export interface BuiltSite {
  readonly rendered: RenderedSite;
  /** Objects per layer file name stem (`baseline`, `inference`, ...). */
  readonly layers: Readonly<Record<string, K8sObject[]>>;
  readonly all: K8sObject[];
}

/** Renders a site in memory and parses its YAML back, exactly as it would be written. */
export function buildSite(site: Site, cat: Catalog = repoCatalog()): BuiltSite {
  const rendered = renderSite({ site, file: `sites/${site.name}.yaml`, catalog: cat });
  const layers: Record<string, K8sObject[]> = {};
  for (const f of rendered.files) {
    const stem = f.path.split('/').pop()?.replace(/\.k8s\.yaml$/, '') ?? f.path;
    layers[stem] = yaml.loadAll(f.content).filter((d) => d !== null && d !== undefined) as K8sObject[];
  }
  return { rendered, layers, all: Object.values(layers).flat() };
}

export function findResource(objects: readonly K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).join('\n  ');
    throw new Error(`expected exactly one ${kind} "${name}"${namespace ? ` in ${namespace}` : ''}, found ${found.length}; objects:\n  ${have}`);
  }
  return found[0];
}

export function findAll(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The layers of a site as the registry resolves them (name → resolved layer; inactive layers are absent). */
export function resolvedLayers(site: Site, cat: Catalog = repoCatalog()): Map<string, ResolvedLayer> {
  return new Map(resolveSite({ site, file: `sites/${site.name}.yaml`, catalog: cat }).layers.map((l) => [l.name, l]));
}

