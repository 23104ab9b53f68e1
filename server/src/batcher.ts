/**
 * Dynamic batching: concurrent requests for the same model version are grouped into one `session.run`.
 *
 * onnxruntime-node runs a session synchronously on the event loop (its async `run` only defers to
 * setImmediate), so every call pays a fixed cost (tensor wrapping, N-API crossing, output allocation) that
 * does not depend on the rows. Grouping the rows of concurrent requests pays it once per batch.
 *
 * The queue is short and bounded, and it never delays a lone request:
 *   - nobody else arriving: the batch runs on the next turn of the event loop (setImmediate), which only
 *     groups requests parsed in the same I/O phase (after a run: also those read while it ran); concurrency 1
 *     sees no added latency;
 *   - other inference requests are being received (`arriving() > 0`): wait up to `maxWaitMs` for them to
 *     join, or less if the batch reaches `maxBatchSize` rows or the last of them joins;
 *   - a batch holds at most `maxBatchSize` rows (a larger request runs alone); at most `maxQueue` requests
 *     wait, beyond that a request is refused with 503 so that an overload sheds load instead of growing
 *     latency without bound.
 * One batch per model version runs at a time; requests arriving meanwhile form the next batch.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { HttpError } from './protocol';

export interface BatchOptions {
  /** Rows per session.run at most; 1 turns batching off. */
  readonly maxBatchSize: number;
  /** How long a batch may wait for requests that are still being received, in milliseconds. */
  readonly maxWaitMs: number;
  /** Requests that may wait for a batch; beyond it new requests get 503. */
  readonly maxQueue: number;
}

type Feeds = Record<string, Tensor>;
type Results = InferenceSession.OnnxValueMapType;

interface Item {
  readonly feeds: Feeds;
  readonly rows: number;
  readonly outputs: readonly string[];
  readonly resolve: (r: { results: Results; batchRows: number }) => void;
  readonly reject: (e: unknown) => void;
}

const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Concatenates the tensors of `items` along dimension 0 (every input is batched: shape[0] is -1). */
function concat(items: readonly Item[], name: string): Tensor {
  const first = items[0].feeds[name];
  const rows = items.reduce((n, i) => n + i.feeds[name].dims[0], 0);
  const dims = [rows, ...first.dims.slice(1)];
  const Ctor = (first.data as unknown as { constructor: new (n: number) => Tensor.DataType & { set(a: ArrayLike<unknown>, o: number): void } }).constructor;
  const data = new Ctor(sizeOf(dims));
  let offset = 0;
  for (const item of items) {
    const part = item.feeds[name].data as unknown as ArrayLike<unknown>;
    data.set(part, offset);
    offset += part.length;
  }
  return new Tensor(first.type, data, dims);
}

/** Rows [start, start + rows) of a batched output tensor. */
function slice(tensor: Tensor, start: number, rows: number, total: number, name: string): Tensor {
  if (tensor.dims[0] !== total) {
    throw new HttpError(500, `output "${name}" has ${tensor.dims[0]} rows for a batch of ${total}: the model does not compute row by row; set BATCH_MAX_SIZE=1`);
  }
  const perRow = sizeOf(tensor.dims.slice(1));
  const data = (tensor.data as unknown as { subarray(a: number, b: number): Tensor.DataType }).subarray(start * perRow, (start + rows) * perRow);
  return new Tensor(tensor.type, data, [rows, ...tensor.dims.slice(1)]);
}

export class Batcher {
  private readonly queue: Item[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(
    private readonly session: InferenceSession,
    private readonly options: BatchOptions,
    /** Inference requests received but not yet queued (still reading or parsing their body). */
    private readonly arriving: () => number,
    /** Called with the rows of every session.run (for the batch size metric and span attribute). */
    private readonly onRun: (rows: number, requests: number) => void = () => undefined,
  ) {}

  /** Runs `feeds` (with `rows` rows) as part of a batch; resolves with this request's own output rows. */
  run(feeds: Feeds, rows: number, outputs: readonly string[]): Promise<{ results: Results; batchRows: number }> {
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new HttpError(503, `the batch queue of this model holds ${this.options.maxQueue} requests already (BATCH_MAX_QUEUE); retry shortly`, { 'retry-after': '1' }));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ feeds, rows, outputs, resolve, reject });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  /**
   * Starts the next batch when nothing more is worth waiting for, always on the next turn of the event loop
   * (setImmediate): from idle, requests read in the same I/O phase share the run; after a run, the requests
   * read while it ran are joined by those read in the I/O phase that follows it (the responses of the run are
   * written first). Starting at once after a run was measured worse: 3.7 instead of 6 rows per run at
   * concurrency 8 and a lower c8/c1 ratio (docs/benchmarks.md); a lone request still waits for nothing.
   */
  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const full = this.queuedRows >= this.options.maxBatchSize;
    if (full || this.options.maxWaitMs === 0 || this.arriving() === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    } else {
      this.timer ??= setTimeout(() => void this.flush(), this.options.maxWaitMs);
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    // Take requests in arrival order up to maxBatchSize rows (always at least one).
    const batch: Item[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (batch.length === 0 || rows + this.queue[0].rows <= this.options.maxBatchSize)) {
      const item = this.queue.shift() as Item;
      batch.push(item);
      rows += item.rows;
    }
    this.queuedRows -= rows;
    this.running = true;
    try {
      await this.execute(batch, rows);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private async execute(batch: readonly Item[], rows: number): Promise<void> {
    const outputs = [...new Set(batch.flatMap((i) => i.outputs))];
    try {
      this.onRun(rows, batch.length);
      if (batch.length === 1) {
        const [item] = batch;
        item.resolve({ results: await this.session.run(item.feeds, [...item.outputs]), batchRows: rows });
        return;
      }
      const feeds = Object.fromEntries(Object.keys(batch[0].feeds).map((name) => [name, concat(batch, name)]));
      const results = await this.session.run(feeds, outputs);
      let start = 0;
      const sliced = batch.map((item) => {
        const own = Object.fromEntries(item.outputs.map((name) => [name, slice(results[name] as Tensor, start, item.rows, rows, name)]));
        start += item.rows;
        return own;
      });
      batch.forEach((item, i) => item.resolve({ results: sliced[i], batchRows: rows }));
    } catch (e) {
      for (const item of batch) item.reject(e);
    }
  }
}
