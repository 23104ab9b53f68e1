/**
 * server/src/batcher.ts with a stand-in session that records every run: concurrent requests share one
 * session.run, each gets back exactly its own rows, a lone request is not delayed, the queue is bounded.
 *
 * @jest-environment ./test/server/ort-environment.ts
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { Batcher, BatchOptions } from '../../server/src/batcher';
import { HttpError } from '../../server/src/protocol';

/** Doubles every input value into "out" and echoes the row index sum into "rows"; records the batch sizes. */
function fakeSession(runs: number[]): InferenceSession {
  return {
    run: async (feeds: Record<string, Tensor>) => {
      const x = feeds.x;
      runs.push(x.dims[0]);
      const data = Float32Array.from(x.data as Float32Array, (v) => v * 2);
      return { out: new Tensor('float32', data, [...x.dims]), label: new Tensor('int64', BigInt64Array.from({ length: x.dims[0] }, (_v, i) => BigInt(i)), [x.dims[0]]) };
    },
  } as unknown as InferenceSession;
}

const rows = (values: number[][]): Tensor => new Tensor('float32', Float32Array.from(values.flat()), [values.length, values[0].length]);
const options = (o: Partial<BatchOptions> = {}): BatchOptions => ({ maxBatchSize: 64, maxWaitMs: 2, maxQueue: 256, ...o });

describe('Batcher', () => {
  it('runs concurrent requests as one session.run and hands each its own rows', async () => {
    const runs: number[] = [];
    const batcher = new Batcher(fakeSession(runs), options(), () => 0);
    const inputs = [[[1, 2]], [[3, 4], [5, 6]], [[7, 8]]];
    const results = await Promise.all(inputs.map((v) => batcher.run({ x: rows(v) }, v.length, ['out', 'label'])));
    expect(runs).toEqual([4]);
    expect(results.map((r) => Array.from(r.results.out.data as Float32Array))).toEqual([[2, 4], [6, 8, 10, 12], [14, 16]]);
    expect(results.map((r) => [...(r.results.out as Tensor).dims])).toEqual([[1, 2], [2, 2], [1, 2]]);
    // Per-row outputs of the shared run are sliced by position: the second request got rows 1 and 2.
    expect(results.map((r) => Array.from(r.results.label.data as BigInt64Array, Number))).toEqual([[0], [1, 2], [3]]);
    expect(results.every((r) => r.batchRows === 4)).toBe(true);
  });

  it('returns only the outputs each request asked for', async () => {
    const batcher = new Batcher(fakeSession([]), options(), () => 0);
    const [a, b] = await Promise.all([batcher.run({ x: rows([[1, 1]]) }, 1, ['out']), batcher.run({ x: rows([[2, 2]]) }, 1, ['label'])]);
    expect(Object.keys(a.results)).toEqual(['out']);
    expect(Object.keys(b.results)).toEqual(['label']);
  });

  it('caps a batch at maxBatchSize rows; the rest forms the next batch', async () => {
    const runs: number[] = [];
    const batcher = new Batcher(fakeSession(runs), options({ maxBatchSize: 3 }), () => 0);
    await Promise.all(Array.from({ length: 7 }, (_v, i) => batcher.run({ x: rows([[i, i]]) }, 1, ['out'])));
    expect(runs).toEqual([3, 3, 1]);
  });

  it('does not wait when no other request is being received, and waits at most maxWaitMs when one is', async () => {
    const runs: number[] = [];
    let arriving = 0;
    const batcher = new Batcher(fakeSession(runs), options({ maxWaitMs: 50 }), () => arriving);
    let t0 = Date.now();
    await batcher.run({ x: rows([[1, 1]]) }, 1, ['out']);
    expect(Date.now() - t0).toBeLessThan(40);
    // Another request is still being read: the first waits for it (up to 50 ms), and both share a run.
    arriving = 1;
    t0 = Date.now();
    const first = batcher.run({ x: rows([[1, 1]]) }, 1, ['out']);
    await new Promise((r) => setTimeout(r, 10));
    arriving = 0;
    const second = batcher.run({ x: rows([[2, 2]]) }, 1, ['out']);
    await Promise.all([first, second]);
    expect(runs).toEqual([1, 2]);
    // If the awaited request never comes, the wait ends at maxWaitMs.
    arriving = 1;
    t0 = Date.now();
    await batcher.run({ x: rows([[3, 3]]) }, 1, ['out']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('after a run, the requests read while it ran share the next run with those read in the I/O phase after it', async () => {
    const runs: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const session = {
      run: async (feeds: Record<string, Tensor>) => {
        runs.push(feeds.x.dims[0]);
        if (runs.length === 1) await gate;
        return { out: feeds.x };
      },
    } as unknown as InferenceSession;
    const batcher = new Batcher(session, options(), () => 0);
    const first = batcher.run({ x: rows([[1, 1]]) }, 1, ['out']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([1]);
    const queued = [batcher.run({ x: rows([[2, 2]]) }, 1, ['out']), batcher.run({ x: rows([[3, 3]]) }, 1, ['out'])];
    release();
    // A request read on the next turn of the event loop, before the next batch starts (starting it at once
    // after the run would give runs [1, 2, 1]).
    const late = new Promise<Awaited<typeof first>>((resolve) => setImmediate(() => resolve(batcher.run({ x: rows([[4, 4]]) }, 1, ['out']))));
    const results = await Promise.all([first, ...queued, late]);
    expect(runs).toEqual([1, 3]);
    expect(results.map((r) => Array.from(r.results.out.data as Float32Array))).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
  });

  it('refuses beyond maxQueue waiting requests with 503 and Retry-After', async () => {
    const batcher = new Batcher(fakeSession([]), options({ maxQueue: 2, maxWaitMs: 20 }), () => 1);
    const queued = [batcher.run({ x: rows([[1, 1]]) }, 1, ['out']), batcher.run({ x: rows([[1, 1]]) }, 1, ['out'])];
    const refused = await batcher.run({ x: rows([[1, 1]]) }, 1, ['out']).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    await Promise.all(queued);
  });

  it('fails every request of a batch when the run fails', async () => {
    const session = { run: async () => Promise.reject(new Error('boom')) } as unknown as InferenceSession;
    const batcher = new Batcher(session, options(), () => 0);
    const results = await Promise.allSettled([batcher.run({ x: rows([[1, 1]]) }, 1, ['out']), batcher.run({ x: rows([[2, 2]]) }, 1, ['out'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
