#!/usr/bin/env bash
# Monitoring checks against real engines, run by .ci/run: promtool (check + unit tests of every alert),
# amtool (Alertmanager config), a live Prometheus scraping the real inference server, and the live site → hub
# remote-write check.
# Installs Debian's prometheus and prometheus-alertmanager packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' services from starting (we start our own Prometheus on loopback).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
# policy-rc.d above keeps the packages from starting services; the scripts below start their own processes
# on loopback and stop only what they started.
# `--install-only`: .ci/run installs the tools before `npm test`, so the jest promtool suite runs for real too.
[ "${1:-}" = "--install-only" ] && exit 0

bash scripts/ci/promtool.sh
bash scripts/ci/live-prometheus.sh
bash scripts/ci/live-remote-write.sh
