// esbuild flags that keep the npm dependencies external but bundle the workspace packages (@edge-ai/*): those
// ship TypeScript sources (`main: src/index.ts`), which Node cannot load at run time.
const pkg = require('../../package.json');
const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !n.startsWith('@edge-ai/'));
process.stdout.write(names.map((n) => `--external:${n}`).join(' '));
