/**
 * Reads the two sides of a rendered diff: the committed output folder at a Git ref (one `git ls-tree` and one
 * `git cat-file --batch`, whatever the number of files) and a freshly rendered folder on disk.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from '../../lib/synth/writer';

export class GitError extends Error {}

function git(repoDir: string, args: readonly string[], input?: string): Buffer {
  const r = spawnSync('git', ['-C', repoDir, ...args], { input, maxBuffer: 1 << 30 });
  if (r.error) throw new GitError(`git ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} failed: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/** The repository's top folder. */
export function repoRoot(dir: string): string {
  return git(dir, ['rev-parse', '--show-toplevel']).toString().trim();
}

function refExists(repoDir: string, ref: string): boolean {
  return spawnSync('git', ['-C', repoDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).status === 0;
}

/** The ref to compare against: the given one (which must exist), else `origin/main` if present, else `HEAD`. */
export function resolveBase(repoDir: string, base?: string): string {
  if (base !== undefined) {
    if (!refExists(repoDir, base)) {
      throw new GitError(`--base ${base}: no such commit in ${repoDir}; fetch it first (e.g. git fetch origin main) or pass another ref`);
    }
    return base;
  }
  return refExists(repoDir, 'origin/main') ? 'origin/main' : 'HEAD';
}

/** Every file under `dir` (relative to the repository top) at `ref`, keyed by path relative to `dir`. */
export function readTreeAtRef(repoDir: string, ref: string, dir: string): Map<string, string> {
  const prefix = `${dir.replace(/\/+$/, '')}/`;
  const listing = git(repoDir, ['ls-tree', '-r', '-z', '--full-tree', ref, '--', prefix]).toString();
  const entries: { oid: string; path: string }[] = [];
  for (const record of listing.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [, type, oid] = record.slice(0, tab).split(' ');
    if (type === 'blob') entries.push({ oid, path: record.slice(tab + 1) });
  }
  const out = new Map<string, string>();
  if (entries.length === 0) return out;
  const batch = git(repoDir, ['cat-file', '--batch'], `${entries.map((e) => e.oid).join('\n')}\n`);
  let pos = 0;
  for (const e of entries) {
    const eol = batch.indexOf(0x0a, pos);
    const header = batch.subarray(pos, eol).toString().split(' ');
    const size = Number(header[2]);
    if (header[0] !== e.oid || !Number.isInteger(size)) throw new GitError(`git cat-file: unexpected output for ${e.path}: ${header.join(' ')}`);
    out.set(e.path.slice(prefix.length), batch.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    pos = eol + 1 + size + 1;
  }
  return out;
}

/** Every file under a folder on disk, keyed by path relative to it. */
export function readTreeFromDisk(root: string): Map<string, string> {
  return new Map(listFiles(root).map((p) => [p, readFileSync(join(root, p), 'utf8')]));
}

/** The bytes of one file at a ref, or undefined when the ref has no such file. */
export function readBlobAtRef(repoDir: string, ref: string, path: string): Buffer | undefined {
  const r = spawnSync('git', ['-C', repoDir, 'cat-file', 'blob', `${ref}:${path}`], { maxBuffer: 1 << 30 });
  return r.status === 0 ? r.stdout : undefined;
}
