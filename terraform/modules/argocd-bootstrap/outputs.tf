output "namespace" {
  description = "Namespace Argo CD runs in on the hub (charts/gitops/contract.ts ARGOCD_NAMESPACE)."
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

output "root_applications" {
  description = "The root Applications created on the hub, keyed by name: the folder (path) and files (include) each syncs from Git and the namespace it syncs them into, for review in plans."
  value = {
    for name, app in local.root_applications : name => {
      path      = app.spec.source.path
      include   = app.spec.source.directory.include
      namespace = app.spec.destination.namespace
    }
  }
}
