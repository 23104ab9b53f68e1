import type { BuildOptions, Plugin } from 'esbuild';

export declare const externalExceptWorkspace: Plugin;
export declare const serverBuildOptions: BuildOptions;
