/**
 * The vendored chart packages (vendor/helm-charts/, provenance in its README): one `<chart>-<version>.tgz` per
 * pinned chart. A pin without its package cannot be rendered, so it cannot be tested: `missingPackages` is
 * what the tests assert empty, and it is how a version that was never released gets caught.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HELM_CHARTS, HelmChartRef } from '../../lib/model/versions';

/** Folder of the vendored packages, relative to the repository. */
export const VENDOR_DIR = 'vendor/helm-charts';

export function packageFileName(ref: Pick<HelmChartRef, 'chart' | 'version'>): string {
  return `${ref.chart}-${ref.version}.tgz`;
}

/** Repository-relative path of the package of a pinned chart. */
export function packagePath(ref: Pick<HelmChartRef, 'chart' | 'version'>): string {
  return `${VENDOR_DIR}/${packageFileName(ref)}`;
}

export class MissingChartError extends Error {}

/** Absolute path of the vendored package; throws with the fix when it is not there. */
export function vendoredChart(ref: Pick<HelmChartRef, 'chart' | 'version'>, root: string = process.cwd()): string {
  const path = join(root, packagePath(ref));
  if (!existsSync(path)) {
    throw new MissingChartError(
      `chart ${ref.chart} ${ref.version} is pinned but ${packagePath(ref)} does not exist: ` +
        `vendor the package (helm pull ${ref.chart} --version ${ref.version}, with a provenance row in ${VENDOR_DIR}/README.md) or pin a version that is vendored`,
    );
  }
  return path;
}

/** Pins in lib/model/versions.ts (HELM_CHARTS) without a vendored package, as messages. */
export function missingPackages(root: string = process.cwd(), pins: Readonly<Record<string, HelmChartRef>> = HELM_CHARTS): string[] {
  return Object.entries(pins)
    .filter(([, ref]) => !existsSync(join(root, packagePath(ref))))
    .map(([key, ref]) => `HELM_CHARTS.${key}: ${ref.chart} ${ref.version} has no ${packagePath(ref)}`);
}

export interface ChartPackageInfo {
  /** `name` and `version` of the top-level Chart.yaml. */
  readonly name: string;
  readonly version: string;
  /** Some file of the package (templates, crds/, sub-charts) mentions CustomResourceDefinition. */
  readonly mayShipCrds: boolean;
  /** Some template reads `.Capabilities.APIVersions`, so its output depends on `--api-versions`. */
  readonly readsApiVersions: boolean;
}

const infos = new Map<string, ChartPackageInfo>();

/**
 * What the tests and the renderer need to know about a chart package, read in-process (gunzip, then the tar
 * headers): no helm process per question. Cached per path.
 */
export function chartPackageInfo(path: string): ChartPackageInfo {
  const cached = infos.get(path);
  if (cached) return cached;
  const tar = gunzipSync(readFileSync(path));
  const text = (from: number, to: number) => tar.toString('utf8', from, to).replace(/\0.*$/s, '');
  let chartYaml: string | undefined;
  for (let pos = 0; pos + 512 <= tar.length && chartYaml === undefined; ) {
    if (tar[pos] === 0) break;
    const name = text(pos, pos + 100);
    const prefix = text(pos + 345, pos + 500);
    const size = parseInt(text(pos + 124, pos + 136).trim() || '0', 8);
    if (/^[^/]+\/Chart\.yaml$/.test(prefix ? `${prefix}/${name}` : name)) chartYaml = tar.toString('utf8', pos + 512, pos + 512 + size);
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  // Searching the whole archive: a sub-chart's templates count as much as the parent's.
  const mayShipCrds = tar.includes('CustomResourceDefinition');
  const readsApiVersions = tar.includes('.Capabilities.APIVersions');
  if (chartYaml === undefined) throw new Error(`${path}: not a Helm chart package (no <chart>/Chart.yaml)`);
  const field = (key: string) => new RegExp(`^${key}:\\s*["']?([^"'\\s]+)`, 'm').exec(chartYaml as string)?.[1] ?? '';
  const info = { name: field('name'), version: field('version'), mayShipCrds, readsApiVersions };
  infos.set(path, info);
  return info;
}
