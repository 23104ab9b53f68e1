terraform {
  required_version = ">= 1.9.0"

  # Same constraints as the modules (test/terraform checks they agree); `terraform init` records the exact
  # versions and checksums in .terraform.lock.hcl, which is committed.
  required_providers {
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
    ssh = {
      source  = "loafoe/ssh"
      version = "~> 2.7"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.0.1"
    }
    kubectl = {
      source  = "alekc/kubectl"
      version = "~> 2.1"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }
}
