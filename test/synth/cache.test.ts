/**
 * The render cache never serves stale output: for each kind of input, change it and check that exactly the sites
 * that can see the change are rendered again, and that the output equals a from-scratch render byte for byte.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../lib/model/catalog';
import { loadFleet, loadInventory } from '../../lib/model/load';
import { Catalog } from '../../lib/model/site';
import { CacheConfig, filesFingerprint, RenderCache, ValidatedSites } from '../../lib/synth/cache';
import { renderFleet } from '../../lib/synth/fleet';
import { listFiles, OutputTransaction } from '../../lib/synth/writer';

const work = mkdtempSync(join(tmpdir(), 'render-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sites = join(work, 'sites');
mkdirSync(sites);
// Two sample sites (one with custom Ollama models, one without Ollama) keep the suite fast.
for (const name of ['factory-floor', 'office']) cpSync(`sites/${name}.yaml`, join(sites, `${name}.yaml`));
// A site that runs no inference and no custom model: model and Modelfile changes must not touch it.
writeFileSync(
  join(sites, 'kiosk.yaml'),
  'name: kiosk\nlocation: Kiosk\nring: 2\nnodes:\n  - { name: kiosk-1, ip: 192.168.9.10, arch: arm64, cpuCores: 4, memoryGiB: 8 }\nlayers:\n  inference: { enabled: false }\n',
);

const fleet = loadFleet('fleet.yaml');
const baseCatalog = loadCatalog(process.cwd(), fleet);

async function run(out: string, catalog: Catalog, cache?: CacheConfig): Promise<string[]> {
  // As the CLI does: with a cache, unchanged site files come from the validated-sites memo.
  const memo = cache ? new ValidatedSites(cache) : undefined;
  const loaded = loadInventory(sites, fleet, memo);
  memo?.save();
  const tx = new OutputTransaction(out, { protect: [process.cwd(), sites] });
  try {
    const r = await renderFleet(loaded, loaded, catalog, { jobs: 1, partial: false, target: tx.target, cache });
    tx.commit(r.staged);
    return [...r.fresh].sort();
  } catch (err) {
    tx.abort();
    throw err;
  }
}

function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

let n = 0;
/** Renders with the cache and from scratch; returns what the cached run rendered, after checking equality. */
async function both(catalog: Catalog, cache: CacheConfig): Promise<string[]> {
  n++;
  const fresh = await run(join(work, 'out-cached'), catalog, cache);
  await run(join(work, `out-scratch-${n}`), catalog);
  expect(tree(join(work, 'out-cached'))).toEqual(tree(join(work, `out-scratch-${n}`)));
  return fresh;
}

const ALL = ['factory-floor', 'hub', 'kiosk', 'office'];
const config: CacheConfig = { dir: join(work, 'cache'), code: 'code-1', fleet: 'fleet-1' };

describe('render cache', () => {
  it('renders everything the first time and nothing when no input changed', async () => {
    expect(await both(baseCatalog, config)).toEqual(ALL);
    expect(await both(baseCatalog, config)).toEqual([]);
  });

  it('a changed site file re-renders that site and the hub', async () => {
    const file = join(sites, 'office.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('ring: 2', 'ring: 3'));
    expect(await both(baseCatalog, config)).toEqual(['hub', 'office']);
  });

  it('a changed fleet input or renderer re-renders every site', async () => {
    expect(await both(baseCatalog, { ...config, fleet: 'fleet-2' })).toEqual(ALL);
    expect(await both(baseCatalog, { ...config, fleet: 'fleet-2', code: 'code-2' })).toEqual(ALL);
  });

  it('a changed ONNX model re-renders the sites that serve it, not the others', async () => {
    const catalog: Catalog = { ...baseCatalog, onnxModels: baseCatalog.onnxModels.map((m) => ({ ...m, metadataJson: m.metadataJson.replace('"description": "', '"description": "Retrained. ') })) };
    expect(await both(catalog, { ...config, fleet: 'fleet-2', code: 'code-2' })).toEqual(['factory-floor', 'hub', 'office']);
  });

  it('a changed Modelfile re-renders the sites with custom models', async () => {
    const [name, modelfile] = Object.entries(baseCatalog.modelfiles)[0];
    const catalog: Catalog = { ...baseCatalog, modelfiles: { ...baseCatalog.modelfiles, [name]: { ...modelfile, source: `${modelfile.source}\nPARAMETER temperature 0.2\n` } } };
    expect(await both(catalog, { ...config, fleet: 'fleet-2', code: 'code-2' })).toEqual(['factory-floor', 'hub']);
  });

  it('a damaged cache entry is rendered again, never served', async () => {
    const blobs = join(config.dir, 'blobs');
    for (const shard of readdirSync(blobs)) for (const b of readdirSync(join(blobs, shard))) writeFileSync(join(blobs, shard, b), 'damaged');
    expect(await both(baseCatalog, { ...config, fleet: 'fleet-3' })).toEqual(ALL);
    expect(await both(baseCatalog, { ...config, fleet: 'fleet-3' })).toEqual([]);
  });

  it('the code fingerprint follows the lockfile (a dependency version) and the bundles', () => {
    const lock = join(work, 'package-lock.json');
    writeFileSync(lock, '{"packages":{"node_modules/cdk8s":{"version":"2.70.106"}}}');
    const before = filesFingerprint([lock]);
    writeFileSync(lock, '{"packages":{"node_modules/cdk8s":{"version":"2.70.107"}}}');
    expect(filesFingerprint([lock])).not.toBe(before);
  });

  it('remembers a YAML dump by the objects it was made of; changed or inexact objects are dumped again', () => {
    const cache = new RenderCache({ ...config, dir: join(work, 'yaml') });
    const dumps: unknown[] = [];
    const dump = (objects: readonly unknown[]): string => {
      dumps.push(objects);
      return `dump ${dumps.length} of ${JSON.stringify(objects)}\n`;
    };
    const serialize = cache.yamlMemo(dump);
    const rules = [{ kind: 'PrometheusRule', spec: { groups: [{ name: 'fleet-sites', rules: [{ record: 'x', expr: 'vector(1)' }] }] } }];
    expect(serialize(rules)).toBe(`dump 1 of ${JSON.stringify(rules)}\n`);
    expect(new RenderCache({ ...config, dir: join(work, 'yaml') }).yamlMemo(dump)(structuredClone(rules))).toBe(`dump 1 of ${JSON.stringify(rules)}\n`);
    expect(dumps).toHaveLength(1);
    serialize([{ ...rules[0], kind: 'ConfigMap' }]);
    expect(dumps).toHaveLength(2);
    // Another code fingerprint (another js-yaml) never reuses a dump.
    new RenderCache({ ...config, code: 'code-9', dir: join(work, 'yaml') }).yamlMemo(dump)(rules);
    expect(dumps).toHaveLength(3);
    // JSON would drop `undefined` and turn NaN into null: such objects are never keyed by their JSON.
    serialize([{ a: undefined }]);
    serialize([{ a: undefined }]);
    serialize([{ n: Number.NaN }]);
    expect(dumps).toHaveLength(6);
  });

  it('stays bounded: entries of older generations are pruned with their blobs', () => {
    const cache = new RenderCache({ ...config, dir: join(work, 'prune') });
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 10; i++) cache.put(`old-${i}`, [{ path: `s${i}/a.k8s.yaml`, content: `old ${i}` }]);
    for (const f of readdirSync(join(work, 'prune', 'entries'))) utimesSync(join(work, 'prune', 'entries', f), new Date(t0), new Date(t0));
    cache.put('new-0', [{ path: 's0/a.k8s.yaml', content: 'new 0' }]);
    cache.prune(2, t0 + 1000);
    expect(readdirSync(join(work, 'prune', 'entries'))).toEqual(['new-0.json']);
    expect(readdirSync(join(work, 'prune', 'blobs')).flatMap((s) => readdirSync(join(work, 'prune', 'blobs', s)))).toHaveLength(1);
  });
});

describe('validated sites (sites.v8)', () => {
  const cfg: CacheConfig = { dir: join(work, 'memo'), code: 'code-1', fleet: 'fleet-1' };
  /** Loads the inventory through a fresh memo on `config`; returns the sites and the files served from it. */
  function load(config: CacheConfig): { loaded: ReturnType<typeof loadInventory>; served: string[] } {
    const memo = new ValidatedSites(config);
    const served: string[] = [];
    const get = memo.get.bind(memo);
    memo.get = (path, hash) => {
      const site = get(path, hash);
      if (site) served.push(path.slice(sites.length + 1));
      return site;
    };
    const loaded = loadInventory(sites, fleet, memo);
    memo.save();
    return { loaded, served };
  }

  it('serves a site exactly as validation returned it, only for the same bytes, code and fleet', () => {
    expect(load(cfg).served).toEqual([]);
    const again = load(cfg);
    expect(again.served).toEqual(['factory-floor.yaml', 'kiosk.yaml', 'office.yaml']);
    // Strict equality: undefined fields, arrays and nesting as a from-scratch validation returns them.
    const scratch = loadInventory(sites, fleet);
    expect(again.loaded.map((l) => [l.file, l.site])).toStrictEqual(scratch.map((l) => [l.file, l.site]));
    const file = join(sites, 'kiosk.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('ring: 2', 'ring: 1'));
    const edited = load(cfg);
    expect(edited.served).toEqual(['factory-floor.yaml', 'office.yaml']);
    expect(edited.loaded.find((l) => l.site.name === 'kiosk')?.site.ring).toBe(1);
    expect(load({ ...cfg, fleet: 'fleet-2' }).served).toEqual([]);
    expect(load({ ...cfg, code: 'code-2' }).served).toEqual([]);
  });

  it('never hides an error: a file broken after it was remembered is validated and refused', () => {
    load(cfg);
    const file = join(sites, 'kiosk.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('ring: 1', 'ring: seven'));
    try {
      expect(() => load(cfg)).toThrow(/kiosk\.yaml: ring/);
    } finally {
      writeFileSync(file, good);
    }
  });
});
