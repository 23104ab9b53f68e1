/**
 * The Ollama model bootstrap: a Job that, once the in-cluster server answers `GET /api/version`, pulls the
 * site's pinned library models and creates its custom models from their Modelfiles, with the `ollama` CLI of
 * the same image talking to the server over HTTP (the server writes every byte into its own PVC).
 *
 * Why a Job with a hash in its name (docs/decisions/0007-ollama-hardening.md, 0014-ollama-model-storage.md):
 * a Job's pod template is immutable, so a changed spec needs a new Job; naming it after a hash of everything it
 * does makes Argo CD create the new Job and prune the old one exactly when the model list, a Modelfile, the
 * image or the Job itself changes — and never otherwise, so an unchanged spec never re-runs.
 *
 * The script is static text: every site-specific value reaches it through environment variables, so the same
 * script can be exercised by a test with a stand-in `ollama` binary and HTTP server (test/ollama/bootstrap.test.ts).
 */
import { createHash } from 'node:crypto';

/** The Ollama API port (server default, `envconfig.Host()`). */
export const OLLAMA_PORT = 11434;

/** First hex digits of the SHA-256 used in the Job name (10 → 40 bits: a collision is not a practical concern). */
const BOOTSTRAP_HASH_LENGTH = 10;

/**
 * Environment variables the script reads. Lists are space-separated (model names never contain spaces: the
 * inventory schema and the Modelfile loader only accept `[a-z0-9._/:-]`).
 */
export const BOOTSTRAP_ENV = {
  /** Hosts to bootstrap, one per server replica (the Service when there is one replica). */
  targets: 'OLLAMA_BOOTSTRAP_TARGETS',
  port: 'OLLAMA_BOOTSTRAP_PORT',
  /** Pinned library models, `ollama pull`ed in this order. */
  pull: 'OLLAMA_BOOTSTRAP_PULL',
  /** Custom models, `ollama create`d in this order (bases before the models built FROM them). */
  create: 'OLLAMA_BOOTSTRAP_CREATE',
  /** `name=digest12` pairs from the model catalogue: a mismatch means the library re-published the tag. */
  digests: 'OLLAMA_BOOTSTRAP_EXPECTED_IDS',
  /** Folder holding `<name>.Modelfile` (the ConfigMap mount). */
  modelfiles: 'OLLAMA_BOOTSTRAP_MODELFILES',
  /** Bound on waiting for each server to answer /api/version. */
  waitSeconds: 'OLLAMA_BOOTSTRAP_WAIT_SECONDS',
  pollSeconds: 'OLLAMA_BOOTSTRAP_POLL_SECONDS',
} as const;

/**
 * The bootstrap script (bash: the ollama/ollama image is Ubuntu-based and ships bash, coreutils, grep and awk,
 * but no curl or wget — readiness is checked with bash's /dev/tcp).
 *
 * Steps per target: wait (bounded) for `GET /api/version` → 200; `ollama pull` each pinned model (a model
 * already present only costs a manifest check); `ollama create` each custom model (idempotent: identical
 * layers give an identical manifest); remove models the inventory no longer lists, so the cache cannot fill
 * the PVC with weights nobody serves; warn when a pulled model's ID differs from the catalogue's.
 * Any failing pull or create exits non-zero, so the Job's backoff retries it and Argo CD shows it.
 *
 * Bash parameter expansion with braces (`${x}`) is avoided on purpose: this is a TypeScript template literal.
 */
export const BOOTSTRAP_SCRIPT = String.raw`set -euo pipefail
port=$${BOOTSTRAP_ENV.port}
wait_seconds=$${BOOTSTRAP_ENV.waitSeconds}
poll_seconds=$${BOOTSTRAP_ENV.pollSeconds}
modelfiles=$${BOOTSTRAP_ENV.modelfiles}

log() { printf 'bootstrap: %s\n' "$*"; }

# 200 from GET /api/version within 10 s, over bash's /dev/tcp (the image has no curl or wget).
ready() {
  local status
  status="$(timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET /api/version HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && head -n 1 <&3' _ "$1" "$port" 2>/dev/null)" || return 1
  [[ "$status" == "HTTP/1."[01]" 200"* ]]
}

for host in $${BOOTSTRAP_ENV.targets}; do
  deadline=$((SECONDS + wait_seconds))
  until ready "$host"; do
    if ((SECONDS >= deadline)); then
      log "$host:$port did not answer GET /api/version within $wait_seconds s: is the ollama pod running and ready?" >&2
      exit 1
    fi
    log "waiting for $host:$port/api/version"
    sleep "$poll_seconds"
  done
  export OLLAMA_HOST="http://$host:$port"
  log "server $OLLAMA_HOST is up"

  keep=" "
  for model in $${BOOTSTRAP_ENV.pull}; do
    log "pull $model"
    ollama pull "$model"
    keep="$keep$model "
  done
  for name in $${BOOTSTRAP_ENV.create}; do
    log "create $name from $modelfiles/$name.Modelfile"
    ollama create "$name" -f "$modelfiles/$name.Modelfile"
    keep="$keep$name:latest "
  done

  listing="$(ollama list)"
  while read -r name id _; do
    [[ -z "$name" || "$name" == NAME ]] && continue
    if [[ "$keep" != *" $name "* ]]; then
      log "remove $name: not in the site inventory"
      ollama rm "$name" </dev/null
      continue
    fi
    for pair in $${BOOTSTRAP_ENV.digests}; do
      IFS='=' read -r want_name want_id <<<"$pair"
      if [[ "$want_name" == "$name" && "$want_id" != "$id" ]]; then
        log "WARNING: $name has ID $id but the catalogue expects $want_id: the library re-published the tag; re-check its memory figures in lib/model/ollama-catalog.ts"
      fi
    done
  done <<<"$listing"
  log "done on $OLLAMA_HOST"
done
`;

/** JSON with object keys sorted at every level: the same value always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Short SHA-256 of a value's canonical JSON. */
export function specHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, BOOTSTRAP_HASH_LENGTH);
}

export function bootstrapJobName(hash: string): string {
  return `ollama-bootstrap-${hash}`;
}
