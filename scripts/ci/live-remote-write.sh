#!/usr/bin/env bash
# Live check of the site → hub metrics path (issue 13): the real inference server, a site Prometheus
# remote-writing to a hub Prometheus started with --web.enable-remote-write-receiver, the fleet rules of dist/
# at the hub; SiteNotReporting must behave as its promtool cases say. About a minute; stops only what it starts
# (scripts/ci/live-remote-write.ts). Needs Debian's `prometheus` (scripts/ci/monitoring.sh installs it).
#
#   bash scripts/ci/live-remote-write.sh [--site office] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v prometheus >/dev/null; then
  echo "live-remote-write.sh: prometheus missing; install with: sudo apt-get install -y --no-install-recommends prometheus" >&2
  exit 1
fi
prometheus --version 2>&1 | head -1
npm run --silent build --workspace server
mkdir -p .build
npx --no-install esbuild scripts/ci/live-remote-write.ts --bundle --platform=node --target=node20 --format=cjs \
  $(node scripts/ci/esbuild-externals.cjs) --log-level=warning --outfile=.build/live-remote-write.js
node .build/live-remote-write.js --server .build/inference-server/main.js "$@"
