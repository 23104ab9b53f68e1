/**
 * fleet.yaml (lib/model/fleet.ts): one invalid fixture per validation rule (test/fixtures/fleet/invalid/<rule>/),
 * each failing with exactly one message naming the file, the field, the value and the fix; credentials in URLs
 * refused and never echoed; the fleet's values reaching every place that renders them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { Fleet, FleetSchema, redactUrl, urlCredentials } from '../../lib/model/fleet';
import { InputError } from '../../lib/model/errors';
import { loadFleet, loadInventory, parseSiteFile, siteMirrors } from '../../lib/model/load';
import { embeddedRegistryMinimum, hasEmbeddedRegistry } from '../../lib/model/k3s';
import { synth } from '../../lib/synth/cli';
import { listFiles } from '../../lib/synth/writer';

const FIXTURES = 'test/fixtures/fleet';
const VALID_SITES = 'test/fixtures/inventory/valid';

interface Case {
  readonly rule: string;
  readonly field: string;
  /** Substring of the rendered value. */
  readonly value: string;
  /** Substrings of the problem/fix text. */
  readonly says: readonly string[];
  /** The file the error names, relative to the fixture folder. @default fleet.yaml */
  readonly file?: string;
}

const CASES: readonly Case[] = [
  { rule: 'unknown-key', field: 'git.branch', value: '"main"', says: ['not a known field', 'allowed fields here: repoURL, targetRevision, webURL'] },
  { rule: 'missing-repo-url', field: 'git.repoURL', value: '(missing)', says: ['required but missing', 'add "repoURL"'] },
  { rule: 'credentials-in-repo-url', field: 'git.repoURL', value: '"https://deploy:***@git.example.com/', says: ['carries a password', 'must not hold credentials', 'argocd.argoproj.io/secret-type: repository'] },
  { rule: 'token-in-remote-write-url', field: 'hub.prometheusRemoteWriteUrl', value: 'write?api_key=***"', says: ['secret query parameter "api_key"', 'remoteWriteSecretName'] },
  { rule: 'credentials-in-mirror-endpoint', field: 'registries.mirrors.docker.io.endpoints[0]', value: '"https://puller:***@mirror.example.com"', says: ['carries a password', 'outside Git'] },
  { rule: 'registry-with-scheme', field: 'images.registry', value: '"https://registry.example.com/plant-ops"', says: ['no scheme', 'ghcr.io/my-org'] },
  { rule: 'bad-mirror-host', field: 'registries.mirrors.*', value: '"*"', says: ['not a valid key', 'registry host such as docker.io'] },
  { rule: 'bad-mirror-endpoint', field: 'registries.mirrors.docker.io.endpoints[0]', value: '"mirror.example.com:5000"', says: ['http:// or https:// URL'] },
  { rule: 'bad-hub-url', field: 'hub.otlpEndpoint', value: '"otlp.hub.example.com:4317"', says: ['http:// or https:// URL'] },
  { rule: 'receiver-without-secret', field: 'alerting.defaultReceiver.secretName', value: '(missing)', says: ['required for receiver type "slack"', 'name the Secret'] },
  { rule: 'hub-receiver-without-secret', field: 'alerting.hubReceiver.secretName', value: '(missing)', says: ['required for receiver type "webhook"', "in the hub's monitoring namespace"] },
  { rule: 'http-hub-endpoint', field: 'hub.otlpEndpoint', value: '"http://otlp.hub.example.com:4318"', says: ['is invalid', 'use the https:// endpoint of the hub', 'cross the WAN in clear text'] },
  { rule: 'ssh-repo-without-web-url', field: 'git.webURL', value: '(missing)', says: ['not an https URL', 'add git.webURL'] },
  { rule: 'head-revision', field: 'git.targetRevision', value: '"HEAD"', says: ['branch, tag or commit'] },
  { rule: 'yaml-syntax', field: 'line 3, column 18', value: '"   targetRevision: main"', says: ['YAML syntax error', 'indentation'] },
  {
    rule: 'embedded-mirror-shares-nothing',
    file: 'sites/plant-a.yaml',
    field: 'registries.embeddedMirror',
    value: 'true',
    says: ['no registry is listed under registries.mirrors', 'list the registries the site pulls from'],
  },
];

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'fleet-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function sitesOf(dir: string): string {
  return readdirSync(dir).includes('sites') ? join(dir, 'sites') : VALID_SITES;
}

describe('fleet.yaml validation: one fixture per rule', () => {
  it.each(CASES)('$rule fails with file, field, value and fix', async (c) => {
    const dir = join(FIXTURES, 'invalid', c.rule);
    const error = await synth({ sitesDir: sitesOf(dir), fleetFile: join(dir, 'fleet.yaml'), outDir: join(out, c.rule), only: [], jobs: 1, quiet: true, stats: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    const file = join(dir, c.file ?? 'fleet.yaml');
    expect(e.file).toBe(file);
    expect(e.field).toBe(c.field);
    expect(e.message).toContain(`${file}: ${c.field} = `);
    expect(e.message.slice(`${file}: ${c.field} = `.length)).toContain(c.value);
    for (const text of c.says) expect(e.message).toContain(text);
    expect(e.message).toContain('Fix: ');
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('every invalid fixture folder has a case (no rule silently untested)', () => {
    expect(readdirSync(join(FIXTURES, 'invalid')).sort()).toEqual(CASES.map((c) => c.rule).sort());
  });

  it('never echoes a secret of a refused URL', () => {
    for (const rule of ['credentials-in-repo-url', 'token-in-remote-write-url', 'credentials-in-mirror-endpoint']) {
      const text = readFileSync(join(FIXTURES, 'invalid', rule, 'fleet.yaml'), 'utf8');
      expect(text).toMatch(/s3cr3t/);
      expect(() => loadFleet(join(FIXTURES, 'invalid', rule, 'fleet.yaml'))).toThrow(InputError);
      try {
        loadFleet(join(FIXTURES, 'invalid', rule, 'fleet.yaml'));
      } catch (e) {
        expect({ rule, message: (e as Error).message }).not.toEqual({ rule, message: expect.stringContaining('s3cr3t') });
      }
    }
  });

  it('names the missing file and how to create it', () => {
    expect(() => loadFleet(join(out, 'nowhere.yaml'))).toThrow(/fleet file: cannot be read\. Fix: create fleet\.yaml at the top of the repository/);
  });
});

describe('credentials in URLs', () => {
  it.each([
    ['https://user:pass@git.example.com/org/repo.git', 'carries a password'],
    ['https://ghp_0123456789abcdef@github.com/org/repo.git', 'carries a user name or token'],
    ['https://oauth2@gitlab.example.com/org/repo.git', 'carries a user name or token'],
    ['ssh://deploy:pw@git.example.com/org/repo.git', 'carries a password'],
    ['deploy@git.example.com:org/repo.git', 'carries the user name "deploy"'],
    ['https://hub.example.com/write?token=abc', 'carries the secret query parameter "token"'],
    ['https://hub.example.com/write?X-Amz-Signature=abc', 'carries the secret query parameter "X-Amz-Signature"'],
  ])('refuses %s', (url, why) => {
    expect(urlCredentials(url)).toBe(why);
    expect(redactUrl(url)).not.toMatch(/pass|pw@|ghp_|=abc/);
  });

  it.each(['https://github.com/org/repo.git', 'ssh://git@github.com/org/repo.git', 'git@github.com:org/repo.git', 'https://hub.example.com/write?tenant=plant-a'])('accepts %s', (url) => {
    expect(urlCredentials(url)).toBeUndefined();
  });
});

describe('the fleet config reaches the sites', () => {
  const fork = loadFleet(join(FIXTURES, 'valid', 'fleet.yaml'));

  it('resolves defaults and keeps the values of the file', () => {
    expect(fork.git).toEqual({ repoURL: 'https://git.example.com/plant-ops/edge-fleet.git', targetRevision: 'release-2026' });
    expect(fork.registries.mirrors).toEqual({ 'docker.io': { endpoints: ['https://mirror.example.com:5000'] }, 'ghcr.io': { endpoints: [] }, 'quay.io': { endpoints: [] } });
    expect(FleetSchema.parse({ git: fork.git, images: fork.images }).alerting.defaultReceiver).toEqual({ type: 'none', secretKey: 'url' });
  });

  it('gives sites without a receiver the fleet default, and leaves a site receiver alone', () => {
    const [a] = loadInventory(VALID_SITES, fork);
    expect(a.site.layers.monitoring.receiver).toEqual({ type: 'webhook', secretName: 'alertmanager-webhook', secretKey: 'url' });
    const own = parseSiteFile('sites/plant-c.yaml', `${readFileSync(join(VALID_SITES, 'plant-a.yaml'), 'utf8')}\n`.replace('name: plant-a', 'name: plant-c') + 'gitops: { mode: hub }\n', fork);
    expect(own.site.layers.monitoring.receiver).toEqual({ type: 'webhook', secretName: 'alertmanager-webhook', secretKey: 'url' });
    const silent = parseSiteFile('sites/plant-c.yaml', readFileSync(join(VALID_SITES, 'plant-a.yaml'), 'utf8').replace('name: plant-a', 'name: plant-c').replace('layers:\n', 'layers:\n  monitoring:\n    receiver: { type: none }\n'), fork);
    expect(silent.site.layers.monitoring.receiver).toEqual({ type: 'none', secretKey: 'url' });
  });

  it('merges the site mirrors over the fleet mirrors by registry host, sorted', () => {
    const text = `${readFileSync(join(VALID_SITES, 'plant-a.yaml'), 'utf8')}registries:\n  mirrors:\n    docker.io: { endpoints: ["http://10.20.0.5:5000"] }\n    nvcr.io: {}\n`;
    const { site } = parseSiteFile('test/plant-a.yaml', text, fork);
    expect(siteMirrors(site, fork)).toEqual({
      'docker.io': { endpoints: ['http://10.20.0.5:5000'] },
      'ghcr.io': { endpoints: [] },
      'nvcr.io': { endpoints: [] },
      'quay.io': { endpoints: [] },
    });
    expect(Object.keys(siteMirrors(site, fork))).toEqual(['docker.io', 'ghcr.io', 'nvcr.io', 'quay.io']);
  });
});

describe('K3s embedded registry mirror version gate (docs.k3s.io/installation/registry-mirror)', () => {
  it.each([
    ['v1.28.4+k3s2', false],
    ['v1.28.5+k3s1', false],
    ['v1.28.6+k3s1', true],
    ['v1.28.15+k3s1', true],
    ['v1.29.0+k3s1', false],
    ['v1.29.1+k3s1', true],
    ['v1.30.0+k3s1', true],
    ['v1.33.1+k3s1', true],
  ])('%s has it: %s', (version, has) => {
    expect(hasEmbeddedRegistry(version)).toBe(has);
  });

  it('names the first release of the line', () => {
    expect(embeddedRegistryMinimum('v1.28.4+k3s2')).toBe('v1.28.6+k3s1');
    expect(embeddedRegistryMinimum('v1.29.0+k3s1')).toBe('v1.29.1+k3s1');
  });
});

/** Every file of an output folder, path → content. */
function rendered(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

interface K8sLike {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: unknown;
}

/** Every `{ repoURL, path | chart }` source object anywhere below a spec (Applications, ApplicationSet templates). */
function sourcesIn(node: unknown): { repoURL: string; path?: string; chart?: string }[] {
  if (Array.isArray(node)) return node.flatMap(sourcesIn);
  if (!node || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const here = typeof o.repoURL === 'string' ? [o as { repoURL: string; path?: string; chart?: string }] : [];
  return [...here, ...Object.values(o).flatMap(sourcesIn)];
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('changing fleet.yaml changes every place that renders it', () => {
  const repo = loadFleet('fleet.yaml');
  const forkedRepoURL = 'https://git.example.com/plant-ops/edge-fleet.git';
  const forkedRegistry = 'registry.example.com:5000/plant-ops';
  let original: Map<string, string>;
  let forked: Map<string, string>;

  beforeAll(async () => {
    const forkFile = join(out, 'fork-fleet.yaml');
    const doc = yaml.load(readFileSync('fleet.yaml', 'utf8')) as Fleet;
    writeFileSync(forkFile, yaml.dump({ ...doc, git: { ...doc.git, repoURL: forkedRepoURL }, images: { registry: forkedRegistry } }));
    const options = { sitesDir: 'sites', only: [], jobs: 1, quiet: true, stats: false };
    await synth({ ...options, fleetFile: 'fleet.yaml', outDir: join(out, 'original') });
    await synth({ ...options, fleetFile: forkFile, outDir: join(out, 'forked') });
    original = rendered(join(out, 'original'));
    forked = rendered(join(out, 'forked'));
  });

  it('renders the committed dist/ from the committed fleet.yaml', () => {
    expect([...original.keys()]).toEqual(listFiles('dist'));
    for (const [f, text] of original) expect({ f, same: text === readFileSync(join('dist', f), 'utf8') }).toEqual({ f, same: true });
  });

  it('points every Argo CD Git source and project at the forked repository', () => {
    const objects = [...forked.entries()].flatMap(([f, text]) => (f.endsWith('.yaml') ? (yaml.loadAll(text) as K8sLike[]) : []));
    const argo = objects.filter((o) => o && ['Application', 'ApplicationSet', 'AppProject'].includes(o.kind));
    expect(argo.length).toBeGreaterThan(5);
    // A Git source has a path, a Helm source a chart; a project lists the repositories it may sync.
    const gitSources = argo.flatMap((o) => sourcesIn(o.spec).filter((src) => src.path !== undefined).map((src) => `${o.kind}/${o.metadata.name}: ${src.repoURL}`));
    expect(gitSources.length).toBeGreaterThan(5);
    for (const g of gitSources) expect(g).toMatch(new RegExp(`: ${forkedRepoURL.replace(/[.]/g, '\\.')}$`));
    const projects = argo.filter((o) => o.kind === 'AppProject');
    expect(projects.length).toBeGreaterThan(0);
    // Every project that syncs from Git; edge-hub-telemetry installs only Helm charts at the hub.
    const fromGit = projects.filter((p) => p.metadata.name !== 'edge-hub-telemetry');
    expect(fromGit.length).toBeGreaterThan(0);
    for (const p of fromGit) expect((p.spec as { sourceRepos: string[] }).sourceRepos).toContain(forkedRepoURL);

    const all = [...original.values()].join('\n');
    const forkedAll = [...forked.values()].join('\n');
    expect(count(all, repo.git.repoURL)).toBeGreaterThan(0);
    expect(count(forkedAll, repo.git.repoURL)).toBe(0);
    expect(count(forkedAll, forkedRepoURL)).toBe(count(all, repo.git.repoURL));
    // The alerts' runbook links follow the repository too.
    const web = (u: string): string => `${u.replace(/\.git$/, '')}/blob/`;
    expect(count(all, web(repo.git.repoURL))).toBeGreaterThan(0);
    expect(count(forkedAll, web(forkedRepoURL))).toBe(count(all, web(repo.git.repoURL)));
  });

  it('pulls the project image from the forked registry', () => {
    const all = [...original.values()].join('\n');
    const forkedAll = [...forked.values()].join('\n');
    const image = `${repo.images.registry}/inference-server:`;
    expect(count(all, image)).toBeGreaterThan(0);
    expect(count(forkedAll, repo.images.registry)).toBe(0);
    expect(count(forkedAll, `${forkedRegistry}/inference-server:`)).toBe(count(all, image));
  });
});

describe('fleet values are spelled in fleet.yaml only', () => {
  /** Source folders and top-level files: everything but tests, docs and rendered output. */
  const SOURCES = ['lib', 'charts', 'terraform', 'scripts', 'tools', 'server', 'sites', 'models', 'imports', 'schemas', '.github', '.ci'];
  const SKIP = new Set(['node_modules', '.terraform', 'dist', 'build', 'coverage']);

  function sourceFiles(): string[] {
    const files: string[] = readdirSync('.').filter((f) => /\.(ts|mjs|js|json|yaml|yml|tf)$/.test(f) && f !== 'fleet.yaml' && f !== 'package-lock.json');
    const walk = (dir: string): void => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const e of entries) {
        if (SKIP.has(e) || e.endsWith('.md')) continue;
        const p = join(dir, e);
        if (listFilesSafe(p)) walk(p);
        else files.push(p);
      }
    };
    SOURCES.forEach(walk);
    return files;
  }

  function listFilesSafe(p: string): boolean {
    try {
      readdirSync(p);
      return true;
    } catch {
      return false;
    }
  }

  it('finds the repository URL and the image registry nowhere else in source', () => {
    const fleet = loadFleet('fleet.yaml');
    const needles = [fleet.git.repoURL, fleet.git.repoURL.replace(/^https:\/\//, '').replace(/\.git$/, ''), fleet.images.registry];
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    const hits = files.flatMap((f) => {
      const text = readFileSync(f, 'latin1');
      return needles.filter((n) => text.includes(n)).map((n) => `${f}: ${n}`);
    });
    expect(hits).toEqual([]);
  });
});
