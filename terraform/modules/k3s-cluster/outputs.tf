output "api_server_url" {
  description = "URL of the cluster's Kubernetes API: https://<first server IP>:6443 (the Argo CD cluster secret's server)."
  value       = local.api_server_url
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster (client certificate of the K3s admin), addressed at api_server_url. Sensitive: it grants cluster-admin."
  value       = local.kubeconfig
  sensitive   = true
}

output "credentials" {
  description = "The kubeconfig's base64 PEM fields for providers and Argo CD cluster secrets: ca_data, cert_data, key_data. Sensitive."
  value = {
    ca_data   = local.kubeconfig_document.clusters[0].cluster["certificate-authority-data"]
    cert_data = local.kubeconfig_document.users[0].user["client-certificate-data"]
    key_data  = local.kubeconfig_document.users[0].user["client-key-data"]
  }
  sensitive = true
}

output "install_id" {
  description = "Changes whenever the first server is (re)installed; modules that act on the running cluster depend on it."
  value       = terraform_data.first_server.id
}

output "node_configs" {
  description = "The rendered /etc/rancher/k3s/config.yaml of every node, keyed by node name (no secrets: the token is in a separate file)."
  value       = local.config_files
}

output "registries_yaml" {
  description = "The rendered /etc/rancher/k3s/registries.yaml, the same on every node of the cluster (registry mirrors; no credentials)."
  value       = local.registries_file
}
