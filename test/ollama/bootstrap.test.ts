/**
 * Runs the bootstrap Job's script exactly as rendered for the warehouse site (command and environment from the
 * Job), with bash, against a local HTTP server standing in for `ollama serve` and a stub `ollama` CLI that
 * records its calls and keeps a model list. What is checked is the script's behaviour: it waits for
 * /api/version, is bounded, pulls and creates only afterwards, stops on a failed pull, removes models the
 * inventory no longer lists, and warns when a model's ID differs from the catalogue.
 *
 * There is no real Ollama binary here (neither Debian nor the npm registry ships one), so `ollama` is a stub.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSite, findAll, findResource, sampleSite } from '../helpers';

jest.setTimeout(30_000);

const objects = buildSite(sampleSite('warehouse')).layers.ollama;
const job = findAll(objects, 'Job')[0];
const container = job.spec.template.spec.containers[0];
const jobEnv: Record<string, string> = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
const modelfiles: Record<string, string> = findResource(objects, 'ConfigMap', 'ollama-modelfiles', 'ollama').data;

/** A stand-in for the `ollama` CLI: logs "<OLLAMA_HOST> <args>" and keeps `name id` lines in a state file. */
const STUB = `#!/bin/bash
set -u
echo "$OLLAMA_HOST $*" >> "$STUB_DIR/calls"
case "$1" in
  pull)
    if [[ "$2" == "\${STUB_FAIL_PULL:-}" ]]; then echo "Error: pull model manifest: file does not exist" >&2; exit 1; fi
    grep -q "^$2 " "$STUB_DIR/models" || echo "$2 \${STUB_ID:-baf6a787fdff}" >> "$STUB_DIR/models" ;;
  create)
    [[ -r "$4" ]] || { echo "Error: open $4: no such file" >&2; exit 1; }
    grep -q "^$2:latest " "$STUB_DIR/models" || echo "$2:latest 0123456789ab" >> "$STUB_DIR/models" ;;
  list)
    echo "NAME                   ID              SIZE      MODIFIED"
    while read -r name id; do echo "$name    $id    1.3 GB    1 minute ago"; done < "$STUB_DIR/models" ;;
  rm)
    grep -v "^$2 " "$STUB_DIR/models" > "$STUB_DIR/models.new" || true
    mv "$STUB_DIR/models.new" "$STUB_DIR/models" ;;
  *) echo "stub: unexpected command $*" >&2; exit 2 ;;
esac
`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: string[];
  readonly models: string[];
}

let dir: string;
let server: Server | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ollama-bootstrap-'));
  writeFileSync(join(dir, 'ollama'), STUB);
  chmodSync(join(dir, 'ollama'), 0o755);
  // A cache with a model the inventory does not list (left over from an earlier model list).
  writeFileSync(join(dir, 'models'), 'mistral:7b 6577803aa9a0\n');
  writeFileSync(join(dir, 'calls'), '');
  for (const [file, text] of Object.entries(modelfiles)) writeFileSync(join(dir, file), text);
});

afterEach(async () => {
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts the stand-in server: /api/version answers `status`, everything else 404. */
async function startServer(port: number, status = 200): Promise<void> {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/api/version' ? status : 404;
    res.end(status === 200 ? '{"version":"0.34.2"}' : '');
  });
  await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
}

function runScript(port: number, extra: Record<string, string> = {}): Promise<Run> {
  const [cmd, ...args] = container.command as string[];
  const env = {
    ...jobEnv,
    PATH: `${dir}:${process.env.PATH}`,
    HOME: dir,
    STUB_DIR: dir,
    OLLAMA_BOOTSTRAP_TARGETS: '127.0.0.1',
    OLLAMA_BOOTSTRAP_PORT: String(port),
    OLLAMA_BOOTSTRAP_MODELFILES: dir,
    OLLAMA_BOOTSTRAP_WAIT_SECONDS: '15',
    OLLAMA_BOOTSTRAP_POLL_SECONDS: '1',
    ...extra,
  };
  return new Promise((resolve) => {
    const child = spawn(cmd === '/bin/bash' ? 'bash' : cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        calls: readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean),
        models: readFileSync(join(dir, 'models'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]),
      }),
    );
  });
}

it('renders the environment the script expects', () => {
  expect(jobEnv.OLLAMA_BOOTSTRAP_PULL).toBe('llama3.2:1b');
  expect(jobEnv.OLLAMA_BOOTSTRAP_CREATE).toBe('ai-assistant');
  expect(jobEnv.OLLAMA_BOOTSTRAP_EXPECTED_IDS).toBe('llama3.2:1b=baf6a787fdff');
});

it('waits for /api/version, then pulls, creates, and removes what the inventory no longer lists', async () => {
  const port = await freePort();
  const running = runScript(port);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await startServer(port);
  const run = await running;
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`bootstrap: waiting for 127.0.0.1:${port}/api/version`);
  const host = `http://127.0.0.1:${port}`;
  expect(run.calls).toEqual([
    `${host} pull llama3.2:1b`,
    `${host} create ai-assistant -f ${dir}/ai-assistant.Modelfile`,
    `${host} list`,
    `${host} rm mistral:7b`,
  ]);
  expect(run.models.sort()).toEqual(['ai-assistant:latest', 'llama3.2:1b']);
  expect(run.stdout).not.toContain('WARNING');
});

it('is idempotent: a second run changes nothing', async () => {
  const port = await freePort();
  await startServer(port);
  await runScript(port);
  const before = readFileSync(join(dir, 'models'), 'utf8');
  writeFileSync(join(dir, 'calls'), '');
  const again = await runScript(port);
  expect(again.code).toBe(0);
  expect(readFileSync(join(dir, 'models'), 'utf8')).toBe(before);
  expect(again.calls.filter((c) => / (rm|create) /.test(c) && !c.includes('create ai-assistant'))).toEqual([]);
});

it('gives up after the bounded wait when the server never becomes ready, without touching any model', async () => {
  const port = await freePort();
  await startServer(port, 503);
  const started = Date.now();
  const run = await runScript(port, { OLLAMA_BOOTSTRAP_WAIT_SECONDS: '2' });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`127.0.0.1:${port} did not answer GET /api/version within 2 s`);
  expect(run.calls).toEqual([]);
  expect(Date.now() - started).toBeLessThan(15_000);
});

it('fails the Job when a pull fails, before creating anything', async () => {
  const port = await freePort();
  await startServer(port);
  const run = await runScript(port, { STUB_FAIL_PULL: 'llama3.2:1b' });
  expect(run.code).not.toBe(0);
  expect(run.calls).toEqual([`http://127.0.0.1:${port} pull llama3.2:1b`]);
  expect(run.models).toEqual(['mistral:7b']);
});

it('warns when a pulled model has another ID than the catalogue, and still succeeds', async () => {
  const port = await freePort();
  await startServer(port);
  const run = await runScript(port, { STUB_ID: 'ffffffffffff' });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('WARNING: llama3.2:1b has ID ffffffffffff but the catalogue expects baf6a787fdff');
});
