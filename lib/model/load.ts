/**
 * Loads and validates the site inventory: one YAML file per site. Everything that can be checked from the
 * inventory alone is checked here, in O(N) over the fleet (hash maps, no pairwise comparisons), so that a
 * 3,000-site inventory validates in well under a second.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, statSync, Stats } from 'node:fs';
import { basename, join } from 'node:path';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { displayPath, fieldPath, InputError, MISSING, moreProblems, valueAt } from './errors';

export { displayPath };
import { CredentialsIssue, Fleet, FleetSchema, redactUrl, RegistryMirrors, repositoryWebURL, urlCredentials } from './fleet';
import { EMBEDDED_REGISTRY_GA, embeddedRegistryMinimum, hasEmbeddedRegistry } from './k3s';
import { Site, SiteSchema } from './schema';

export interface LoadedSite {
  /** The validated site with defaults resolved. */
  readonly site: Site;
  /** The file it came from, relative to the working directory when possible (used in error messages). */
  readonly file: string;
  /** SHA-256 of the file's bytes, when the loader computed it (the render cache keys sites by it). */
  readonly sha256?: string;
}

/**
 * Files that may sit in a sites folder without being sites. Everything else must be a `<site>.yaml` file:
 * an entry that is not is refused with its fix rather than skipped, because a skipped file is a site that
 * silently disappears from dist/ and so from Argo CD (`plant-b.YAML`, `plant-b.yml`, a folder named
 * `plant-b.yaml`, a dangling symlink). Symbolic links to a regular file are accepted (the site is named after
 * the link, as Terraform's `fileset` sees it).
 */
export const IGNORED_SITE_FOLDER_ENTRIES: readonly string[] = ['README.md', '.gitkeep', '.gitignore', '.DS_Store', 'Thumbs.db'];

/** A site file larger than this is not a hand-written site (the largest sample is ~2 KiB). */
export const MAX_SITE_FILE_BYTES = 256 * 1024;

/** Emacs/vim/JetBrains lock, swap and backup files: `.#x.yaml`, `#x.yaml#`, `x.yaml~`, `.x.yaml.swp`, `x.yaml.bak`. */
const EDITOR_FILE = /^\.#|^#.*#$|~$|\.sw[a-p]$|\.(bak|orig|rej|tmp)$|___jb_(tmp|old)___$/i;

/** Refuses a sites-folder entry that is not a site file, with the fix; returns whether it is one. */
function checkSiteEntry(dir: string, entry: string): boolean {
  const path = join(dir, entry);
  if (IGNORED_SITE_FOLDER_ENTRIES.includes(entry)) return false;
  if (EDITOR_FILE.test(entry)) {
    throw new InputError(
      displayPath(path),
      'file name',
      entry,
      'is an editor lock, swap or backup file, not a site',
      'save and close the file in your editor, or delete this file if no editor has it open (the sites folder holds only <site>.yaml files)',
    );
  }
  const ext = /\.(ya?ml)$/i.exec(entry);
  if (!ext) {
    throw new InputError(displayPath(path), 'file name', entry, 'is not a <site>.yaml file', 'move it out of the sites folder (only <site>.yaml files and README.md belong there)');
  }
  if (ext[1] !== 'yaml') {
    const renamed = `${entry.slice(0, -ext[1].length)}yaml`;
    throw new InputError(displayPath(path), 'file name', entry, `has the .${ext[1]} extension, so it would not be rendered`, `rename it to ${renamed} (site files end in lowercase .yaml)`);
  }
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    let target = '';
    try {
      target = readlinkSync(path);
    } catch {
      // not a link
    }
    if (code === 'ELOOP') {
      throw new InputError(displayPath(path), 'file name', entry, `is a symbolic link that loops (-> ${target})`, 'replace it with the site file itself');
    }
    if (target) {
      throw new InputError(displayPath(path), 'file name', entry, `is a symbolic link to ${target}, which does not exist`, 'restore the file it points to, or delete the link');
    }
    throw new InputError(displayPath(path), 'file name', entry, `cannot be read (${code ?? 'unknown error'})`, 'make the file readable, or move it out of the sites folder');
  }
  if (st.isDirectory()) {
    throw new InputError(displayPath(path), 'file name', entry, 'is a folder, not a site file', `rename the folder (site files are plain files: ${entry} must be a file)`);
  }
  if (!st.isFile()) {
    throw new InputError(displayPath(path), 'file name', entry, 'is not a regular file (a pipe, socket or device would block or fail the read)', 'replace it with the site file itself');
  }
  if (st.size > MAX_SITE_FILE_BYTES) {
    throw new InputError(displayPath(path), '(file size)', `${st.size} bytes`, `is larger than ${MAX_SITE_FILE_BYTES / 1024} KiB, far more than any site file`, 'check that this is the right file; a site file lists one site and its nodes');
  }
  return true;
}

/** Lists the site files of an inventory folder, sorted so that every run sees the same order. */
function listSiteFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new InputError(displayPath(dir), 'sites folder', undefined, 'cannot be read', 'pass an existing folder with --sites DIR');
  }
  const files: string[] = [];
  for (const entry of entries.sort()) {
    if (checkSiteEntry(dir, entry)) files.push(join(dir, entry));
  }
  if (files.length === 0) {
    throw new InputError(displayPath(dir), 'sites folder', undefined, 'contains no <site>.yaml file', 'add one file per site (see sites/factory-floor.yaml)');
  }
  return files;
}

/**
 * Decodes a site file as UTF-8 without a byte-order mark: what Terraform's `file()` + `yamldecode` read too.
 * UTF-16 (with or without BOM), a UTF-8 BOM and bytes that are not UTF-8 are refused with the fix instead of
 * being parsed into garbage (a Latin-1 "ü" would otherwise reach dist/ as U+FFFD).
 */
export function decodeSiteText(file: string, data: string | Uint8Array): string {
  const encodingError = (value: string, what: string, fix = 'save the file as UTF-8 without a byte-order mark (BOM)') =>
    new InputError(file, '(encoding)', value, what, fix);
  const hex = (b: Uint8Array, from: number, n: number) => [...b.subarray(from, from + n)].map((c) => c.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  if (typeof data !== 'string') {
    const b = data;
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) throw encodingError(`bytes ${hex(b, 0, 2)}`, 'is UTF-16 encoded (it starts with a UTF-16 byte-order mark)');
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) throw encodingError(`bytes ${hex(b, 0, 3)}`, 'starts with a UTF-8 byte-order mark (BOM), which Terraform\'s yamldecode does not accept');
    const nul = b.indexOf(0);
    if (nul >= 0) throw encodingError(`bytes ${hex(b, 0, 4)}`, `contains NUL bytes (first at byte ${nul}): it is UTF-16 without a byte-order mark, or not a text file`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      const bad = firstInvalidUtf8(b);
      const line = b.subarray(0, bad).filter((c) => c === 0x0a).length + 1;
      throw encodingError(`byte ${bad} (line ${line}) = ${hex(b, bad, 1)}`, 'is not valid UTF-8 (Latin-1 or Windows-1252?)', 'save the file as UTF-8 (without BOM)');
    }
  }
  if (data.charCodeAt(0) === 0xfeff) throw encodingError('U+FEFF', 'starts with a byte-order mark (BOM), which Terraform\'s yamldecode does not accept');
  if (data.includes('\0')) throw encodingError('U+0000', 'contains NUL characters: it is UTF-16 or not a text file');
  return data;
}

/** Byte offset of the first byte that does not continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += len;
  }
  return Math.max(0, b.length - 1);
}

/** The fix for a YAML error, by its reason: most are syntax, some are features site files do not use. */
function yamlFix(reason: string): { problem: string; fix: string } {
  if (/alias/i.test(reason)) {
    return {
      problem: 'uses a YAML alias (*name), which site files do not support',
      fix: 'write the values out in full instead of anchors (&name) and aliases (*name); Terraform reads the same file and each site must be readable on its own',
    };
  }
  if (/tag/i.test(reason)) {
    return { problem: `uses a YAML tag (${reason})`, fix: 'remove the !tag: site files are plain YAML (strings, numbers, booleans, lists, mappings)' };
  }
  return { problem: `YAML syntax error: ${reason}`, fix: 'fix the indentation or quoting at that position (the file must be plain YAML)' };
}

/** Parses YAML text into a mapping, or throws one InputError naming the line (shared by site files and fleet.yaml). */
function parseYamlMapping(file: string, text: string, expected: string): Record<string, unknown> {
  let raw: unknown;
  try {
    // maxAliases 0: no aliases at all, so no "billion laughs" expansion (a few hundred bytes that expand to
    // gigabytes when printed or validated).
    raw = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA, maxAliases: 0 });
  } catch (err) {
    const e = err as yaml.YAMLException;
    const line = e.mark ? e.mark.line + 1 : undefined;
    const col = e.mark ? e.mark.column + 1 : undefined;
    const { problem, fix } = yamlFix(e.reason ?? e.message);
    throw new InputError(file, line ? `line ${line}, column ${col}` : 'YAML', line ? text.split('\n')[line - 1] : undefined, problem, fix);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(file, '(document)', raw, 'is not a mapping', `the file must be a YAML mapping with ${expected}`);
  }
  return raw as Record<string, unknown>;
}

/**
 * Reads and validates fleet.yaml (lib/model/fleet.ts): once per run, before the sites, because site defaults
 * (alert receiver, remote write) and the registry mirrors come from it.
 */
export function loadFleet(path: string): Fleet {
  const file = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(file, 'fleet file', undefined, 'cannot be read', 'create fleet.yaml at the top of the repository (git, images; see README "Run your own fleet") or pass --fleet FILE');
  }
  const raw = parseYamlMapping(file, text, 'git and images (see fleet.yaml of the repository)');
  const result = FleetSchema.safeParse(raw);
  if (!result.success) throw zodIssueToError(file, raw, result.error.issues[0], result.error.issues.length, FleetSchema, 'schemas/fleet.schema.json');
  const fleet = result.data;
  if (!repositoryWebURL(fleet.git)) {
    throw new InputError(file, 'git.webURL', MISSING, 'is required when git.repoURL is not an https URL (alert runbook links need a browsable address)', 'add git.webURL, e.g. https://github.com/my-org/my-fleet');
  }
  const receivers = [
    { field: 'alerting.defaultReceiver', r: fleet.alerting.defaultReceiver, where: 'in each site\'s monitoring namespace' },
    { field: 'alerting.hubReceiver', r: fleet.alerting.hubReceiver, where: 'in the hub\'s monitoring namespace' },
  ];
  for (const { field, r, where } of receivers) {
    if (r && r.type !== 'none' && !r.secretName) {
      throw new InputError(file, `${field}.secretName`, MISSING, `is required for receiver type "${r.type}"`, `name the Secret (${where}) that holds the receiver URL or key`);
    }
    if (r?.type === 'none' && r.secretName) {
      throw new InputError(file, `${field}.secretName`, r.secretName, 'is set but the receiver type is "none", so nothing would read it', 'set type (webhook, slack or pagerduty) or remove secretName');
    }
  }
  return fleet;
}

/**
 * Parses and validates one site file (schema rules only; fleet-wide rules are in `loadInventory`). With the
 * fleet config, the fleet's defaults apply where the file leaves a field out: the alert receiver
 * (alerting.defaultReceiver).
 */
export function parseSiteFile(path: string, data: string | Uint8Array = readFileSync(path), fleet?: Fleet): LoadedSite {
  const file = displayPath(path);
  const text = decodeSiteText(file, data);
  const raw = parseYamlMapping(file, text, 'name, location, ring and nodes');
  const merge = findKey(raw, '<<');
  if (merge) {
    throw new InputError(
      file,
      fieldPath(merge),
      valueAt(raw, merge),
      'is a YAML merge key, which site files do not support',
      'write the merged fields out in full (Terraform reads the same file with yamldecode, which has no merge keys)',
    );
  }
  const result = SiteSchema.safeParse(raw);
  if (!result.success) throw zodIssueToError(file, raw, result.error.issues[0], result.error.issues.length, SiteSchema, 'schemas/site.schema.json');
  let site = result.data;
  const firstServer = site.nodes.findIndex((n) => n.role === 'server');
  if (firstServer !== 0) {
    throw new InputError(file, 'nodes[0].role', site.nodes[0].role, 'is not "server"', 'list a K3s server node first: it initialises the cluster');
  }
  const nodeNames = new Map<string, number>();
  site.nodes.forEach((n, i) => {
    const prev = nodeNames.get(n.name);
    if (prev !== undefined) {
      throw new InputError(file, `nodes[${i}].name`, n.name, `is already used by nodes[${prev}]`, 'give every node of a site a unique hostname');
    }
    nodeNames.set(n.name, i);
  });
  const inf = site.layers.inference;
  if (inf.maxReplicas < inf.replicas) {
    throw new InputError(file, 'layers.inference.maxReplicas', inf.maxReplicas, `is below replicas (${inf.replicas})`, `set maxReplicas to at least ${inf.replicas}`);
  }
  if (site.registries.embeddedMirror && !hasEmbeddedRegistry(site.k3sVersion)) {
    const min = embeddedRegistryMinimum(site.k3sVersion);
    throw new InputError(
      file,
      'registries.embeddedMirror',
      true,
      `needs a K3s release with the embedded registry mirror (${min ? `${min} or later on this line` : 'none on this line'}), but k3sVersion is ${site.k3sVersion}`,
      `set k3sVersion to ${min ?? 'a 1.30+ release'} or later (generally available from ${EMBEDDED_REGISTRY_GA.join(', ')}) or remove embeddedMirror`,
    );
  }
  const res = inf.resources;
  if (res.cpuLimitMillicores !== undefined && res.cpuLimitMillicores < res.cpuMillicores) {
    throw new InputError(
      file,
      'layers.inference.resources.cpuLimitMillicores',
      res.cpuLimitMillicores,
      `is below the request cpuMillicores (${res.cpuMillicores}): Kubernetes rejects a limit below the request`,
      `set cpuLimitMillicores to at least ${res.cpuMillicores}, or remove it (default: 2 × cpuMillicores)`,
    );
  }
  rejectInlineCredentials(file, raw);
  if (fleet) site = withFleetDefaults(site, raw, fleet);
  return { site, file };
}

/** Fills the fields a site file leaves out with the fleet's defaults (today: the alert receiver). */
function withFleetDefaults(site: Site, raw: Record<string, unknown>, fleet: Fleet): Site {
  if (valueAt(raw, ['layers', 'monitoring', 'receiver']) !== undefined) return site;
  const monitoring = { ...site.layers.monitoring, receiver: fleet.alerting.defaultReceiver };
  return { ...site, layers: { ...site.layers, monitoring } };
}

/** The registries.yaml `mirrors` of a site: the fleet's, with the site's entries replacing those of the same host; sorted. */
export function siteMirrors(site: Site, fleet: Fleet): RegistryMirrors {
  const merged = { ...fleet.registries.mirrors, ...(site.registries.mirrors ?? {}) };
  return Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
}

/** The path of the first mapping key `key` anywhere in parsed YAML, or undefined. */
function findKey(raw: unknown, key: string, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  for (const [k, v] of Object.entries(raw)) {
    const here = [...path, Array.isArray(raw) ? Number(k) : k];
    if (k === key && !Array.isArray(raw)) return here;
    const found = findKey(v, key, here);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses credentials written into the inventory (a URL's `user:password@` or `?token=`): the inventory and dist/
 * are committed, so the secret would land in Git and in every clone. Any string field is checked, so a future
 * URL field is covered too.
 */
function rejectInlineCredentials(file: string, raw: unknown, path: PropertyKey[] = []): void {
  if (typeof raw === 'string') {
    // The same test as fleet.yaml's URLs (and the same masking): user info or a secret query parameter.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && urlCredentials(raw)) {
      const field = fieldPath(path);
      const remoteWrite = field === 'layers.monitoring.remoteWriteUrl';
      throw new InputError(
        file,
        field,
        redactUrl(raw),
        'carries a credential inside the URL, which would be committed to Git and rendered into dist/ in clear text',
        remoteWrite
          ? 'remove it from the URL; create a Secret in namespace monitoring with keys "username" and "password" ' +
              '(kubectl -n monitoring create secret generic central-metrics --from-literal=username=... --from-literal=password=...) ' +
              'and set layers.monitoring.remoteWriteSecretName to its name'
          : 'remove it from the URL and keep it in a Kubernetes Secret that the workload reads (never in the inventory)',
      );
    }
    return;
  }
  if (raw !== null && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) rejectInlineCredentials(file, v, [...path, Array.isArray(raw) ? Number(k) : k]);
  }
}

/** Reads a site file; a file that vanished or became unreadable since it was listed is an input error. */
function readSiteFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(displayPath(path), 'file name', basename(path), `cannot be read (${code})`, 'make the file readable (chmod a+r), or move it out of the sites folder');
  }
}

/**
 * Sites validated by an earlier run, by the bytes of their file. Whoever keeps one must key it by everything else
 * validation reads (the code and the fleet config): lib/synth/cache.ts keeps it in the render cache.
 */
export interface SiteMemo {
  /** The site a file with exactly these bytes (SHA-256) validated to, or undefined. */
  readonly get: (path: string, sha256: string) => Site | undefined;
  readonly put: (path: string, sha256: string, site: Site) => void;
}

/**
 * Loads every site of an inventory folder and applies the fleet-wide rules: unique site names and unique
 * node IPs across the fleet. Throws the first InputError found. With `memo`, a file whose bytes it knows is not
 * parsed and validated again (the fleet-wide rules always run).
 */
export function loadInventory(dir: string, fleet?: Fleet, memo?: SiteMemo): LoadedSite[] {
  const loaded = listSiteFiles(dir).map((f): LoadedSite => {
    const bytes = readSiteFile(f);
    if (!memo) return parseSiteFile(f, bytes, fleet);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const known = memo.get(f, sha256);
    if (known) return { site: known, file: displayPath(f), sha256 };
    const parsed = parseSiteFile(f, bytes, fleet);
    memo.put(f, sha256, parsed.site);
    return { ...parsed, sha256 };
  });
  const names = new Map<string, string>();
  const ips = new Map<string, string>();
  for (const { site, file } of loaded) {
    const other = names.get(site.name);
    if (other) {
      throw new InputError(file, 'name', site.name, `is already the name of the site in ${other}`, 'site names must be unique across the fleet: rename one of them');
    }
    names.set(site.name, file);
    if (basename(file) !== `${site.name}.yaml`) {
      throw new InputError(file, 'name', site.name, 'does not match the file name', `rename the file to ${site.name}.yaml or set name to "${basename(file, '.yaml')}"`);
    }
    site.nodes.forEach((n, i) => {
      const owner = ips.get(n.ip);
      if (owner) {
        throw new InputError(file, `nodes[${i}].ip`, n.ip, `is already used by ${owner}`, 'every node needs its own IP address across the fleet: correct the address');
      }
      ips.set(n.ip, `${file} (${site.name}/${n.name})`);
    });
    if (fleet && site.registries.embeddedMirror && Object.keys(siteMirrors(site, fleet)).length === 0) {
      throw new InputError(
        file,
        'registries.embeddedMirror',
        true,
        'shares nothing: no registry is listed under registries.mirrors in fleet.yaml or in this file, and the embedded mirror only shares listed registries',
        'list the registries the site pulls from (docker.io, ghcr.io, quay.io, registry.k8s.io, ...) under registries.mirrors in fleet.yaml',
      );
    }
  }
  return loaded;
}

type Issue = z.core.$ZodIssue;

/** Unwraps defaults/optionals/arrays to find the object schema at a path, to list allowed keys. */
function objectKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = root;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let cur = s;
    for (;;) {
      if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
      else return cur;
    }
  };
  for (const p of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof p === 'string') schema = schema.shape[p];
    else if (schema instanceof z.ZodArray && typeof p === 'number') schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord && typeof p === 'string') schema = schema.valueType as z.ZodType;
    else return [];
    if (!schema) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Turns the first zod issue into one actionable message: file, field, value, problem, fix. */
function zodIssueToError(file: string, raw: unknown, issue: Issue, total: number, root: z.ZodType, jsonSchema: string): InputError {
  const more = moreProblems(total);
  if (issue.code === 'custom' && (issue.params as CredentialsIssue | undefined)?.credentials) {
    const value = valueAt(raw, issue.path);
    return new InputError(file, fieldPath(issue.path), typeof value === 'string' ? redactUrl(value) : value, `${issue.message}: a committed URL must not hold credentials${more}`, (issue.params as CredentialsIssue).fix);
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const fullPath = [...issue.path, key];
    const allowed = objectKeysAt(root, issue.path);
    return new InputError(
      file,
      fieldPath(fullPath),
      valueAt(raw, fullPath),
      `is not a known field${more}`,
      `remove it or correct its spelling; allowed fields here: ${allowed.join(', ')}`,
    );
  }
  const field = fieldPath(issue.path);
  const value = valueAt(raw, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return new InputError(file, field, MISSING, `is required but missing${more}`, `add "${String(issue.path[issue.path.length - 1])}" (${issue.expected})`);
  }
  if (issue.code === 'invalid_value') {
    const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return new InputError(file, field, value, `is not allowed${more}`, `use one of ${options}`);
  }
  if (issue.code === 'invalid_type') {
    return new InputError(file, field, value, `has the wrong type${more}`, `use a ${issue.expected}`);
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && !/^Too (small|big)/.test(issue.message)) {
    // A bound with its own explanation (implausibly small or large values: usually a unit mistake).
    return new InputError(file, field, value, `is implausibly ${issue.code === 'too_small' ? 'small' : 'large'}${more}`, `it ${issue.message}`);
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return new InputError(file, field, value, `is out of range: ${issue.message}${more}`, `use a value within the documented range (see ${jsonSchema})`);
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return new InputError(file, field, String(issue.path[issue.path.length - 1]), `is not a valid key${more}`, `it ${inner}`);
  }
  const problem = issue.code === 'invalid_format' ? 'has the wrong format' : 'is invalid';
  return new InputError(file, field, value, `${problem}${more}`, `it ${issue.message}`);
}
