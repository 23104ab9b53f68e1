/**
 * terraform/modules/k3s-cluster, evaluated for every site and node of the real inventory through the prod
 * environment: the rendered /etc/rancher/k3s/config.yaml, the install commands and the validations.
 */
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { allocatable, RESERVE } from '../../lib/model/capacity';
import { loadInventory, siteMirrors } from '../../lib/model/load';
import { RegistryMirrors } from '../../lib/model/fleet';
import { repoFleet } from '../helpers';
import { NodeSpec } from '../../lib/model/schema';
import { SITE_LABEL } from '../../lib/constructs/labels';
import { NODE_MEMORY_GIB_LABEL } from '../../charts/ollama/props';
import { closeHcl, loadModule, ModuleInstance, TfModule } from './hcl';
import { ENVIRONMENTS_DIR, MODULES_DIR, SITES_DIR } from './paths';

const MODULE = join(MODULES_DIR, 'k3s-cluster');
const inventory = loadInventory(SITES_DIR);
const siteNodes = inventory.flatMap(({ site }) => site.nodes.map((node, index) => ({ site, node, index })));

type K3sConfig = Record<string, unknown> & { 'node-label': string[]; 'kubelet-arg': string[] };

let prod: ModuleInstance;
const instances = new Map<string, ModuleInstance>();
let mod: TfModule;

beforeAll(async () => {
  prod = await ModuleInstance.create(join(ENVIRONMENTS_DIR, 'prod'), {
    vars: { ssh_user: 'pi', ssh_private_key_path: '~/.ssh/id', hub_kubeconfig_path: '~/.kube/hub.yaml' },
  });
  const call = await prod.moduleCall('cluster');
  for (const key of call.forEach ?? []) instances.set(key, await call.instance(key));
  mod = await loadModule(MODULE);
});
afterAll(closeHcl);

async function config(site: string, node: string): Promise<{ text: string; parsed: K3sConfig }> {
  const files = await instances.get(site)!.output('node_configs');
  const text = files[node] as string;
  return { text, parsed: yaml.load(text, { schema: yaml.CORE_SCHEMA }) as K3sConfig };
}

/** Parses "system-reserved=cpu=500m,memory=1024Mi" and "eviction-hard=memory.available<100Mi,..." back. */
function kubeletReserve(args: string[]): { cpuMillicores: number; memoryMiB: number; evictionMiB: number } {
  const reserved = /^system-reserved=cpu=(\d+)m,memory=(\d+)Mi$/.exec(args.find((a) => a.startsWith('system-reserved=')) ?? '');
  const eviction = /memory\.available<(\d+)Mi/.exec(args.find((a) => a.startsWith('eviction-hard=')) ?? '');
  return { cpuMillicores: Number(reserved?.[1]), memoryMiB: Number(reserved?.[2]), evictionMiB: Number(eviction?.[1]) };
}

describe('one K3s cluster per site', () => {
  it('is planned for exactly the sites of the inventory, with their K3s version and nodes', async () => {
    expect([...instances.keys()]).toEqual(inventory.map((s) => s.site.name).sort());
    for (const { site } of inventory) {
      const inst = instances.get(site.name)!;
      expect(inst.variable('k3s_version')).toBe(site.k3sVersion);
      expect(inst.variable('nodes').map((n: { name: string; ip: string }) => `${n.name}@${n.ip}`)).toEqual(site.nodes.map((n) => `${n.name}@${n.ip}`));
      expect(await inst.output('api_server_url')).toBe(`https://${site.nodes[0].ip}:6443`);
    }
  });
});

describe.each(siteNodes.map((s) => [`${s.site.name}/${s.node.name}`, s] as const))('config.yaml of %s', (_label, { site, node, index }) => {
  it('names the node, its IP and the placement labels the charts use', async () => {
    const { parsed } = await config(site.name, node.name);
    expect(parsed['node-name']).toBe(node.name);
    expect(parsed['node-ip']).toBe(node.ip);
    const memoryClass = node.memoryGiB < 8 ? 'small' : node.memoryGiB <= 16 ? 'medium' : 'large';
    expect(parsed['node-label']).toEqual([`${SITE_LABEL}=${site.name}`, `${NODE_MEMORY_GIB_LABEL}=${node.memoryGiB}`, `edge-ai.io/memory-class=${memoryClass}`]);
  });

  it('makes the first server initialise the cluster and every other node join it', async () => {
    const { parsed } = await config(site.name, node.name);
    if (index === 0) {
      expect(parsed['cluster-init']).toBe(true);
      expect(parsed).not.toHaveProperty('server');
    } else {
      expect(parsed.server).toBe(`https://${site.nodes[0].ip}:6443`);
      expect(parsed).not.toHaveProperty('cluster-init');
    }
    expect(parsed['token-file']).toBe('/etc/rancher/k3s/cluster-token');
    expect(Object.keys(parsed).filter((k) => /^(token|agent-token)$/.test(k))).toEqual([]);
  });

  it('disables traefik and servicelb, encrypts secrets and restricts the kubeconfig on servers only', async () => {
    const { parsed } = await config(site.name, node.name);
    const serverOnly = { disable: ['traefik', 'servicelb'], 'secrets-encryption': true, 'write-kubeconfig-mode': '0600', 'tls-san': [node.ip] };
    if (node.role === 'server') expect(parsed).toMatchObject(serverOnly);
    else for (const key of Object.keys(serverOnly)) expect(parsed).not.toHaveProperty(key);
  });

  it('reserves for K3s exactly what the capacity check assumed, so node allocatable matches lib/model/capacity.ts', async () => {
    const { parsed } = await config(site.name, node.name);
    const reserve = kubeletReserve(parsed['kubelet-arg']);
    expect(reserve).toEqual({ ...RESERVE[node.role], evictionMiB: RESERVE.evictionMemoryMiB });
    const kubeletAllocatable = { cpuMillicores: node.cpuCores * 1000 - reserve.cpuMillicores, memoryMiB: node.memoryGiB * 1024 - reserve.memoryMiB - reserve.evictionMiB };
    expect(kubeletAllocatable).toEqual(allocatable(node as NodeSpec));
  });

  it('installs the pinned K3s version with the role of the node, never latest or a channel', async () => {
    const commands = (await instances.get(site.name)!.local('install_commands'))[node.name] as string[];
    const install = commands.find((c) => c.includes('INSTALL_K3S_VERSION'));
    expect(install).toBe(`sudo INSTALL_K3S_VERSION='${site.k3sVersion}' INSTALL_K3S_EXEC='${node.role}' sh /tmp/edge-ai-k3s-install.sh`);
    expect(commands[0]).toBe('set -eu');
    expect(commands.join('\n')).not.toMatch(/latest|INSTALL_K3S_CHANNEL|\|\s*(sudo\s+)?sh\b/);
  });

  it('is a commented YAML document that K3s can read', async () => {
    const { text } = await config(site.name, node.name);
    expect(text.split('\n')[0]).toBe(`# /etc/rancher/k3s/config.yaml of node ${node.name}, site ${site.name}.`);
    expect(text).toContain(`from sites/${site.name}.yaml`);
  });
});

/** What K3s reads from registries.yaml: registry host -> { endpoint: [...] }, or {} for "the registry itself". */
function k3sRegistries(mirrors: RegistryMirrors): { mirrors: Record<string, { endpoint?: string[] }> } {
  return { mirrors: Object.fromEntries(Object.entries(mirrors).map(([host, m]) => [host, m.endpoints.length ? { endpoint: m.endpoints } : {}])) };
}

describe.each(inventory.map(({ site }) => [site.name, site] as const))('registries.yaml of %s', (_name, site) => {
  it('lists the fleet mirrors with the site overrides, as the TypeScript loader resolves them', async () => {
    const text = (await instances.get(site.name)!.output('registries_yaml')) as string;
    expect(yaml.load(text, { schema: yaml.CORE_SCHEMA })).toEqual(k3sRegistries(siteMirrors(site, repoFleet())));
    expect(Object.keys(k3sRegistries(siteMirrors(site, repoFleet())).mirrors).length).toBeGreaterThan(0);
  });

  it('is a commented document that names its sources and holds no credentials', async () => {
    const text = (await instances.get(site.name)!.output('registries_yaml')) as string;
    expect(text.split('\n')[0]).toBe(`# /etc/rancher/k3s/registries.yaml of site ${site.name}.`);
    expect(text).toContain('fleet.yaml registries.mirrors');
    expect(text).toContain(`sites/${site.name}.yaml`);
    expect(text).not.toMatch(/auth|password|username|configs:/);
  });

  it('switches the embedded mirror on exactly as the site file says', async () => {
    for (const node of site.nodes) {
      const { parsed } = await config(site.name, node.name);
      if (site.registries.embeddedMirror && node.role === 'server') expect(parsed['embedded-registry']).toBe(true);
      else expect(parsed).not.toHaveProperty('embedded-registry');
    }
  });
});

describe('registry mirrors and the embedded mirror (module inputs)', () => {
  const vars = {
    site_name: 'lab',
    k3s_version: 'v1.29.1+k3s1',
    nodes: [
      { name: 'n1', ip: '10.0.0.1', arch: 'amd64', role: 'server', cpu_cores: 4, memory_gib: 16 },
      { name: 'n2', ip: '10.0.0.2', arch: 'arm64', role: 'agent', cpu_cores: 4, memory_gib: 8 },
    ],
    node_labels: { site: SITE_LABEL, memoryGiB: NODE_MEMORY_GIB_LABEL },
    capacity_reserve: RESERVE,
    ssh_user: 'pi',
    ssh_private_key_path: '~/.ssh/id',
    registry_mirrors: { 'docker.io': { endpoints: ['https://mirror.plant.example:5000', 'http://10.0.0.9:5000'] }, 'ghcr.io': { endpoints: [] } },
    embedded_registry: true,
  };

  it('renders endpoints in order, and an empty entry for a registry pulled directly (shared by the embedded mirror)', async () => {
    const inst = ModuleInstance.of(mod, { vars });
    const text = (await inst.output('registries_yaml')) as string;
    expect(yaml.load(text, { schema: yaml.CORE_SCHEMA })).toEqual({
      mirrors: { 'docker.io': { endpoint: ['https://mirror.plant.example:5000', 'http://10.0.0.9:5000'] }, 'ghcr.io': {} },
    });
  });

  it('sets embedded-registry on the servers only (a server flag that covers the whole cluster)', async () => {
    const configs = (await ModuleInstance.of(mod, { vars }).output('node_configs')) as Record<string, string>;
    const parsed = (n: string) => yaml.load(configs[n], { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
    expect(parsed('n1')['embedded-registry']).toBe(true);
    expect(parsed('n2')).not.toHaveProperty('embedded-registry');
    const off = (await ModuleInstance.of(mod, { vars: { ...vars, embedded_registry: false } }).output('node_configs')) as Record<string, string>;
    expect(yaml.load(off.n1, { schema: yaml.CORE_SCHEMA })).not.toHaveProperty('embedded-registry');
  });

  it('installs registries.yaml before K3s starts, on every node', async () => {
    const commands = (await ModuleInstance.of(mod, { vars }).local('install_commands')) as Record<string, string[]>;
    for (const node of ['n1', 'n2']) {
      const c = commands[node];
      const placed = c.findIndex((x) => x.endsWith(' /etc/rancher/k3s/registries.yaml'));
      const install = c.findIndex((x) => x.includes('INSTALL_K3S_VERSION'));
      expect(placed).toBeGreaterThan(0);
      expect(placed).toBeLessThan(install);
      expect(c[placed]).toBe('sudo install -m 0644 -o root -g root /tmp/edge-ai-k3s-registries.yaml /etc/rancher/k3s/registries.yaml');
    }
    for (const r of ['terraform_data.first_server', 'terraform_data.server', 'terraform_data.agent']) {
      const files = (mod.resources[r].provisioner as { file: { content: string; destination: string }[] }).file;
      expect(files).toContainEqual({ content: '${local.registries_file}', destination: '${local.staged_registries}' });
    }
  });
});

describe('installation order and upgrades', () => {
  it('installs the first server, then the other servers, then the agents', () => {
    expect(mod.resources['terraform_data.server'].depends_on).toEqual(['${terraform_data.first_server}']);
    expect(mod.resources['terraform_data.agent'].depends_on).toEqual(['${terraform_data.first_server}', '${terraform_data.server}']);
  });

  it('re-runs a node installation when its K3s version, its config or its registries.yaml changes', () => {
    for (const r of ['terraform_data.first_server', 'terraform_data.server', 'terraform_data.agent']) {
      expect(Object.keys(mod.resources[r].triggers_replace)).toEqual(['config', 'k3s_version', 'registries']);
    }
  });

  it('splits joining servers from agents by role', async () => {
    for (const { site } of inventory) {
      const inst = instances.get(site.name)!;
      expect(Object.keys(await inst.local('joining_servers'))).toEqual(site.nodes.slice(1).filter((n) => n.role === 'server').map((n) => n.name).sort());
      expect(Object.keys(await inst.local('agents'))).toEqual(site.nodes.filter((n) => n.role === 'agent').map((n) => n.name).sort());
    }
  });
});

describe('memory classes', () => {
  it.each([
    [4, 'small'],
    [7, 'small'],
    [8, 'medium'],
    [16, 'medium'],
    [17, 'large'],
    [32, 'large'],
  ])('a %i GiB node is %s', async (memoryGiB, expected) => {
    const inst = ModuleInstance.of(mod, {
      vars: {
        site_name: 'test',
        k3s_version: 'v1.28.4+k3s2',
        nodes: [{ name: 'n1', ip: '10.0.0.1', arch: 'arm64', role: 'server', cpu_cores: 4, memory_gib: memoryGiB }],
        node_labels: { site: SITE_LABEL, memoryGiB: NODE_MEMORY_GIB_LABEL },
        capacity_reserve: RESERVE,
        ssh_user: 'pi',
        ssh_private_key_path: '~/.ssh/id',
      },
    });
    expect((await inst.local('memory_class')).n1).toBe(expected);
  });
});

describe('variable validation', () => {
  const good = {
    site_name: 'test',
    k3s_version: 'v1.28.4+k3s2',
    nodes: [
      { name: 'n1', ip: '10.0.0.1', arch: 'arm64', role: 'server', cpu_cores: 4, memory_gib: 8 },
      { name: 'n2', ip: '10.0.0.2', arch: 'arm64', role: 'agent', cpu_cores: 4, memory_gib: 8 },
    ],
    node_labels: { site: SITE_LABEL, memoryGiB: NODE_MEMORY_GIB_LABEL },
    capacity_reserve: RESERVE,
    ssh_user: 'pi',
    ssh_private_key_path: __filename,
  };
  const failures = async (name: string, vars: Record<string, unknown>) =>
    (await ModuleInstance.of(mod, { vars: { ...good, ...vars } }).variableValidations(name)).filter((v) => !v.ok).map((v) => v.message);

  it('accepts a well-formed site', async () => {
    for (const name of Object.keys(good)) expect({ name, failures: await failures(name, {}) }).toEqual({ name, failures: [] });
  });

  it.each([
    ['k3s_version', { k3s_version: 'latest' }, /never "latest"/],
    ['k3s_version', { k3s_version: 'v1.28' }, /K3s release tag such as v1\.28\.4\+k3s2/],
    ['nodes', { nodes: [{ ...good.nodes[1] }, { ...good.nodes[0] }] }, /first must have role "server"/],
    ['nodes', { nodes: [{ ...good.nodes[0], ip: '10.0.0.300' }] }, /ip must be an IPv4 address/],
    ['nodes', { nodes: [good.nodes[0], { ...good.nodes[1], name: 'n1' }] }, /Node names must be unique/],
    ['nodes', { nodes: [{ ...good.nodes[0], arch: 'riscv64' }] }, /arch "amd64" or "arm64"/],
    ['site_name', { site_name: 'Factory_Floor' }, /DNS-1123 label/],
    ['ssh_private_key_path', { ssh_private_key_path: '/nonexistent/key' }, /does not point to a file/],
    ['install_script_url', { install_script_url: 'http://get.k3s.io' }, /must be an https:\/\/ URL/],
    ['registry_mirrors', { registry_mirrors: { 'https://docker.io': { endpoints: [] } } }, /keys must be registry hosts/],
    ['registry_mirrors', { registry_mirrors: { 'docker.io': { endpoints: ['https://user:pw@mirror.example'] } } }, /without credentials/],
    ['registry_mirrors', { registry_mirrors: { 'docker.io': { endpoints: ['mirror.example:5000'] } } }, /http\(s\) URL/],
  ])('rejects a bad %s with an actionable message', async (name, vars, message) => {
    expect(await failures(name, vars)).toEqual([expect.stringMatching(message)]);
  });
});
