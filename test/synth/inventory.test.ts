/**
 * One invalid inventory fixture per validation rule (test/fixtures/inventory/invalid/<rule>/): each must
 * fail with exactly one message naming the file, the field, the value and the fix.
 */
import { join } from 'node:path';
import { InputError } from '../../lib/model/errors';
import { loadInventory, parseSiteFile } from '../../lib/model/load';
import { synth } from '../../lib/synth/cli';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const FIXTURES = 'test/fixtures/inventory';

interface Case {
  readonly rule: string;
  readonly file: string;
  readonly field: string;
  /** Substring of the rendered value. */
  readonly value: string;
  /** Substrings of the problem/fix text. */
  readonly says: readonly string[];
}

const CASES: readonly Case[] = [
  { rule: 'unknown-key', file: 'plant-a.yaml', field: 'nodes[0].memoryGB', value: '32', says: ['not a known field', 'allowed fields here: name, ip, arch, cpuCores, memoryGiB'] },
  { rule: 'duplicate-site', file: 'plant-a2.yaml', field: 'name', value: '"plant-a"', says: ['already the name of the site in', 'plant-a.yaml', 'unique'] },
  { rule: 'bad-name', file: 'Plant_A.yaml', field: 'name', value: '"Plant_A"', says: ['DNS-1123'] },
  { rule: 'bad-ip', file: 'plant-a.yaml', field: 'nodes[0].ip', value: '"10.20.0.300"', says: ['IPv4 address'] },
  { rule: 'duplicate-ip', file: 'plant-b.yaml', field: 'nodes[0].ip', value: '"10.20.1.10"', says: ['already used by', 'plant-a/a-nuc-01', 'own IP address'] },
  { rule: 'unknown-arch', file: 'plant-a.yaml', field: 'nodes[0].arch', value: '"riscv64"', says: ['use one of "amd64", "arm64"'] },
  { rule: 'missing-field', file: 'plant-a.yaml', field: 'ring', value: '(missing)', says: ['required but missing', 'add "ring"'] },
  { rule: 'yaml-syntax', file: 'plant-a.yaml', field: 'line 7, column 4', value: '"   arch: amd64"', says: ['YAML syntax error', 'indentation'] },
  { rule: 'unpinned-model', file: 'plant-a.yaml', field: 'layers.ollama.models[0]', value: '"llama3.2"', says: ['pinned Ollama model'] },
  { rule: 'name-mismatch', file: 'plant-x.yaml', field: 'name', value: '"plant-a"', says: ['does not match the file name', 'rename the file to plant-a.yaml'] },
  { rule: 'ip-in-cluster-network', file: 'plant-a.yaml', field: 'nodes[0].ip', value: '"10.42.0.10"', says: ['K3s pod/service networks 10.42.0.0/16 and 10.43.0.0/16'] },
  { rule: 'reserved-name', file: 'hub.yaml', field: 'name', value: '"hub"', says: ['dist/hub/ holds the fleet-level output'] },
  { rule: 'bad-cron', file: 'plant-a.yaml', field: 'gitops.syncWindows[0].schedule', value: '"0 25 * * *"', says: ['5-field cron expression'] },
  { rule: 'unsupported-k3s', file: 'plant-a.yaml', field: 'k3sVersion', value: '"v1.20.4+k3s1"', says: ['Kubernetes 1.28 to 1.33'] },
  { rule: 'bad-pod-label', file: 'plant-a.yaml', field: 'layers.inference.clients[0].podLabels.bad key!', value: '"bad key!"', says: ['not a valid key', 'Kubernetes label key'] },
  {
    rule: 'embedded-mirror-k3s',
    file: 'plant-a.yaml',
    field: 'registries.embeddedMirror',
    value: 'true',
    says: ['v1.28.6+k3s1 or later on this line', 'k3sVersion is v1.28.5+k3s1', 'generally available from v1.29.12+k3s1'],
  },
  // Careless and hostile inputs (issue 12, item 7): entries of the sites folder that are not plain site files.
  { rule: 'ext-case', file: 'plant-b.YAML', field: 'file name', value: '"plant-b.YAML"', says: ['would not be rendered', 'rename it to plant-b.yaml'] },
  { rule: 'symlink-dangling', file: 'plant-c.yaml', field: 'file name', value: '"plant-c.yaml"', says: ['symbolic link to plant-c.yaml.orig-was-deleted, which does not exist', 'delete the link'] },
  { rule: 'editor-lock', file: '.#plant-a.yaml', field: 'file name', value: '".#plant-a.yaml"', says: ['editor lock, swap or backup file', 'close the file in your editor'] },
  { rule: 'editor-backup', file: 'plant-a.yaml~', field: 'file name', value: '"plant-a.yaml~"', says: ['editor lock, swap or backup file', 'delete this file'] },
  { rule: 'folder-named-yaml', file: 'plant-c.yaml', field: 'file name', value: '"plant-c.yaml"', says: ['is a folder, not a site file', 'rename the folder'] },
  // Encodings and YAML features site files do not use.
  { rule: 'encoding-utf16', file: 'plant-b.yaml', field: '(encoding)', value: '"bytes FF FE"', says: ['UTF-16', 'save the file as UTF-8'] },
  { rule: 'encoding-utf16-nobom', file: 'plant-b.yaml', field: '(encoding)', value: '"bytes 6E 00 61 00"', says: ['NUL bytes', 'UTF-16 without a byte-order mark', 'save the file as UTF-8'] },
  { rule: 'encoding-utf8-bom', file: 'plant-b.yaml', field: '(encoding)', value: '"bytes EF BB BF"', says: ['UTF-8 byte-order mark', 'without a byte-order mark'] },
  { rule: 'encoding-latin1', file: 'plant-b.yaml', field: '(encoding)', value: '"byte 25 (line 2) = FC"', says: ['not valid UTF-8', 'save the file as UTF-8'] },
  { rule: 'yaml-alias-bomb', file: 'plant-b.yaml', field: 'line 11, column 11', value: '"l1: &l1 [*l0', says: ['YAML alias', 'write the values out in full'] },
  { rule: 'yaml-merge-key', file: 'plant-b.yaml', field: 'nodes[0].<<', value: '{"arch":"arm64"', says: ['YAML merge key', 'write the merged fields out in full'] },
  // Values that parse but are wrong.
  { rule: 'cron-argo-rejects', file: 'plant-b.yaml', field: 'gitops.syncWindows[0].schedule', value: '"0 2 * * 7"', says: ['day-of-week "7" is outside 0-6', 'use 0 for Sunday'] },
  { rule: 'limit-below-request', file: 'plant-a.yaml', field: 'layers.inference.resources.cpuLimitMillicores', value: '250', says: ['below the request cpuMillicores (500)', 'at least 500'] },
  { rule: 'implausible-resources', file: 'plant-a.yaml', field: 'layers.inference.resources.memoryMiB', value: '512000', says: ['implausibly large', 'at most 65536 MiB'] },
  // Secrets where they do not belong: the password is masked in the message, the fix names the Secret.
  {
    rule: 'url-credentials',
    file: 'plant-a.yaml',
    field: 'layers.monitoring.remoteWriteUrl',
    value: '"https://edge-writer:***@metrics.example.com/api/v1/write"',
    says: ['credential inside the URL', 'create a Secret in namespace monitoring with keys "username" and "password"', 'remoteWriteSecretName'],
  },
  { rule: 'bad-traffic-weights', file: 'plant-a.yaml', field: 'layers.inference.traffic.bearing-anomaly', value: '{"1.0.0":90,"1.1.0":20}', says: ['weights summing to 100', 'e.g. { "1.0.0": 90, "1.1.0": 10 }'] },
  { rule: 'capacity', file: 'plant-a.yaml', field: 'nodes', value: '"1 node(s)"', says: ['site "plant-a" does not have the capacity', 'allocatable cpu 3500m / memory 924 MiB', 'add a node'] },
];

describe('inventory validation: one fixture per rule', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'inv-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(CASES)('$rule fails with file, field, value and fix', async (c) => {
    const dir = join(FIXTURES, 'invalid', c.rule);
    const error = await synth({ sitesDir: dir, outDir: join(out, c.rule), only: [], jobs: 1, quiet: true, stats: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.file).toBe(join(dir, c.file));
    expect(e.field).toBe(c.field);
    expect(e.message).toContain(`${join(dir, c.file)}: ${c.field} = ${c.value}`);
    for (const text of c.says) expect(e.message).toContain(text);
    expect(e.message).toContain('Fix: ');
    expect(e.message).not.toContain('s3cr3t');
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('every invalid fixture folder has a case (no rule silently untested)', () => {
    const { readdirSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    expect(readdirSync(join(FIXTURES, 'invalid')).sort()).toEqual(CASES.map((c) => c.rule).sort());
  });

  it('accepts the valid fixture inventory and resolves defaults', () => {
    const sites = loadInventory(join(FIXTURES, 'valid'));
    expect(sites.map((s) => s.site.name)).toEqual(['plant-a', 'plant-b']);
    const a = sites[0].site;
    expect(a.k3sVersion).toBe('v1.28.4+k3s2');
    expect(a.nodes[0].role).toBe('server');
    expect(a.layers.inference.runtime).toBe('onnx');
    expect(a.gitops.mode).toBe('hub');
  });

  it('reports how many further problems a file has', () => {
    const text = 'name: x\nlocation: y\nring: 0\nnodes: []\nbogus: 1\n';
    expect(() => parseSiteFile('sites/x.yaml', text)).toThrow(/more problem/);
  });

  it('requires the first node to be a K3s server', () => {
    const text = [
      'name: x', 'location: y', 'ring: 0', 'nodes:',
      '  - { name: n1, ip: 10.0.0.1, arch: arm64, cpuCores: 4, memoryGiB: 8, role: agent }',
    ].join('\n');
    expect(() => parseSiteFile('sites/x.yaml', text)).toThrow('sites/x.yaml: nodes[0].role = "agent": is not "server"');
  });

  it('rejects duplicate node names inside a site', () => {
    const text = [
      'name: x', 'location: y', 'ring: 0', 'nodes:',
      '  - { name: n1, ip: 10.0.0.1, arch: arm64, cpuCores: 4, memoryGiB: 8 }',
      '  - { name: n1, ip: 10.0.0.2, arch: arm64, cpuCores: 4, memoryGiB: 8, role: agent }',
    ].join('\n');
    expect(() => parseSiteFile('sites/x.yaml', text)).toThrow('nodes[1].name = "n1": is already used by nodes[0]');
  });

  it('rejects a .yml file instead of skipping it silently', () => {
    const { writeFileSync, mkdirSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    const dir = join(out, 'yml');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.yml'), 'name: a\n');
    expect(() => loadInventory(dir)).toThrow('rename it to a.yaml');
  });
});
