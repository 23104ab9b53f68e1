variable "site_name" {
  type        = string
  description = "Pull-mode site name (sites/<site>.yaml `name`): names the root Application and its dist/<site> folder."

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.site_name)) && length(var.site_name) <= 63
    error_message = "site_name must be a DNS-1123 label (lowercase letters, digits and \"-\"), as sites/<site>.yaml `name` is."
  }
}

variable "ring" {
  type        = number
  description = "Rollout ring of the site (its `ring`): a label of the root Application, like every layer Application."

  validation {
    condition     = var.ring >= 0 && var.ring <= 9 && floor(var.ring) == var.ring
    error_message = "ring must be a whole number from 0 to 9, as in the site file."
  }
}

variable "host" {
  type        = string
  description = "IPv4 address of the site's first K3s server (nodes[0].ip): the K3s manifests folder lives there."

  validation {
    condition     = can(regex("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$", var.host))
    error_message = "host must be an IPv4 address (four dot-separated numbers from 0 to 255): pass the site's nodes[0].ip from module.inventory."
  }
}

variable "ssh_user" {
  type        = string
  description = "User Terraform logs in as on the server over SSH (passwordless sudo)."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]*$", var.ssh_user))
    error_message = "ssh_user must be a Unix user name such as \"pi\" or \"ubuntu\"."
  }
}

variable "ssh_private_key_path" {
  type        = string
  description = "Path to the private SSH key for ssh_user; read at apply time, never stored in the repository."

  validation {
    condition     = fileexists(pathexpand(var.ssh_private_key_path))
    error_message = "ssh_private_key_path does not point to a file. Set it to your private key, e.g. ~/.ssh/edge_ed25519."
  }
}

variable "ssh_port" {
  type        = number
  description = "SSH port of the server."
  default     = 22

  validation {
    condition     = var.ssh_port >= 1 && var.ssh_port <= 65535 && floor(var.ssh_port) == var.ssh_port
    error_message = "ssh_port must be a TCP port number between 1 and 65535."
  }
}

variable "argocd_chart" {
  type = object({
    repository = string
    chart      = string
    version    = string
  })
  description = "The argo-cd Helm chart pin from the inventory module's argocd_chart output (lib/model/versions.ts HELM_CHARTS.argoCd)."

  validation {
    condition     = can(regex("^https://", var.argocd_chart.repository)) && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.argocd_chart.version))
    error_message = "argocd_chart needs an https:// repository and an exact chart version such as 10.1.1; pass module.inventory.argocd_chart."
  }
}

variable "contract" {
  type        = any
  description = "The Argo CD contract from the inventory module's argocd_contract output (charts/gitops/contract.ts, charts/gitops/bootstrap.ts): namespace, pull-mode Helm values, and the bootstrap project and root Application templates."

  validation {
    condition     = can(var.contract.pullHelmValues) && can(var.contract.pullBootstrap.application) && can(var.contract.pullBootstrap.project) && can(var.contract.placeholders.site)
    error_message = "contract must be module.inventory.argocd_contract (pullHelmValues, pullBootstrap, placeholders); regenerate it with `node terraform/tools/generate.mjs`."
  }
}

variable "repo_url" {
  type        = string
  description = "Git repository the site's Argo CD pulls its rendered folder from (fleet.yaml git.repoURL unless overridden)."

  validation {
    condition     = can(regex("^(https://|ssh://|git@)[^\"\\\\\\s]+$", var.repo_url))
    error_message = "repo_url must be a Git URL such as https://github.com/<you>/<fork>.git (no spaces, quotes or backslashes)."
  }
}

variable "target_revision" {
  type        = string
  description = "Branch, tag or commit the site's Argo CD tracks (fleet.yaml git.targetRevision unless overridden)."

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.target_revision))
    error_message = "target_revision must be a branch, tag or commit such as main or v1.2.0 (letters, digits, . _ / -)."
  }
}

variable "k3s_install_id" {
  type        = string
  description = "install_id output of the site's k3s-cluster module: orders this module after K3s and re-runs it when K3s is reinstalled."

  validation {
    condition     = length(var.k3s_install_id) > 0
    error_message = "k3s_install_id must be module.<cluster>.install_id of the same site."
  }
}
