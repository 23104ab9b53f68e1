output "sites" {
  description = "Every site of the inventory, keyed by site name: name, region, ring, k3s_version, gitops_mode (hub|pull), embedded_registry (K3s embedded peer-to-peer registry mirror on/off), mesh (layers.mesh.enabled: Linkerd on/off), registry_mirrors (registry host => { endpoints }: fleet.yaml registries.mirrors with the site's overrides) and nodes (name, ip, arch, role, cpu_cores, memory_gib) in file order, nodes[0] being the server that initialises the cluster."
  value       = local.sites

  precondition {
    condition     = length(local.foreign_site_entries) == 0
    error_message = "The sites folder holds files that are not <site>.yaml files (`npm run synth` refuses them; Terraform would skip or misread them): ${join(", ", local.foreign_site_entries)}. Move them out of the sites folder or rename them to <site>.yaml."
  }

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
    condition     = length(local.bad_embedded) == 0
    error_message = "registries.embeddedMirror needs a K3s release with the embedded registry mirror (v1.28.6+k3s1, v1.29.1+k3s1 or any 1.30+ release): ${join(", ", local.bad_embedded)}. Raise k3sVersion or remove embeddedMirror."
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
  description = "Where Argo CD finds the rendered output: repoURL and targetRevision from fleet.yaml `git`, distPath of the rendered output (lib/model/site.ts DIST_PATH)."
  value       = local.platform

  precondition {
    condition     = can(regex("^(https://|ssh://|[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:)", local.platform.repoURL)) && !can(regex("^[a-z]+://[^/@]*:[^/@]*@", local.platform.repoURL))
    error_message = "fleet.yaml git.repoURL must be a Git URL without credentials (https://host/org/repo.git or git@host:org/repo.git); Argo CD reads repository credentials from a Secret. Run `npm run synth` to validate fleet.yaml."
  }
}

output "argocd_contract" {
  description = "The contract with the rendered Argo CD objects (charts/gitops/contract.ts): namespace, projects, cluster-secret labels, Helm values for hub and pull-mode Argo CD, and the pull-mode root Application template."
  value       = local.generated.argocd
}

output "linkerd_identity" {
  description = "Where the Linkerd control plane of a mesh site reads its identity (charts/mesh/names.ts): namespace, the trust-roots ConfigMap and its key, the issuer Secret."
  value       = local.generated.linkerdIdentity
}

output "node_labels" {
  description = "Label keys the charts place workloads by (lib/constructs/labels.ts, charts/ollama/props.ts): site and memoryGiB."
  value       = local.generated.nodeLabels
}

output "capacity_reserve" {
  description = "The K3s/system reserve the capacity check assumes (lib/model/capacity.ts RESERVE): per role cpuMillicores and memoryMiB, plus evictionMemoryMiB. The K3s module configures the kubelet with the same figures."
  value       = local.generated.capacityReserve
}
