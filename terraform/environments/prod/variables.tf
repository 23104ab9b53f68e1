variable "ssh_user" {
  type        = string
  description = "User Terraform logs in as on every edge node over SSH; it needs passwordless sudo."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]*$", var.ssh_user))
    error_message = "ssh_user must be a Unix user name such as \"pi\" or \"ubuntu\" (set it in terraform.tfvars)."
  }
}

variable "ssh_private_key_path" {
  type        = string
  description = "Path to the private SSH key for ssh_user on the operator's machine or CI runner (e.g. ~/.ssh/edge_ed25519). Never commit the key."

  validation {
    condition     = length(trimspace(var.ssh_private_key_path)) > 0
    error_message = "ssh_private_key_path must be the path of your private key, e.g. ~/.ssh/edge_ed25519 (set it in terraform.tfvars)."
  }
}

variable "ssh_port" {
  type        = number
  description = "SSH port of the edge nodes."
  default     = 22

  validation {
    condition     = var.ssh_port >= 1 && var.ssh_port <= 65535 && floor(var.ssh_port) == var.ssh_port
    error_message = "ssh_port must be a TCP port number between 1 and 65535."
  }
}

variable "hub_kubeconfig_path" {
  type        = string
  description = "Kubeconfig of the central hub cluster that runs Argo CD (the hub is not an edge site and is not in sites/)."

  validation {
    condition     = fileexists(pathexpand(var.hub_kubeconfig_path))
    error_message = "hub_kubeconfig_path does not point to a file: set it to the hub cluster's kubeconfig, e.g. ~/.kube/hub.yaml."
  }
}

variable "hub_kubeconfig_context" {
  type        = string
  description = "Context of hub_kubeconfig_path to use; null uses the file's current context."
  default     = null

  validation {
    condition     = var.hub_kubeconfig_context == null || can(regex("^\\S+$", var.hub_kubeconfig_context))
    error_message = "hub_kubeconfig_context must be a context name from the kubeconfig (no spaces), or null for the current context."
  }
}

variable "repo_url" {
  type        = string
  description = "Git repository the hub root Applications and pull-mode sites sync from; null uses fleet.yaml git.repoURL (the ApplicationSets read fleet.yaml git, so an override here is for forks rendered with the same setting)."
  default     = null

  validation {
    condition     = var.repo_url == null || can(regex("^(https://|ssh://|git@)[^\"\\\\\\s]+$", var.repo_url))
    error_message = "repo_url must be a Git URL such as https://github.com/<you>/<fork>.git, or null for fleet.yaml git.repoURL."
  }
}

variable "target_revision" {
  type        = string
  description = "Branch, tag or commit the hub root Applications and pull-mode sites track; null uses fleet.yaml git.targetRevision."
  default     = null

  validation {
    condition     = var.target_revision == null || can(regex("^[A-Za-z0-9._/-]+$", var.target_revision))
    error_message = "target_revision must be a branch, tag or commit such as main, or null for fleet.yaml git.repoURL."
  }
}

variable "extra_hub_helm_values" {
  type        = list(string)
  description = "Additional argo-cd chart values for the hub as YAML documents (ingress, SSO, HA replicas)."
  default     = []

  validation {
    condition     = alltrue([for v in var.extra_hub_helm_values : can(yamldecode(v))])
    error_message = "Every extra_hub_helm_values entry must be a YAML document, e.g. yamlencode({ server = { replicas = 2 } })."
  }
}

variable "hub_monitoring" {
  type        = bool
  description = "Create the hub root Application edge-hub-monitoring (dist/hub/monitoring into the hub's monitoring namespace). Needs the Prometheus Operator stack (namespace and CRDs) on the hub; false for a hub without one."
  default     = true
}
