variable "site_name" {
  type        = string
  description = "Site name (sites/<site>.yaml `name`); becomes the edge-ai.io/site label of every node."

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.site_name)) && length(var.site_name) <= 63
    error_message = "site_name must be a DNS-1123 label (lowercase letters, digits and \"-\", at most 63 characters), as sites/<site>.yaml `name` is."
  }
}

variable "k3s_version" {
  type        = string
  description = "K3s release to install, from the site's k3sVersion (e.g. v1.28.4+k3s2). Changing it upgrades the nodes in place: servers first, then agents."

  validation {
    condition     = can(regex("^v1\\.[0-9]+\\.[0-9]+\\+k3s[0-9]+$", var.k3s_version))
    error_message = "k3s_version must be a K3s release tag such as v1.28.4+k3s2 (never \"latest\" or a channel): set k3sVersion in the site file."
  }
}

variable "nodes" {
  type = list(object({
    name       = string
    ip         = string
    arch       = string
    role       = string
    cpu_cores  = number
    memory_gib = number
  }))
  description = "The site's nodes from the inventory module, in file order. nodes[0] must be a server: it initialises the cluster (embedded etcd); other servers join it, then the agents."

  validation {
    condition     = length(var.nodes) > 0 && try(var.nodes[0].role, "") == "server"
    error_message = "nodes must list at least one node and the first must have role \"server\": it initialises the cluster. Reorder nodes in the site file."
  }

  validation {
    condition     = alltrue([for n in var.nodes : contains(["server", "agent"], n.role) && contains(["amd64", "arm64"], n.arch)])
    error_message = "Every node needs role \"server\" or \"agent\" and arch \"amd64\" or \"arm64\"; correct the node in the site file."
  }

  validation {
    condition     = alltrue([for n in var.nodes : can(regex("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$", n.ip))])
    error_message = "Every node ip must be an IPv4 address (four dot-separated numbers from 0 to 255); correct it in the site file."
  }

  validation {
    condition     = length(distinct([for n in var.nodes : n.name])) == length(var.nodes)
    error_message = "Node names must be unique within a site: they become the Kubernetes node names. Rename the duplicate in the site file."
  }

  validation {
    condition     = alltrue([for n in var.nodes : n.memory_gib >= 1 && n.cpu_cores >= 1])
    error_message = "Every node needs memory_gib >= 1 and cpu_cores >= 1 (memoryGiB and cpuCores in the site file)."
  }
}

variable "node_labels" {
  type = object({
    site      = string
    memoryGiB = string
  })
  description = "Label keys the charts place workloads by, from the inventory module's node_labels output (lib/constructs/labels.ts SITE_LABEL, charts/ollama/props.ts NODE_MEMORY_GIB_LABEL)."

  validation {
    condition     = alltrue([for k in [var.node_labels.site, var.node_labels.memoryGiB] : can(regex("^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", k))])
    error_message = "node_labels must hold Kubernetes label keys such as edge-ai.io/site; pass module.inventory.node_labels."
  }
}

variable "capacity_reserve" {
  type = object({
    server            = object({ cpuMillicores = number, memoryMiB = number })
    agent             = object({ cpuMillicores = number, memoryMiB = number })
    evictionMemoryMiB = number
  })
  description = "CPU and memory the kubelet reserves for K3s and the OS per role, plus the hard-eviction threshold, from the inventory module's capacity_reserve output (lib/model/capacity.ts RESERVE). Node allocatable then equals what the capacity check assumed."

  validation {
    condition     = var.capacity_reserve.server.memoryMiB > 0 && var.capacity_reserve.agent.memoryMiB > 0 && var.capacity_reserve.evictionMemoryMiB > 0
    error_message = "capacity_reserve must reserve some memory for each role and set an eviction threshold; pass module.inventory.capacity_reserve."
  }
}

variable "ssh_user" {
  type        = string
  description = "User Terraform logs in as on every node over SSH. It needs passwordless sudo (K3s installs as root)."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]*$", var.ssh_user))
    error_message = "ssh_user must be a Unix user name such as \"pi\" or \"ubuntu\" (the account with passwordless sudo on the nodes)."
  }
}

variable "ssh_private_key_path" {
  type        = string
  description = "Path to the private SSH key for ssh_user (e.g. ~/.ssh/edge_ed25519). Read at plan time and never written to state; keep the key out of the repository."

  validation {
    condition     = fileexists(pathexpand(var.ssh_private_key_path))
    error_message = "ssh_private_key_path does not point to a file. Set it to your private key, e.g. ~/.ssh/edge_ed25519 (see terraform.tfvars.example)."
  }
}

variable "ssh_port" {
  type        = number
  description = "SSH port of the nodes."
  default     = 22

  validation {
    condition     = var.ssh_port >= 1 && var.ssh_port <= 65535 && floor(var.ssh_port) == var.ssh_port
    error_message = "ssh_port must be a TCP port number between 1 and 65535."
  }
}

variable "install_script_url" {
  type        = string
  description = "URL of the K3s install script. The script installs exactly k3s_version (INSTALL_K3S_VERSION); point this at a mirror for sites without Internet access."
  default     = "https://get.k3s.io"

  validation {
    condition     = can(regex("^https://", var.install_script_url))
    error_message = "install_script_url must be an https:// URL (the script runs as root): use https://get.k3s.io or an internal HTTPS mirror."
  }
}

variable "registry_mirrors" {
  type = map(object({
    endpoints = list(string)
  }))
  description = "Registry host => mirror endpoints, rendered into /etc/rancher/k3s/registries.yaml on every node: the site's registry_mirrors from the inventory module (fleet.yaml registries.mirrors with the site's overrides). A registry with no endpoints is pulled from directly, and shared between nodes when embedded_registry is on."
  default     = {}

  validation {
    condition     = alltrue([for host in keys(var.registry_mirrors) : can(regex("^(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)(:[0-9]+)?$", host))])
    error_message = "registry_mirrors keys must be registry hosts such as docker.io or registry.lan:5000 (no scheme, no path); correct registries.mirrors in fleet.yaml or the site file."
  }

  validation {
    condition     = alltrue(flatten([for m in values(var.registry_mirrors) : [for e in m.endpoints : can(regex("^https?://[^/@\\s]+(/[^@\\s]*)?$", e))]]))
    error_message = "Every mirror endpoint must be an http(s) URL without credentials (a user or password in the URL would land in Terraform state and on every node); correct registries.mirrors in fleet.yaml or the site file."
  }
}

variable "embedded_registry" {
  type        = bool
  description = "Start the servers with embedded-registry: true (K3s embedded peer-to-peer registry mirror, Spegel), so nodes share the images of the registries in registry_mirrors. From the site's registries.embeddedMirror; the inventory module checks that the site's K3s version has it. Nodes must reach each other on TCP 5001 and 6443."
  default     = false
}
