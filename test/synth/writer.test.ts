/** The atomic writer: swap semantics, recovery after a run killed mid-swap, no writes when unchanged. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles, recover, writeOutput } from '../../lib/synth/writer';

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

  it('restores the previous output when a run was killed between the two renames', () => {
    const out = join(dir, 'dist');
    writeOutput(out, [{ path: 'a/x.k8s.yaml', content: 'x\n' }]);
    renameSync(out, join(dir, '.dist.old-12345'));
    mkdirSync(join(dir, '.dist.staging-12345'));
    writeFileSync(join(dir, '.dist.staging-12345', 'half'), 'half');
    recover(out);
    expect(readFileSync(join(out, 'a/x.k8s.yaml'), 'utf8')).toBe('x\n');
    expect(existsSync(join(dir, '.dist.old-12345'))).toBe(false);
    expect(existsSync(join(dir, '.dist.staging-12345'))).toBe(false);
  });

  it('rejects the same path rendered twice', () => {
    expect(() => writeOutput(join(dir, 'dist'), [{ path: 'a/x', content: '1' }, { path: 'a/x', content: '2' }])).toThrow('rendered twice');
  });
});
