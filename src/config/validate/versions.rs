//! The Kubernetes version (exact, known to the catalog) and the CNI release (allowed for that
//! minor); warnings for what works but deserves a line (untested CNI, IPVS deprecated, out of
//! upstream support).

use super::rules;
use super::{Check, ClusterConfig, Problem};
use crate::catalog::{Catalog, CatalogError, KubeVersion, Minor};
use crate::vocab::{Cni, ProxyMode};

/// What the version rules resolved.
pub(super) struct Versions<'c> {
    pub version: KubeVersion,
    pub minor: &'c Minor,
    pub cni_version: String,
}

pub(super) fn check<'c>(
    config: &ClusterConfig,
    catalog: &'c Catalog,
    installed: bool,
    ck: &mut Check,
) -> Option<Versions<'c>> {
    let c = &config.cluster;
    let (version, minor) = match catalog.resolve(&c.kubernetes_version) {
        Ok(found) => found,
        Err(e) => {
            let (msg, fix) = explain(e);
            ck.problem(Problem::field(
                "cluster.kubernetes_version",
                &c.kubernetes_version,
                msg,
                fix,
            ));
            if let Some(v) = &c.cni_version
                && let Err((m, f)) = rules::release_version(v)
            {
                ck.problem(Problem::field("cluster.cni_version", v, m, f));
            }
            return None;
        }
    };
    let m = minor;
    let cni_version = m.cni_version(c.cni, c.cni_version.as_deref()).to_string();
    if let Some(v) = &c.cni_version {
        cni_allowed(catalog, m, c.cni, v, installed, ck);
    }
    if let Some(rel) = catalog.cni_release(c.cni, &cni_version)
        && !rel.tested_with(m)
        && rel.allows(m)
    {
        ck.warn(format!(
            "{} {cni_version} is the newest release but upstream has not listed Kubernetes {} \
             as tested yet (tested {}..{})",
            c.cni.as_str(),
            m.version,
            rel.tested_from,
            rel.tested_to
        ));
    }
    if let Some(known) = catalog.newer_than_known(&c.kubernetes_version) {
        ck.warn(format!(
            "Kubernetes {} is newer than the newest {} patch kubewiz's catalog knows ({known}): \
             fine if the package repository carries it (the packages step says which versions it \
             has; `kubewiz check --connect` lists them)",
            c.kubernetes_version, m.version
        ));
    }
    if c.proxy_mode == ProxyMode::Ipvs && m.ipvs_deprecated {
        ck.warn(format!(
            "kube-proxy IPVS mode is deprecated from Kubernetes 1.35 ({} chosen): consider \
             proxy_mode = \"iptables\"",
            c.kubernetes_version
        ));
    }
    if !m.supported_upstream {
        ck.warn(format!(
            "Kubernetes {} is out of upstream support (no security fixes); current branches \
             are {}",
            m.version,
            catalog
                .minors()
                .iter()
                .filter(|m| m.supported_upstream)
                .map(|m| m.version.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(Versions {
        version,
        minor,
        cni_version,
    })
}

/// (what is wrong, how to fix it) for a version the catalog does not have.
pub(super) fn explain(e: CatalogError) -> (String, String) {
    match e {
        CatalogError::Malformed { hint, .. } => {
            ("not an exact Kubernetes version".to_string(), hint)
        }
        CatalogError::UnknownMinor {
            minor,
            first,
            last,
            suggest,
        } => (
            format!("Kubernetes {minor} is not supported: kubewiz knows {first} to {last}"),
            format!("pick a version the catalog knows, e.g. \"{suggest}\""),
        ),
    }
}

/// A `cni_version` the user chose: a release, allowed for the minor. On an `installed` cluster a
/// known release outside the minor's range is what runs (kubewiz upgrade leaves the CNI as it is): a
/// warning.
fn cni_allowed(catalog: &Catalog, m: &Minor, cni: Cni, v: &str, installed: bool, ck: &mut Check) {
    let versions = m.cni(cni);
    let field = "cluster.cni_version";
    if let Err((msg, fix)) = rules::release_version(v) {
        ck.problem(Problem::field(field, v, msg, fix));
        return;
    }
    if versions.allowed.iter().any(|a| a == v) {
        return;
    }
    let fix = format!(
        "remove cni_version to use the default {} {}, or pick one of: {}",
        cni.as_str(),
        versions.default,
        versions.allowed.join(", ")
    );
    if installed && let Some(rel) = catalog.cni_release(cni, v) {
        ck.warn(format!(
            "{} {v} (what the cluster runs) does not support Kubernetes {} (it supports {}..{}): upgrade \
             the CNI to one of {} (kubectl apply its manifest), then set cni_version",
            cni.as_str(),
            m.version,
            rel.tested_from,
            rel.allowed_to.as_deref().unwrap_or(&rel.tested_to),
            versions.allowed.join(", ")
        ));
        return;
    }
    let msg = match catalog.cni_release(cni, v) {
        Some(rel) => format!(
            "{} {v} does not support Kubernetes {} (it supports {}..{})",
            cni.as_str(),
            m.version,
            rel.tested_from,
            rel.allowed_to.as_deref().unwrap_or(&rel.tested_to)
        ),
        None => format!(
            "{} {v} is not a release kubewiz knows for Kubernetes {}",
            cni.as_str(),
            m.version
        ),
    };
    ck.problem(Problem::field(field, v, msg, fix));
}
