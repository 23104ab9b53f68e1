/**
 * The vendored chart packages (vendor/helm-charts/, provenance in its README): one `<chart>-<version>.tgz` per
 * pinned chart. A pin without its package cannot be rendered, so it cannot be tested: `missingPackages` is
 * what the tests assert empty, and it is how a version that was never released gets caught.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
