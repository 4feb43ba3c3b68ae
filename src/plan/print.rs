//! `kubewiz plan` output: per node (config order), per step (pipeline order), a header
//! comment naming the step and what it waits for, then the script `apply` would run (secrets
//! redacted). Every script includes the same prelude (`assets/steps/lib.sh`, ~350 lines): by
//! default it is printed once, at the end, and each step shows only its own part (exports,
//! the step's file, the entry call), so `kubewiz plan | less` reads step by step; `--full`
//! prints every script whole, exactly as it runs.

use super::script::{LIB, part};
use super::{Plan, StepId, Task, TaskKind};

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

/// What stands for the prelude inside a step's script when it is printed once at the end.
pub const PRELUDE_MARK: &str =
    "# ... the shared prelude (assets/steps/lib.sh) goes here: printed once at the end ...\n";

/// Where the shared prelude starts when it is printed once.
pub const PRELUDE_HEADER: &str = "# --- shared prelude: assets/steps/lib.sh, included in every step script above where it says so ---";

/// The whole plan as text, or only one node's part of it, or only one step (of each node).
/// `full`: every script whole; otherwise each step's own part and the prelude once at the end.
pub fn render_plan(
    plan: &Plan,
    only_node: Option<&str>,
    only_step: Option<StepId>,
    full: bool,
) -> String {
    let prelude = part(LIB);
    let mut out = String::new();
    let mut shared = false;
    if !full {
        out.push_str(
            "# kubewiz plan: each step's own script; the prelude they share is printed once at the end.\n\
             # `kubewiz plan --full` prints every script whole, exactly as it runs.\n",
        );
    }
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
            if full {
                out.push_str(&plan.render(task));
            } else {
                shared |= matches!(task.kind, TaskKind::Remote(_));
                out.push_str(&plan.render_with_prelude(task, PRELUDE_MARK));
            }
            out.push('\n');
        }
    }
    if shared {
        out.push_str(PRELUDE_HEADER);
        out.push('\n');
        out.push_str(prelude);
    }
    out
}
