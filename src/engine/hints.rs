//! Known failure texts (mostly kubeadm preflight errors) mapped to what to do about them.

/// (substring of the output, what to do)
const HINTS: &[(&str, &str)] = &[
    (
        "[ERROR Swap]",
        "swap is on: the `swap` step turns it off; run `kubewiz apply` again, or `swapoff -a` on the node",
    ),
    (
        "running with swap on is not supported",
        "swap is on: the `swap` step turns it off; run `kubewiz apply` again",
    ),
    (
        "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]",
        "IP forwarding is off: the `sysctl` step sets net.ipv4.ip_forward=1; check /etc/sysctl.d/ on the node",
    ),
    (
        "[ERROR CRI]",
        "containerd does not serve CRI: check `disabled_plugins` in /etc/containerd/config.toml and `systemctl status containerd`",
    ),
    (
        "unknown service runtime.v1.RuntimeService",
        "containerd's CRI plugin is disabled (Docker's containerd.io ships disabled_plugins = [\"cri\"]); the `containerd` step rewrites the config",
    ),
    (
        "[ERROR Port-6443]",
        "port 6443 is in use: an earlier control plane is running; `kubewiz reset --yes --node <name>` cleans it",
    ),
    (
        "[ERROR FileAvailable--etc-kubernetes-manifests",
        "the node was already initialised by something else; `kubewiz reset --yes --node <name>` cleans it",
    ),
    ("[ERROR NumCPU]", "a control plane needs 2 CPUs or more"),
    (
        "[ERROR Mem]",
        "a control plane needs 1700 MB of memory or more",
    ),
    (
        "couldn't validate the identity of the API Server",
        "the CA hash does not match: the join command is minted afresh on the next `kubewiz apply`",
    ),
    (
        "token id",
        "the join token expired or is unknown: a fresh one is minted on the next `kubewiz apply`",
    ),
    (
        "connection refused",
        "the control plane's API server is not reachable on 6443 from this node: check the firewall and routes",
    ),
    (
        "No package",
        "the package is not in the configured repository: check kubernetes_version and the mirror",
    ),
    (
        "was not found",
        "the pinned version is not in the repository: check kubernetes_version and the mirror",
    ),
    (
        "Could not resolve host",
        "the node cannot resolve or reach the mirror: check DNS/proxy, or use mirror = \"aliyun\"",
    ),
    (
        "Module nf_conntrack_ipv4 not found",
        "kernels >= 4.19 call it nf_conntrack; the `modules` step picks the right one",
    ),
    (
        "timed out",
        "the step ran past its timeout; look at the node's log and run `kubewiz apply` again to retry",
    ),
];

/// The first hint whose text appears in the output.
pub fn for_output<'a>(lines: impl IntoIterator<Item = &'a String>) -> Option<String> {
    let lines: Vec<&String> = lines.into_iter().collect();
    HINTS.iter().find_map(|(needle, hint)| {
        lines
            .iter()
            .any(|l| l.contains(needle))
            .then(|| hint.to_string())
    })
}
