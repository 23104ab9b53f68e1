/**
 * Atomic, minimal output writer.
 *
 * - No change → nothing is written (mtimes kept; git and Argo CD see nothing).
 * - A change → a complete new tree is built in a staging folder beside the output (unchanged files are
 *   hard-linked, so they keep their inode and mtime; changed files are written), then swapped in with two
 *   renames. A run killed before the swap leaves the old output untouched; a run killed between the two
 *   renames leaves `.<out>.old-*`, which the next run restores before doing anything else.
 * - Any error before the swap (validation, synthesis) leaves the output exactly as it was.
 *
 * The output folder is owned by the synthesizer: files it no longer renders (a removed site) are removed.
 * With `onlySites`, only those site folders are managed and everything else is carried over untouched.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RenderedFile } from './render';

export interface WriteResult {
  readonly written: number;
  readonly removed: number;
  readonly unchanged: number;
}

export interface WriteOptions {
  /** Manage only these top-level folders (e.g. `--site warehouse`); others are kept as they are. */
  readonly onlyDirs?: readonly string[];
}

function siblings(out: string): { parent: string; base: string } {
  return { parent: dirname(out), base: basename(out) };
}

/** Restores an output swapped out by a run that was killed mid-swap, and drops abandoned staging folders. */
export function recover(out: string): void {
  const { parent, base } = siblings(out);
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent).sort()) {
    const full = join(parent, entry);
    if (entry.startsWith(`.${base}.old-`)) {
      if (!existsSync(out)) renameSync(full, out);
      else rmSync(full, { recursive: true, force: true });
    }
  }
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`.${base}.staging-`)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** Lists files under a folder as relative paths with `/` separators. */
export function listFiles(root: string, rel = ''): string[] {
  const dir = join(root, rel);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else out.push(path);
  }
  return out;
}

function sameContent(path: string, content: string): boolean {
  try {
    if (statSync(path).size !== Buffer.byteLength(content)) return false;
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}

export function writeOutput(out: string, files: readonly RenderedFile[], options: WriteOptions = {}): WriteResult {
  recover(out);
  const managed = (path: string): boolean => !options.onlyDirs || options.onlyDirs.includes(path.split('/')[0]);
  const desired = new Map<string, string>();
  for (const f of files) {
    if (!managed(f.path)) throw new Error(`internal: ${f.path} is outside the folders this run manages`);
    if (desired.has(f.path)) throw new Error(`internal: ${f.path} rendered twice`);
    desired.set(f.path, f.content);
  }
  const existing = listFiles(out);
  const changed: string[] = [];
  for (const [path, content] of desired) {
    if (!sameContent(join(out, path), content)) changed.push(path);
  }
  const removed = existing.filter((p) => managed(p) && !desired.has(p));
  if (changed.length === 0 && removed.length === 0) {
    return { written: 0, removed: 0, unchanged: desired.size };
  }

  const { parent, base } = siblings(out);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${base}.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const made = new Set<string>();
  const ensureDir = (dir: string): void => {
    if (made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  };
  const changedSet = new Set(changed);
  const removedSet = new Set(removed);
  for (const path of existing) {
    if (changedSet.has(path) || removedSet.has(path)) continue;
    ensureDir(dirname(join(staging, path)));
    linkSync(join(out, path), join(staging, path));
  }
  for (const path of changed) {
    ensureDir(dirname(join(staging, path)));
    writeFileSync(join(staging, path), desired.get(path) as string);
  }
  if (!existsSync(staging)) mkdirSync(staging, { recursive: true });

  const old = join(parent, `.${base}.old-${process.pid}`);
  if (existsSync(out)) renameSync(out, old);
  renameSync(staging, out);
  rmSync(old, { recursive: true, force: true });
  return { written: changed.length, removed: removed.length, unchanged: desired.size - changed.length };
}
