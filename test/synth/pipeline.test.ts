/**
 * The synth pipeline as a user runs it: the built CLI on real inventories, checked for determinism,
 * no-op re-runs, atomicity on failure, --site isolation, removal of deleted sites, and byte-identical
 * output between the sequential and the worker-thread paths.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runCli } from '../../lib/synth/cli';
import { listFiles } from '../../lib/synth/writer';

const ROOT = process.cwd();

/** The built CLI in a child process (a start costs ~1 s, so only what needs the bundle or threads runs here). */
function run(args: string[]): { status: number; stdout: string; stderr: string } {
  // --no-cache: these runs test rendering and writing; test/synth/cache.test.ts tests the render cache.
  const r = spawnSync(process.execPath, [join(ROOT, '.build/main.js'), '--no-cache', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The same CLI in this process (lib/synth/cli.ts run() with captured output). */
async function runInProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { out: (l) => (stdout += `${l}\n`), err: (l) => (stderr += `${l}\n`) });
  return { status, stdout, stderr };
}

/** Path → content and mtime of every file under a folder. */
function snapshot(dir: string): Map<string, { content: string; mtimeMs: number; ino: number }> {
  const out = new Map<string, { content: string; mtimeMs: number; ino: number }>();
  for (const f of listFiles(dir)) {
    const st = statSync(join(dir, f));
    out.set(f, { content: readFileSync(join(dir, f), 'utf8'), mtimeMs: st.mtimeMs, ino: st.ino });
  }
  return out;
}

function contents(snap: Map<string, { content: string }>): Record<string, string> {
  return Object.fromEntries([...snap].map(([k, v]) => [k, v.content]));
}

describe('synth pipeline (built CLI)', () => {
  let work: string;
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
    work = mkdtempSync(join(tmpdir(), 'synth-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('renders every sample site into <out>/<site>/<layer>.k8s.yaml', () => {
    const out = join(work, 'first');
    const r = run(['--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const site of ['factory-floor', 'warehouse', 'office']) {
      expect(existsSync(join(out, site, 'baseline.k8s.yaml'))).toBe(true);
    }
    expect(r.stdout).toMatch(/factory-floor: baseline \d+/);
    expect(r.stdout).toMatch(/requests cpu \d+m of \d+m, memory/);
  });

  it('is deterministic, and a re-run with no change writes nothing (content, inode and mtime kept)', async () => {
    const a = join(work, 'det-a');
    const b = join(work, 'det-b');
    expect(run(['--out', a]).status).toBe(0);
    expect((await runInProcess(['--out', b])).status).toBe(0);
    expect(contents(snapshot(a))).toEqual(contents(snapshot(b)));

    const before = snapshot(a);
    const again = await runInProcess(['--out', a]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 file(s) written, 0 removed');
    const after = snapshot(a);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [path, v] of before) {
      expect(after.get(path)?.mtimeMs).toBe(v.mtimeMs);
      expect(after.get(path)?.ino).toBe(v.ino);
    }
  });

  it('leaves the output byte-identical when the inventory is invalid, and exits non-zero with one message', async () => {
    const out = join(work, 'atomic');
    expect((await runInProcess(['--out', out])).status).toBe(0);
    const before = snapshot(out);
    const sites = join(work, 'atomic-sites');
    cpSync(join(ROOT, 'sites'), sites, { recursive: true });
    writeFileSync(join(sites, 'office.yaml'), readFileSync(join(sites, 'office.yaml'), 'utf8').replace('arch: arm64', 'arch: sparc'));
    const r = await runInProcess(['--sites', sites, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*office\.yaml: nodes\[0\]\.arch = "sparc": is not allowed\. Fix: use one of "amd64", "arm64" \(.*atomic\/ was left unchanged\)\n$/);
    const after = snapshot(out);
    expect(contents(after)).toEqual(contents(before));
    for (const [path, v] of before) expect(after.get(path)?.mtimeMs).toBe(v.mtimeMs);
    expect(listFiles(work).some((f) => f.includes('.staging-'))).toBe(false);
  });

  it('leaves the output untouched when a worker thread fails, and leaves no staging folder behind', async () => {
    const out = join(work, 'workers-fail');
    expect((await runInProcess(['--out', out])).status).toBe(0);
    const before = snapshot(out);
    const sites = join(work, 'workers-fail-sites');
    cpSync(join(ROOT, 'sites'), sites, { recursive: true });
    // The last site (second worker's chunk) asks for more memory than its node has.
    writeFileSync(join(sites, 'warehouse.yaml'), readFileSync(join(sites, 'warehouse.yaml'), 'utf8').replace(/memoryGiB: 8/g, 'memoryGiB: 2'));
    const r = run(['--jobs', '2', '--sites', sites, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*warehouse\.yaml: /);
    expect(contents(snapshot(out))).toEqual(contents(before));
    expect(listFiles(work).some((f) => f.includes('.staging-') || f.endsWith('.lock'))).toBe(false);
  });

  it('refuses to render into the working directory (`--out .`) and deletes nothing', async () => {
    const r = await runInProcess(['--out', '.']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('which synth must never replace');
    expect(existsSync(join(ROOT, 'package.json'))).toBe(true);
  });

  it('every invalid inventory fixture exits 1 with one error line and leaves the output byte-identical', async () => {
    const out = join(work, 'fixtures-out');
    expect((await runInProcess(['--sites', join(ROOT, 'test/fixtures/inventory/valid'), '--out', out])).status).toBe(0);
    const before = snapshot(out);
    const fixtures = join(ROOT, 'test/fixtures/inventory/invalid');
    const rules = readdirSync(fixtures).sort();
    expect(rules.length).toBeGreaterThanOrEqual(30);
    // In-process (the CLI's run() with captured output): one node process per fixture would cost ~1 s each.
    for (const rule of rules) {
      const r = await runInProcess(['--sites', join('test/fixtures/inventory/invalid', rule), '--out', out]);
      expect({ rule, status: r.status, stdout: r.stdout }).toEqual({ rule, status: 1, stdout: '' });
      const lines = r.stderr.trim().split('\n');
      expect({ rule, lines: lines.length }).toEqual({ rule, lines: 1 });
      expect(lines[0]).toMatch(/^error: test\/fixtures\/inventory\/invalid\/[\w-]+\/[^/ ]+: .+ = .+: .+\. Fix: .+ \(.+\/ was left unchanged\)$/);
      expect(lines[0]).not.toMatch(/synthesis failed|\n\s+at /);
      const after = snapshot(out);
      expect(contents(after)).toEqual(contents(before));
      for (const [path, v] of before) expect(after.get(path)?.mtimeMs).toBe(v.mtimeMs);
    }
    expect(listFiles(work).some((f) => f.includes('.staging-') || f.endsWith('.lock'))).toBe(false);
  });

  it('the alias-bomb fixture fails in < 2 s and < 200 MB: built CLI under a 150 MB heap cap, and in-process timed', async () => {
    const out = join(work, 'fixtures-out');
    const before = snapshot(out);
    const args = ['--sites', 'test/fixtures/inventory/invalid/yaml-alias-bomb', '--out', out];
    // The built CLI: a heap cap far below the expansion (9^9 strings) and a timeout, so a blow-up or a hang
    // fails here instead of passing slowly. Its wall time is mostly Node start-up (as long as --help).
    const r = spawnSync(process.execPath, ['--max-old-space-size=150', join(ROOT, '.build/main.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*yaml-alias-bomb\/plant-b\.yaml: line 11, column 11 = .*YAML alias/)]);
    // The same run in-process, timed and measured without Node's start-up.
    const heap = process.memoryUsage().heapUsed;
    const started = performance.now();
    const inProcess = await runInProcess(args);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(200 * 1024 * 1024);
    expect(inProcess.status).toBe(1);
    expect(contents(snapshot(out))).toEqual(contents(before));
  });

  // One fixture per failure path of fleet.yaml (schema, credentials, a rule after the schema, YAML syntax, a site
  // rule that needs the fleet); test/synth/fleet.test.ts runs every fixture in process. A CLI start costs ~1 s.
  it('invalid fleet.yaml fixtures exit 1 with one error line and leave the output byte-identical', async () => {
    const out = join(work, 'fleet-fixtures-out');
    const valid = join(ROOT, 'test/fixtures/inventory/valid');
    expect((await runInProcess(['--sites', valid, '--out', out])).status).toBe(0);
    const before = snapshot(out);
    const fixtures = join(ROOT, 'test/fixtures/fleet/invalid');
    const rules = ['unknown-key', 'credentials-in-repo-url', 'receiver-without-secret', 'yaml-syntax', 'embedded-mirror-shares-nothing'];
    for (const rule of rules) {
      const sites = existsSync(join(fixtures, rule, 'sites')) ? join(fixtures, rule, 'sites') : valid;
      // The built CLI once (the first rule), the others in process.
      const args = ['--fleet', join(fixtures, rule, 'fleet.yaml'), '--sites', sites, '--out', out];
      const r = rule === rules[0] ? run(args) : await runInProcess(args);
      expect({ rule, status: r.status }).toEqual({ rule, status: 1 });
      const lines = r.stderr.trim().split('\n');
      expect({ rule, lines: lines.length }).toEqual({ rule, lines: 1 });
      expect(lines[0]).toMatch(/^error: test\/fixtures\/fleet\/invalid\/[\w-]+\/(sites\/[\w-]+|fleet)\.yaml: .+ = .+: .+\. Fix: .+ \(.+\/ was left unchanged\)$/);
      expect(lines[0]).not.toContain('s3cr3t');
      const after = snapshot(out);
      expect(contents(after)).toEqual(contents(before));
      for (const [path, v] of before) expect(after.get(path)?.mtimeMs).toBe(v.mtimeMs);
    }
  });

  it('--site renders one site and touches nothing else', async () => {
    const out = join(work, 'one');
    expect((await runInProcess(['--out', out])).status).toBe(0);
    // Corrupt two sites' output: only the requested one may be repaired.
    writeFileSync(join(out, 'warehouse/baseline.k8s.yaml'), 'stale\n');
    writeFileSync(join(out, 'office/baseline.k8s.yaml'), 'stale\n');
    const before = snapshot(out);
    const r = await runInProcess(['--site', 'warehouse', '--out', out]);
    expect(r.status).toBe(0);
    const after = snapshot(out);
    for (const [path, v] of before) {
      if (path.startsWith('warehouse/')) continue;
      expect(after.get(path)).toEqual(v);
    }
    expect(after.get('warehouse/baseline.k8s.yaml')?.content).not.toBe('stale\n');
    expect(after.get('office/baseline.k8s.yaml')?.content).toBe('stale\n');
  });

  it('--site with an unknown site fails and names the known sites', async () => {
    const r = await runInProcess(['--site', 'nowhere', '--out', join(work, 'unknown')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--site = "nowhere": is not a site of this inventory. Fix: use one of: factory-floor, office, warehouse');
  });

  it('renders an inventory outside the repository with --sites DIR --out DIR, and removes a deleted site', async () => {
    const sites = join(work, 'outside-sites');
    const out = join(work, 'outside-out');
    cpSync(join(ROOT, 'test/fixtures/inventory/valid'), sites, { recursive: true });
    expect((await runInProcess(['--sites', sites, '--out', out])).status).toBe(0);
    expect(existsSync(join(out, 'plant-a'))).toBe(true);
    expect(existsSync(join(out, 'plant-b'))).toBe(true);
    unlinkSync(join(sites, 'plant-b.yaml'));
    const r = await runInProcess(['--sites', sites, '--out', out]);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'plant-b'))).toBe(false);
    expect(existsSync(join(out, 'plant-a'))).toBe(true);
  });

  it('writes byte-identical output on worker threads and sequentially', async () => {
    const seq = join(work, 'seq');
    const par = join(work, 'par');
    expect((await runInProcess(['--jobs', '1', '--out', seq])).status).toBe(0);
    expect(run(['--jobs', '2', '--out', par]).status).toBe(0);
    expect(contents(snapshot(par))).toEqual(contents(snapshot(seq)));
  });

  it('rejects unknown arguments with the usage text', async () => {
    const r = await runInProcess(['--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown argument "--frobnicate"');
    expect(r.stderr).toContain('usage: npm run synth');
  });
});
