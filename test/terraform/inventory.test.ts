/**
 * One source of truth: what Terraform derives from sites/*.yaml (the HCL of terraform/modules/inventory,
 * evaluated here) equals what the TypeScript loader returns, for the real inventory, for an inventory with an
 * added site, and for the defaults a minimal site file relies on. Broken inventories are rejected by both.
 * generated.json (the facts TypeScript owns) must be current. fleet.yaml (repository, registry mirrors) reaches the
 * Terraform roots and the K3s nodes.
 */
import { execFileSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESERVE } from '../../lib/model/capacity';
import { layerApplication } from '../../charts/gitops/application';
import {
  bootstrapProject,
  HUB_MONITORING_ROOT_APPLICATION,
  HUB_ROOT_APPLICATION,
  hubRootApplication,
  hubRootApplications,
  rootApplicationObject,
} from '../../charts/gitops/bootstrap';
import * as contract from '../../charts/gitops/contract';
import { loadInventory, LoadedSite, siteMirrors } from '../../lib/model/load';
import { SiteSchema } from '../../lib/model/schema';
import { NODE_MEMORY_GIB_LABEL } from '../../charts/ollama/props';
import { HELM_CHARTS } from '../../lib/model/versions';
import { closeHcl, ModuleInstance } from './hcl';
import { FLEET_FILE, MODULES_DIR, REPO, SITES_DIR, TERRAFORM } from './paths';
import { repoFleet, repoPlatform } from '../helpers';

const PLATFORM = repoPlatform();
const FLEET = repoFleet();

const INVENTORY = join(MODULES_DIR, 'inventory');

/** The TypeScript view, in the HCL module's field names. */
function expectedSites(loaded: readonly LoadedSite[]): Record<string, unknown> {
  return Object.fromEntries(
    loaded.map(({ site }) => [
      site.name,
      {
        name: site.name,
        region: site.region,
        ring: site.ring,
        k3s_version: site.k3sVersion,
        gitops_mode: site.gitops.mode,
        embedded_registry: site.registries.embeddedMirror,
        mesh: site.layers.mesh?.enabled === true,
        registry_mirrors: siteMirrors(site, FLEET),
        nodes: site.nodes.map((n) => ({ name: n.name, ip: n.ip, arch: n.arch, role: n.role, cpu_cores: n.cpuCores, memory_gib: n.memoryGiB })),
      },
    ]),
  );
}

async function hclSites(sitesDir: string): Promise<Record<string, unknown>> {
  const inv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: sitesDir, fleet_file: FLEET_FILE } });
  const failed = (await inv.outputPreconditions('sites')).filter((p) => !p.ok);
  if (failed.length) throw new Error(failed.map((p) => p.message).join('\n'));
  return inv.output('sites');
}

const tmpDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tf-inventory-'));
  tmpDirs.push(d);
  return d;
}
afterAll(async () => {
  tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await closeHcl();
});

/** A copy of sites/ plus extra files. */
function sitesWith(extra: Record<string, string>, drop: string[] = []): string {
  const dir = tempDir();
  cpSync(SITES_DIR, dir, { recursive: true });
  for (const f of drop) rmSync(join(dir, f));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A site file with only the required fields: region, k3sVersion, role and gitops come from the defaults. */
const MINIMAL_SITE = `name: lab
location: Test lab
ring: 3
nodes:
  - name: lab-nuc-01
    ip: 10.20.30.40
    arch: amd64
    cpuCores: 8
    memoryGiB: 16
  - name: lab-rpi-01
    ip: 10.20.30.41
    arch: arm64
    cpuCores: 4
    memoryGiB: 4
    role: agent
`;

describe('sites Terraform derives from sites/*.yaml', () => {
  it('equal the TypeScript inventory: sites, nodes (name, ip, arch, role, size), K3s versions, modes', async () => {
    const loaded = loadInventory(SITES_DIR);
    expect(loaded.length).toBeGreaterThan(0);
    expect(await hclSites(SITES_DIR)).toEqual(expectedSites(loaded));
  });

  it('apply the schema defaults the same way for a minimal site file', async () => {
    const dir = sitesWith({ 'lab.yaml': MINIMAL_SITE });
    const hcl = (await hclSites(dir)) as Record<string, { region: string; k3s_version: string; gitops_mode: string; nodes: { role: string }[] }>;
    const ts = loadInventory(dir).find((s) => s.site.name === 'lab')!.site;
    expect(hcl.lab).toEqual(expectedSites([{ site: ts, file: 'lab.yaml' }]).lab);
    expect({ region: hcl.lab.region, k3s: hcl.lab.k3s_version, mode: hcl.lab.gitops_mode, role: hcl.lab.nodes[0].role }).toEqual({
      region: 'default',
      k3s: SiteSchema.shape.k3sVersion.parse(undefined),
      mode: 'hub',
      role: 'server',
    });
  });

  it('resolve the registry mirrors and the embedded mirror the same way: site entries replace the fleet entry of their host', async () => {
    const site = `${MINIMAL_SITE}k3sVersion: v1.29.1+k3s1\nregistries:\n  embeddedMirror: true\n  mirrors:\n    docker.io: { endpoints: ["http://10.20.30.5:5000"] }\n    registry.lab.example:5000: {}\n`;
    const dir = sitesWith({ 'lab.yaml': site });
    const hcl = (await hclSites(dir)) as Record<string, { embedded_registry: boolean; registry_mirrors: Record<string, { endpoints: string[] }> }>;
    const ts = loadInventory(dir, FLEET);
    expect(hcl).toEqual(expectedSites(ts));
    expect(hcl.lab.embedded_registry).toBe(true);
    expect(hcl.lab.registry_mirrors['docker.io']).toEqual({ endpoints: ['http://10.20.30.5:5000'] });
    expect(hcl.lab.registry_mirrors['registry.lab.example:5000']).toEqual({ endpoints: [] });
    expect(Object.keys(hcl.lab.registry_mirrors)).toEqual(expect.arrayContaining(Object.keys(FLEET.registries.mirrors)));
  });

  it('follow a site file being removed', async () => {
    const loaded = loadInventory(SITES_DIR);
    const drop = `${loaded[0].site.name}.yaml`;
    const dir = sitesWith({}, [drop]);
    const hcl = await hclSites(dir);
    expect(Object.keys(hcl)).toEqual(loaded.slice(1).map((s) => s.site.name));
    expect(hcl).toEqual(expectedSites(loadInventory(dir)));
  });
});

describe('adding a site file adds its cluster to both worlds', () => {
  let root: string;
  let prod: ModuleInstance;

  beforeAll(async () => {
    // A scratch repository: this terraform/ tree, the real dist/, and sites/ plus one new file.
    root = tempDir();
    cpSync(TERRAFORM, join(root, 'terraform'), { recursive: true, filter: (src) => !src.includes('.terraform') });
    symlinkSync(join(REPO, 'dist'), join(root, 'dist'));
    cpSync(SITES_DIR, join(root, 'sites'), { recursive: true });
    cpSync(FLEET_FILE, join(root, 'fleet.yaml'));
    writeFileSync(join(root, 'sites', 'lab.yaml'), MINIMAL_SITE);
    prod = await ModuleInstance.create(join(root, 'terraform/environments/prod'), {
      vars: { ssh_user: 'pi', ssh_private_key_path: '~/.ssh/id', hub_kubeconfig_path: '~/.kube/hub.yaml' },
    });
  });

  it('is in the TypeScript inventory and in every prod module instance Terraform plans', async () => {
    const names = loadInventory(join(root, 'sites')).map((s) => s.site.name);
    expect(names).toContain('lab');
    const clusters = await prod.moduleCall('cluster');
    expect(clusters.forEach).toEqual([...names].sort());
    const lab = await clusters.instance('lab');
    expect(await lab.output('api_server_url')).toBe('https://10.20.30.40:6443');
    expect(Object.keys(await lab.output('node_configs'))).toEqual(['lab-nuc-01', 'lab-rpi-01']);
  });

  it('is registered at the hub (mode defaults to hub), not bootstrapped as a pull site', async () => {
    const argocd = await (await prod.moduleCall('argocd')).instance();
    expect(Object.keys(argocd.variable('hub_sites'))).toContain('lab');
    expect((await prod.moduleCall('argocd_site')).forEach).not.toContain('lab');
  });
});

describe('broken inventories are rejected by Terraform and by the TypeScript loader alike', () => {
  const loaded = loadInventory(SITES_DIR);
  const first = loaded[0];
  const text = readFileSync(join(SITES_DIR, `${first.site.name}.yaml`), 'utf8');
  const otherIp = loaded[1]?.site.nodes[0].ip ?? first.site.nodes[0].ip;

  const cases: [string, Record<string, string>, RegExp][] = [
    ['name differs from the file name', { 'renamed.yaml': text }, /name field of a site file must equal its file name: renamed\.yaml/],
    ['k3sVersion "latest"', { [`${first.site.name}.yaml`]: text.replace(/^k3sVersion: .*$/m, 'k3sVersion: latest') }, /never "latest"/],
    ['first node is an agent', { 'lab.yaml': MINIMAL_SITE.replace('memoryGiB: 16\n', 'memoryGiB: 16\n    role: agent\n') }, /first node of a site must be a K3s server .*: lab\.yaml \(nodes\[0\]\.role: agent\)/],
    ['gitops.mode is neither hub nor pull', { 'lab.yaml': `${MINIMAL_SITE}gitops:\n  mode: push\n` }, /gitops\.mode must be "hub" or "pull": lab\.yaml \(gitops\.mode: push\)/],
    [
      'embedded registry mirror on a K3s release without it',
      { 'lab.yaml': `${MINIMAL_SITE}k3sVersion: v1.28.5+k3s1\nregistries:\n  embeddedMirror: true\n` },
      /registries\.embeddedMirror needs a K3s release with the embedded registry mirror .*: lab\.yaml \(k3sVersion: v1\.28\.5\+k3s1\)/,
    ],
    ['a node IP is used twice across the fleet', { 'lab.yaml': MINIMAL_SITE.replace('10.20.30.40', otherIp) }, new RegExp(`unique across the fleet; used more than once: ${otherIp.replace(/\./g, '\\.')}`)],
  ];

  it.each(cases)('%s', async (_label, files, message) => {
    const dir = sitesWith(files, 'renamed.yaml' in files ? [`${first.site.name}.yaml`] : []);
    expect(() => loadInventory(dir)).toThrow();
    const inv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: dir, fleet_file: FLEET_FILE } });
    const failed = (await inv.outputPreconditions('sites')).filter((p) => !p.ok).map((p) => p.message);
    expect(failed).toEqual([expect.stringMatching(message)]);
  });

  it('refuses what npm run synth refuses in a sites folder: editor files, other extensions, upper case', async () => {
    const dir = sitesWith({ '.#lab.yaml': MINIMAL_SITE, 'plant-b.YAML': MINIMAL_SITE, 'lab.yaml~': MINIMAL_SITE, 'notes.txt': 'x' });
    const inv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: dir, fleet_file: FLEET_FILE } });
    const failed = (await inv.outputPreconditions('sites')).filter((p) => !p.ok).map((p) => p.message);
    // First and by name; the editor's lock file was also read as a site (fileset "*.yaml" matches it).
    expect(failed[0]).toContain('not <site>.yaml files (`npm run synth` refuses them; Terraform would skip or misread them): .#lab.yaml, lab.yaml~, notes.txt, plant-b.YAML.');
    for (const entry of ['.#lab.yaml', 'plant-b.YAML', 'lab.yaml~', 'notes.txt']) {
      expect(() => loadInventory(sitesWith({ [entry]: MINIMAL_SITE }))).toThrow(entry);
    }
    // The sample folder (with its README.md) passes.
    const ok = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: sitesWith({}), fleet_file: FLEET_FILE } });
    expect((await ok.outputPreconditions('sites')).every((p) => p.ok)).toBe(true);
  });

  it('rejects a sites folder without site files or with *.yml files', async () => {
    const empty = tempDir();
    const emptyInv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: empty, fleet_file: FLEET_FILE } });
    expect((await emptyInv.variableValidations('sites_dir')).map((v) => v.ok)).toEqual([false, true]);
    const yml = sitesWith({ 'lab.yml': MINIMAL_SITE });
    const ymlInv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: yml, fleet_file: FLEET_FILE } });
    expect(await ymlInv.variableValidations('sites_dir')).toEqual([{ ok: true, message: '' }, { ok: false, message: expect.stringMatching(/Rename each to <site>\.yaml/) }]);
    expect(() => loadInventory(yml)).toThrow(/\.yml extension/);
  });
});

describe('generated.json: the facts TypeScript owns, as Terraform reads them', () => {
  const generated = JSON.parse(readFileSync(join(INVENTORY, 'generated.json'), 'utf8'));

  it('is up to date (node terraform/tools/generate.mjs --check)', () => {
    expect(() => execFileSync(process.execPath, ['terraform/tools/generate.mjs', '--check'], { cwd: REPO, stdio: 'pipe' })).not.toThrow();
  });

  it('pins the argo-cd chart of lib/model/versions.ts', async () => {
    const inv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: SITES_DIR } });
    expect(await inv.output('argocd_chart')).toEqual({ repository: HELM_CHARTS.argoCd.repoURL, chart: HELM_CHARTS.argoCd.chart, version: HELM_CHARTS.argoCd.version });
  });

  it('carries the dist folder, the capacity reserve and the placement label keys (the repository comes from fleet.yaml)', async () => {
    expect(generated.distPath).toBe(PLATFORM.distPath);
    expect(generated).not.toHaveProperty('platform');
    const inv = await ModuleInstance.create(INVENTORY, { vars: { sites_dir: SITES_DIR, fleet_file: FLEET_FILE } });
    expect(await inv.output('platform')).toEqual({ repoURL: PLATFORM.repoURL, targetRevision: PLATFORM.targetRevision, distPath: PLATFORM.distPath });
    expect(generated.capacityReserve).toEqual(RESERVE);
    expect(generated.nodeLabels).toEqual({ site: contract.SITE_LABEL, memoryGiB: NODE_MEMORY_GIB_LABEL });
  });

  it('carries the Argo CD contract, with Progressive Syncs enabled on the hub', () => {
    expect(generated.argocd.clusterSecret).toEqual({
      typeLabel: contract.CLUSTER_SECRET_TYPE_LABEL,
      type: contract.CLUSTER_SECRET_TYPE,
      siteLabel: contract.SITE_LABEL,
      ringLabel: contract.RING_LABEL,
      regionLabel: contract.REGION_LABEL,
      gitopsModeLabel: contract.GITOPS_MODE_LABEL,
      project: contract.PROJECTS.sites,
    });
    expect(generated.argocd.hubHelmValues).toEqual(contract.HUB_ARGOCD_HELM_VALUES);
    expect(generated.argocd.hubHelmValues.configs.params['applicationsetcontroller.enable.progressive.syncs']).toBe(true);
    expect(generated.argocd.pullHelmValues).toEqual(contract.PULL_ARGOCD_HELM_VALUES);
  });

  it('holds the pull-mode root Application as charts/gitops/application.ts renders it, with placeholders only for site and repository facts', () => {
    const ph = generated.argocd.placeholders;
    const app = layerApplication({
      name: `${ph.site}-gitops`,
      site: ph.site,
      layer: 'gitops',
      ring: ph.ring,
      project: contract.PROJECTS.bootstrap,
      repoURL: ph.repoURL,
      targetRevision: ph.targetRevision,
      path: `${PLATFORM.distPath}/${ph.site}`,
      include: 'gitops.k8s.yaml',
      cluster: { server: contract.IN_CLUSTER_SERVER },
      namespace: contract.ARGOCD_NAMESPACE,
    });
    expect(generated.argocd.pullBootstrap.application).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...JSON.parse(JSON.stringify(app)) });
    expect(generated.argocd.pullBootstrap.project).toEqual(bootstrapProject({ ...PLATFORM, repoURL: ph.repoURL, targetRevision: ph.targetRevision }, 'pull'));
  });

  it('holds the hub bootstrap project and every hub root Application of charts/gitops/bootstrap.ts, with placeholders only for the repository', () => {
    const ph = generated.argocd.placeholders;
    const platform = { ...PLATFORM, repoURL: ph.repoURL, targetRevision: ph.targetRevision };
    const roots = hubRootApplications(platform);
    expect(Object.keys(generated.argocd.hubBootstrap.applications)).toEqual(roots.map((r) => r.metadata.name));
    for (const root of roots) expect(generated.argocd.hubBootstrap.applications[root.metadata.name]).toEqual(rootApplicationObject(root));
    expect(generated.argocd.hubBootstrap.applications[HUB_ROOT_APPLICATION]).toEqual(rootApplicationObject(hubRootApplication(platform)));
    expect(generated.argocd.hubBootstrap.project).toEqual(bootstrapProject(platform, 'hub'));
    expect(generated.argocd.hubBootstrap.monitoringApplication).toBe(HUB_MONITORING_ROOT_APPLICATION);
    expect(JSON.stringify(generated.argocd.hubBootstrap)).not.toMatch(new RegExp(`${ph.site}|${ph.ring}`));
  });
});

describe('a fork edits fleet.yaml: Terraform follows', () => {
  const FORK = 'https://git.example.com/plant-ops/edge-fleet.git';
  let prod: ModuleInstance;

  beforeAll(async () => {
    // A scratch repository: this terraform/ tree, the real dist/ and sites/, and a fleet.yaml with another
    // repository, revision and mirror.
    const root = tempDir();
    cpSync(TERRAFORM, join(root, 'terraform'), { recursive: true, filter: (src) => !src.includes('.terraform') });
    symlinkSync(join(REPO, 'dist'), join(root, 'dist'));
    cpSync(SITES_DIR, join(root, 'sites'), { recursive: true });
    const fleet = yaml.load(readFileSync(FLEET_FILE, 'utf8')) as { git: Record<string, string>; registries: { mirrors: Record<string, unknown> } };
    fleet.git = { ...fleet.git, repoURL: FORK, targetRevision: 'release-2026' };
    fleet.registries.mirrors['docker.io'] = { endpoints: ['https://mirror.plant-ops.example'] };
    writeFileSync(join(root, 'fleet.yaml'), yaml.dump(fleet));
    prod = await ModuleInstance.create(join(root, 'terraform/environments/prod'), {
      vars: { ssh_user: 'pi', ssh_private_key_path: '~/.ssh/id', hub_kubeconfig_path: '~/.kube/hub.yaml' },
    });
  });

  it('points the hub root Applications and their project at the fork', async () => {
    const hub = await (await prod.moduleCall('argocd')).instance();
    const apps = Object.values(await hub.local('root_applications')) as { spec: { source: { repoURL: string; targetRevision: string } } }[];
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) expect(app.spec.source).toMatchObject({ repoURL: FORK, targetRevision: 'release-2026' });
    expect((await hub.local('bootstrap_project')).spec.sourceRepos).toEqual([FORK]);
  });

  it('points every pull-mode site root Application at the fork', async () => {
    const pull = loadInventory(SITES_DIR).filter((s) => s.site.gitops.mode === 'pull');
    expect(pull.length).toBeGreaterThan(0);
    const call = await prod.moduleCall('argocd_site');
    for (const { site } of pull) {
      const inst = await call.instance(site.name);
      const [project, app] = yaml.loadAll((await inst.output('manifests'))['edge-ai-argocd-root.yaml']) as { spec: Record<string, any> }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(app.spec.source).toMatchObject({ repoURL: FORK, targetRevision: 'release-2026' });
      expect(project.spec.sourceRepos).toEqual([FORK]);
    }
  });

  it('renders the new mirror into every cluster\'s registries.yaml', async () => {
    const call = await prod.moduleCall('cluster');
    expect(call.forEach?.length).toBeGreaterThan(0);
    for (const name of call.forEach ?? []) {
      const text = (await (await call.instance(name)).output('registries_yaml')) as string;
      expect((yaml.load(text) as { mirrors: Record<string, unknown> }).mirrors['docker.io']).toEqual({ endpoint: ['https://mirror.plant-ops.example'] });
    }
  });
});
