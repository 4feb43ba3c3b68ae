//! The upgrade's scripts (`assets/steps/`) that are not steps of a pipeline (the steps are in
//! `plan::steps::hop`): lib.sh (whose "upgrades" section has their helpers), the script, its entry. The list
//! [`ALL`] also names the hop steps' own scripts, for the script tests. Each standalone script is built
//! by one function ([`survey`], [`certs_check`], [`certs_renew`]) with its inputs; a unit test holds each to
//! the `KW_*` names its script reads.

use crate::plan::script;

pub const SURVEY: &str = include_str!("../../assets/steps/upgrade-survey.sh");
pub const ETCD_SNAPSHOT: &str = include_str!("../../assets/steps/etcd-snapshot.sh");
pub const PLAN: &str = include_str!("../../assets/steps/upgrade-plan.sh");
pub const APPLY: &str = include_str!("../../assets/steps/upgrade-apply.sh");
pub const NODE: &str = include_str!("../../assets/steps/upgrade-node.sh");
pub const DRAIN: &str = include_str!("../../assets/steps/drain.sh");
pub const KUBELET_RESTART: &str = include_str!("../../assets/steps/kubelet-restart.sh");
pub const UNCORDON: &str = include_str!("../../assets/steps/uncordon.sh");
pub const CERTS_CHECK: &str = include_str!("../../assets/steps/certs-check.sh");
pub const CERTS_RENEW: &str = include_str!("../../assets/steps/certs-renew.sh");

/// Every upgrade asset with its file name and entry function (steps: `kw_main`).
pub const ALL: [(&str, &str, &str); 10] = [
    ("upgrade-survey.sh", SURVEY, "kw_survey"),
    ("etcd-snapshot.sh", ETCD_SNAPSHOT, "kw_main"),
    ("upgrade-plan.sh", PLAN, "kw_main"),
    ("upgrade-apply.sh", APPLY, "kw_main"),
    ("upgrade-node.sh", NODE, "kw_main"),
    ("drain.sh", DRAIN, "kw_main"),
    ("kubelet-restart.sh", KUBELET_RESTART, "kw_main"),
    ("uncordon.sh", UNCORDON, "kw_main"),
    ("certs-check.sh", CERTS_CHECK, "kw_certs_check"),
    ("certs-renew.sh", CERTS_RENEW, "kw_certs_renew"),
];

/// The full script: exports, lib.sh, `step`, `entry`.
pub fn assemble(env: &[(String, String)], step: &str, entry: &str) -> String {
    script::standalone(env, step, entry)
}

/// `upgrade-survey.sh` as it runs: read-only, what the node and (on a control plane) the cluster run.
pub fn survey() -> String {
    assemble(&env("upgrade-survey", &[]), SURVEY, "kw_survey")
}

/// `certs-check.sh` as it runs: `kubeadm certs check-expiration`.
pub fn certs_check() -> String {
    assemble(&env("certs-check", &[]), CERTS_CHECK, "kw_certs_check")
}

/// `certs-renew.sh` as it runs; `return_kubeconfig`: the renewed admin kubeconfig comes back.
pub fn certs_renew(return_kubeconfig: bool) -> String {
    let back = if return_kubeconfig { "1" } else { "0" };
    assemble(
        &env("certs-renew", &[("KW_RETURN_KUBECONFIG", back)]),
        CERTS_RENEW,
        "kw_certs_renew",
    )
}

/// `KW_STEP` + the given variables, in order.
pub fn env(step: &str, vars: &[(&str, &str)]) -> Vec<(String, String)> {
    std::iter::once(("KW_STEP", step))
        .chain(vars.iter().copied())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::contract::standalone_problems;

    #[test]
    fn each_script_that_is_not_a_hop_step_gets_exactly_what_it_reads() {
        let mut problems = Vec::new();
        for (file, built, body) in [
            ("upgrade-survey.sh", survey(), SURVEY),
            ("certs-check.sh", certs_check(), CERTS_CHECK),
            ("certs-renew.sh", certs_renew(true), CERTS_RENEW),
            ("certs-renew.sh", certs_renew(false), CERTS_RENEW),
        ] {
            problems.extend(standalone_problems(file, &built, body));
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
