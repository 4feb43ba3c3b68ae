//! `kubewiz plan` output: per node (config order), per step (pipeline order), a header
//! comment naming the step and what it waits for, then exactly the script `apply` would run
//! (secrets redacted).

use super::{Plan, StepId, Task};

/// The header line of a task, e.g.
/// `# === node k8s-master · step containerd (after: modules, sysctl) ===`.
pub fn header(plan: &Plan, task: &Task) -> String {
    let all_facts = task.step == StepId::Preflight
        && plan.nodes.len() > 1
        && task.after.len() == plan.nodes.len()
        && task
            .after
            .iter()
            .all(|&i| plan.tasks.get(i).is_some_and(|d| d.step == StepId::Facts));
    let mut own: Vec<&Task> = Vec::new();
    let mut other: Vec<&Task> = Vec::new();
    for d in task.after.iter().filter_map(|&i| plan.tasks.get(i)) {
        if d.node == task.node {
            own.push(d);
        } else {
            other.push(d);
        }
    }
    let deps: Vec<String> = if all_facts {
        vec!["facts of all nodes".to_string()]
    } else {
        own.iter()
            .map(|d| d.step.name().to_string())
            .chain(
                other
                    .iter()
                    .map(|d| format!("{} on {}", d.step.name(), d.node)),
            )
            .collect()
    };
    let mut extra = Vec::new();
    if task.host != task.node {
        extra.push(format!("runs on {}", task.host));
    }
    if !deps.is_empty() {
        extra.push(format!("after: {}", deps.join(", ")));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join("; "))
    };
    format!(
        "# === node {} · step {}{} ===",
        task.node,
        task.step.name(),
        extra
    )
}

/// The whole plan as text, or only one node's part of it, or only one step (of each node).
pub fn render_plan(plan: &Plan, only_node: Option<&str>, only_step: Option<StepId>) -> String {
    let mut out = String::new();
    for node in &plan.nodes {
        if only_node.is_some_and(|n| n != node) {
            continue;
        }
        for (_, task) in plan.for_node(node) {
            if only_step.is_some_and(|s| s != task.step) {
                continue;
            }
            out.push_str(&header(plan, task));
            out.push('\n');
            out.push_str(&plan.render(task));
            out.push('\n');
        }
    }
    out
}
