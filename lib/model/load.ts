/**
 * Loads and validates the site inventory: one YAML file per site. Everything that can be checked from the
 * inventory alone is checked here, in O(N) over the fleet (hash maps, no pairwise comparisons), so that a
 * 3,000-site inventory validates in well under a second.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { displayPath, fieldPath, InputError, MISSING, moreProblems, valueAt } from './errors';

export { displayPath };
import { CredentialsIssue, Fleet, FleetSchema, redactUrl, RegistryMirrors, repositoryWebURL } from './fleet';
import { EMBEDDED_REGISTRY_GA, embeddedRegistryMinimum, hasEmbeddedRegistry } from './k3s';
import { Site, SiteSchema } from './schema';

export interface LoadedSite {
  /** The validated site with defaults resolved. */
  readonly site: Site;
  /** The file it came from, relative to the working directory when possible (used in error messages). */
  readonly file: string;
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
    if (entry.endsWith('.yml')) {
      throw new InputError(displayPath(join(dir, entry)), 'file name', entry, 'uses the .yml extension', `rename it to ${entry.replace(/\.yml$/, '.yaml')}`);
    }
    if (entry.endsWith('.yaml')) files.push(join(dir, entry));
  }
  if (files.length === 0) {
    throw new InputError(displayPath(dir), 'sites folder', undefined, 'contains no <site>.yaml file', 'add one file per site (see sites/factory-floor.yaml)');
  }
  return files;
}

/** Parses YAML text into a mapping, or throws one InputError naming the line (shared by site files and fleet.yaml). */
function parseYamlMapping(file: string, text: string, expected: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const e = err as yaml.YAMLException;
    const line = e.mark ? e.mark.line + 1 : undefined;
    const col = e.mark ? e.mark.column + 1 : undefined;
    throw new InputError(
      file,
      line ? `line ${line}, column ${col}` : 'YAML',
      line ? text.split('\n')[line - 1] : undefined,
      `YAML syntax error: ${e.reason ?? e.message}`,
      'fix the indentation or quoting at that position (the file must be plain YAML)',
    );
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
  const r = fleet.alerting.defaultReceiver;
  if (r.type !== 'none' && !r.secretName) {
    throw new InputError(file, 'alerting.defaultReceiver.secretName', MISSING, `is required for receiver type "${r.type}"`, 'name the Secret (in each site\'s monitoring namespace) that holds the receiver URL or key');
  }
  if (r.type === 'none' && r.secretName) {
    throw new InputError(file, 'alerting.defaultReceiver.secretName', r.secretName, 'is set but the receiver type is "none", so nothing would read it', 'set type (webhook, slack or pagerduty) or remove secretName');
  }
  return fleet;
}

/**
 * Parses and validates one site file (schema rules only; fleet-wide rules are in `loadInventory`). With the
 * fleet config, the fleet's defaults apply where the file leaves a field out: the alert receiver
 * (alerting.defaultReceiver).
 */
export function parseSiteFile(path: string, text: string = readFileSync(path, 'utf8'), fleet?: Fleet): LoadedSite {
  const file = displayPath(path);
  const raw = parseYamlMapping(file, text, 'name, location, ring and nodes');
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

/**
 * Loads every site of an inventory folder and applies the fleet-wide rules: unique site names and unique
 * node IPs across the fleet. Throws the first InputError found.
 */
export function loadInventory(dir: string, fleet?: Fleet): LoadedSite[] {
  const loaded = listSiteFiles(dir).map((f) => parseSiteFile(f, undefined, fleet));
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
