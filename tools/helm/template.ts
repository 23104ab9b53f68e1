/**
 * `helm template` of a vendored chart package, the way Argo CD renders a Helm Application: release name,
 * namespace, `--kube-version` and `--api-versions` of the destination cluster, CRDs included (Argo CD passes
 * `--include-crds` unless `skipCrds` is set). Values go in through a file, exactly as given.
 *
 * Results are cached for the life of the process by (chart package, release, namespace, values, kube
 * version, API versions): kube-prometheus-stack renders 4.6 MB, and several tests and both sides of a diff
 * ask for the same release.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmBinary } from './binary';

export interface TemplateRequest {
  /** Path of the chart package (`.tgz`) or folder. */
  readonly chartPath: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** `v1.28.4+k3s2` (Helm reads the semver, build metadata included). */
  readonly kubeVersion: string;
  /** Extra `--api-versions` (`group/version` and `group/version/Kind`), e.g. the CRDs installed at the site. */
  readonly apiVersions: readonly string[];
}

export class HelmTemplateError extends Error {}

const cache = new Map<string, Promise<string>>();
let scratch: string | undefined;

/**
 * A private HELM_*_HOME for this process: `helm template` of a local package needs no repository, so an empty
 * configuration makes sure nothing from the user's Helm setup (repositories, plugins, registry logins) is used.
 */
function scratchDir(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'edge-ai-helm-'));
    scratch = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

function cacheKey(req: TemplateRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([req.chartPath, req.releaseName, req.namespace, req.values, req.kubeVersion, [...req.apiVersions].sort()]))
    .digest('hex');
}

export function helmTemplateArgs(req: TemplateRequest, valuesFile: string): string[] {
  return [
    'template',
    req.releaseName,
    req.chartPath,
    '--namespace',
    req.namespace,
    '--values',
    valuesFile,
    '--kube-version',
    req.kubeVersion,
    ...[...req.apiVersions].sort().flatMap((v) => ['--api-versions', v]),
    '--include-crds',
  ];
}

function run(req: TemplateRequest, key: string): Promise<string> {
  const helm = helmBinary();
  const dir = scratchDir();
  const valuesFile = join(dir, `${key}.values.json`);
  // JSON is YAML: the values reach Helm with exactly the types they have in the Application.
  writeFileSync(valuesFile, JSON.stringify(req.values));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  return new Promise((resolve, reject) => {
    execFile(helm.path, helmTemplateArgs(req, valuesFile), { env, maxBuffer: 256 << 20, timeout: 120000 }, (err, stdout, stderr) => {
      rmSync(valuesFile, { force: true });
      if (err) {
        reject(new HelmTemplateError(`helm template ${req.releaseName} ${req.chartPath} (namespace ${req.namespace}, kube ${req.kubeVersion}) failed: ${String(stderr).trim() || err.message}`));
      } else resolve(stdout);
    });
  });
}

/** The rendered manifests (one multi-document YAML string, as `helm template` prints it). */
export function helmTemplate(req: TemplateRequest): Promise<string> {
  const key = cacheKey(req);
  let p = cache.get(key);
  if (!p) {
    p = run(req, key);
    cache.set(key, p);
  }
  return p;
}
