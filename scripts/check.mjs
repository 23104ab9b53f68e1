// The static checks of `npm test`, run side by side (each is single-threaded; on a 2-core machine running them
// one after the other left a core idle for ~30 s): typecheck, lint, import direction. Prints each tool's output
// under its name and exits non-zero when any fails.
import { spawn } from 'node:child_process';

const CHECKS = [
  ['typecheck', 'tsc', ['--noEmit', '-p', 'tsconfig.json']],
  ['lint', 'eslint', ['--max-warnings', '0', '.']],
  ['deps', 'depcruise', ['--config', '.dependency-cruiser.cjs', 'main.ts', 'charts', 'lib', 'packages', 'server', 'tools', 'scripts']],
];

const results = await Promise.all(
  CHECKS.map(
    ([name, bin, args]) =>
      new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(`node_modules/.bin/${bin}`, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (code) => resolve({ name, code, output, seconds: (Date.now() - started) / 1000 }));
      }),
  ),
);
for (const r of results) {
  console.log(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)`);
  if (r.code !== 0 || r.output.trim()) console.log(r.output.trim());
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
