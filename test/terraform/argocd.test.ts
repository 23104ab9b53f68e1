/**
 * The Argo CD bootstrap, evaluated through the environments: hub cluster secrets follow the contract of
 * lib/argocd/contract.ts, the hub objects are exactly the documents of dist/hub, pull-mode sites get Argo CD
 * core and a root Application equal to the one lib/argocd/application.ts would render, and the paths Terraform
 * hands to Argo CD exist in what the synth renders.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { layerApplication } from '../../lib/argocd/application';
import * as contract from '../../lib/argocd/contract';
import { loadInventory } from '../../lib/inventory/load';
import { FLEET_OUTPUTS } from '../../lib/layers';
import { PLATFORM } from '../../lib/site';
import { formatIssue, validateManifests } from '../../lib/validate';
import { HELM_CHARTS } from '../../lib/versions';
import { buildSite, K8sObject, repoCatalog } from '../helpers';
import { closeHcl, ModuleInstance } from './hcl';
import { ENVIRONMENTS_DIR, MODULES_DIR, REPO, SITES_DIR } from './paths';

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
const tmpDirs: string[] = [];
afterAll(async () => {
  tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
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

  it.each(hubSites.map((s) => [s.site.name, s.site] as const))('writes the cluster secret of %s as lib/argocd/contract.ts defines it', async (name, site) => {
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

describe('hub objects: every document of dist/hub/*.k8s.yaml becomes one kubectl_manifest', () => {
  it('splits YAML streams into documents keyed by kind/namespace/name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-hub-'));
    tmpDirs.push(dir);
    writeFileSync(join(dir, 'a.k8s.yaml'), yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'argocd' } }) + '---\n' + yaml.dump({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p', namespace: 'argocd' }, spec: { description: 'has --- inside' } }));
    writeFileSync(join(dir, 'b.k8s.yaml'), '');
    writeFileSync(join(dir, 'ignored.json'), '{}');
    const inst = await (await ModuleInstance.create(join(MODULES_DIR, 'argocd-bootstrap'), { vars: { ...hub_vars(), hub_manifests_dir: dir } })).local('hub_objects');
    expect(Object.keys(inst).sort()).toEqual(['AppProject/argocd/p', 'ConfigMap/argocd/x']);
    expect(inst['AppProject/argocd/p'].spec.description).toBe('has --- inside');
  });

  it('applies exactly the hub objects the synth renders for this inventory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-hub-'));
    tmpDirs.push(dir);
    const files = renderedHubFiles().filter((f) => /^hub\/[^/]+\.k8s\.yaml$/.test(f.path));
    expect(files.length).toBeGreaterThan(0);
    const docs = files.flatMap((f) => yaml.loadAll(f.content).filter((d) => d != null) as K8sObject[]);
    for (const f of files) writeFileSync(join(dir, f.path.slice('hub/'.length)), f.content);
    const objects = await (await ModuleInstance.create(join(MODULES_DIR, 'argocd-bootstrap'), { vars: { ...hub_vars(), hub_manifests_dir: dir } })).local('hub_objects');
    expect(Object.keys(objects).sort()).toEqual(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`).sort());
    for (const d of docs) expect(objects[`${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`]).toEqual(JSON.parse(JSON.stringify(d)));
  });

  it('reads the hub objects from <repo>/dist/hub, which the synth fills and the commit carries', async () => {
    const dir = resolve(hub.variable('hub_manifests_dir'));
    expect(dir).toBe(join(REPO, PLATFORM.distPath, 'hub'));
    const rendered = renderedHubFiles()
      .filter((f) => /^hub\/[^/]+\.k8s\.yaml$/.test(f.path))
      .map((f) => f.path.slice('hub/'.length));
    for (const file of rendered) expect({ file, committed: existsSync(join(dir, file)) }).toEqual({ file, committed: true });
    expect(await hub.variableValidations('hub_manifests_dir')).toEqual([{ ok: true, message: '' }]);
  });

  it('refuses an empty hub folder with the fix in the message', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tf-hub-'));
    tmpDirs.push(empty);
    const inst = await ModuleInstance.create(join(MODULES_DIR, 'argocd-bootstrap'), { vars: { ...hub_vars(), hub_manifests_dir: empty } });
    expect(await inst.variableValidations('hub_manifests_dir')).toEqual([{ ok: false, message: expect.stringMatching(/run `npm run synth`/) }]);
  });
});

/** Variables of the argocd-bootstrap module as prod passes them (for standalone instances). */
function hub_vars(): Record<string, unknown> {
  return {
    argocd_chart: hub.variable('argocd_chart'),
    contract: hub.variable('contract'),
    hub_sites: hub.variable('hub_sites'),
    cluster_credentials: {},
    hub_manifests_dir: hub.variable('hub_manifests_dir'),
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

  it('creates the root Application lib/argocd/application.ts defines: the gitops layer of dist/<site>', async () => {
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
    expect(project.spec).not.toHaveProperty('clusterResourceWhitelist');
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

describe('repository and revision overrides', () => {
  it('point a pull-mode site at a fork and branch without touching the template', async () => {
    if (pullSites.length === 0) return;
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
