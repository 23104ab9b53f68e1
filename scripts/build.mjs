// Transpiles the command-line entry points with esbuild (no type-checking: `npm run typecheck` does that),
// so `npm run synth` starts in milliseconds instead of waiting for tsc. Dependencies stay external.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { externalExceptWorkspace } from '../server/build.cjs';

const entries = {
  main: 'main.ts',
  'synth-worker': 'lib/synth/worker.ts',
  bench: 'scripts/bench.ts',
  'bench-inference': 'scripts/bench-inference.ts',
  'make-model': 'scripts/make-model.ts',
  diff: 'scripts/diff.ts',
  schema: 'scripts/schema.ts',
  'images-verify': 'scripts/images-verify.ts',
};

const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

await build({
  entryPoints,
  outdir: '.build',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  plugins: [externalExceptWorkspace],
  sourcemap: 'linked',
  logLevel: 'warning',
});
