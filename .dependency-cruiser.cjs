/**
 * Import direction of the product (issue 11, docs/decisions/0021-layer-architecture.md), checked by
 * `npm run deps` inside `npm test`:
 *
 *   lib/model  →  lib/constructs  →  charts/<layer>  →  lib/synth  →  main.ts
 *   (packages/inference-contract is imported by model, charts and server alike; it imports nothing of ours)
 *
 * Tooling (tools/, scripts/) may import the product; the product never imports tooling or tests.
 * Type-only imports count: a type-level cycle is still a cycle.
 */
const LAYER = '^charts/([^/]+)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycle anywhere, type-level included.', from: {}, to: { circular: true } },
    {
      name: 'contract-imports-nothing',
      severity: 'error',
      comment: 'The server contract package is shared by the server image and the charts: it depends on nothing of ours.',
      from: { path: '^packages/inference-contract/' },
      to: { path: '^(lib|charts|server|tools|scripts|test|main\\.ts)' },
    },
    {
      name: 'model-imports-only-model',
      severity: 'error',
      comment: 'lib/model (schema, resolvers, input errors, versions) is the bottom of the product.',
      from: { path: '^lib/model/' },
      to: { path: '^(lib/(constructs|synth)|charts|server|tools|scripts|test|main\\.ts)' },
    },
    {
      name: 'constructs-import-only-model',
      severity: 'error',
      comment: 'Reusable constructs know no layer and no registry.',
      from: { path: '^lib/constructs/' },
      to: { path: '^(lib/synth|charts|server|tools|scripts|test|main\\.ts)' },
    },
    {
      name: 'layer-imports-model-constructs-and-itself',
      severity: 'error',
      comment: 'A layer (charts/<layer>/) imports lib/model, lib/constructs, the contract package and its own folder only.',
      from: { path: LAYER },
      to: { path: '^(lib/synth|charts|server|tools|scripts|test|main\\.ts)', pathNot: '^charts/$1/' },
    },
    {
      name: 'product-never-imports-tooling',
      severity: 'error',
      comment: 'tools/, scripts/ and test/ sit outside the product path.',
      from: { path: '^(lib|charts|main\\.ts)' },
      to: { path: '^(tools|scripts|test|server)/' },
    },
    {
      name: 'server-imports-only-the-contract',
      severity: 'error',
      comment: 'The server image bundles server/src and the contract package, nothing else of the repository.',
      from: { path: '^server/' },
      to: { path: '^(lib|charts|tools|scripts|test|main\\.ts)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.build|imports)/' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
