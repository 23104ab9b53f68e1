/**
 * Compares two rendered output trees (path → content) and describes every changed file: which site and
 * layer it belongs to, which objects were added, changed or removed, and its unified diff. Pure functions:
 * reading Git and running the synth is the CLI's job (scripts/diff.ts).
 */
import * as yaml from 'js-yaml';
import { unifiedDiff } from './lines';

export type FileStatus = 'added' | 'removed' | 'modified';

/** An object in a manifest file, as reviewers name it: `Deployment inference/ollama`. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface ObjectChanges {
  readonly added: readonly ObjectRef[];
  readonly changed: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
}

export interface FileDiff {
  /** Path relative to the output folder: `office/inference.k8s.yaml`, `hub/layers/office.json`. */
  readonly path: string;
  /** First path segment: a site name, or `hub`. */
  readonly group: string;
  /** The rest of the path without `.k8s.yaml`: the layer (`inference`), or `layers/office` under hub/. */
  readonly layer: string;
  readonly status: FileStatus;
  /** For manifest files; undefined for other files (generator JSON) or unparsable YAML. */
  readonly objects?: ObjectChanges;
  /** Lines added and removed. */
  readonly linesAdded: number;
  readonly linesRemoved: number;
  /** `diff -u` text (a/ and b/ prefixes). */
  readonly diff: string;
}

export interface TreeDiff {
  /** Changed files, sorted by group (the hub last) and path. */
  readonly files: readonly FileDiff[];
  /** Number of files compared that did not change. */
  readonly unchanged: number;
}

const MANIFEST_SUFFIX = '.k8s.yaml';
/** The fleet-level folder of the output (charts/gitops/applicationset.ts HUB_DIR); listed after the sites. */
export const HUB_GROUP = 'hub';

export function formatRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function refKey(ref: ObjectRef): string {
  return `${ref.kind}\u0000${ref.namespace ?? ''}\u0000${ref.name}`;
}

/**
 * The objects of a manifest file keyed by kind/namespace/name, each with a canonical rendering to compare.
 * Returns undefined when the file is not parseable YAML (then only the line diff is shown).
 */
function manifestObjects(content: string): Map<string, { ref: ObjectRef; canonical: string }> | undefined {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(content).filter((d) => d !== null && d !== undefined);
  } catch {
    return undefined;
  }
  const out = new Map<string, { ref: ObjectRef; canonical: string }>();
  docs.forEach((doc, i) => {
    const o = (typeof doc === 'object' && doc !== null ? doc : {}) as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    const ref: ObjectRef = {
      kind: typeof o.kind === 'string' ? o.kind : '(no kind)',
      namespace: typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : undefined,
      name: typeof o.metadata?.name === 'string' ? o.metadata.name : `(document ${i + 1})`,
    };
    out.set(refKey(ref), { ref, canonical: JSON.stringify(doc) });
  });
  return out;
}

/** Objects added, changed and removed between two versions of a manifest file (either may be absent). */
function objectChanges(before: string | undefined, after: string | undefined): ObjectChanges | undefined {
  const a = before === undefined ? new Map() : manifestObjects(before);
  const b = after === undefined ? new Map() : manifestObjects(after);
  if (a === undefined || b === undefined) return undefined;
  const added: ObjectRef[] = [];
  const changed: ObjectRef[] = [];
  const removed: ObjectRef[] = [];
  for (const [key, obj] of b) {
    const old = a.get(key);
    if (old === undefined) added.push(obj.ref);
    else if (old.canonical !== obj.canonical) changed.push(obj.ref);
  }
  for (const [key, obj] of a) if (!b.has(key)) removed.push(obj.ref);
  return { added, changed, removed };
}

function countLines(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++ ')) added++;
    else if (line.startsWith('-') && !line.startsWith('--- ')) removed++;
  }
  return { added, removed };
}

/** Group and layer of a path: `office/inference.k8s.yaml` → (office, inference). */
function classify(path: string): { group: string; layer: string } {
  const slash = path.indexOf('/');
  const group = slash < 0 ? '(top level)' : path.slice(0, slash);
  const rest = slash < 0 ? path : path.slice(slash + 1);
  return { group, layer: rest.endsWith(MANIFEST_SUFFIX) ? rest.slice(0, -MANIFEST_SUFFIX.length) : rest };
}

/** Compares two output trees. `hubGroup` sorts last (fleet-level objects after the sites). */
export function diffTrees(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>, hubGroup = HUB_GROUP): TreeDiff {
  const paths = [...new Set([...base.keys(), ...head.keys()])];
  const files: FileDiff[] = [];
  let unchanged = 0;
  for (const path of paths) {
    const before = base.get(path);
    const after = head.get(path);
    if (before === after) {
      unchanged++;
      continue;
    }
    const status: FileStatus = before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
    const diff = unifiedDiff(before === undefined ? '/dev/null' : `a/${path}`, after === undefined ? '/dev/null' : `b/${path}`, before ?? '', after ?? '');
    const lines = countLines(diff);
    files.push({
      path,
      ...classify(path),
      status,
      objects: path.endsWith(MANIFEST_SUFFIX) ? objectChanges(before, after) : undefined,
      linesAdded: lines.added,
      linesRemoved: lines.removed,
      diff,
    });
  }
  files.sort((x, y) => {
    const hx = x.group === hubGroup ? 1 : 0;
    const hy = y.group === hubGroup ? 1 : 0;
    return hx - hy || x.group.localeCompare(y.group) || x.path.localeCompare(y.path);
  });
  return { files, unchanged };
}
