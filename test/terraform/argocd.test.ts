/**
 * The Argo CD bootstrap, evaluated through the environments: hub cluster secrets follow the contract of
 * charts/gitops/contract.ts; on the hub Terraform creates only the bootstrap project and the root Applications of
 * charts/gitops/bootstrap.ts, which sync every rendered hub manifest from Git; pull-mode sites get Argo CD core and
 * a root Application equal to the one charts/gitops/application.ts would render; and the paths Terraform hands to
 * Argo CD exist in what the synth renders.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { layerApplication } from '../../charts/gitops/application';
import {
  bootstrapProject,
  HUB_MONITORING_ROOT_APPLICATION,
  HUB_ROOT_APPLICATION,
  hubRootApplication,
  hubRootApplications,
  pullRootApplication,
  rootApplicationObject,
} from '../../charts/gitops/bootstrap';
import * as contract from '../../charts/gitops/contract';
import { loadInventory } from '../../lib/model/load';
import { FLEET_OUTPUTS } from '../../lib/synth/hub';
import { formatIssue, validateManifests } from '../../tools/validate';
import { HELM_CHARTS } from '../../lib/model/versions';
import { IDENTITY_OBJECTS, LINKERD_NAMESPACE } from '../../charts/mesh/names';
import { K8sObject, buildSite, findResource, repoCatalog, repoPlatform } from '../helpers';
import { closeHcl, ModuleInstance } from './hcl';
import { ENVIRONMENTS_DIR, MODULES_DIR, REPO, SITES_DIR } from './paths';

const PLATFORM = repoPlatform();

const inventory = loadInventory(SITES_DIR);
const hubSites = inventory.filter((s) => s.site.gitops.mode === 'hub');
const pullSites = inventory.filter((s) => s.site.gitops.mode === 'pull');
const PROD_VARS = { ssh_user: 'pi', ssh_private_key_path: '~/.ssh/id', hub_kubeconfig_path: '~/.kube/hub.yaml' };

let prod: ModuleInstance;
let hub: ModuleInstance;
beforeAll(async () => {
  prod = await ModuleInstance.create(join(ENVIRONMENTS_DIR, 'prod'), { vars: PROD_VARS });
  hub = await (await prod.moduleCall('argocd')).instance();
});
afterAll(async () => {
  await closeHcl();
});

/** The hub files the synth renders for the current inventory, in memory. */
function renderedHubFiles(): { path: string; content: string }[] {
  return FLEET_OUTPUTS.flatMap((output) => output(inventory, repoCatalog()));
}

describe('hub: Argo CD with Progressive Syncs, one cluster secret per hub-mode site', () => {
  it('installs the pinned argo-cd chart with the contract values (progressive syncs on)', async () => {
    expect(hub.variable('argocd_chart')).toEqual({ repository: HELM_CHARTS.argoCd.repoURL, chart: HELM_CHARTS.argoCd.chart, version: HELM_CHARTS.argoCd.version });
    const values = yaml.load(await hub.local('hub_values_yml')) as typeof contract.HUB_ARGOCD_HELM_VALUES;
    expect(values).toEqual(contract.HUB_ARGOCD_HELM_VALUES);
    expect(values.configs.params['applicationsetcontroller.enable.progressive.syncs']).toBe(true);
    expect(await hub.local('namespace')).toBe(contract.ARGOCD_NAMESPACE);
  });

  it('registers exactly the hub-mode sites (pull-mode sites are absent)', async () => {
    const secrets = await hub.local('cluster_secrets');
    expect(Object.keys(secrets)).toEqual(hubSites.map((s) => s.site.name).sort());
    for (const { site } of pullSites) expect(secrets).not.toHaveProperty(site.name);
  });

  it.each(hubSites.map((s) => [s.site.name, s.site] as const))('writes the cluster secret of %s as charts/gitops/contract.ts defines it', async (name, site) => {
    const secret = (await hub.local('cluster_secrets'))[name];
    expect(secret).toEqual({
      name: `cluster-${name}`,
      labels: contract.clusterSecretLabels(site),
      data: { ...contract.clusterSecretData(site), server: `https://${site.nodes[0].ip}:6443` },
    });
  });

  it('keeps the credentials out of the for_each (they are sensitive, the site map is not)', () => {
    const mod = hub.module;
    expect(mod.resources['kubernetes_secret_v1.cluster'].for_each).toBe('${local.cluster_secrets}');
    expect(mod.variables.cluster_credentials.sensitive).toBe(true);
    expect(mod.variables.hub_sites.sensitive).toBeUndefined();
  });
});

describe('hub bootstrap: Terraform creates the bootstrap project and the root Applications, Git carries the rest', () => {
  /** The hub root Applications as prod creates them, keyed by name. */
  const roots = (): Promise<Record<string, K8sObject>> => hub.local('root_applications');
  /** Rendered hub files (in memory, for this inventory) a root syncs: `*.k8s.yaml` directly in its path. */
  function filesOf(root: K8sObject, files: { path: string; content: string }[]): { path: string; content: string }[] {
    const dir = `${root.spec.source.path.slice(PLATFORM.distPath.length + 1)}/`;
    const include = globToRegExp(root.spec.source.directory.include);
    expect(root.spec.source.directory.recurse).toBe(false);
    return files.filter((f) => f.path.startsWith(dir) && !f.path.slice(dir.length).includes('/') && include.test(f.path.slice(dir.length)));
  }

  it('applies nothing from dist/: only kubectl_manifest.bootstrap_project and kubectl_manifest.root', () => {
    const kubectl = Object.keys(hub.module.resources).filter((r) => r.startsWith('kubectl_manifest.'));
    expect(kubectl.sort()).toEqual(['kubectl_manifest.bootstrap_project', 'kubectl_manifest.root']);
    expect(hub.module.resources['kubectl_manifest.root'].for_each).toBe('${local.root_applications}');
    const source = Object.keys(hub.module.files).map((f) => readFileSync(join(MODULES_DIR, 'argocd-bootstrap', f), 'utf8')).join('\n');
    expect(source).not.toMatch(/fileset\(|\bfile\(/);
    expect(hub.module.variables).not.toHaveProperty('hub_manifests_dir');
  });

  it('creates the hub bootstrap project of charts/gitops/bootstrap.ts, valid against the AppProject CRD', async () => {
    const project = await hub.local('bootstrap_project');
    expect(project).toEqual(bootstrapProject(PLATFORM, 'hub'));
    expect(validateManifests([project]).map(formatIssue)).toEqual([]);
  });

  it('creates exactly the root Applications hubRootApplications() defines, edge-hub equal to hubRootApplication()', async () => {
    const apps = await roots();
    expect(Object.keys(apps)).toEqual(hubRootApplications(PLATFORM).map((a) => a.metadata.name).sort());
    for (const app of hubRootApplications(PLATFORM)) expect(apps[app.metadata.name]).toEqual(rootApplicationObject(app));
    expect(apps[HUB_ROOT_APPLICATION]).toEqual(rootApplicationObject(hubRootApplication(PLATFORM)));
    expect(apps[HUB_ROOT_APPLICATION].spec.source).toMatchObject({ path: `${PLATFORM.distPath}/hub`, directory: { recurse: false, include: '*.k8s.yaml' } });
    expect(apps[HUB_MONITORING_ROOT_APPLICATION].spec).toMatchObject({
      source: { path: `${PLATFORM.distPath}/hub/monitoring` },
      destination: { server: contract.IN_CLUSTER_SERVER, namespace: 'monitoring' },
    });
    expect(apps[HUB_MONITORING_ROOT_APPLICATION].spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    for (const app of Object.values(apps)) {
      expect(app.spec.project).toBe(contract.PROJECTS.bootstrap);
      expect((app.metadata as { finalizers?: string[] }).finalizers ?? []).toEqual([]);
    }
    expect(validateManifests([await hub.local('bootstrap_project'), ...Object.values(apps)]).map(formatIssue)).toEqual([]);
  });

  it('syncs every rendered hub manifest file through exactly one root, and every root has files, in the synth and in the commit', async () => {
    const files = renderedHubFiles().filter((f) => f.path.endsWith('.k8s.yaml'));
    const apps = Object.values(await roots());
    for (const f of files) {
      expect({ file: f.path, roots: apps.filter((a) => filesOf(a, [f]).length === 1).map((a) => a.metadata.name) }).toEqual({ file: f.path, roots: [expect.any(String)] });
    }
    for (const app of apps) {
      const synced = filesOf(app, files);
      expect({ root: app.metadata.name, files: synced.length > 0 }).toEqual({ root: app.metadata.name, files: true });
      for (const f of synced) expect({ file: f.path, committed: existsSync(join(REPO, PLATFORM.distPath, f.path)) }).toEqual({ file: f.path, committed: true });
    }
  });

  it('lets the bootstrap project create every object of those files, in its root\'s own namespace, and nothing cluster-scoped', async () => {
    const project = await hub.local('bootstrap_project');
    const allowed = new Set((project.spec.namespaceResourceWhitelist as { group: string; kind: string }[]).map((k) => `${k.group}/${k.kind}`));
    const destinations = (project.spec.destinations as { server: string; namespace: string }[]).map((d) => `${d.server} ${d.namespace}`);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const files = renderedHubFiles().filter((f) => f.path.endsWith('.k8s.yaml'));
    for (const app of Object.values(await roots())) {
      expect(destinations).toContain(`${app.spec.destination.server} ${app.spec.destination.namespace}`);
      const docs = filesOf(app, files).flatMap((f) => yaml.loadAll(f.content).filter((d) => d != null) as K8sObject[]);
      expect(docs.length).toBeGreaterThan(0);
      for (const o of docs) {
        const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
        expect({ object: `${o.kind}/${o.metadata.name}`, allowed: allowed.has(`${group}/${o.kind}`), namespace: o.metadata.namespace }).toEqual({
          object: `${o.kind}/${o.metadata.name}`,
          allowed: true,
          namespace: app.spec.destination.namespace,
        });
      }
    }
  });

  it('orders the roots after the bootstrap project and the cluster secrets, and forgets (never destroys) the objects older versions applied', () => {
    const res = hub.module.resources;
    expect(res['kubectl_manifest.bootstrap_project'].depends_on).toEqual(['${helm_release.argocd}']);
    expect(res['kubectl_manifest.root'].depends_on).toEqual(['${kubectl_manifest.bootstrap_project}', '${kubernetes_secret_v1.cluster}']);
    const removed = Object.values(hub.module.files).flatMap((f) => (f.removed ?? []) as { from: string; lifecycle: { destroy: boolean }[] }[]);
    expect(removed).toEqual([{ from: '${kubectl_manifest.hub}', lifecycle: [{ destroy: false }] }]);
  });

  it('leaves edge-hub-monitoring out for a hub without a Prometheus Operator (hub_monitoring = false)', async () => {
    const inst = await ModuleInstance.create(join(MODULES_DIR, 'argocd-bootstrap'), { vars: { ...hub_vars(), hub_monitoring: false } });
    expect(Object.keys(await inst.local('root_applications'))).toEqual([HUB_ROOT_APPLICATION]);
    expect(Object.keys(await hub.local('root_applications'))).toContain(HUB_MONITORING_ROOT_APPLICATION);
  });

  it('refuses a repository URL that would break the placeholder replacement, with the fix in the message', async () => {
    const inst = await ModuleInstance.create(join(MODULES_DIR, 'argocd-bootstrap'), { vars: { ...hub_vars(), repo_url: 'https://example.com/a"b.git' } });
    expect(await inst.variableValidations('repo_url')).toEqual([{ ok: false, message: expect.stringMatching(/no spaces, quotes or backslashes/) }]);
  });
});

/** Go's path.Match for the patterns the roots use: `*` within one path segment. */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
}

/** Variables of the argocd-bootstrap module as prod passes them (for standalone instances). */
function hub_vars(): Record<string, unknown> {
  return {
    argocd_chart: hub.variable('argocd_chart'),
    contract: hub.variable('contract'),
    hub_sites: hub.variable('hub_sites'),
    cluster_credentials: {},
    repo_url: hub.variable('repo_url'),
    target_revision: hub.variable('target_revision'),
  };
}

describe.each(pullSites.map((s) => [s.site.name, s.site] as const))('pull-mode site %s', (name, site) => {
  let inst: ModuleInstance;
  beforeAll(async () => {
    const call = await prod.moduleCall('argocd_site');
    expect(call.forEach).toEqual(pullSites.map((s) => s.site.name).sort());
    inst = await call.instance(name);
  });

  it('is bootstrapped on its first server', () => {
    expect(inst.variable('host')).toBe(site.nodes[0].ip);
    expect(inst.variable('ring')).toBe(site.ring);
  });

  it('installs Argo CD core through the K3s Helm controller with the pinned chart', async () => {
    const chart = yaml.load((await inst.output('manifests'))['edge-ai-argocd.yaml']) as K8sObject;
    expect(chart).toMatchObject({
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'argocd', namespace: 'kube-system' },
      spec: { repo: HELM_CHARTS.argoCd.repoURL, chart: HELM_CHARTS.argoCd.chart, version: HELM_CHARTS.argoCd.version, targetNamespace: contract.ARGOCD_NAMESPACE },
    });
    // Core: the contract's values (no dex, notifications, ApplicationSet) and no API server/UI.
    expect(yaml.load(chart.spec.valuesContent)).toEqual({ ...contract.PULL_ARGOCD_HELM_VALUES, server: { enabled: false } });
  });

  it('creates the root Application charts/gitops/application.ts defines: the gitops layer of dist/<site>', async () => {
    const [project, app] = yaml.loadAll((await inst.output('manifests'))['edge-ai-argocd-root.yaml']) as K8sObject[];
    const expected = layerApplication({
      name: `${name}-gitops`,
      site: name,
      layer: 'gitops',
      ring: String(site.ring),
      project: contract.PROJECTS.bootstrap,
      repoURL: PLATFORM.repoURL,
      targetRevision: PLATFORM.targetRevision,
      path: `${PLATFORM.distPath}/${name}`,
      include: 'gitops.k8s.yaml',
      cluster: { server: contract.IN_CLUSTER_SERVER },
      namespace: contract.ARGOCD_NAMESPACE,
    });
    expect(app).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...JSON.parse(JSON.stringify(expected)) });
    expect(app).toEqual(rootApplicationObject(pullRootApplication(site, PLATFORM)));
    expect(project).toEqual(bootstrapProject(PLATFORM, 'pull'));
    expect(project.metadata.name).toBe(app.spec.project);
    expect(validateManifests([project, app]).map(formatIssue)).toEqual([]);
  });

  it('syncs a path and file the synth renders and the commit carries', async () => {
    const root = await inst.output('root_application');
    expect(root.path).toBe(`${PLATFORM.distPath}/${name}`);
    const rendered = buildSite(site).rendered.files.map((f) => f.path);
    expect(rendered).toContain(`${name}/${root.include}`);
    expect(existsSync(join(REPO, root.path, root.include))).toBe(true);
  });

  it('lets the bootstrap project create every object of the site gitops file, and nothing else', async () => {
    const [project] = yaml.loadAll((await inst.output('manifests'))['edge-ai-argocd-root.yaml']) as K8sObject[];
    const allowed = new Set((project.spec.namespaceResourceWhitelist as { group: string; kind: string }[]).map((k) => `${k.group}/${k.kind}`));
    const objects = buildSite(site).layers.gitops ?? [];
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      expect({ object: `${o.kind}/${o.metadata.name}`, allowed: allowed.has(`${group}/${o.kind}`), namespace: o.metadata.namespace }).toEqual({
        object: `${o.kind}/${o.metadata.name}`,
        allowed: true,
        namespace: contract.ARGOCD_NAMESPACE,
      });
    }
    expect(project.spec.destinations).toEqual([{ server: contract.IN_CLUSTER_SERVER, namespace: contract.ARGOCD_NAMESPACE }]);
    expect(project.spec.sourceRepos).toEqual([PLATFORM.repoURL]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    // The NetworkPolicies Argo CD core needs are part of that file: without them the project would refuse them.
    expect(objects.some((o) => o.kind === 'NetworkPolicy')).toBe(true);
  });

  it('never writes the argocd Namespace: the HelmChart creates it once, the baseline layer adopts it with its labels', async () => {
    const manifests = (await inst.output('manifests')) as Record<string, string>;
    const docs = Object.values(manifests).flatMap((m) => yaml.loadAll(m) as K8sObject[]);
    expect(docs.map((d) => d.kind).sort()).toEqual(['AppProject', 'Application', 'HelmChart']);
    const chart = docs.find((d) => d.kind === 'HelmChart') as K8sObject;
    expect(chart.spec).toMatchObject({ targetNamespace: contract.ARGOCD_NAMESPACE, createNamespace: true });
    const ns = findResource(buildSite(site).layers.baseline, 'Namespace', contract.ARGOCD_NAMESPACE);
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(ns.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
  });

  it('writes the root Application only after the Argo CD CRDs are established', async () => {
    const commands = (await inst.local('commands')) as string[];
    const chart = commands.findIndex((c) => c.includes('/edge-ai-argocd.yaml'));
    const wait = commands.findIndex((c) => c.includes('condition=established'));
    const root = commands.findIndex((c) => c.includes('/edge-ai-argocd-root.yaml'));
    expect(chart).toBeGreaterThan(-1);
    expect(wait).toBeGreaterThan(chart);
    expect(root).toBeGreaterThan(wait);
  });
});

describe('linkerd identity (modules/linkerd-identity, ADR 0029)', () => {
  it('is planned for the mesh sites only, on their first server, with the names the control plane reads', async () => {
    const meshSites = inventory.filter(({ site }) => site.layers.mesh?.enabled === true);
    expect(meshSites.map(({ site }) => site.name)).toEqual(['factory-floor']);
    const call = await prod.moduleCall('linkerd_identity');
    expect(call.forEach).toEqual(meshSites.map(({ site }) => site.name));
    const inst = await call.instance('factory-floor');
    expect(inst.variable('host')).toBe(meshSites[0].site.nodes[0].ip);
    expect(inst.variable('identity')).toEqual({
      namespace: LINKERD_NAMESPACE,
      trustRootsConfigMap: IDENTITY_OBJECTS.trustRootsConfigMap,
      trustRootsKey: 'ca-bundle.crt',
      issuerSecret: IDENTITY_OBJECTS.issuerSecret,
    });
    const commands = (await inst.local('commands')) as string[];
    expect(commands.join('\n')).toContain('-m 0600 -o root -g root /tmp/edge-ai-linkerd-identity.yaml /var/lib/rancher/k3s/server/manifests/edge-ai-linkerd-identity.yaml');
  });
});

describe('repository and revision overrides', () => {
  it('point a pull-mode site at a fork and branch without touching the template', async () => {
    expect(pullSites.length).toBeGreaterThan(0);
    const env = await ModuleInstance.create(join(ENVIRONMENTS_DIR, 'prod'), {
      vars: { ...PROD_VARS, repo_url: 'https://github.com/example/fork.git', target_revision: 'feature/x' },
    });
    const name = pullSites[0].site.name;
    const inst = await (await env.moduleCall('argocd_site')).instance(name);
    const [project, app] = yaml.loadAll((await inst.output('manifests'))['edge-ai-argocd-root.yaml']) as K8sObject[];
    expect(app.spec.source).toMatchObject({ repoURL: 'https://github.com/example/fork.git', targetRevision: 'feature/x' });
    expect(project.spec.sourceRepos).toEqual(['https://github.com/example/fork.git']);
    expect(JSON.stringify(app)).not.toMatch(/__[A-Z_]+__/);
  });

  it('point the hub root Applications at a fork and branch without touching the templates', async () => {
    const env = await ModuleInstance.create(join(ENVIRONMENTS_DIR, 'prod'), {
      vars: { ...PROD_VARS, repo_url: 'https://github.com/example/fork.git', target_revision: 'feature/x' },
    });
    const inst = await (await env.moduleCall('argocd')).instance();
    const apps = Object.values(await inst.local('root_applications')) as K8sObject[];
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) expect(app.spec.source).toMatchObject({ repoURL: 'https://github.com/example/fork.git', targetRevision: 'feature/x' });
    expect((await inst.local('bootstrap_project')).spec.sourceRepos).toEqual(['https://github.com/example/fork.git']);
    expect(JSON.stringify(apps)).not.toMatch(/__[A-Z_]+__/);
  });
});

describe('dev: one site, one node', () => {
  const devVars = (site: string) => ({ site, ssh_user: 'pi', ssh_private_key_path: '~/.ssh/id' });

  it.each(inventory.map((s) => [s.site.name, s.site] as const))('brings up %s on its first server only, in its own GitOps mode', async (name, site) => {
    const dev = await ModuleInstance.create(join(ENVIRONMENTS_DIR, 'dev'), { vars: devVars(name) });
    expect(await dev.variableValidations('site')).toEqual([
      { ok: true, message: '' },
      { ok: true, message: '' },
    ]);
    const cluster = await (await dev.moduleCall('cluster')).instance();
    expect(cluster.variable('nodes').map((n: { name: string }) => n.name)).toEqual([site.nodes[0].name]);
    expect(cluster.variable('k3s_version')).toBe(site.k3sVersion);
    expect((await dev.moduleCall('argocd')).forEach).toEqual(site.gitops.mode === 'hub' ? [name] : []);
    expect((await dev.moduleCall('argocd_site')).forEach).toEqual(site.gitops.mode === 'pull' ? [name] : []);
  });

  it('rejects a site that has no file in sites/', async () => {
    const dev = await ModuleInstance.create(join(ENVIRONMENTS_DIR, 'dev'), { vars: devVars('no-such-site') });
    expect(await dev.variableValidations('site')).toEqual([
      { ok: true, message: '' },
      { ok: false, message: expect.stringMatching(/no sites\/<site>\.yaml/) },
    ]);
  });
});

describe('committed hub output', () => {
  it('is what the synth renders now (dist/hub is not stale)', () => {
    for (const f of renderedHubFiles().filter((r) => r.path.endsWith('.k8s.yaml'))) {
      const committed = join(REPO, PLATFORM.distPath, f.path);
      expect({ file: f.path, same: existsSync(committed) && readFileSync(committed, 'utf8') === f.content }).toEqual({ file: f.path, same: true });
    }
  });
});
