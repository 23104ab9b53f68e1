output "sites" {
  description = "Sites Terraform manages, keyed by name: gitops mode, ring and the API server URL."
  value = {
    for name, s in local.sites : name => {
      gitops_mode    = s.gitops_mode
      ring           = s.ring
      api_server_url = module.cluster[name].api_server_url
    }
  }
}

output "hub_registered_clusters" {
  description = "Argo CD cluster names registered at the hub (the hub-mode sites)."
  value       = module.argocd.registered_clusters
}

output "pull_site_root_applications" {
  description = "Root Application of each pull-mode site (name, project, path, include)."
  value       = { for name, m in module.argocd_site : name => m.root_application }
}

output "kubeconfigs" {
  description = "Admin kubeconfig per site, keyed by site name. Sensitive: read one with `terraform output -json kubeconfigs | jq -r '.\"<site>\"'`."
  value       = { for name, c in module.cluster : name => c.kubeconfig }
  sensitive   = true
}
