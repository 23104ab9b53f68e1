output "site" {
  description = "The dev site: name, gitops mode and the API server URL of its single-node cluster."
  value = {
    name           = var.site
    gitops_mode    = local.site.gitops_mode
    node           = local.nodes[0].name
    api_server_url = module.cluster.api_server_url
  }
}

output "kubeconfig" {
  description = "Admin kubeconfig of the dev cluster. Sensitive: `terraform output -raw kubeconfig > ~/.kube/edge-dev.yaml`."
  value       = module.cluster.kubeconfig
  sensitive   = true
}
