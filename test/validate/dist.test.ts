/**
 * Every rendered manifest (dist/**\/*.k8s.yaml) must pass closed-world schema validation: core kinds
 * against Kubernetes 1.28 and 1.33, custom resources against the vendored CRDs (see schemas/README.md).
 *
 * dist/ is produced by the synth step. An empty or missing dist/ fails (a validation that checked nothing
 * must not look green) unless ALLOW_EMPTY_DIST=1 says that is expected.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatIssue, kindSource, loadYamlDocs, validateManifests, type SchemaIssue } from '../../tools/validate';

const repo = join(__dirname, '..', '..');
const distDir = join(repo, 'dist');
const allowEmpty = process.env.ALLOW_EMPTY_DIST === '1';

function manifestFiles(): string[] {
  if (!existsSync(distDir)) return [];
  return (readdirSync(distDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.k8s.yaml'))
    .map((f) => join(distDir, f))
    .sort();
}

interface Loaded {
  readonly file: string;
  readonly docs: unknown[];
  readonly error?: string;
}

const files = manifestFiles();
const loaded: Loaded[] = files.map((path) => {
  const file = relative(repo, path);
  try {
    return { file, docs: loadYamlDocs(path) };
  } catch (e) {
    return { file, docs: [], error: e instanceof Error ? e.message : String(e) };
  }
});

describe('rendered manifests (dist/**/*.k8s.yaml)', () => {
  it('exist (run the synth first, or set ALLOW_EMPTY_DIST=1)', () => {
    if (files.length === 0 && !allowEmpty) {
      throw new Error(
        `no dist/**/*.k8s.yaml under ${distDir}: nothing would be validated. Render the manifests first ` +
          '(npm run synth), or set ALLOW_EMPTY_DIST=1 where an empty dist/ is expected.',
      );
    }
    const objects = loaded.reduce((n, l) => n + l.docs.length, 0);
    if (files.length > 0 && objects === 0) throw new Error(`${files.length} manifest file(s) but not one object in them`);
  });

  it('parse as YAML', () => {
    expect(loaded.filter((l) => l.error !== undefined).map((l) => `${l.file}: ${l.error}`)).toEqual([]);
  });

  it('contain only kinds the validators know (served by k8s 1.28/1.33 or defined by a vendored CRD)', () => {
    const unknown: string[] = [];
    for (const { file, docs } of loaded) {
      for (const doc of docs) {
        if (kindSource(doc) !== 'unknown') continue;
        const o = (typeof doc === 'object' && doc !== null ? doc : {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
        unknown.push(`${file}: ${String(o.apiVersion)} ${String(o.kind)} ${String(o.metadata?.name)}`);
      }
    }
    if (unknown.length > 0) throw new Error(`${unknown.length} object(s) of unknown kind:\n${unknown.join('\n')}`);
  });

  it('have zero schema issues', () => {
    const t0 = performance.now();
    const issues: SchemaIssue[] = [];
    let objects = 0;
    for (const { file, docs } of loaded) {
      objects += docs.length;
      issues.push(...validateManifests(docs, file));
    }
    console.log(`schema-validated ${objects} objects in ${files.length} files in ${(performance.now() - t0).toFixed(0)} ms (including schema compilation)`);
    if (issues.length > 0) throw new Error(`${issues.length} schema issue(s):\n${issues.map(formatIssue).join('\n')}`);
  });
});
