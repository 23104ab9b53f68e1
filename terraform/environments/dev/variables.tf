variable "site" {
  type        = string
  description = "The one site to bring up in dev (a sites/<site>.yaml name). Only its first node is used: a single-node K3s cluster that also plays the hub when the site is in hub mode."

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.site))
    error_message = "site must be a DNS-1123 label (lowercase letters, digits and \"-\"): the base name of a file in sites/."
  }

  validation {
    condition     = fileexists("${path.module}/../../../sites/${var.site}.yaml")
    error_message = "There is no sites/<site>.yaml for this site. Set site to the base name of one of the files in sites/."
  }
}

variable "ssh_user" {
  type        = string
  description = "User Terraform logs in as on the dev node over SSH; it needs passwordless sudo."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]*$", var.ssh_user))
    error_message = "ssh_user must be a Unix user name such as \"pi\" or \"ubuntu\" (set it in terraform.tfvars)."
  }
}

variable "ssh_private_key_path" {
  type        = string
  description = "Path to the private SSH key for ssh_user (e.g. ~/.ssh/edge_ed25519). Never commit the key."

  validation {
    condition     = length(trimspace(var.ssh_private_key_path)) > 0
    error_message = "ssh_private_key_path must be the path of your private key, e.g. ~/.ssh/edge_ed25519 (set it in terraform.tfvars)."
  }
}

variable "ssh_port" {
  type        = number
  description = "SSH port of the dev node."
  default     = 22

  validation {
    condition     = var.ssh_port >= 1 && var.ssh_port <= 65535 && floor(var.ssh_port) == var.ssh_port
    error_message = "ssh_port must be a TCP port number between 1 and 65535."
  }
}

variable "repo_url" {
  type        = string
  description = "Git repository the dev cluster's root Application(s) sync from (e.g. your fork); null uses fleet.yaml git.repoURL. The rendered ApplicationSets and Applications name fleet.yaml git themselves."
  default     = null

  validation {
    condition     = var.repo_url == null || can(regex("^(https://|ssh://|git@)[^\"\\\\\\s]+$", var.repo_url))
    error_message = "repo_url must be a Git URL such as https://github.com/<you>/edge-ai-gitops.git, or null for fleet.yaml git.repoURL."
  }
}

variable "target_revision" {
  type        = string
  description = "Branch the dev cluster's root Application(s) track (e.g. your feature branch); null uses fleet.yaml git.targetRevision."
  default     = null

  validation {
    condition     = var.target_revision == null || can(regex("^[A-Za-z0-9._/-]+$", var.target_revision))
    error_message = "target_revision must be a branch, tag or commit such as main, or null for fleet.yaml git.repoURL."
  }
}

variable "hub_monitoring" {
  type        = bool
  description = "Create the hub root Application edge-hub-monitoring (dist/hub/monitoring into the hub's monitoring namespace). Needs the Prometheus Operator stack (namespace and CRDs) on the hub; false for a hub without one."
  default     = true
}
