#!/usr/bin/env bash
# Checks the monitoring rules and the Alertmanager configuration with the real tools:
#   1. the generated promtool tests (test/monitoring/promtool/) match the rule modules' cases;
#   2. the rule groups of every PrometheusRule in dist/ are extracted into plain rule files;
#   3. promtool check rules on every rule file, promtool test rules on every test file (each alert fires in
#      one case and stays silent in another);
#   4. amtool check-config on every site's Alertmanager configuration.
# Needs Debian's `prometheus` (promtool) and `prometheus-alertmanager` (amtool); installs them if missing
# (as root, without leaving their services running).
#
#   bash scripts/ci/promtool.sh            # check
#   bash scripts/ci/promtool.sh --update   # regenerate test/monitoring/promtool/*.yaml first
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=--check
[ "${1:-}" = "--update" ] && mode=--update

# --- tools -----------------------------------------------------------------------------------------------
ensure_tools() {
  local need=()
  command -v promtool >/dev/null || need+=(prometheus)
  command -v amtool >/dev/null || need+=(prometheus-alertmanager)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "promtool.sh: ${need[*]} missing; install with: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  # Processes of these names that already run are not ours; remember them so we stop only what we start.
  local before
  before=$(pgrep -x 'prometheus|alertmanager|prometheus-aler' || true)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  for svc in prometheus prometheus-alertmanager; do
    (systemctl stop "$svc" || service "$svc" stop) >/dev/null 2>&1 || true
  done
  # Containers without an init system may still have started the daemons from the postinst scripts.
  local pid
  for pid in $(pgrep -x 'prometheus|alertmanager|prometheus-aler' || true); do
    if ! grep -qx "$pid" <<<"$before"; then kill "$pid" 2>/dev/null || true; fi
  done
}
ensure_tools
promtool --version 2>&1 | head -1
amtool --version 2>&1 | head -1

# --- inputs ----------------------------------------------------------------------------------------------
mkdir -p .build
npx --no-install esbuild scripts/ci/monitoring-artifacts.ts --bundle --platform=node --target=node20 --format=cjs \
  $(node scripts/ci/esbuild-externals.cjs) --log-level=warning --outfile=.build/monitoring-artifacts.js
node .build/monitoring-artifacts.js tests "$mode"
node .build/monitoring-artifacts.js extract --out .build/monitoring

# --- promtool --------------------------------------------------------------------------------------------
echo "== promtool check rules"
promtool check rules .build/monitoring/rules/*.yaml
echo "== promtool test rules"
promtool test rules test/monitoring/promtool/*.yaml
# The tests can fail: with NodeNotReady waiting 50m instead of its threshold, its firing case must fail.
echo "== promtool test rules, mutated (must fail)"
mkdir -p .build/monitoring/mutated
node -e '
  const fs = require("fs"), yaml = require("js-yaml");
  const rules = yaml.load(fs.readFileSync(".build/monitoring/rules/office.yaml", "utf8"));
  let n = 0;
  for (const g of rules.groups) for (const r of g.rules) if (r.alert === "NodeNotReady") { r.for = "50m"; n++; }
  if (n === 0) { console.error("mutation: no NodeNotReady rule in office.yaml"); process.exit(1); }
  fs.writeFileSync(".build/monitoring/mutated/office.yaml", yaml.dump(rules));
  const test = fs.readFileSync("test/monitoring/promtool/office.yaml", "utf8").replace("../../../.build/monitoring/rules/office.yaml", "office.yaml");
  fs.writeFileSync(".build/monitoring/mutated/office.test.yaml", test);
'
if promtool test rules .build/monitoring/mutated/office.test.yaml >.build/monitoring/mutated/out.txt 2>&1; then
  echo "promtool.sh: the mutated NodeNotReady rule passed its tests: the tests cannot fail" >&2
  exit 1
fi
grep -q NodeNotReady .build/monitoring/mutated/out.txt
echo "mutated rule fails its test, as it must"

# --- amtool ----------------------------------------------------------------------------------------------
echo "== amtool check-config"
am_version=$(amtool --version 2>&1 | sed -n 's/^amtool, version \([0-9]*\.[0-9]*\).*/\1/p')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in .build/monitoring/alertmanager/*.yaml; do
  check="$f"
  # webhook_config.url_file exists since Alertmanager 0.26 (prometheus/alertmanager#3223); Debian 12 ships
  # amtool 0.25. The deployed Alertmanager (kube-prometheus-stack 88.x) is newer; to let the old amtool check
  # everything else, give it a placeholder URL instead of the file (the jest tests pin url_file itself).
  if grep -qE '^[ -]*url_file:' "$f" && printf '%s\n0.26\n' "$am_version" | sort -V | head -1 | grep -qvx '0.26'; then
    check="$tmp/$(basename "$f")"
    sed 's#^\([ -]*\)url_file: .*#\1url: https://amtool-placeholder.invalid/url_file#' "$f" >"$check"
    echo "note: amtool $am_version predates webhook url_file; checking $(basename "$f") with a placeholder url"
  fi
  amtool check-config "$check"
done
echo "promtool.sh: rules, alert unit tests and Alertmanager configs OK"
