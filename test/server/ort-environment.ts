/**
 * Jest environment for tests that run onnxruntime-node: `/** @jest-environment ./test/server/ort-environment.ts *\/`.
 *
 * Jest runs each test file in its own vm context with its own typed-array constructors, but the native
 * onnxruntime binding creates output buffers in Node's main realm. onnxruntime-common then checks
 * `data instanceof Float32Array` against the test realm's constructor and throws "A float32 tensor's data
 * must be type of function Float32Array()". Sharing the main realm's constructors (as jest-environment-node
 * already does for Uint8Array and ArrayBuffer) makes both sides agree. Production code is unaffected: it
 * has only one realm.
 */
import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
  'DataView',
] as const;

export default class OrtEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    // As in the image (server/src/ort-env.ts): no onnxruntime telemetry files under ~/.cache from test runs.
    process.env.ORT_DISABLE_TELEMETRY ??= '1';
    const target = this.global as unknown as Record<string, unknown>;
    for (const name of TYPED_ARRAYS) target[name] = (globalThis as unknown as Record<string, unknown>)[name];
  }
}
