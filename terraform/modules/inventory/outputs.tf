output "sites" {
  description = "Every site of the inventory, keyed by site name: name, region, ring, k3s_version, gitops_mode (hub|pull) and nodes (name, ip, arch, role, cpu_cores, memory_gib) in file order, nodes[0] being the server that initialises the cluster."
  value       = local.sites

  precondition {
    condition     = length(local.bad_names) == 0
    error_message = "The name field of a site file must equal its file name: ${join(", ", local.bad_names)}. Rename the file to <name>.yaml or fix name, then run `npm run synth` to validate the inventory."
  }

  precondition {
    condition     = length(local.bad_first) == 0
    error_message = "The first node of a site must be a K3s server (it initialises the cluster): ${join(", ", local.bad_first)}. List a server node first."
  }

  precondition {
    condition     = length(local.bad_versions) == 0
    error_message = "k3sVersion must be a K3s release tag such as v1.28.4+k3s2, never \"latest\": ${join(", ", local.bad_versions)}."
  }

  precondition {
    condition     = length(local.bad_modes) == 0
    error_message = "gitops.mode must be \"hub\" or \"pull\": ${join(", ", local.bad_modes)}."
  }

  precondition {
    condition     = length(local.duplicate_ips) == 0
    error_message = "Node IPs must be unique across the fleet; used more than once: ${join(", ", local.duplicate_ips)}. Correct the addresses in sites/."
  }
}

output "argocd_chart" {
  description = "The argo-cd Helm chart pin (repository, chart, version) from lib/model/versions.ts HELM_CHARTS.argoCd."
  value       = local.generated.argoCdChart
}

output "platform" {
  description = "Fleet-wide settings from lib/model/site.ts PLATFORM: repoURL and targetRevision Argo CD syncs, distPath of the rendered output."
  value       = local.generated.platform
}

output "argocd_contract" {
  description = "The contract with the rendered Argo CD objects (charts/gitops/contract.ts): namespace, projects, cluster-secret labels, Helm values for hub and pull-mode Argo CD, and the pull-mode root Application template."
  value       = local.generated.argocd
}

output "node_labels" {
  description = "Label keys the charts place workloads by (lib/constructs/labels.ts, charts/ollama/props.ts): site and memoryGiB."
  value       = local.generated.nodeLabels
}

output "capacity_reserve" {
  description = "The K3s/system reserve the capacity check assumes (lib/model/capacity.ts RESERVE): per role cpuMillicores and memoryMiB, plus evictionMemoryMiB. The K3s module configures the kubelet with the same figures."
  value       = local.generated.capacityReserve
}
