/**
 * The Terraform layer's shape, checked statically (there is no Terraform binary on the build machine): every
 * file parses with HashiCorp's HCL parser, every module follows the standard structure, every variable and
 * output is documented and validated, every provider is pinned the same way everywhere, no site fact is
 * written in HCL, and the layout is what `terraform fmt` produces.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { loadInventory } from '../../lib/model/load';
import { fmtIssues } from './fmt';
import { closeHcl, loadModule, parseHcl, parseTfFile, TfModule } from './hcl';
import { ALL_DIRS, REPO, terraformFiles } from './paths';

const STANDARD_FILES = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md'];
const HCL_FILES = terraformFiles().filter((f) => f.endsWith('.tf'));

const modules = new Map<string, TfModule>();
beforeAll(async () => {
  for (const dir of ALL_DIRS) modules.set(dir, await loadModule(join(REPO, dir)));
});
afterAll(closeHcl);

/** `required_providers` entries of a module: local name → { source, version }. */
function requiredProviders(mod: TfModule): Record<string, { source?: string; version?: string }> {
  const out: Record<string, { source?: string; version?: string }> = {};
  for (const block of mod.terraform) for (const rp of block.required_providers ?? []) Object.assign(out, rp);
  return out;
}

describe('HCL syntax', () => {
  it('finds the Terraform files', () => {
    expect(HCL_FILES.length).toBeGreaterThanOrEqual(ALL_DIRS.length * 4);
  });

  it.each(HCL_FILES)('%s parses', async (file) => {
    const json = await parseTfFile(join(REPO, file));
    expect(Object.keys(json).length).toBeGreaterThan(0);
  });

  it('rejects broken HCL (the parser really checks syntax)', async () => {
    await expect(parseHcl('broken.tf', 'variable "x" {\n  type = string\n')).rejects.toThrow(/broken\.tf/);
    await expect(parseHcl('broken.tf', 'locals {\n  a = [for x in y : ]\n}\n')).rejects.toThrow();
  });
});

describe.each(ALL_DIRS)('%s', (dir) => {
  const mod = () => modules.get(dir)!;

  it('has the standard module files', () => {
    expect(STANDARD_FILES.filter((f) => !existsSync(join(REPO, dir, f)))).toEqual([]);
  });

  it('declares variables only in variables.tf and outputs only in outputs.tf', () => {
    for (const [file, json] of Object.entries(mod().files)) {
      if (file !== 'variables.tf') expect({ file, variables: Object.keys(json.variable ?? {}) }).toEqual({ file, variables: [] });
      if (file !== 'outputs.tf') expect({ file, outputs: Object.keys(json.output ?? {}) }).toEqual({ file, outputs: [] });
    }
  });

  it('types, describes and validates every variable', () => {
    for (const [name, v] of Object.entries(mod().variables)) {
      const problems: string[] = [];
      if (typeof v.type !== 'string' || v.type.length === 0) problems.push('no type');
      if (typeof v.description !== 'string' || v.description.length < 20) problems.push('no description of at least 20 characters');
      const validations = (v.validation ?? []) as { condition?: string; error_message?: string }[];
      if (v.type !== '${bool}' && validations.length === 0) problems.push('no validation block');
      for (const val of validations) {
        if (!val.condition) problems.push('a validation without condition');
        if (typeof val.error_message !== 'string' || val.error_message.length < 40) problems.push(`an error_message shorter than 40 characters: ${val.error_message}`);
      }
      expect({ variable: name, problems }).toEqual({ variable: name, problems: [] });
    }
  });

  it('describes every output and marks credentials sensitive', () => {
    for (const [name, o] of Object.entries(mod().outputs)) {
      const problems: string[] = [];
      if (typeof o.description !== 'string' || o.description.length < 20) problems.push('no description');
      if (/kubeconfig|credential|token|password|secret/.test(name) && o.sensitive !== true) problems.push('carries credentials but is not sensitive');
      expect({ output: name, problems }).toEqual({ output: name, problems: [] });
    }
  });

  it('sets required_version to at least 1.9 in versions.tf', () => {
    const versions = mod().files['versions.tf'];
    expect(versions.terraform?.[0]?.required_version).toBe('>= 1.9.0');
  });

  it('pins every provider with an exact or pessimistic constraint', () => {
    for (const [name, p] of Object.entries(requiredProviders(mod()))) {
      expect({ name, source: p.source, pinned: /^(~>\s*\d+\.\d+(\.\d+)?|=?\s*\d+\.\d+\.\d+)$/.test(p.version ?? '') }).toEqual({
        name,
        source: expect.stringMatching(/^[a-z0-9-]+\/[a-z0-9-]+$/),
        pinned: true,
      });
    }
  });

  it('declares the provider of every resource it creates', () => {
    const declared = Object.keys(requiredProviders(mod()));
    const used = Object.keys(mod().resources)
      .map((r) => r.split('.')[0].split('_')[0])
      .filter((p) => p !== 'terraform');
    expect([...new Set(used.filter((p) => !declared.includes(p)))]).toEqual([]);
  });

  it('calls only local modules that exist', () => {
    for (const [name, call] of Object.entries(mod().modules)) {
      expect({ name, source: call.source, exists: existsSync(join(REPO, dir, call.source)) }).toEqual({ name, source: expect.stringMatching(/^\.\.?\//), exists: true });
    }
  });
});

describe('provider pins', () => {
  it('uses the same constraint for a provider everywhere, and every environment declares what its modules need', () => {
    const bySource = new Map<string, Set<string>>();
    for (const mod of modules.values()) {
      for (const p of Object.values(requiredProviders(mod))) bySource.set(p.source!, (bySource.get(p.source!) ?? new Set()).add(p.version!));
    }
    for (const [source, versions] of bySource) expect({ source, versions: [...versions] }).toEqual({ source, versions: [expect.any(String)] });
    const moduleSources = new Set([...modules.entries()].filter(([d]) => d.includes('/modules/')).flatMap(([, m]) => Object.values(requiredProviders(m)).map((p) => p.source)));
    for (const [dir, mod] of modules) {
      if (!dir.includes('/environments/')) continue;
      const envSources = new Set(Object.values(requiredProviders(mod)).map((p) => p.source));
      expect({ dir, missing: [...moduleSources].filter((s) => !envSources.has(s)) }).toEqual({ dir, missing: [] });
    }
  });
});

describe('no site facts in HCL (sites/*.yaml is the only place they live)', () => {
  const inventory = loadInventory(join(REPO, 'sites'));
  const facts = inventory.flatMap(({ site }) => [site.name, ...site.nodes.map((n) => n.name)]);
  const ipv4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/;
  const hclAndTemplates = terraformFiles().filter((f) => /\.(tf|tftpl)$/.test(f));
  const examples = terraformFiles().filter((f) => f.endsWith('.example'));

  it.each([...hclAndTemplates, ...examples])('%s holds no IPv4 address', (file) => {
    const hits = readFileSync(join(REPO, file), 'utf8')
      .split('\n')
      .filter((l) => ipv4.test(l));
    expect(hits).toEqual([]);
  });

  it.each(hclAndTemplates)('%s names no site or node', (file) => {
    const text = readFileSync(join(REPO, file), 'utf8');
    expect(facts.filter((f) => new RegExp(`(?<![-a-z0-9])${f}(?![-a-z0-9])`).test(text))).toEqual([]);
  });

  it('pins nothing to "latest"', () => {
    const pinnedToLatest = /(=\s*"latest"|:latest\b|INSTALL_K3S_CHANNEL)/;
    for (const file of hclAndTemplates) expect({ file, latest: pinnedToLatest.test(readFileSync(join(REPO, file), 'utf8')) }).toEqual({ file, latest: false });
  });
});

describe('environments', () => {
  const envs = ALL_DIRS.filter((d) => d.includes('/environments/'));

  it.each(envs)('%s has a backend example with remote state and locking', async (dir) => {
    const json = await parseHcl('backend.tf.example', readFileSync(join(REPO, dir, 'backend.tf.example'), 'utf8'));
    const backend = json.terraform[0].backend;
    const [type] = Object.keys(backend);
    const config = backend[type][0];
    expect(type).toBe('s3');
    expect(config.encrypt).toBe(true);
    expect(config.use_lockfile === true || typeof config.dynamodb_table === 'string').toBe(true);
    expect(existsSync(join(REPO, dir, 'backend.tf'))).toBe(false);
  });

  it.each(envs)('%s has a terraform.tfvars.example that sets every required variable and no secret', async (dir) => {
    const text = readFileSync(join(REPO, dir, 'terraform.tfvars.example'), 'utf8');
    const values = await parseHcl('terraform.tfvars', text);
    const mod = modules.get(dir)!;
    const required = Object.entries(mod.variables)
      .filter(([, v]) => !('default' in v))
      .map(([k]) => k);
    expect(Object.keys(values).filter((k) => !(k in mod.variables))).toEqual([]);
    expect(required.filter((k) => !(k in values))).toEqual([]);
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE|password\s*=|token\s*=/i);
    expect(existsSync(join(REPO, dir, 'terraform.tfvars'))).toBe(false);
  });

  it('keeps state, variables and provider caches out of Git', () => {
    const ignore = readFileSync(join(REPO, '.gitignore'), 'utf8');
    for (const pattern of ['terraform/**/.terraform/', 'terraform/**/*.tfstate*', 'terraform/**/terraform.tfvars']) expect(ignore).toContain(pattern);
  });
});

describe('terraform fmt layout', () => {
  it.each(HCL_FILES)('%s is indented and aligned as terraform fmt writes it', (file) => {
    expect(fmtIssues(readFileSync(join(REPO, file), 'utf8')).map((i) => `${file}:${i.line}: ${i.message}`)).toEqual([]);
  });

  it('detects misalignment and wrong indentation (the checker can fail)', () => {
    expect(fmtIssues('locals {\n  a = 1\n  bb = 2\n}\n')).toEqual([{ line: 2, message: '"=" should be preceded by 2 space(s) to align with its neighbours, found 1' }]);
    expect(fmtIssues('locals {\n    a = 1\n}\n')).toEqual([{ line: 2, message: 'indent should be 2 spaces, found 4' }]);
    expect(fmtIssues('locals {\n  a = {\n    x = 1\n  }\n  bb = 2\n}\n')).toEqual([]);
  });
});

describe('generated inputs', () => {
  it('keeps terraform/modules/inventory/generated.json out of the YAML/HCL hand edits (valid JSON with its banner)', () => {
    const json = JSON.parse(readFileSync(join(REPO, 'terraform/modules/inventory/generated.json'), 'utf8'));
    expect(json['//']).toMatch(/^GENERATED by `node terraform\/tools\/generate\.mjs`/);
    expect(yaml.dump(json)).not.toContain('latest');
  });
});
