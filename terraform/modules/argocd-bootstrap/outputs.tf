output "namespace" {
  description = "Namespace Argo CD runs in on the hub (lib/argocd/contract.ts ARGOCD_NAMESPACE)."
  value       = local.namespace
}

output "argocd_chart_version" {
  description = "The argo-cd chart version installed on the hub."
  value       = helm_release.argocd.version
}

output "registered_clusters" {
  description = "Argo CD cluster names registered at the hub (one per hub-mode site; equal to the site names)."
  value       = sort(keys(local.cluster_secrets))
}

output "hub_objects" {
  description = "The objects applied from dist/hub, as kind/namespace/name."
  value       = sort(keys(local.hub_objects))
}
