/**
 * docs/benchmarks.md is shared with other benchmarks: the inference benchmark rewrites only its own section.
 *
 * @jest-environment ./test/server/ort-environment.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { updateDocs } from '../../scripts/bench-inference';
import { cleanTempDirs, tempDir } from './helpers';

afterAll(cleanTempDirs);

const section = (figure: string) => `## Inference server\n\nfigures ${figure}\n`;

describe('bench-inference updateDocs', () => {
  it('creates the file with an intro when missing', () => {
    const file = join(tempDir(), 'benchmarks.md');
    updateDocs(section('A'), file);
    expect(readFileSync(file, 'utf8')).toMatch(/^# Benchmarks\n\n.+\n\n## Inference server\n\nfigures A\n$/);
  });

  it('replaces only its own section, before, between or after others', () => {
    const file = join(tempDir(), 'benchmarks.md');
    const synthesis = '## Synthesis\n\n| sites | seconds |\n|---|---|\n| 3000 | 9.1 |\n';
    writeFileSync(file, `# Benchmarks\n\nIntro.\n\n${synthesis}`);
    updateDocs(section('A'), file);
    expect(readFileSync(file, 'utf8')).toBe(`# Benchmarks\n\nIntro.\n\n${synthesis}\n${section('A')}`);
    writeFileSync(file, `# Benchmarks\n\n${section('old')}\n${synthesis}`);
    updateDocs(section('B'), file);
    expect(readFileSync(file, 'utf8')).toBe(`# Benchmarks\n\n${section('B')}\n${synthesis}`);
    writeFileSync(file, `# Benchmarks\n\n${synthesis}\n${section('old')}\n## Later\n\ntext\n`);
    updateDocs(section('C'), file);
    expect(readFileSync(file, 'utf8')).toBe(`# Benchmarks\n\n${synthesis}\n${section('C')}\n## Later\n\ntext\n`);
  });
});
