variable "argocd_chart" {
  type = object({
    repository = string
    chart      = string
    version    = string
  })
  description = "The argo-cd Helm chart pin from the inventory module's argocd_chart output (lib/model/versions.ts HELM_CHARTS.argoCd)."

  validation {
    condition     = can(regex("^https://", var.argocd_chart.repository)) && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.argocd_chart.version))
    error_message = "argocd_chart needs an https:// repository and an exact chart version such as 10.1.1 (never a range or \"latest\"); pass module.inventory.argocd_chart."
  }
}

variable "contract" {
  type        = any
  description = "The Argo CD contract from the inventory module's argocd_contract output (charts/gitops/contract.ts, charts/gitops/bootstrap.ts): namespace, cluster-secret labels, hub Helm values, the bootstrap project and root Applications."

  validation {
    condition     = can(var.contract.namespace) && can(var.contract.clusterSecret.typeLabel) && can(var.contract.hubHelmValues) && can(var.contract.hubBootstrap.project) && can(var.contract.hubBootstrap.applications) && can(var.contract.placeholders.repoURL)
    error_message = "contract must be module.inventory.argocd_contract (it needs namespace, clusterSecret, hubHelmValues, hubBootstrap and placeholders); regenerate it with `node terraform/tools/generate.mjs`."
  }
}

variable "hub_sites" {
  type = map(object({
    ring   = number
    region = string
    server = string
  }))
  description = "Hub-mode sites to register as Argo CD clusters, keyed by site name: rollout ring, region and API server URL. Not sensitive: the credentials come separately in cluster_credentials."

  validation {
    condition     = alltrue([for name, s in var.hub_sites : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", name)) && s.ring >= 0 && s.ring <= 9 && can(regex("^https://[^/]+:[0-9]+$", s.server))])
    error_message = "Every hub site needs a DNS-1123 name, a ring between 0 and 9 and a server URL https://<first server IP>:6443; build hub_sites from module.inventory.sites and the k3s-cluster api_server_url."
  }
}

variable "cluster_credentials" {
  type = map(object({
    ca_data   = string
    cert_data = string
    key_data  = string
  }))
  description = "Client credentials per hub site (base64 PEM, as in a kubeconfig's *-data fields), from the k3s-cluster module's credentials output. Keys must match hub_sites."
  sensitive   = true

  validation {
    condition     = alltrue([for c in var.cluster_credentials : can(base64decode(c.ca_data)) && can(base64decode(c.cert_data)) && can(base64decode(c.key_data))])
    error_message = "cluster_credentials must hold base64-encoded PEM data (certificate-authority-data, client-certificate-data, client-key-data of the site kubeconfig); pass module.<cluster>.credentials."
  }
}

variable "repo_url" {
  type        = string
  description = "Git repository the hub's root Applications sync dist/hub from (fleet.yaml git.repoURL unless overridden, e.g. a fork)."

  validation {
    condition     = can(regex("^(https://|ssh://|git@)[^\"\\\\\\s]+$", var.repo_url))
    error_message = "repo_url must be a Git URL such as https://github.com/<you>/<fork>.git (no spaces, quotes or backslashes)."
  }
}

variable "target_revision" {
  type        = string
  description = "Branch, tag or commit the hub's root Applications track (fleet.yaml git.targetRevision unless overridden)."

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.target_revision))
    error_message = "target_revision must be a branch, tag or commit such as main or v1.2.0 (letters, digits, . _ / -)."
  }
}

variable "hub_monitoring" {
  type        = bool
  description = "Create the edge-hub-monitoring root Application (dist/hub/monitoring: Argo CD alert rules for hub-mode sites and fleet dashboards) in the hub's monitoring namespace. Needs a Prometheus Operator stack there (namespace and CRDs, installed by the hub's operator); turn off for a hub without one."
  default     = true
}

variable "extra_helm_values" {
  type        = list(string)
  description = "Additional argo-cd chart values as YAML documents, applied after the contract's values (e.g. ingress, SSO, HA replicas of the hub)."
  default     = []

  validation {
    condition     = alltrue([for v in var.extra_helm_values : can(yamldecode(v))])
    error_message = "Every extra_helm_values entry must be a YAML document, e.g. yamlencode({ server = { replicas = 2 } })."
  }
}
