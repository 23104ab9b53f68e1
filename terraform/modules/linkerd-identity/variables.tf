variable "site_name" {
  type        = string
  description = "Mesh site name (sites/<site>.yaml `name` with layers.mesh.enabled): names the certificates' subjects for operators."

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.site_name)) && length(var.site_name) <= 63
    error_message = "site_name must be a DNS-1123 label (lowercase letters, digits and \"-\"), as sites/<site>.yaml `name` is."
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

variable "identity" {
  type = object({
    namespace           = string
    trustRootsConfigMap = string
    trustRootsKey       = string
    issuerSecret        = string
  })
  description = "Where the control plane reads its identity: module.inventory.linkerd_identity (charts/mesh/names.ts, via generated.json)."

  validation {
    condition     = alltrue([for v in values(var.identity) : can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", v))])
    error_message = "identity must hold Kubernetes object names and a ConfigMap key; pass module.inventory.linkerd_identity."
  }
}

variable "trust_anchor_validity_hours" {
  type        = number
  description = "Lifetime of the site's trust anchor (root CA). Replacing it means restarting every meshed pod, so it is long."
  default     = 87600

  validation {
    condition     = var.trust_anchor_validity_hours >= 8760 && floor(var.trust_anchor_validity_hours) == var.trust_anchor_validity_hours
    error_message = "trust_anchor_validity_hours must be a whole number of at least 8760 (one year); the default is ten years."
  }
}

variable "issuer_validity_hours" {
  type        = number
  description = "Lifetime of the identity issuer (intermediate CA) that signs the proxies' 24 h certificates; renewed by the next apply within issuer_early_renewal_hours of its end."
  default     = 8760

  validation {
    condition     = var.issuer_validity_hours >= 720 && var.issuer_validity_hours < var.trust_anchor_validity_hours && floor(var.issuer_validity_hours) == var.issuer_validity_hours
    error_message = "issuer_validity_hours must be a whole number of at least 720 (30 days) and below trust_anchor_validity_hours."
  }
}

variable "issuer_early_renewal_hours" {
  type        = number
  description = "An apply this many hours (or fewer) before the issuer expires issues a new one."
  default     = 720

  validation {
    condition     = var.issuer_early_renewal_hours >= 24 && var.issuer_early_renewal_hours < var.issuer_validity_hours && floor(var.issuer_early_renewal_hours) == var.issuer_early_renewal_hours
    error_message = "issuer_early_renewal_hours must be a whole number of at least 24 and below issuer_validity_hours."
  }
}

variable "k3s_install_id" {
  type        = string
  description = "The cluster module's install_id: the identity objects are (re)written after K3s is (re)installed."

  validation {
    condition     = length(var.k3s_install_id) > 0
    error_message = "k3s_install_id must not be empty: pass module.cluster.install_id (or module.cluster[<site>].install_id)."
  }
}
