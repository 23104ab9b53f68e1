/**
 * Content-addressed render cache (issue 15, docs/decisions/0025-render-cache.md).
 *
 * A site's rendered files are reused when nothing that can change them changed. The key of a site is the
 * SHA-256 of:
 * - the rendering code (`filesFingerprint`: the built bundles and package-lock.json, i.e. every chart, every
 *   constant and every dependency version);
 * - the site file's bytes, and the fleet-level inputs every site reads (`filesFingerprint`, e.g. the fleet config);
 * - the catalogue entries the site can reach (`catalogInputs`): the ONNX models it names and, when it has
 *   custom Ollama models, every Modelfile (a FROM chain may reach any of them: correctness before precision).
 * The hub outputs are keyed by the code, the fleet inputs and every site's key.
 *
 * Layout under the cache folder (outside dist/ and Git): `entries/<key>.json` lists a render's files by content
 * hash and holds its summary; `blobs/<sha256>` holds each file's bytes once. Writes are atomic (temp + rename),
 * so concurrent worker threads and killed runs never leave a half-written entry. Entries not used by a run are
 * dropped once the cache holds more than two generations of the fleet (`prune`), then unreferenced blobs.
 * `sites.v8` holds the validated sites of the last run by file bytes (`ValidatedSites`), so that an unchanged site
 * file is not parsed and validated again; it is keyed by the code and the fleet inputs, which validation reads.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { LoadedSite, SiteMemo } from '../model/load';
import { Site } from '../model/schema';
import { Catalog } from '../model/site';
import { SiteHubFacts } from './hub';
import { RenderedFile, SiteSummary } from './render';
import { FileStamp, StagedFile } from './writer';

/** What the cache knows of an output folder's files: content hash plus the stat that proves it unchanged. */
export type OutputIndex = Record<string, FileStamp & { readonly sha256: string; readonly bytes: number }>;

export interface CacheEntry {
  readonly files: readonly { readonly path: string; readonly sha256: string; readonly bytes: number }[];
  readonly summary?: SiteSummary;
  /** What the hub outputs need to know about the site. */
  readonly hub?: SiteHubFacts;
}

/** Where the cache lives and what every key starts from (plain data: worker threads receive it too). */
export interface CacheConfig {
  readonly dir: string;
  /** Hash of the rendering code and dependency versions. */
  readonly code: string;
  /** Hash of the fleet-level input files every site reads. */
  readonly fleet: string;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Hash of a set of files by path and content (an absent file hashes as absent, so creating one is a change): the
 * renderer (the running bundles and the lockfile), and the fleet-level inputs (fleet.yaml).
 */
export function filesFingerprint(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort()) {
    h.update(`${f}\0`);
    h.update(existsSync(f) ? readFileSync(f) : 'missing');
    h.update('\0');
  }
  return h.digest('hex');
}

interface CatalogDigests {
  /** Per ONNX model name: every catalogue entry of that name (all versions), as the charts see it. */
  readonly onnx: ReadonlyMap<string, string>;
  /** Every Modelfile. */
  readonly modelfiles: string;
}

const digests = new WeakMap<Catalog, CatalogDigests>();

/** Digests of the catalogue, computed once per catalogue object (a run loads it once). */
function catalogDigests(catalog: Catalog): CatalogDigests {
  let d = digests.get(catalog);
  if (!d) {
    const byName = new Map<string, string[]>();
    for (const m of catalog.onnxModels) byName.set(m.name, [...(byName.get(m.name) ?? []), JSON.stringify(m)]);
    const onnx = new Map([...byName].map(([name, entries]) => [name, sha256(entries.sort().join('\0'))]));
    const modelfiles = sha256(JSON.stringify(Object.keys(catalog.modelfiles).sort().map((n) => [n, catalog.modelfiles[n]])));
    d = { onnx, modelfiles };
    digests.set(catalog, d);
  }
  return d;
}

/** The catalogue entries a site can reach: the ONNX models it names, and every Modelfile if it has custom models. */
export function catalogInputs(site: LoadedSite['site'], catalog: Catalog): string {
  const d = catalogDigests(catalog);
  const parts: string[] = [];
  const inference = site.layers.inference;
  if (inference.enabled !== false) for (const name of [...(inference.models ?? [])].sort()) parts.push(`onnx:${name}:${d.onnx.get(name) ?? 'none'}`);
  const ollama = site.layers.ollama;
  if (ollama.enabled !== false && (ollama.customModels ?? []).length > 0) parts.push(`modelfiles:${d.modelfiles}`);
  return sha256(parts.join('\0'));
}

export function siteKey(config: CacheConfig, loaded: LoadedSite, catalog: Catalog): string {
  const bytes = loaded.sha256 ?? sha256(readFileSync(loaded.file));
  return sha256(`site\0${config.code}\0${config.fleet}\0${loaded.file}\0${bytes}\0${catalogInputs(loaded.site, catalog)}`);
}

export function hubKey(config: CacheConfig, siteKeys: readonly string[]): string {
  return sha256(`hub\0${config.code}\0${config.fleet}\0${siteKeys.join('\0')}`);
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export class RenderCache {
  constructor(readonly config: CacheConfig) {}

  private entryPath(key: string): string {
    return join(this.config.dir, 'entries', `${key}.json`);
  }

  private blobPath(hash: string): string {
    return join(this.config.dir, 'blobs', hash.slice(0, 2), hash);
  }

  /** Whether an entry for `key` exists (it may still turn out unusable: then the site is rendered). */
  has(key: string): boolean {
    return existsSync(this.entryPath(key));
  }

  /** The entry for `key`, marked as used by this run (its mtime), or undefined. */
  get(key: string): CacheEntry | undefined {
    const path = this.entryPath(key);
    try {
      const entry = JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
      const now = new Date();
      utimesSync(path, now, now);
      return entry;
    } catch {
      return undefined;
    }
  }

  /** A cached file's content; undefined when its blob is missing or damaged (a damaged blob is removed). */
  blob(hash: string): string | undefined {
    const path = this.blobPath(hash);
    try {
      const content = readFileSync(path, 'utf8');
      if (sha256(content) === hash) return content;
      rmSync(path, { force: true });
    } catch {
      // missing: the site is rendered and the blob written again
    }
    return undefined;
  }

  put(key: string, files: readonly RenderedFile[], summary?: SiteSummary, hub?: SiteHubFacts): CacheEntry['files'] {
    const listed = files.map((f) => {
      const hash = sha256(f.content);
      const bytes = Buffer.byteLength(f.content);
      // A blob is written once; one of the wrong size (damaged, truncated) is replaced. `blob()` checks the hash
      // before anything is served, so a damaged blob of the right size costs a re-render, never a stale file.
      if (sizeOf(this.blobPath(hash)) !== bytes) this.writeBlob(hash, f.content);
      return { path: f.path, sha256: hash, bytes };
    });
    writeAtomic(this.entryPath(key), JSON.stringify({ files: listed, summary, hub } satisfies CacheEntry));
    return listed;
  }

  /**
   * A YAML serializer that remembers its output in the cache, keyed by the SHA-256 of the objects' JSON and the code
   * fingerprint (which covers the js-yaml version): a large fleet file whose objects did not change (the hub
   * monitoring rules of 3,000 sites when one site's memory changed) is not dumped again. Objects JSON cannot
   * represent exactly (undefined, non-finite numbers) are dumped every time.
   */
  yamlMemo(dump: (objects: readonly unknown[]) => string): (objects: readonly unknown[]) => string {
    return (objects) => {
      let exact = true;
      const json = JSON.stringify(objects, (_key, value: unknown) => {
        if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) exact = false;
        return value;
      });
      if (!exact) return dump(objects);
      const key = `yaml-${sha256(`yaml\0${this.config.code}\0${json}`)}`;
      const known = this.get(key)?.files;
      const text = known?.length === 1 ? this.blob(known[0].sha256) : undefined;
      if (text !== undefined) return text;
      const fresh = dump(objects);
      this.put(key, [{ path: 'yaml', content: fresh }]);
      return fresh;
    };
  }

  private readonly shards = new Set<string>();

  /**
   * Writes a blob in place (no temp file and rename: a blob is named by its hash, and `blob()` verifies the hash
   * before serving it, so a torn write by a killed run costs a re-render, never a wrong file).
   */
  private writeBlob(hash: string, content: string): void {
    const path = this.blobPath(hash);
    const shard = dirname(path);
    if (!this.shards.has(shard)) {
      mkdirSync(shard, { recursive: true });
      this.shards.add(shard);
    }
    writeFileSync(path, content);
  }

  private indexPath(out: string): string {
    return join(this.config.dir, 'outputs', `${sha256(out)}.json`);
  }

  /**
   * The output folder's index as the last run left it (like git's stat cache): a file whose size, mtime and inode
   * still match is known to hold the recorded content without being read. Empty when unknown or unreadable.
   */
  readOutputIndex(out: string): OutputIndex {
    try {
      return JSON.parse(readFileSync(this.indexPath(out), 'utf8')) as OutputIndex;
    } catch {
      return {};
    }
  }

  /** Records the hashes of the files a run staged, with their stat after the commit (known for unchanged files). */
  writeOutputIndex(out: string, staged: readonly StagedFile[], keep: OutputIndex = {}): void {
    const index: Record<string, OutputIndex[string]> = { ...keep };
    for (const f of staged) {
      if (!f.sha256) continue;
      try {
        const st = !f.changed && f.stamp ? f.stamp : statSync(join(out, f.path));
        index[f.path] = { sha256: f.sha256, bytes: f.bytes, mtimeMs: st.mtimeMs, ino: st.ino };
      } catch {
        delete index[f.path];
      }
    }
    writeAtomic(this.indexPath(out), JSON.stringify(index));
  }

  /**
   * Keeps the cache bounded: when it holds more than `2 × used` entries, entries this run did not use (older than
   * `runStarted`) are removed, then blobs no remaining entry references.
   */
  prune(used: number, runStarted: number): void {
    const entries = join(this.config.dir, 'entries');
    if (!existsSync(entries)) return;
    const names = readdirSync(entries);
    if (names.length <= 2 * Math.max(used, 1)) return;
    const kept = new Set<string>();
    for (const name of names) {
      const path = join(entries, name);
      try {
        if (statSync(path).mtimeMs < runStarted) {
          rmSync(path, { force: true });
          continue;
        }
        for (const f of (JSON.parse(readFileSync(path, 'utf8')) as CacheEntry).files) kept.add(f.sha256);
      } catch {
        rmSync(path, { force: true });
      }
    }
    const blobs = join(this.config.dir, 'blobs');
    for (const shard of existsSync(blobs) ? readdirSync(blobs) : []) {
      for (const hash of readdirSync(join(blobs, shard))) if (!kept.has(hash)) rmSync(join(blobs, shard, hash), { force: true });
    }
  }
}

/**
 * The validated sites of the last run, by path and SHA-256 of the file's bytes, in one file (structured clone, so a
 * site comes back exactly as validation returned it, undefined fields and key order included). Valid only for the
 * code and fleet inputs it was written with; bounded by the inventory (it holds the sites of the last load only).
 */
export class ValidatedSites implements SiteMemo {
  private readonly path: string;
  private readonly stamp: string;
  private readonly known: ReadonlyMap<string, { readonly sha256: string; readonly site: Site }>;
  private readonly seen = new Map<string, { readonly sha256: string; readonly site: Site }>();
  private misses = 0;

  constructor(config: CacheConfig) {
    this.path = join(config.dir, 'sites.v8');
    this.stamp = sha256(`sites\0${config.code}\0${config.fleet}`);
    this.known = this.read();
  }

  private read(): ReadonlyMap<string, { readonly sha256: string; readonly site: Site }> {
    try {
      const data = deserialize(readFileSync(this.path)) as { stamp?: string; sites?: [string, { sha256: string; site: Site }][] };
      return data.stamp === this.stamp && Array.isArray(data.sites) ? new Map(data.sites) : new Map();
    } catch {
      return new Map();
    }
  }

  get(path: string, hash: string): Site | undefined {
    const hit = this.known.get(path);
    if (hit?.sha256 !== hash) {
      this.misses++;
      return undefined;
    }
    this.seen.set(path, hit);
    return hit.site;
  }

  put(path: string, hash: string, site: Site): void {
    this.seen.set(path, { sha256: hash, site });
  }

  /** Records the sites of this load (only when it differs from what the file holds). */
  save(): void {
    if (this.misses === 0 && this.seen.size === this.known.size) return;
    writeAtomic(this.path, serialize({ stamp: this.stamp, sites: [...this.seen] }));
  }
}
