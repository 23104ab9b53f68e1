#!/usr/bin/env bash
# Live check against real engines: the project's inference server (server/, sample model in models/onnx)
# and Debian's Prometheus on loopback, with the rule files of dist/ loaded; asserts through Prometheus'
# HTTP API that every inference series the rules use exists and every rule group evaluates without error.
# Bounded in time; both processes are stopped by PID when it ends (scripts/ci/live-prometheus.ts).
# Needs Debian's `prometheus` package (installed if missing, as root, without leaving its service running).
#
#   bash scripts/ci/live-prometheus.sh [--keep]   # --keep: leave the temp dir with logs and TSDB
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v prometheus >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "live-prometheus.sh: prometheus missing; install with: sudo apt-get install -y --no-install-recommends prometheus" >&2
    exit 1
  fi
  before=$(pgrep -x prometheus || true)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  (systemctl stop prometheus || service prometheus stop) >/dev/null 2>&1 || true
  for pid in $(pgrep -x prometheus || true); do
    if ! grep -qx "$pid" <<<"$before"; then kill "$pid" 2>/dev/null || true; fi
  done
fi
prometheus --version 2>&1 | head -1

# The server exactly as its workspace builds it (server/package.json "build").
npm run --silent build --workspace server
mkdir -p .build
# Dependencies bundled too: the workspace package @edge-ai/inference-contract is TypeScript source.
npx --no-install esbuild scripts/ci/live-prometheus.ts --bundle --platform=node --target=node20 --format=cjs \
  $(node scripts/ci/esbuild-externals.cjs) --log-level=warning --outfile=.build/live-prometheus.js
node .build/live-prometheus.js --server .build/inference-server/main.js "$@"
