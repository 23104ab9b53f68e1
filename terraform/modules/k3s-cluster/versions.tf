terraform {
  required_version = ">= 1.9.0"

  required_providers {
    # random_password for the cluster token. 3.7.2 is a current release (releases.hashicorp.com
    # terraform-provider-random_3.7.2); ~> 3.7 takes 3.x bug fixes without a new major.
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
    # ssh_sensitive_resource reads the kubeconfig back from the first server over SSH (see main.tf for why).
    # 2.7.0 is the release used by public K3s/RKE2 modules (e.g. harvester and libvirt setups).
    ssh = {
      source  = "loafoe/ssh"
      version = "~> 2.7"
    }
  }
}
