# shellcheck shell=bash
# certs-check (not a step; entry kw_certs_check): `kubeadm certs check-expiration` on a control plane. The
# workstation reads kubeadm's table (src/upgrade/certs.rs). Changes nothing.

kw_certs_check() {
  kubeadm certs check-expiration 2>&1 || kw_die "kubeadm certs check-expiration failed"
}
