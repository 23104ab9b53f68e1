/**
 * Careless and hostile inputs that no fixture folder can hold (issue 12, item 7): output paths that are files
 * or lie below one, a stale lock whose PID now belongs to another live process, FIFOs and symlink loops in
 * the sites folder. Each runs through the CLI's run() in-process: exit 1, exactly one error line, never a
 * stack trace or "synthesis failed", the output untouched. The fixture folders
 * (test/fixtures/inventory/invalid/) are run by test/synth/inventory.test.ts and test/synth/pipeline.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../lib/model/load';
import { redactUrl } from '../../lib/model/fleet';
import { loadOllamaModelfiles } from '../../lib/model/modelfiles';
import { cronProblem } from '../../lib/model/schema';
import { run } from '../../lib/synth/cli';

const VALID = 'test/fixtures/inventory/valid';

async function cli(args: string[]): Promise<{ status: number; stdout: string; lines: string[] }> {
  let stdout = '';
  let stderr = '';
  const status = await run(args, { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  return { status, stdout, lines: stderr.trim().split('\n') };
}

/** Exit 1, one line naming the file and field, with a fix; no stack trace, no internal error. */
function expectOneLine(r: { status: number; lines: string[] }, pattern: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.lines).toEqual([expect.stringMatching(pattern)]);
  expect(r.lines[0]).toContain('. Fix: ');
  expect(r.lines[0]).not.toMatch(/synthesis failed|\bat .*\(.*:\d+:\d+\)/);
}

describe('careless and hostile inputs (CLI in-process)', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'hostile-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--out that is a file, or lies below a file, is refused and the file is untouched', async () => {
    const file = join(work, 'not-a-folder');
    writeFileSync(file, 'keep me\n');
    expectOneLine(await cli(['--sites', VALID, '--out', file]), /--out = ".*not-a-folder": is a file, not a folder\. Fix: pass a folder/);
    expectOneLine(await cli(['--sites', VALID, '--out', join(file, 'sub', 'deeper')]), /--out = ".*deeper": lies below .*not-a-folder, which is a file, not a folder\. Fix: choose a path outside/);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
    expect(existsSync(join(work, '.not-a-folder.lock'))).toBe(false);
    // A dangling symlink as --out (or above it) would end in ENOTDIR at the final rename.
    symlinkSync(join(work, 'nowhere'), join(work, 'dangling-out'));
    expectOneLine(await cli(['--sites', VALID, '--out', join(work, 'dangling-out')]), /--out = ".*dangling-out": is a symbolic link to .*nowhere, which does not exist\. Fix: create the folder/);
    expectOneLine(await cli(['--sites', VALID, '--out', join(work, 'dangling-out', 'sub')]), /lies below .*dangling-out, which is a symbolic link/);
  });

  it('a stale lock whose PID now belongs to another live process is named, with how to clear it', async () => {
    const out = join(work, 'locked');
    expect((await cli(['--sites', VALID, '--out', out, '--quiet'])).status).toBe(0);
    const before = readFileSync(join(out, 'plant-a/baseline.k8s.yaml'), 'utf8');
    const lock = join(work, '.locked.lock');
    // A live process that is not a synth run, started after the lock was written (a reused PID).
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(lock, String(other.pid));
      utimesSync(lock, new Date('2020-01-01'), new Date('2020-01-01'));
      const r = await cli(['--sites', VALID, '--out', out]);
      expectOneLine(r, new RegExp(`^error: ${lock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: pid = ${other.pid}: `));
      expect(r.lines[0]).toContain(`rm ${lock}`);
      if (existsSync('/proc/self/stat')) expect(r.lines[0]).toMatch(/is stale: process \d+ \("sleep 30"\)/);
      expect(readFileSync(lock, 'utf8')).toBe(String(other.pid)); // never taken over while the PID is alive
    } finally {
      other.kill();
    }
    expect(readFileSync(join(out, 'plant-a/baseline.k8s.yaml'), 'utf8')).toBe(before);
    // A lock whose process is gone (a killed run) is taken over without a word.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(lock, gone);
    expect((await cli(['--sites', VALID, '--out', out, '--quiet'])).status).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('a FIFO, a symlink loop, a swap file, a .yml file or a stray file in sites/ is refused without hanging', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['fifo', (d) => spawnSync('mkfifo', [join(d, 'plant-c.yaml')]), /plant-c\.yaml: file name = "plant-c\.yaml": is not a regular file/],
      ['loop', (d) => symlinkSync('plant-c.yaml', join(d, 'plant-c.yaml')), /plant-c\.yaml": is a symbolic link that loops/],
      ['swap', (d) => writeFileSync(join(d, '.plant-a.yaml.swp'), 'b0VIM 9.0\0'), /\.plant-a\.yaml\.swp": is an editor lock, swap or backup file/],
      ['yml', (d) => writeFileSync(join(d, 'plant-c.yml'), 'name: plant-c\n'), /has the \.yml extension, so it would not be rendered\. Fix: rename it to plant-c\.yaml/],
      ['stray', (d) => writeFileSync(join(d, 'notes.txt'), 'todo\n'), /notes\.txt": is not a <site>\.yaml file\. Fix: move it out of the sites folder/],
    ];
    for (const [name, make, pattern] of cases) {
      const dir = join(work, `sites-${name}`);
      cpSync(VALID, dir, { recursive: true });
      make(dir);
      if (name === 'fifo' && !existsSync(join(dir, 'plant-c.yaml'))) continue; // no mkfifo on this machine
      expectOneLine(await cli(['--sites', dir, '--out', join(work, `out-${name}`)]), pattern);
      expect(existsSync(join(work, `out-${name}`))).toBe(false);
    }
  });

  it('accepts a symlink to a site file (named after the link) and ignores README.md (documented decision)', () => {
    const dir = join(work, 'sites-linked');
    mkdirSync(dir);
    symlinkSync(join(process.cwd(), VALID, 'plant-a.yaml'), join(dir, 'plant-a.yaml'));
    writeFileSync(join(dir, 'README.md'), '# sites\n');
    expect(loadInventory(dir).map((s) => s.site.name)).toEqual(['plant-a']);
  });

  it('a folder or a dangling link named <x>.Modelfile is refused with its name (no EISDIR/ENOENT)', () => {
    const dir = join(work, 'modelfiles');
    mkdirSync(join(dir, 'broken.Modelfile'), { recursive: true });
    expect(() => loadOllamaModelfiles(dir)).toThrow(/broken\.Modelfile: file name = "broken\.Modelfile": is a folder, not a file\. Fix: /);
    rmSync(join(dir, 'broken.Modelfile'), { recursive: true });
    symlinkSync('gone.Modelfile', join(dir, 'gone.Modelfile'));
    expect(() => loadOllamaModelfiles(dir)).toThrow(/gone\.Modelfile": is a dangling symbolic link/);
  });

  it('refuses credentials in any URL of a site, masking them in the message', async () => {
    const dir = join(work, 'sites-token');
    cpSync(VALID, dir, { recursive: true });
    const a = readFileSync(join(dir, 'plant-a.yaml'), 'utf8');
    writeFileSync(join(dir, 'plant-a.yaml'), a.replace('location: Test plant A', 'location: "https://metrics.example.com/w?token=abc123"'));
    const r = await cli(['--sites', dir, '--out', join(work, 'out-token')]);
    expectOneLine(r, /plant-a\.yaml: location = "https:\/\/metrics\.example\.com\/w\?token=\*\*\*": carries a credential inside the URL.*Kubernetes Secret/);
    expect(r.lines[0]).not.toContain('abc123');
    expect(redactUrl('https://u:p@h/x?api_key=k&x=1')).toBe('https://u:***@h/x?api_key=***&x=1');
    expect(redactUrl('https://h.example.com/api/v1/write')).toBe('https://h.example.com/api/v1/write');
  });
});

describe('sync-window schedules: what Argo CD (robfig/cron v3, 5 fields) accepts', () => {
  it.each(['0 2 * * *', '*/15 * * * *', '0 2 * * sun', '30 1 1-15 jan-mar mon-fri', '0 2 ? * *', '5/10 * * * *', '0 0 1,15 * 0-6'])('accepts %s', (expr) => {
    expect(cronProblem(expr)).toBeUndefined();
  });

  it.each([
    ['0 2 * * 7', 'day-of-week "7" is outside 0-6 (use 0 for Sunday'],
    ['0 2 * * mon-sun', 'runs backwards (1 > 0)'],
    ['0 jan * * *', 'hour "jan" is not a number'],
    ['*/0 * * * *', 'needs a step that is a positive number'],
    ['60 * * * *', 'minute "60" is outside 0-59'],
    ['0 2 31-1 * *', 'runs backwards'],
    ['0 2 * *', 'has 4 field(s), not 5'],
    ['@daily', 'has 1 field(s), not 5'],
    ['0 2 0 * *', 'day-of-month "0" is outside 1-31'],
  ])('rejects %s: %s', (expr, problem) => {
    expect(cronProblem(expr)).toContain(problem);
  });
});
