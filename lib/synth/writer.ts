/**
 * Atomic, minimal output writer.
 *
 * - No change → nothing is written to the output (mtimes kept; git and Argo CD see nothing).
 * - Renderers (the main thread or workers) stream each file into a staging folder beside the output as
 *   soon as it is rendered, and only if it differs from the file already in the output: memory stays
 *   bounded by one site, not the fleet.
 * - On commit, a journal (the changed and the removed paths) is written beside the output, then each changed file
 *   is renamed from the staging folder into the output (atomic per file) and each removed file is deleted: the
 *   cost follows what changed, not the size of the output (ADR 0025). A run killed after the journal was written
 *   is rolled forward by the next run before it does anything else (renames whose source is gone are done);
 *   a run killed before it leaves the old output untouched. An output that does not exist yet is the staging
 *   folder renamed in one step.
 * - Any error before the commit (validation, synthesis) aborts the transaction: the output is exactly as it was.
 *
 * The output folder is owned by the synthesizer: files it no longer renders (a removed site) are removed.
 * With `onlyDirs`, only those top-level folders are managed and everything else is carried over untouched.
 */
import { closeSync, existsSync, lstatSync, readlinkSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../model/errors';
import { RenderedFile } from './render';

export interface WriteResult {
  readonly written: number;
  readonly removed: number;
  readonly unchanged: number;
}

export interface WriteOptions {
  /** Manage only these top-level folders (e.g. `--site warehouse`); others are kept as they are. */
  readonly onlyDirs?: readonly string[];
  /** Folders the output must never contain (the working directory, the inventory). @default [cwd] */
  readonly protect?: readonly string[];
}

/** What synth writes, and so the only kinds of file it may ever remove from an output folder. */
const OUTPUT_FILE = /(\.k8s\.yaml|\.json)$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Refuses output folders that synth does not own: the output is replaced wholesale, so `--out .` or a
 * typo must never delete a checkout. A folder is synth's when it is empty or holds only rendered files.
 * Returns its files (the commit compares them with what the run rendered; the lock keeps other runs out).
 */
function assertOwnedOutput(out: string, protect: readonly string[]): string[] {
  for (const p of protect) {
    const guarded = resolve(p);
    if (guarded === out || guarded.startsWith(out + sep)) {
      throw new InputError(out, '--out', out, `contains ${guarded}, which synth must never replace`, 'render into a dedicated folder such as dist/');
    }
  }
  const files = listFiles(out);
  const foreign = files.find((f) => !OUTPUT_FILE.test(f));
  if (foreign) {
    throw new InputError(out, '--out', out, `is not a synth output folder: it holds ${foreign}, which synth did not render`, 'choose an empty folder or one written by npm run synth');
  }
  return files;
}

/** Linux: when a process started (ms since the epoch), from /proc; undefined elsewhere or when unknown. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, clock ticks since boot) follows the parenthesised command, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    return btime * 1000 + (ticks * 1000) / 100; // USER_HZ is 100 on every Linux architecture the project runs on
  } catch {
    return undefined;
  }
}

/** The command line of a process, for messages ("node .build/main.js"); undefined when unknown. */
function processCommand(pid: number): string | undefined {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return cmd.length > 60 ? `${cmd.slice(0, 57)}...` : cmd || undefined;
  } catch {
    return undefined;
  }
}

/**
 * One synth run at a time per output folder: a lock file beside it holds the writer's PID. A lock left by
 * a process that no longer exists (a killed run) is taken over. A lock whose PID is alive is never taken
 * over, but the message tells a running synth from a PID that was reused by another program after the
 * run that wrote the lock was killed (the process started after the lock was written): then the lock is
 * stale and the message says how to clear it.
 */
function acquireLock(lock: string, out: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new InputError(lock, '--out', out, `cannot get its lock file (${code ?? String(err)})`, `render into a folder whose parent folder ${dirname(lock)} is writable`);
      }
      let text = '';
      let lockedAt = 0;
      try {
        text = readFileSync(lock, 'utf8');
        lockedAt = statSync(lock).mtimeMs;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw new InputError(lock, 'lock file', undefined, `cannot be read (${(e as NodeJS.ErrnoException).code})`, `delete it (rm ${lock}) if no synth run is going on`);
      }
      const pid = Number(text.trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        const started = processStartMs(pid);
        const cmd = processCommand(pid);
        const what = cmd ? ` ("${cmd}")` : '';
        const reused = started !== undefined && started > lockedAt + 1000;
        const foreign = cmd !== undefined && !/node|synth|jest/i.test(cmd);
        if (reused || foreign) {
          const why = reused ? 'started after this lock was written' : 'is not a Node.js process';
          throw new InputError(
            lock,
            'pid',
            pid,
            `is stale: process ${pid}${what} ${why}, so it is not the synth run that took the lock (that run was killed and its PID reused)`,
            `delete the lock file (rm ${lock}) and run again`,
          );
        }
        throw new InputError(
          lock,
          'pid',
          pid,
          `locks ${out}: another synth run (process ${pid}${what}) is writing it`,
          `wait for it to finish; if no synth run is going on, delete the lock file (rm ${lock}) and run again`,
        );
      }
      rmSync(lock, { force: true });
    }
  }
  throw new InputError(lock, 'lock file', undefined, 'keeps reappearing: another synth run is starting at the same time', 'run one synth at a time per output folder');
}

/**
 * Refuses an output path that cannot be a folder: an existing file, or a path below a file. Without this the
 * run ends in ENOTDIR/EEXIST from deep inside the writer.
 */
function assertFolderPath(out: string): void {
  let p = out;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new InputError(displayOut(out), '--out', out, `cannot be used (${code} on ${p})`, 'pass a folder you can write to, e.g. dist');
      }
      let link: string | undefined;
      try {
        link = lstatSync(p).isSymbolicLink() ? readlinkSync(p) : undefined;
      } catch {
        link = undefined;
      }
      if (link !== undefined) {
        const where = p === out ? 'is' : `lies below ${p}, which is`;
        throw new InputError(displayOut(out), '--out', out, `${where} a symbolic link to ${link}, which does not exist`, `create the folder it points to, or delete the link ${p}`);
      }
      const parent = dirname(p);
      if (parent === p) return;
      p = parent;
      continue;
    }
    if (st.isDirectory()) return;
    if (p === out) {
      throw new InputError(displayOut(out), '--out', out, 'is a file, not a folder', 'pass a folder (synth creates it when missing), e.g. --out dist');
    }
    throw new InputError(displayOut(out), '--out', out, `lies below ${p}, which is a file, not a folder`, `choose a path outside ${p}, or move that file away`);
  }
}

function displayOut(out: string): string {
  const rel = relative(process.cwd(), out);
  return rel === '' || rel.startsWith('..') ? out : rel;
}

/** What a renderer reports for each file it staged (content stays in the staging folder, not in memory). */
export interface StagedFile {
  readonly path: string;
  readonly changed: boolean;
  readonly bytes: number;
  /** SHA-256 of the content, when the renderer knows it (the render cache's output index records it). */
  readonly sha256?: string;
  /** For an unchanged file: its stat in the output as the run found it (a commit leaves unchanged files alone). */
  readonly stamp?: FileStamp;
}

/** What proves a file unchanged since it was last seen without reading it (as git's index does). */
export interface FileStamp {
  readonly mtimeMs: number;
  readonly ino: number;
}

/** Where renderers put changed files: plain paths, so worker threads can use it too. */
export interface StagingTarget {
  readonly out: string;
  readonly staging: string;
}

function siblings(out: string): { parent: string; base: string } {
  return { parent: dirname(out), base: basename(out) };
}

/** What a commit does to the output, written before it starts so that a killed commit can be finished. */
interface Journal {
  /** The staging folder the changed files are renamed from. */
  readonly staging: string;
  /** Paths renamed from the staging folder into the output. */
  readonly changed: readonly string[];
  /** Paths deleted from the output. */
  readonly removed: readonly string[];
}

/**
 * Applies a journal; idempotent, so a commit killed half-way is finished by applying it again: a changed file whose
 * staged copy is gone was renamed already, a removed file that is gone was deleted already.
 */
function applyJournal(out: string, journal: Journal): void {
  const made = new Set<string>();
  for (const path of journal.changed) {
    const from = join(journal.staging, path);
    if (!existsSync(from)) continue;
    const to = join(out, path);
    const dir = dirname(to);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    renameSync(from, to);
  }
  const emptied = new Set<string>();
  for (const path of journal.removed) {
    rmSync(join(out, path), { force: true });
    for (let dir = dirname(path); dir !== '.'; dir = dirname(dir)) emptied.add(dir);
  }
  // Folders left empty by the removals (a removed site), deepest first.
  for (const dir of [...emptied].sort((a, b) => b.length - a.length)) {
    const full = join(out, dir);
    if (existsSync(full) && readdirSync(full).length === 0) rmSync(full, { recursive: true });
  }
}

/**
 * Finishes a commit that a killed run left half-done (its journal is beside the output), then drops abandoned
 * staging folders (runs killed before they committed: their output was never touched).
 */
export function recover(out: string): void {
  const { parent, base } = siblings(out);
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent).sort()) {
    if (!entry.startsWith(`.${base}.journal-`) || !entry.endsWith('.json')) continue;
    const path = join(parent, entry);
    applyJournal(out, JSON.parse(readFileSync(path, 'utf8')) as Journal);
    rmSync(path, { force: true });
  }
  for (const entry of readdirSync(parent)) {
    const abandoned = entry.startsWith(`.${base}.staging-`) || (entry.startsWith(`.${base}.journal-`) && entry.endsWith('.tmp'));
    if (abandoned) rmSync(join(parent, entry), { recursive: true, force: true });
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

function sameContent(path: string, content: string, bytes: number): boolean {
  try {
    if (statSync(path).size !== bytes) return false;
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}

/** Stages one rendered file: written to the staging folder only when it differs from the output. */
export function stageFile(target: StagingTarget, file: RenderedFile): StagedFile {
  const bytes = Buffer.byteLength(file.content);
  if (sameContent(join(target.out, file.path), file.content, bytes)) return { path: file.path, changed: false, bytes };
  const dest = join(target.staging, file.path);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, file.content);
  return { path: file.path, changed: true, bytes };
}

/** One synth run's view of the output folder: stage files, then commit (journaled renames) or abort. */
export class OutputTransaction {
  readonly target: StagingTarget;
  private readonly onlyDirs?: readonly string[];
  private done = false;

  private readonly lock: string;
  /** The output's files when the transaction started. */
  private readonly existing: readonly string[];

  constructor(outDir: string, options: WriteOptions = {}) {
    // Work on the real folder: renaming a symlink would replace the link, not the folder it points to.
    assertFolderPath(resolve(outDir));
    const out = existsSync(outDir) ? realpathSync(outDir) : resolve(outDir);
    const { parent, base } = siblings(out);
    try {
      mkdirSync(parent, { recursive: true });
    } catch (err) {
      throw new InputError(displayOut(out), '--out', out, `cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)} on ${parent})`, 'pass a folder you can write to, e.g. dist');
    }
    this.lock = join(parent, `.${base}.lock`);
    acquireLock(this.lock, out);
    try {
      recover(out);
      this.existing = assertOwnedOutput(out, options.protect ?? [process.cwd()]);
      const staging = join(parent, `.${base}.staging-${process.pid}`);
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging);
      this.target = { out, staging };
    } catch (err) {
      rmSync(this.lock, { force: true });
      throw err;
    }
    this.onlyDirs = options.onlyDirs;
  }

  private managed(path: string): boolean {
    return !this.onlyDirs || this.onlyDirs.includes(path.split('/')[0]);
  }

  /** Leaves the output exactly as it was. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    rmSync(this.target.staging, { recursive: true, force: true });
    rmSync(this.lock, { force: true });
  }

  /** Moves the changed files in and deletes the removed ones, or does nothing at all when nothing changed. */
  commit(staged: readonly StagedFile[]): WriteResult {
    if (this.done) throw new Error('internal: transaction already finished');
    const { out, staging } = this.target;
    const desired = new Set<string>();
    const changed = new Set<string>();
    for (const f of staged) {
      if (!this.managed(f.path)) {
        this.abort();
        throw new Error(`internal: ${f.path} is outside the folders this run manages`);
      }
      if (desired.has(f.path)) {
        this.abort();
        throw new Error(`internal: ${f.path} rendered twice`);
      }
      desired.add(f.path);
      if (f.changed) changed.add(f.path);
    }
    const removed = this.existing.filter((p) => this.managed(p) && !desired.has(p));
    if (changed.size === 0 && removed.length === 0) {
      this.abort();
      return { written: 0, removed: 0, unchanged: desired.size };
    }
    const { parent, base } = siblings(out);
    if (!existsSync(out)) {
      renameSync(staging, out);
    } else {
      const journal: Journal = { staging, changed: [...changed], removed };
      const path = join(parent, `.${base}.journal-${process.pid}.json`);
      writeFileSync(`${path}.tmp`, JSON.stringify(journal));
      renameSync(`${path}.tmp`, path);
      applyJournal(out, journal);
      rmSync(path, { force: true });
      rmSync(staging, { recursive: true, force: true });
    }
    this.done = true;
    rmSync(this.lock, { force: true });
    return { written: changed.size, removed: removed.length, unchanged: desired.size - changed.size };
  }
}

/** Convenience for callers holding all files in memory (tests, small tools). */
export function writeOutput(out: string, files: readonly RenderedFile[], options: WriteOptions = {}): WriteResult {
  const tx = new OutputTransaction(out, options);
  try {
    const staged = files.map((f) => stageFile(tx.target, f));
    return tx.commit(staged);
  } catch (err) {
    tx.abort();
    throw err;
  }
}
