/** The atomic writer: journaled commits, roll-forward after a run killed mid-commit, no writes when unchanged. */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles, OutputTransaction, recover, writeOutput } from '../../lib/synth/writer';

describe('writeOutput', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, then reports no change, then removes files it no longer renders', () => {
    const out = join(dir, 'dist');
    const files = [
      { path: 'a/x.k8s.yaml', content: 'x\n' },
      { path: 'b/y.k8s.yaml', content: 'y\n' },
    ];
    expect(writeOutput(out, files)).toEqual({ written: 2, removed: 0, unchanged: 0 });
    expect(writeOutput(out, files)).toEqual({ written: 0, removed: 0, unchanged: 2 });
    expect(writeOutput(out, [files[0]])).toEqual({ written: 0, removed: 1, unchanged: 1 });
    expect(listFiles(out)).toEqual(['a/x.k8s.yaml']);
  });

  it('with onlyDirs keeps other folders untouched and refuses files outside them', () => {
    const out = join(dir, 'dist');
    writeOutput(out, [
      { path: 'a/x.k8s.yaml', content: 'x\n' },
      { path: 'b/y.k8s.yaml', content: 'y\n' },
    ]);
    writeOutput(out, [{ path: 'a/x.k8s.yaml', content: 'x2\n' }], { onlyDirs: ['a'] });
    expect(readFileSync(join(out, 'b/y.k8s.yaml'), 'utf8')).toBe('y\n');
    expect(readFileSync(join(out, 'a/x.k8s.yaml'), 'utf8')).toBe('x2\n');
    expect(() => writeOutput(out, [{ path: 'b/y.k8s.yaml', content: 'z' }], { onlyDirs: ['a'] })).toThrow('outside the folders');
  });

  it('touches only what changed: unchanged files keep their inode and mtime, a removed site leaves no folder', () => {
    const out = join(dir, 'dist');
    writeOutput(out, [
      { path: 'a/x.k8s.yaml', content: 'x\n' },
      { path: 'a/y.k8s.yaml', content: 'y\n' },
      { path: 'b/z.k8s.yaml', content: 'z\n' },
    ]);
    const before = statSync(join(out, 'a/y.k8s.yaml'));
    expect(writeOutput(out, [
      { path: 'a/x.k8s.yaml', content: 'x2\n' },
      { path: 'a/y.k8s.yaml', content: 'y\n' },
    ])).toEqual({ written: 1, removed: 1, unchanged: 1 });
    const after = statSync(join(out, 'a/y.k8s.yaml'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(readFileSync(join(out, 'a/x.k8s.yaml'), 'utf8')).toBe('x2\n');
    expect(existsSync(join(out, 'b'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['dist']); // no journal, staging folder or lock left behind
  });

  it('finishes a commit that was killed half-way (roll forward from its journal)', () => {
    const out = join(dir, 'dist');
    writeOutput(out, [
      { path: 'a/x.k8s.yaml', content: 'x\n' },
      { path: 'a/y.k8s.yaml', content: 'y\n' },
      { path: 'b/z.k8s.yaml', content: 'z\n' },
    ]);
    // A run staged x and y, wrote its journal, renamed x, and was killed before y and the removal of b.
    const staging = join(dir, '.dist.staging-12345');
    mkdirSync(join(staging, 'a'), { recursive: true });
    writeFileSync(join(staging, 'a/y.k8s.yaml'), 'y2\n');
    writeFileSync(join(out, 'a/x.k8s.yaml'), 'x2\n');
    const journal = { staging, changed: ['a/x.k8s.yaml', 'a/y.k8s.yaml'], removed: ['b/z.k8s.yaml'] };
    writeFileSync(join(dir, '.dist.journal-12345.json'), JSON.stringify(journal));
    recover(out);
    expect(listFiles(out).map((p) => `${p}=${readFileSync(join(out, p), 'utf8').trim()}`)).toEqual(['a/x.k8s.yaml=x2', 'a/y.k8s.yaml=y2']);
    expect(readdirSync(dir).sort()).toEqual(['dist']);
  });

  it('leaves the output as it was when a run was killed before its journal was complete', () => {
    const out = join(dir, 'dist');
    writeOutput(out, [{ path: 'a/x.k8s.yaml', content: 'x\n' }]);
    mkdirSync(join(dir, '.dist.staging-12345', 'a'), { recursive: true });
    writeFileSync(join(dir, '.dist.staging-12345', 'a/x.k8s.yaml'), 'half');
    writeFileSync(join(dir, '.dist.journal-12345.json.tmp'), '{"staging":');
    recover(out);
    expect(readFileSync(join(out, 'a/x.k8s.yaml'), 'utf8')).toBe('x\n');
    expect(readdirSync(dir).sort()).toEqual(['dist']);
  });

  it('rejects the same path rendered twice', () => {
    expect(() => writeOutput(join(dir, 'dist'), [{ path: 'a/x', content: '1' }, { path: 'a/x', content: '2' }])).toThrow('rendered twice');
  });

  it('refuses an output folder that holds files synth did not render, and deletes nothing', () => {
    const out = join(dir, 'project');
    mkdirSync(join(out, 'sites'), { recursive: true });
    writeFileSync(join(out, 'package.json'), '{}');
    writeFileSync(join(out, 'sites/a.yaml'), 'name: a\n');
    expect(() => writeOutput(out, [{ path: 'a/x.k8s.yaml', content: 'x\n' }])).toThrow(/is not a synth output folder: it holds (package\.json|sites\/a\.yaml)/);
    expect(readFileSync(join(out, 'package.json'), 'utf8')).toBe('{}');
    expect(existsSync(join(dir, '.project.lock'))).toBe(false);
  });

  it('refuses an output folder that contains a protected folder (e.g. `--out .`)', () => {
    const out = join(dir, 'repo');
    mkdirSync(join(out, 'work'), { recursive: true });
    expect(() => new OutputTransaction(out, { protect: [join(out, 'work')] })).toThrow('which synth must never replace');
  });

  it('lets one run at a time write a folder, and takes over the lock of a dead run', async () => {
    const out = join(dir, 'dist');
    // Another synth run: a live Node.js process that started before it wrote the lock.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await new Promise((r) => sleeper.once('spawn', r));
      await new Promise((r) => setTimeout(r, 1100));
      writeFileSync(join(dir, '.dist.lock'), String(sleeper.pid));
      expect(() => new OutputTransaction(out)).toThrow(`another synth run (process ${sleeper.pid}`);
      expect(() => new OutputTransaction(out)).toThrow(`if no synth run is going on, delete the lock file (rm ${join(dir, '.dist.lock')})`);
    } finally {
      sleeper.kill();
      await new Promise((r) => sleeper.once('exit', r));
    }
    // The PID is gone now: its lock is stale and is taken over.
    expect(writeOutput(out, [{ path: 'a/x.k8s.yaml', content: 'x\n' }]).written).toBe(1);
    expect(existsSync(join(dir, '.dist.lock'))).toBe(false);
  });

  it('updates the folder a symlinked output points to and keeps the link', () => {
    const real = join(dir, 'real');
    const link = join(dir, 'link');
    writeOutput(real, [{ path: 'a/x.k8s.yaml', content: 'x\n' }]);
    symlinkSync(real, link);
    writeOutput(link, [{ path: 'a/x.k8s.yaml', content: 'x2\n' }]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(real, 'a/x.k8s.yaml'), 'utf8')).toBe('x2\n');
  });
});
