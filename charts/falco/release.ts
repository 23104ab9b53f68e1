/**
 * Falco as a HelmRelease the gitops layer turns into an Argo CD Application (chart falco 9.1.0 from
 * falcosecurity/charts, pinned in lib/model/versions.ts, vendored in vendor/helm-charts/).
 *
 * Values are the chart's own keys (values.yaml of the vendored falco-9.1.0 package), set for K3s at the edge
 * (docs/decisions/0028-falco-runtime-security.md):
 * - `driver.kind: modern_ebpf` with `leastPrivileged`: the CO-RE probe is built into the falco binary, so there
 *   is no kernel module, no driver-loader init container (the chart's `driverLoader.enabled` is false for
 *   modern_ebpf; `driver.loader.enabled: false` says it too) and no privileged container: the chart adds the
 *   capabilities BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE instead;
 * - falcoctl off (`falcoctl.artifact.install/follow.enabled: false`): its default would download the floating
 *   `falco-rules:5` and the container plugin at every start and follow updates weekly. The image already carries
 *   both, pinned with it (falco-rules-5.1.0, container plugin 0.7.1: falcosecurity/falco 0.44.1
 *   cmake/modules/rules.cmake and CMakeLists.txt), and with falcoctl off the chart no longer mounts empty
 *   directories over /etc/falco and /usr/share/falco/plugins;
 * - the container plugin reads K3s' containerd (`collectors.containerEngine.engines`: containerd and cri on
 *   /run/k3s/containerd/containerd.sock; docker, podman, lxc, libvirt_lxc and bpm off, so their host paths are
 *   not mounted); the k8s-metacollector is off (pod metadata comes from the CRI labels, no API access);
 * - `rule_matching: all`: with the default `first`, an event that a bundled rule matched first (e.g. "Terminal
 *   shell in container") would never reach the platform rules;
 * - `metrics.enabled`: Prometheus metrics on the webserver (8765); the chart's metrics Service is scraped
 *   through the monitoring layer (a ServiceMonitor it renders from the layer's `scrapes`);
 * - JSON to stdout only, no syslog (there is none in the container): the events are in the Falco pods' log, which
 *   the site's log agent ships with every other pod log where the site sends logs to a hub.
 */
import { HelmRelease } from '../../lib/constructs/helm';
import { HELM_CHARTS, IMAGES } from '../../lib/model/versions';
import { FALCO_FULLNAME, FALCO_METRICS_PORT, FALCO_NAMESPACE, FALCO_RELEASE } from './names';
import { FALCO_RESOURCES, FalcoProps } from './props';
import { platformFalcoRules, RULES_FILE } from './falco-rules';
import { WatchedNamespace } from './watch';
import { containerResources } from '../../lib/constructs/sizing';

/** The K3s containerd socket (K3s runs its own containerd, not the distribution's /run/containerd). */
export const K3S_CONTAINERD_SOCKET = '/run/k3s/containerd/containerd.sock';

/** After the namespaces (wave -10), before the workloads it watches (wave 0). */
const FALCO_SYNC_WAVE = -1;

export function falcoRelease(props: FalcoProps, watched: readonly WatchedNamespace[]): HelmRelease {
  const r = FALCO_RESOURCES;
  const rules = platformFalcoRules(watched);
  const off = { enabled: false };
  return {
    name: FALCO_RELEASE,
    chart: HELM_CHARTS.falco,
    namespace: FALCO_NAMESPACE,
    syncWave: FALCO_SYNC_WAVE,
    values: {
      fullnameOverride: FALCO_FULLNAME,
      image: { registry: 'docker.io', repository: IMAGES.falco.repository, tag: IMAGES.falco.tag },
      resources: containerResources(r),
      driver: { enabled: true, kind: 'modern_ebpf', modernEbpf: { leastPrivileged: true }, loader: { enabled: false } },
      collectors: {
        enabled: true,
        containerEngine: {
          enabled: true,
          engines: {
            containerd: { enabled: true, sockets: [K3S_CONTAINERD_SOCKET] },
            cri: { enabled: true, sockets: [K3S_CONTAINERD_SOCKET] },
            docker: off,
            podman: off,
            lxc: off,
            libvirt_lxc: off,
            bpm: off,
          },
        },
        kubernetes: off,
      },
      falcoctl: { artifact: { install: off, follow: off } },
      metrics: { enabled: true },
      customRules: rules === undefined ? {} : { [RULES_FILE]: rules },
      falco: {
        rules_files: ['/etc/falco/falco_rules.yaml', '/etc/falco/rules.d'],
        rule_matching: 'all',
        json_output: true,
        syslog_output: off,
        log_syslog: false,
        webserver: { listen_port: FALCO_METRICS_PORT },
      },
    },
    requests: [
      {
        name: `HelmRelease/${FALCO_NAMESPACE}/${FALCO_RELEASE} (DaemonSet × ${props.nodeCount} nodes)`,
        cpuMillicores: r.cpuMillicores * props.nodeCount,
        memoryMiB: r.memoryMiB * props.nodeCount,
        podCpuMillicores: r.cpuMillicores,
        podMemoryMiB: r.memoryMiB,
      },
    ],
  };
}
