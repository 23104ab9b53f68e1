/**
 * The committed output (dist/, after `npm run synth`) is consistent for Argo CD:
 * - every path the hub generators read exists, every generated Application points at a rendered file, and
 *   every rendered layer file of a hub-mode site has an Application (none is silently left unsynced);
 * - pull-mode sites are absent from the hub generators;
 * - namespaces are never pruned;
 * - every object a layer file holds is permitted by the project that syncs it (cluster-scoped kinds
 *   whitelisted, namespaces among the destinations), so no sync fails on a project rule at a site;
 * - every hub manifest file is synced by exactly one hub root Application (the hub follows Git, Terraform
 *   applies none of them), and holds only its root's kinds in its root's namespace.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { loadCrdDocuments } from './crd-scope';
import { HUB_MONITORING_FILE } from '../../charts/monitoring/hub';
import { bootstrapProjectSpec, HUB_MONITORING_DIR, HUB_MONITORING_NAMESPACE, HUB_ROOTS, hubRootApplications } from '../../charts/gitops/bootstrap';
import { ARGOCD_NAMESPACE, PROJECTS } from '../../charts/gitops/contract';
import { MONITORING_NAMESPACE } from '../../lib/constructs/telemetry';
import { LayerEntry, SiteEntry } from '../../charts/gitops/site';
import { loadInventory } from '../../lib/model/load';
import { K8sObject, repoPlatform } from '../helpers';
import { evaluateTemplate } from './support';

const PLATFORM = repoPlatform();

const repo = join(__dirname, '..', '..');
const dist = join(repo, 'dist');
const inventory = loadInventory(join(repo, 'sites')).map((l) => l.site);
const hubSites = inventory.filter((s) => s.gitops.mode === 'hub');
const pullSites = inventory.filter((s) => s.gitops.mode === 'pull');

const readYaml = (rel: string): K8sObject[] => (yaml.loadAll(readFileSync(join(dist, rel), 'utf8')) as K8sObject[]).filter(Boolean);
const readJson = (rel: string): unknown => JSON.parse(readFileSync(join(dist, rel), 'utf8'));
const filesIn = (rel: string): string[] => (existsSync(join(dist, rel)) ? readdirSync(join(dist, rel)).sort() : []);

/** Go's path.Match for the patterns we use: `*` within one path segment. */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
}

const scope = loadCrdDocuments(join(repo, 'schemas', 'crds'));

/** What Argo CD would refuse to sync: cluster-scoped kinds not whitelisted, namespaces not a destination. */
function projectViolations(project: K8sObject, objects: readonly K8sObject[]): string[] {
  const destinations = new Set((project.spec.destinations as { namespace: string }[]).map((d) => d.namespace));
  const whitelist = project.spec.clusterResourceWhitelist as { group: string; kind: string; name?: string }[];
  const problems: string[] = [];
  for (const o of objects) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    const where = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (scope.isClusterScoped(group, o.kind)) {
      const ok = whitelist.some((w) => w.group === group && w.kind === o.kind && (w.name === undefined || w.name === o.metadata.name));
      if (!ok) problems.push(`${where}: cluster-scoped kind not whitelisted by project ${project.metadata.name}`);
    } else if (!o.metadata.namespace) {
      problems.push(`${where}: namespaced object without metadata.namespace`);
    } else if (!destinations.has(o.metadata.namespace)) {
      problems.push(`${where}: namespace not a destination of project ${project.metadata.name}`);
    }
  }
  return problems;
}

function allDistFiles(rel = ''): string[] {
  return readdirSync(join(dist, rel), { withFileTypes: true }).flatMap((e) => {
    const path = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? allDistFiles(path) : [path];
  });
}

describe('dist/ (run npm run synth first)', () => {
  it('exists with a hub folder', () => {
    if (!existsSync(join(dist, 'hub', 'applicationsets.k8s.yaml'))) throw new Error('dist/hub/applicationsets.k8s.yaml is missing: run npm run synth');
  });

  const appSets = existsSync(join(dist, 'hub', 'applicationsets.k8s.yaml')) ? readYaml('hub/applicationsets.k8s.yaml') : [];

  it('every Git generator path matches files, and only the generator files of hub-mode sites', () => {
    expect(appSets).toHaveLength(2);
    const files = allDistFiles().map((f) => `dist/${f}`);
    for (const set of appSets) {
      const git = set.spec.generators[0].matrix.generators[0].git;
      for (const { path } of git.files as { path: string }[]) {
        const matched = files.filter((f) => globToRegExp(path).test(f)).sort();
        const dir = path.split('/').slice(0, -1).join('/');
        expect(matched).toEqual(hubSites.map((s) => `${dir}/${s.name}.json`).sort());
      }
    }
  });

  it('every generated Application syncs a file that exists', () => {
    for (const set of appSets) {
      const dir = (set.spec.generators[0].matrix.generators[0].git.files[0].path as string).split('/').slice(1, -1).join('/');
      for (const s of hubSites) {
        const data = readJson(`${dir}/${s.name}.json`);
        for (const entry of (Array.isArray(data) ? data : [data]) as Record<string, string>[]) {
          const app = evaluateTemplate(set.spec.template, { ...entry, name: s.name });
          const file = join(repo, app.spec.source.path, app.spec.source.directory.include);
          if (!existsSync(file)) throw new Error(`${set.metadata.name} generates ${app.metadata.name} for missing file ${file}`);
        }
      }
    }
  });

  it('every rendered layer file of a hub-mode site has exactly one Application (the gitops file goes to the hub)', () => {
    for (const s of hubSites) {
      const layerFiles = filesIn(s.name).filter((f) => f.endsWith('.k8s.yaml') && f !== 'gitops.k8s.yaml');
      const entries = readJson(`hub/layers/${s.name}.json`) as LayerEntry[];
      expect(entries.map((e) => `${e.layer}.k8s.yaml`).sort()).toEqual(layerFiles);
      expect(readJson(`hub/sites/${s.name}.json`) as SiteEntry).toEqual({ site: s.name, ring: String(s.ring) });
      expect(filesIn(s.name)).toContain('gitops.k8s.yaml');
    }
  });

  it('pull-mode sites are absent from the hub and sync their own layer files', () => {
    expect(pullSites.length).toBeGreaterThan(0);
    for (const s of pullSites) {
      expect(filesIn('hub/layers')).not.toContain(`${s.name}.json`);
      expect(filesIn('hub/sites')).not.toContain(`${s.name}.json`);
      const apps = readYaml(`${s.name}/gitops.k8s.yaml`).filter((o) => o.kind === 'Application' && o.spec.source.directory);
      const layerFiles = filesIn(s.name).filter((f) => f.endsWith('.k8s.yaml') && f !== 'gitops.k8s.yaml');
      expect(apps.map((a) => a.spec.source.directory.include).sort()).toEqual(layerFiles);
    }
  });

  it('namespaces are never pruned or deleted by Argo CD', () => {
    for (const s of inventory) {
      const namespaces = readYaml(`${s.name}/baseline.k8s.yaml`).filter((o) => o.kind === 'Namespace');
      expect(namespaces.length).toBeGreaterThan(0);
      for (const ns of namespaces) expect(ns.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    }
  });

  it('no Application cascades its deletion into a site (no resources finalizer anywhere)', () => {
    const all = [...appSets.map((s) => s.spec.template), ...inventory.flatMap((s) => readYaml(`${s.name}/gitops.k8s.yaml`))];
    for (const o of all) expect((o.metadata as { finalizers?: string[] }).finalizers ?? []).toEqual([]);
  });

  it('every object of every layer file is permitted by the project that syncs it', () => {
    const hubProject = readYaml('hub/projects.k8s.yaml').find((p) => p.metadata.name === PROJECTS.sites) as K8sObject;
    const problems: string[] = [];
    for (const s of inventory) {
      const project =
        s.gitops.mode === 'hub' ? hubProject : (readYaml(`${s.name}/gitops.k8s.yaml`).find((o) => o.kind === 'AppProject' && o.metadata.namespace === ARGOCD_NAMESPACE) as K8sObject);
      for (const file of filesIn(s.name).filter((f) => f.endsWith('.k8s.yaml') && f !== 'gitops.k8s.yaml')) {
        problems.push(...projectViolations(project, readYaml(`${s.name}/${file}`)).map((p) => `${s.name}/${file}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('(control) the permission check catches a non-whitelisted kind and a foreign namespace', () => {
    const project = readYaml('hub/projects.k8s.yaml').find((p) => p.metadata.name === PROJECTS.sites) as K8sObject;
    const objects = [
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'not-a-layer-namespace' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'fine' } },
    ] as K8sObject[];
    expect(projectViolations(project, objects)).toHaveLength(3);
  });
});

describe('dist/hub is synced by the hub root Applications (nothing by Terraform)', () => {
  const roots = hubRootApplications(PLATFORM);
  const manifests = allDistFiles()
    .filter((f) => f.startsWith('hub/') && f.endsWith('.k8s.yaml'))
    .map((f) => `${PLATFORM.distPath}/${f}`);
  /** What a root syncs: files directly in its path matching its include (directory.recurse is false). */
  const syncedBy = (root: (typeof roots)[number], file: string): boolean => {
    const source = root.spec.source as { path: string; directory: { recurse: boolean; include: string } };
    const rest = file.startsWith(`${source.path}/`) ? file.slice(source.path.length + 1) : undefined;
    return source.directory.recurse === false && rest !== undefined && !rest.includes('/') && globToRegExp(source.directory.include).test(rest);
  };

  it('every hub manifest file belongs to exactly one root, and every root has files', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const file of manifests) expect({ file, roots: roots.filter((r) => syncedBy(r, file)).length }).toEqual({ file, roots: 1 });
    for (const root of roots) expect({ root: root.metadata.name, files: manifests.some((f) => syncedBy(root, f)) }).toEqual({ root: root.metadata.name, files: true });
    // The generator input is never synced as manifests.
    expect(roots.some((r) => allDistFiles().filter((f) => f.startsWith('hub/') && f.endsWith('.json')).some((f) => syncedBy(r, `${PLATFORM.distPath}/${f}`)))).toBe(false);
  });

  it('each file holds only its root’s kinds, in its root’s namespace', () => {
    for (const def of HUB_ROOTS) {
      const root = roots.find((r) => r.metadata.name === def.name) as (typeof roots)[number];
      expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: def.namespace });
      const kinds = new Set(def.kinds.map((k) => `${k.group}/${k.kind}`));
      for (const file of manifests.filter((f) => syncedBy(root, f))) {
        for (const o of readYaml(file.slice(PLATFORM.distPath.length + 1))) {
          const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
          expect({ file, object: `${o.kind}/${o.metadata.name}`, kind: kinds.has(`${group}/${o.kind}`), namespace: o.metadata.namespace }).toEqual({
            file,
            object: `${o.kind}/${o.metadata.name}`,
            kind: true,
            namespace: def.namespace,
          });
        }
      }
    }
  });

  it('the bootstrap project permits exactly the roots’ namespaces and kinds', () => {
    const spec = bootstrapProjectSpec(PLATFORM, 'hub');
    expect(spec.destinations?.map((d) => d.namespace).sort()).toEqual([...new Set(HUB_ROOTS.map((r) => r.namespace))].sort());
    expect(spec.namespaceResourceWhitelist).toEqual(HUB_ROOTS.flatMap((r) => r.kinds));
    expect(spec.clusterResourceWhitelist).toEqual([]);
  });

  it('the monitoring root points where the monitoring layer writes: its folder and the hub Prometheus namespace', () => {
    expect(HUB_MONITORING_FILE.startsWith(`${HUB_MONITORING_DIR}/`)).toBe(true);
    expect(HUB_MONITORING_NAMESPACE).toBe(MONITORING_NAMESPACE);
  });
});
