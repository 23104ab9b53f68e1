# The bridge from the site inventory to Terraform. Everything Terraform knows about the fleet comes from here:
# the site files (sites/*.yaml), the fleet config (fleet.yaml: Git repository, registry mirrors) and the facts
# TypeScript owns (generated.json: chart pins, schema defaults, the Argo CD contract), so HCL never holds a
# second list of sites, nodes or IPs, and never spells the repository URL.
#
# The expressions stay deliberately plain (for, try, merge): test/terraform evaluates them and asserts that
# the result equals what lib/model/load.ts returns for the same folder.
locals {
  # Written by `node terraform/tools/generate.mjs` from lib/*.ts; test/terraform fails when it is stale.
  generated = jsondecode(file("${path.module}/generated.json"))
  defaults  = local.generated.siteDefaults

  # fleet.yaml, validated in full by `npm run synth` (lib/model/fleet.ts); the preconditions in outputs.tf
  # repeat the checks Terraform depends on.
  fleet = yamldecode(file(var.fleet_file))
  platform = {
    repoURL        = local.fleet.git.repoURL
    targetRevision = local.fleet.git.targetRevision
    distPath       = local.generated.distPath
  }
  # Registry host -> { endpoints }: `{}` in the file means "no endpoints" (the registry itself, shared
  # between nodes by the embedded mirror).
  fleet_mirrors = { for host, m in try(local.fleet.registries.mirrors, {}) : host => { endpoints = try(m.endpoints, []) } }

  site_files = sort(tolist(fileset(var.sites_dir, "*.yaml")))
  # Entries `npm run synth` refuses (lib/model/load.ts checkSiteEntry) that Terraform would skip (plant.YAML) or
  # misread as a site (an editor's .#plant.yaml lock, plant.yaml~): only <site>.yaml and the ignored files pass.
  foreign_site_entries = [
    for f in sort(tolist(fileset(var.sites_dir, "*"))) : f
    if !contains(local.generated.siteFolderIgnored, f) && !can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.yaml$", f))
  ]

  raw_sites = {
    for f in local.site_files : trimsuffix(f, ".yaml") => yamldecode(file("${var.sites_dir}/${f}"))
  }

  # The fields Terraform uses, with the schema's defaults applied exactly as zod applies them
  # (lib/model/schema.ts): region, k3sVersion, nodes[].role and gitops.mode are optional in a site file.
  sites = {
    for name, s in local.raw_sites : name => {
      name        = s.name
      region      = try(s.region, local.defaults.region)
      ring        = s.ring
      k3s_version = try(s.k3sVersion, local.defaults.k3sVersion)
      gitops_mode = try(s.gitops.mode, local.defaults.gitopsMode)

      # The K3s embedded registry mirror (Spegel) and the registries.yaml mirrors: the fleet's, with the site's
      # entries replacing those of the same registry host (lib/model/load.ts siteMirrors).
      embedded_registry = try(s.registries.embeddedMirror, local.defaults.embeddedMirror)
      # Linkerd (layers.mesh): the site needs its mesh identity (modules/linkerd-identity).
      mesh = try(s.layers.mesh.enabled, local.defaults.meshEnabled)

      registry_mirrors = merge(
        local.fleet_mirrors,
        { for host, m in try(s.registries.mirrors, {}) : host => { endpoints = try(m.endpoints, []) } },
      )

      nodes = [
        for n in s.nodes : {
          name       = n.name
          ip         = n.ip
          arch       = n.arch
          role       = try(n.role, local.defaults.nodeRole)
          cpu_cores  = n.cpuCores
          memory_gib = n.memoryGiB
        }
      ]
    }
  }

  all_ips = flatten([for s in local.sites : s.nodes[*].ip])

  # The inventory rules Terraform itself depends on. `npm run synth` checks the full schema first (CI runs it
  # on every change); these catch a site file edited without running it, before any node is touched.
  bad_names    = [for f, s in local.raw_sites : "${f}.yaml (name: ${try(s.name, "missing")})" if try(s.name, "") != f]
  bad_first    = [for f, s in local.sites : "${f}.yaml (nodes[0].role: ${s.nodes[0].role})" if s.nodes[0].role != "server"]
  bad_versions = [for f, s in local.sites : "${f}.yaml (k3sVersion: ${s.k3s_version})" if !can(regex("^v1\\.[0-9]+\\.[0-9]+\\+k3s[0-9]+$", s.k3s_version))]
  bad_modes    = [for f, s in local.sites : "${f}.yaml (gitops.mode: ${s.gitops_mode})" if !contains(["hub", "pull"], s.gitops_mode)]
  # The embedded registry mirror exists from one patch release per minor on (generated.json embeddedRegistry,
  # from lib/model/k3s.ts): [minor, patch] of each site's K3s version, compared with that table.
  embedded        = local.generated.embeddedRegistry
  k3s_minor_patch = { for f, s in local.sites : f => try(regex("^v1\\.([0-9]+)\\.([0-9]+)\\+k3s[0-9]+$", s.k3s_version), ["0", "0"]) }
  bad_embedded = [
    for f, s in local.sites : "${f}.yaml (k3sVersion: ${s.k3s_version})" if s.embedded_registry && !(
      tonumber(local.k3s_minor_patch[f][0]) >= local.embedded.allFromMinor ||
      tonumber(local.k3s_minor_patch[f][1]) >= lookup(local.embedded.sinceByMinor, local.k3s_minor_patch[f][0], 1000)
    )
  ]
  # Grouping (`...`) keeps this linear in the number of nodes: 3,000 sites must still plan in seconds.
  duplicate_ips = [for ip, uses in { for ip in local.all_ips : ip => ip... } : ip if length(uses) > 1]
}
