//! The nodes: each one's name, address, user, port and key file; names and addresses unique;
//! at least one control plane; within Kubernetes' node limit.

use super::network::{Nets, outside_cluster_nets};
use super::rules;
use super::{Check, ClusterConfig, MAX_NODES, Problem};
use crate::config::NodeConfig;
use crate::vocab::Role;
use std::collections::HashMap;
use std::net::IpAddr;

pub(super) fn check(config: &ClusterConfig, nets: Nets, ck: &mut Check) {
    let nodes = &config.nodes;
    if nodes.is_empty() {
        ck.problem(Problem {
            field: Some("node".into()),
            value: None,
            message:
                "no nodes: the cluster needs at least one [[node]] with role = \"control-plane\""
                    .into(),
            fix: Some(
                "add [[node]] tables with name, address and role (see config.sample.toml)".into(),
            ),
            position: None,
        });
        return;
    }
    if nodes.len() > MAX_NODES {
        ck.problem(
            Problem::field(
                "node",
                "",
                format!(
                    "{} nodes; kubewiz (and Kubernetes) support at most {MAX_NODES}",
                    nodes.len()
                ),
                "split the machines into several clusters",
            )
            .without_value(),
        );
        return;
    }
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut addrs: HashMap<IpAddr, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        node(i, n, ck);
        if let Some(&first) = names.get(n.name.as_str()) {
            ck.problem(Problem::field(
                format!("node[{i}].name"),
                &n.name,
                format!("the same name as node[{first}]"),
                "give every node its own hostname",
            ));
        } else {
            names.insert(&n.name, i);
        }
        if let Ok(ip) = n.address.trim().parse::<IpAddr>() {
            if let Some(&first) = addrs.get(&ip) {
                ck.problem(Problem::field(
                    format!("node[{i}].address"),
                    &n.address,
                    format!("the same address as node[{first}] ({})", nodes[first].name),
                    "every node needs its own address",
                ));
            } else {
                addrs.insert(ip, i);
            }
            outside_cluster_nets(
                &format!("node[{i}].address"),
                &n.address,
                ip,
                nets,
                config,
                ck,
            );
        }
    }
    if !nodes.iter().any(|n| n.role == Role::ControlPlane) {
        ck.problem(Problem {
            field: Some("node[].role".into()),
            value: None,
            message: "no node has role = \"control-plane\": someone has to run kubeadm init".into(),
            fix: Some("set role = \"control-plane\" on the first node".into()),
            position: None,
        });
    }
}

fn node(i: usize, n: &NodeConfig, ck: &mut Check) {
    if let Err((m, f)) = rules::hostname(&n.name) {
        ck.problem(Problem::field(format!("node[{i}].name"), &n.name, m, f));
    }
    if let Err((m, f)) = rules::node_address(&n.address) {
        ck.problem(Problem::field(
            format!("node[{i}].address"),
            &n.address,
            m,
            f,
        ));
    }
    if let Some(u) = &n.user
        && let Err((m, f)) = rules::unix_user(u)
    {
        ck.problem(Problem::field(format!("node[{i}].user"), u, m, f));
    }
    if n.port == Some(0) {
        ck.problem(Problem::field(
            format!("node[{i}].port"),
            "0",
            "port 0 is not a port",
            "use 22 or the port sshd listens on (or remove it to use ssh.port)",
        ));
    }
    if let Some(path) = &n.identity_file {
        super::fields::path(&format!("node[{i}].identity_file"), path, ck);
    }
}
