/**
 * The platform's Falco rules (`customRules` of the falco chart, mounted at /etc/falco/rules.d/), generated from
 * the watched namespaces (watch.ts) so that they follow the site's layers:
 * - a shell spawned in a container of a watched namespace (except the containers whose entrypoint is a shell);
 * - a file opened for writing below a model cache (except by the process that owns the cache);
 * - an outbound connection other than the ones the namespace's NetworkPolicies allow.
 *
 * Syntax and names checked against Falco 0.44.1 and the ruleset it bundles, falco-rules-5.1.0
 * (falcosecurity/rules rules/falco_rules.yaml, required_engine_version 0.57.0): the macros `spawned_process`,
 * `container`, `shell_procs` and `open_write` come from that file (loaded first: `rules_files` order), the
 * container and k8s fields from the container plugin (`required_plugin_versions`, as that file declares them).
 * The connection test follows its `outbound` macro, without the RFC 1918 exclusion: inside a K3s cluster every
 * peer is a private address. Every rule carries the tag PLATFORM_RULE_TAG, which Falco's rule counter exports as
 * the label `tag_edge_ai="true"` (the alerts select it).
 */
import * as yaml from 'js-yaml';
import { PLATFORM_RULE_TAG } from './names';
import { CLUSTER_CIDRS, EgressAllowance, Peer, WatchedNamespace } from './watch';

/** Rule names: the `rule_name` label of the counters, alerts and dashboards show them. */
export const PLATFORM_RULES = {
  shell: 'Edge AI shell in a workload container',
  modelWrite: 'Edge AI write below a model cache',
  egress: 'Edge AI unexpected outbound connection',
} as const;

/** File name of the rules in the chart's `customRules` (and below /etc/falco/rules.d/). */
export const RULES_FILE = 'edge-ai-rules.yaml';

const NEVER = '(evt.num = 0)';
const quote = (s: string): string => `"${s}"`;
const inList = (items: readonly string[]): string => `(${items.map(quote).join(', ')})`;
const anyOf = (terms: readonly string[]): string => (terms.length === 0 ? NEVER : terms.length === 1 ? terms[0] : `(${terms.join(' or ')})`);
const macroName = (ns: string): string => `edge_ai_allowed_egress_${ns.replace(/[^a-z0-9]/g, '_')}`;

function peer(p: Peer): string {
  switch (p.kind) {
    case 'cluster':
      return `fd.snet in ${inList(CLUSTER_CIDRS)}`;
    case 'outside':
      return `not fd.snet in ${inList(CLUSTER_CIDRS)}`;
    case 'cidrs':
      return `fd.snet in ${inList(p.cidrs)}`;
  }
}

function allowance(e: EgressAllowance): string {
  return `(fd.l4proto = ${e.protocol.toLowerCase()} and fd.sport = ${e.port} and ${peer(e.peer)})`;
}

type Item = Record<string, unknown>;
/** Key of an item's leading YAML comment (rendered as `# …` above it, not as a field). */
const COMMENT = '#';

function dumpItem(item: Item): string {
  const { [COMMENT]: comment, ...fields } = item;
  const text = yaml.dump([fields], { lineWidth: -1, noRefs: true, sortKeys: false });
  return typeof comment === 'string' ? `# ${comment}\n${text}` : text;
}

/** The rules file for the watched namespaces; undefined when none is watched (nothing to mount). */
export function platformFalcoRules(watched: readonly WatchedNamespace[]): string | undefined {
  if (watched.length === 0) return undefined;
  const items: Item[] = [
    { required_engine_version: '0.57.0' },
    { required_plugin_versions: [{ name: 'container', version: '0.4.0' }] },
    { list: 'edge_ai_watched_namespaces', items: watched.map((w) => quote(w.namespace)) },
    { macro: 'edge_ai_watched', condition: '(container and k8s.ns.name in (edge_ai_watched_namespaces))' },
    {
      macro: 'edge_ai_expected_shell',
      condition: anyOf(
        watched.flatMap((w) => w.shellExceptions.map((x) => `(k8s.ns.name = ${quote(w.namespace)} and container.name = ${quote(x.container)} and k8s.pod.name startswith ${quote(x.podPrefix)})`)),
      ),
    },
    {
      macro: 'edge_ai_model_cache_write',
      condition: anyOf(
        watched
          .filter((w) => w.modelPaths.length > 0)
          .map((w) => {
            const below = anyOf(w.modelPaths.map((p) => `fd.name startswith ${quote(`${p.replace(/\/$/, '')}/`)}`));
            const owner = w.modelWriters.length > 0 ? ` and not proc.name in ${inList(w.modelWriters)}` : '';
            return `(k8s.ns.name = ${quote(w.namespace)} and ${below}${owner})`;
          }),
      ),
    },
    {
      macro: 'edge_ai_outbound',
      condition: '(evt.type = connect and (fd.typechar = 4 or fd.typechar = 6) and not fd.snet in ("127.0.0.0/8") and (evt.rawres >= 0 or evt.res = EINPROGRESS))',
    },
    ...watched.map((w) => ({
      [COMMENT]: `${w.namespace} may connect to: ${[...new Set(w.egress.map((e) => e.why))].join('; ')}`,
      macro: macroName(w.namespace),
      condition: anyOf(w.egress.map(allowance)),
    })),
    {
      macro: 'edge_ai_unexpected_egress',
      condition: anyOf(watched.map((w) => `(k8s.ns.name = ${quote(w.namespace)} and not ${macroName(w.namespace)})`)),
    },
    {
      rule: PLATFORM_RULES.shell,
      desc: 'A shell was started in a container of an inference or Ollama namespace. Their images serve models and need no shell; kubectl exec or a compromised process is the likely cause.',
      condition: 'spawned_process and edge_ai_watched and shell_procs and not edge_ai_expected_shell',
      output:
        'Shell started in a workload container (namespace=%k8s.ns.name pod=%k8s.pod.name container=%container.name image=%container.image.repository:%container.image.tag process=%proc.cmdline parent=%proc.pname user=%user.name terminal=%proc.tty)',
      priority: 'WARNING',
      tags: [PLATFORM_RULE_TAG, 'container', 'shell', 'mitre_execution', 'T1059'],
    },
    {
      rule: PLATFORM_RULES.modelWrite,
      desc: 'A file below a model cache was opened for writing by a process other than the one that owns the cache: a swapped model changes every answer the site gives.',
      condition: 'open_write and edge_ai_watched and edge_ai_model_cache_write',
      output: 'File below a model cache opened for writing (namespace=%k8s.ns.name pod=%k8s.pod.name container=%container.name file=%fd.name process=%proc.cmdline parent=%proc.pname user=%user.name)',
      priority: 'ERROR',
      tags: [PLATFORM_RULE_TAG, 'container', 'filesystem', 'mitre_impact', 'T1565'],
    },
    {
      rule: PLATFORM_RULES.egress,
      desc: "An inference or Ollama container opened a connection its namespace's NetworkPolicies do not allow (the policy drops it; the attempt shows a compromised or misconfigured workload).",
      condition: 'edge_ai_outbound and edge_ai_watched and edge_ai_unexpected_egress',
      output: 'Unexpected outbound connection (namespace=%k8s.ns.name pod=%k8s.pod.name container=%container.name connection=%fd.name proto=%fd.l4proto process=%proc.cmdline user=%user.name)',
      priority: 'WARNING',
      tags: [PLATFORM_RULE_TAG, 'container', 'network', 'mitre_command_and_control', 'TA0011'],
    },
  ];
  const header = '# Generated by charts/falco/falco-rules.ts from the layers of the site (do not edit).\n';
  return header + items.map(dumpItem).join('\n');
}
