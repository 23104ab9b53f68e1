/**
 * @edge-ai/inference-contract: the interface between the inference server image and the charts that run it.
 *
 * The server (server/) and the cdk8s app both import this package and nothing of each other, and its version is
 * the server image tag the charts render (test/server/contract-version.test.ts). Bundled into both by esbuild;
 * it has no runtime dependency besides zod. docs/decisions/0021-layer-architecture.md.
 */
export * from './errors';
export * from './http';
export * from './metrics';
export * from './model-folder';
