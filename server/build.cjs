// Bundles the inference server into one CommonJS file with esbuild. npm packages stay external (installed in the
// image by `npm ci --workspace server`), except this repository's workspace packages (@edge-ai/*): their `main`
// is TypeScript source, so they are bundled in. The root app's scripts/build.mjs uses the same plugin.
const { build } = require('esbuild');
const { join } = require('node:path');

/** esbuild plugin: every bare import is external, except the repository's own workspace packages. */
const externalExceptWorkspace = {
  name: 'external-except-workspace',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@edge-ai/') ? undefined : { path: args.path, external: true }));
  },
};

/** The server bundle's options (test/server/image.test.ts bundles with exactly these). */
const serverBuildOptions = {
  entryPoints: [join(__dirname, 'src/main.ts')],
  outfile: join(__dirname, '../.build/inference-server/main.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [externalExceptWorkspace],
};

module.exports = { externalExceptWorkspace, serverBuildOptions };

if (require.main === module) {
  build(serverBuildOptions).catch(() => process.exit(1));
}
