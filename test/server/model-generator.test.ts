/** The sample model is a build artefact of scripts/make-model.ts: regenerating it must change nothing. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateModelFiles, mulberry32 } from '../../scripts/make-model';
import { cleanTempDirs, MODELS_DIR, tempDir } from './helpers';

afterAll(cleanTempDirs);

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => (statSync(join(dir, e)).isDirectory() ? listFiles(join(dir, e)) : [join(dir, e)]));
}

describe('scripts/make-model.ts', () => {
  it('mulberry32 is a pure function of its seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(first[0]);
  });

  it('generates byte-identical files on every run, identical to the committed ones', () => {
    const a = tempDir();
    const b = tempDir();
    const runA = generateModelFiles(a);
    generateModelFiles(b);
    const filesA = listFiles(a).map((f) => relative(a, f));
    expect(filesA).toEqual([
      'bearing-anomaly/1.0.0/eval.json',
      'bearing-anomaly/1.0.0/model.json',
      'bearing-anomaly/1.0.0/model.onnx',
      'bearing-anomaly/1.1.0/eval.json',
      'bearing-anomaly/1.1.0/model.json',
      'bearing-anomaly/1.1.0/model.onnx',
      'model.schema.json',
    ]);
    expect(listFiles(b).map((f) => relative(b, f))).toEqual(filesA);
    for (const f of filesA) {
      const bytes = readFileSync(join(a, f));
      expect(readFileSync(join(b, f)).equals(bytes)).toBe(true);
      // If this fails after an intended change to the generator, run `npm run model:generate` and commit.
      expect({ file: f, sameAsCommitted: readFileSync(join(MODELS_DIR, f)).equals(bytes) }).toEqual({ file: f, sameAsCommitted: true });
    }
    const [v1, v2] = runA.versions;
    expect(v1.evalAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(v2.evalAccuracy).toBeGreaterThanOrEqual(0.9);
    // The A/B candidate differs measurably on the shared eval set (400 rows: 1 percentage point is 4 rows).
    expect(Math.abs(v2.evalAccuracy - v1.evalAccuracy)).toBeGreaterThanOrEqual(0.01);
    // Both versions are scored on the same bytes.
    expect(readFileSync(join(a, 'bearing-anomaly/1.1.0/eval.json')).equals(readFileSync(join(a, 'bearing-anomaly/1.0.0/eval.json')))).toBe(true);
    // KB-sized, as it must be for ConfigMap delivery.
    for (const v of ['1.0.0', '1.1.0']) expect(statSync(join(a, `bearing-anomaly/${v}/model.onnx`)).size).toBeLessThan(8 * 1024);
  });
});
