/**
 * Helpers of the live checks against real engines (scripts/ci/live-*.ts): loopback ports, child processes
 * stopped by their own PIDs, polling with a deadline, and Prometheus' HTTP API.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const LOOPBACK = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, LOOPBACK, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The processes a live check started: each logs to `<workDir>/<name>.log`; only these are ever stopped. */
export class Processes {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = new Set<string>();
  constructor(readonly workDir: string) {}

  start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const log = createWriteStream(join(this.workDir, `${name}.log`));
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.set(name, child);
    child.once('exit', (code, signal) => {
      if (!this.stopping.has(name)) console.error(`${name} (pid ${child.pid}) exited early (code ${code}, signal ${signal})`);
    });
    console.log(`started ${name} (pid ${child.pid})`);
    return child;
  }

  /** Stops one process (SIGTERM to its PID) and waits for it to exit. */
  async stop(name: string): Promise<void> {
    const c = this.children.get(name);
    if (!c || c.exitCode !== null || c.signalCode !== null || !c.pid) return;
    this.stopping.add(name);
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(c.pid, 'SIGTERM');
    await Promise.race([exited, sleep(10000)]);
    console.log(`stopped ${name} (pid ${c.pid})`);
  }

  stopAll(): void {
    for (const [name, c] of this.children) {
      this.stopping.add(name);
      if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    }
  }

  /** Last lines of every log, for a failure report. */
  tails(lines = 15): string {
    return [...this.children.keys()]
      .map((name) => {
        try {
          return `--- last lines of ${name}.log ---\n${readFileSync(join(this.workDir, `${name}.log`), 'utf8').trim().split('\n').slice(-lines).join('\n')}`;
        } catch {
          return '';
        }
      })
      .join('\n');
  }
}

export async function waitFor(what: string, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

interface PromResponse<T> {
  status: string;
  data: T;
  error?: string;
}

export async function api<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  const body = (await res.json()) as PromResponse<T>;
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
  return body.data;
}

export type Sample = { metric: Record<string, string>; value: [number, string] };

export async function query(base: string, expr: string): Promise<Sample[]> {
  const data = await api<{ result: Sample[] }>(base, `/api/v1/query?query=${encodeURIComponent(expr)}`);
  return data.result;
}

/**
 * Starts the real inference server (the bundle) on a free loopback port with the model repository, tracing off,
 * and waits until it is ready; `env` adds settings (e.g. MODEL_TRAFFIC_SPLIT). Returns its base URL.
 */
export async function startInferenceServer(procs: Processes, bundle: string, models: string, deadline: number, env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  procs.start('inference-server', process.execPath, [resolve(bundle)], {
    ...process.env,
    PORT: String(port),
    HOST: LOOPBACK,
    MODEL_REPOSITORY: resolve(models),
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: 'true',
    ...env,
  });
  const base = `http://${LOOPBACK}:${port}`;
  await waitFor('the inference server to be ready', deadline, async () => (await fetch(`${base}/v2/health/ready`)).ok);
  return base;
}
