//! facts: what the node is (OS, kernel, cgroups, CPUs, memory, product_uuid, MACs, clock,
//! sudo, which peers it reaches, which registry mirrors answer). Read-only; runs every time.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Facts,
    title: "connect and read facts",
    script: script!("facts.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[],
    kind: Kind::Work,
    timeout: secs(60),
    typical_secs: 1,
    env: |cx, node, env| {
        env.optional("KW_PEERS", peers(cx.config, node).join(" "));
        // Every mirror, and every registry the cluster pulls from without one: each must answer
        // from the node (preflight names the node, the registry and the mirror that does not).
        env.optional(
            "KW_REGISTRY_PROBES",
            crate::plan::registries::probes_env(&cx.registries),
        );
    },
    secrets: no_secrets,
    upload: None,
};

/// "ADDR:PORT" of every other node's SSH port (each node checks it reaches them).
pub fn peers(config: &ClusterConfig, node: &NodeConfig) -> Vec<String> {
    config
        .nodes
        .iter()
        .filter(|n| n.name != node.name)
        .map(|n| format!("{}:{}", n.address, n.port.unwrap_or(config.ssh.port)))
        .collect()
}
