/**
 * The Helm part of the review diff: for every site whose Helm release changed between the two rendered trees
 * (chart, version or values of an Argo CD Application), the manifests `helm template` renders on each side,
 * compared object by object and line by line, as homelab's `helm diff` shows them. What Argo CD will apply
 * is reviewed, not only the values handed to the chart.
 *
 * Pure where it can be: finding the changed releases and comparing their output take trees and rendered text;
 * rendering is passed in (scripts/diff.ts renders with tools/helm from the vendored packages).
 */
import { loadAll } from 'js-yaml';
import { isObject } from '../validate/common';
import { helmApplications, HelmApplication, parseManifests } from '../helm/releases';
import { unifiedDiff } from './lines';
import { FileDiff, ObjectChanges, ObjectRef } from './tree';

/** A Helm release whose chart, version or values differ between base and head (absent on one side = added/removed). */
export interface ReleaseChange {
  readonly site: string;
  /** Application name (`<site>-<release>`). */
  readonly application: string;
  readonly base?: HelmApplication;
  readonly head?: HelmApplication;
  /** What changed, for people: `chart version 88.2.0 → 88.3.0, values`. */
  readonly what: string;
}

const GITOPS_FILE = /^([^/]+)\/gitops\.k8s\.yaml$/;

/** The Helm Applications of every site in a rendered tree (`<site>/gitops.k8s.yaml`), by site. */
export function treeReleases(tree: ReadonlyMap<string, string>): Map<string, HelmApplication[]> {
  const out = new Map<string, HelmApplication[]>();
  for (const [path, content] of tree) {
    const m = GITOPS_FILE.exec(path);
    if (!m) continue;
    let docs: unknown[];
    try {
      docs = loadAll(content);
    } catch {
      continue; // an unparsable file is shown by the line diff of the rendered output
    }
    out.set(m[1], helmApplications(docs.filter(isObject)));
  }
  return out;
}

function describe(base: HelmApplication | undefined, head: HelmApplication | undefined): string {
  if (!base && head) return `added: ${head.chart} ${head.version}`;
  if (base && !head) return `removed: ${base.chart} ${base.version}`;
  const a = base as HelmApplication;
  const b = head as HelmApplication;
  const parts: string[] = [];
  if (a.repoURL !== b.repoURL) parts.push(`repository ${a.repoURL} → ${b.repoURL}`);
  if (a.chart !== b.chart) parts.push(`chart ${a.chart} → ${b.chart}`);
  if (a.version !== b.version) parts.push(`${b.chart} ${a.version} → ${b.version}`);
  if (a.releaseName !== b.releaseName) parts.push(`release name ${a.releaseName} → ${b.releaseName}`);
  if (a.namespace !== b.namespace) parts.push(`namespace ${a.namespace} → ${b.namespace}`);
  if (JSON.stringify(a.values) !== JSON.stringify(b.values)) parts.push('values');
  return parts.join(', ');
}

/** Helm releases that differ between two rendered trees, by site and Application name. */
export function changedReleases(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): ReleaseChange[] {
  const a = treeReleases(base);
  const b = treeReleases(head);
  const out: ReleaseChange[] = [];
  for (const site of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const before = new Map((a.get(site) ?? []).map((x) => [x.application, x]));
    const after = new Map((b.get(site) ?? []).map((x) => [x.application, x]));
    for (const app of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const what = describe(before.get(app), after.get(app));
      if (what !== '') out.push({ site, application: app, base: before.get(app), head: after.get(app), what });
    }
  }
  return out;
}

function refOf(doc: Record<string, unknown>, i: number): ObjectRef {
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  return {
    kind: typeof doc.kind === 'string' ? doc.kind : '(no kind)',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
    name: typeof meta.name === 'string' ? meta.name : `(document ${i + 1})`,
  };
}

/** Objects added, changed and removed between two `helm template` outputs (documents parsed once, cached). */
export function renderedObjectChanges(before: string, after: string): ObjectChanges {
  const index = (text: string) => {
    const m = new Map<string, { ref: ObjectRef; canonical: string }>();
    parseManifests(text).forEach((d, i) => {
      const ref = refOf(d, i);
      m.set(`${ref.kind}\u0000${ref.namespace ?? ''}\u0000${ref.name}`, { ref, canonical: JSON.stringify(d) });
    });
    return m;
  };
  const a = index(before);
  const b = index(after);
  const added: ObjectRef[] = [];
  const changed: ObjectRef[] = [];
  const removed: ObjectRef[] = [];
  for (const [k, o] of b) {
    const old = a.get(k);
    if (!old) added.push(o.ref);
    else if (old.canonical !== o.canonical) changed.push(o.ref);
  }
  for (const [k, o] of a) if (!b.has(k)) removed.push(o.ref);
  return { added, changed, removed };
}

export interface HelmReleaseDiff extends FileDiff {
  readonly change: ReleaseChange;
}

export interface HelmDiff {
  /** Every changed release with its rendered-manifest diff (path `<site>/helm/<release name>`). */
  readonly releases: readonly HelmReleaseDiff[];
  /** Sites whose releases could not be rendered on one side, with the reason (the rest of the report stands). */
  readonly errors: readonly string[];
}

/**
 * Renders the changed releases' sides with `render` (site, side, that side's Applications of the site → the
 * `helm template` output per Application name) and compares them.
 */
export async function helmDiff(
  base: ReadonlyMap<string, string>,
  head: ReadonlyMap<string, string>,
  render: (site: string, side: 'base' | 'head', apps: readonly HelmApplication[]) => Promise<Map<string, string>>,
): Promise<HelmDiff> {
  const changes = changedReleases(base, head);
  const sites = [...new Set(changes.map((c) => c.site))];
  const a = treeReleases(base);
  const b = treeReleases(head);
  const releases: HelmReleaseDiff[] = [];
  const errors: string[] = [];
  for (const site of sites) {
    let before: Map<string, string>;
    let after: Map<string, string>;
    try {
      [before, after] = await Promise.all([render(site, 'base', a.get(site) ?? []), render(site, 'head', b.get(site) ?? [])]);
    } catch (err) {
      errors.push(`${site}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    for (const change of changes.filter((c) => c.site === site)) {
      const name = (change.head ?? change.base)?.releaseName ?? change.application;
      const path = `${site}/helm/${name}`;
      const x = before.get(change.application) ?? '';
      const y = after.get(change.application) ?? '';
      const diff = x === y ? '' : unifiedDiff(change.base ? `a/${path}` : '/dev/null', change.head ? `b/${path}` : '/dev/null', x, y);
      let linesAdded = 0;
      let linesRemoved = 0;
      for (const line of diff.split('\n')) {
        if (line.startsWith('+') && !line.startsWith('+++ ')) linesAdded++;
        else if (line.startsWith('-') && !line.startsWith('--- ')) linesRemoved++;
      }
      releases.push({
        change,
        path,
        group: site,
        layer: `helm/${name}`,
        status: !change.base ? 'added' : !change.head ? 'removed' : 'modified',
        objects: renderedObjectChanges(x, y),
        linesAdded,
        linesRemoved,
        diff,
      });
    }
  }
  return { releases, errors };
}
