/** Where the Terraform layer lives, and the module/environment directories the suite expects. */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');
export const TERRAFORM = join(REPO, 'terraform');
/** The fleet config the inventory module reads (fleet.yaml). */
export const FLEET_FILE = join(REPO, 'fleet.yaml');
export const MODULES_DIR = join(TERRAFORM, 'modules');
export const ENVIRONMENTS_DIR = join(TERRAFORM, 'environments');
export const SITES_DIR = join(REPO, 'sites');

function subdirs(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort();
}

const MODULE_NAMES = subdirs(MODULES_DIR);
const ENVIRONMENT_NAMES = subdirs(ENVIRONMENTS_DIR);
/** Every Terraform root and child module directory, as repository-relative paths. */
export const ALL_DIRS = [...MODULE_NAMES.map((m) => `terraform/modules/${m}`), ...ENVIRONMENT_NAMES.map((e) => `terraform/environments/${e}`)];

/** Every file under terraform/, recursively, as repository-relative paths (skipping .terraform caches). */
export function terraformFiles(dir = TERRAFORM): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry === '.terraform') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...terraformFiles(full));
    else out.push(full.slice(REPO.length + 1));
  }
  return out;
}
