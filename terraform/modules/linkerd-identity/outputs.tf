output "trust_anchor_pem" {
  description = "The site's Linkerd trust anchor certificate (public): for `linkerd check --identity` or a multi-cluster link."
  value       = tls_self_signed_cert.anchor.cert_pem
}

output "issuer_not_after" {
  description = "End of validity of the current identity issuer (RFC 3339): the apply after issuer_early_renewal_hours before it renews it."
  value       = tls_locally_signed_cert.issuer.validity_end_time
}
