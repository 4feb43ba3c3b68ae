//! modules: kernel modules now and at boot (overlay, br_netfilter; IPVS modules and tools in
//! IPVS mode).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Modules,
    title: "kernel modules",
    script: script!("modules.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    // Installs ipset/ipvsadm: after the other package steps (see `containerd`), while the
    // images are pulled.
    needs: &[Need::Own(StepId::Repos), Need::Own(StepId::Packages)],
    kind: Kind::Work,
    timeout: secs(60),
    typical_secs: 5,
    env: |cx, _, env| env.need("KW_PROXY_MODE", cx.config.cluster.proxy_mode.as_str()),
    secrets: no_secrets,
    upload: None,
};
