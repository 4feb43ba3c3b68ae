//! A cluster already outside the version skew policy (website `releases/version-skew-policy.md`) is refused
//! before any hop: a kubelet newer than kube-apiserver, one too many minors behind it, API servers more than
//! one minor apart.

use super::{Refusal, Survey};

/// Refuses a cluster that is already outside the version skew policy.
pub(super) fn check_skew(survey: &Survey) -> Result<(), Refusal> {
    let cur = survey.apiserver;
    for n in &survey.nodes {
        if let Some(k) = n.kubelet {
            if k > cur && (k.minor > cur.minor || k.major != cur.major) {
                return Err(Refusal::Skew(format!(
                    "{}: its kubelet {k} is newer than the control plane ({cur}), which the version skew policy \
                     forbids; bring the control plane to {}.{} first (kubeadm upgrade apply on the first control \
                     plane) or reinstall the node",
                    n.name, k.major, k.minor
                )));
            }
            // kubelets older than 1.25 may only be two minors behind (version-skew-policy.md).
            let allowed = if k.minor < 25 { 2 } else { 3 };
            if cur.minor > k.minor + allowed {
                return Err(Refusal::Skew(format!(
                    "{}: its kubelet {k} is {} minors behind the control plane ({cur}); the version skew policy \
                     allows {allowed}. Upgrade that node by hand to at least 1.{} (or remove and re-add it), then \
                     run the upgrade again",
                    n.name,
                    cur.minor - k.minor,
                    cur.minor - allowed
                )));
            }
        }
        if let Some(a) = n.apiserver
            && a.minor.abs_diff(cur.minor) > 1
        {
            return Err(Refusal::Skew(format!(
                "{}: its kube-apiserver {a} and the first control plane's ({cur}) are more than one minor apart, \
                 which the version skew policy forbids for the API servers of one cluster",
                n.name
            )));
        }
    }
    Ok(())
}
