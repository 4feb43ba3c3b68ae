//! The step table against itself and against the scripts.

use super::*;
use crate::catalog::Catalog;
use crate::plan::contract::{assigned, mentioned, needed, required};
use std::collections::{BTreeMap, BTreeSet};

const LIB: &str = include_str!("../../../assets/steps/lib.sh");

/// A config that gives every step every input: two control planes and a worker, the
/// dashboard, a timezone.
fn full_config() -> ClusterConfig {
    crate::config::parse(
        r#"
[cluster]
name = "demo"
kubernetes_version = "1.25.3"
dashboard = true
timezone = "Asia/Shanghai"
proxy_mode = "ipvs"
[[node]]
name = "cp1"
address = "192.0.2.10"
role = "control-plane"
[[node]]
name = "cp2"
address = "192.0.2.11"
role = "control-plane"
[[node]]
name = "w1"
address = "192.0.2.20"
role = "worker"
"#,
        std::path::Path::new("cluster.toml"),
    )
    .unwrap()
}

/// Every pipeline: the install and an upgrade hop.
const PIPELINES: [&Pipeline; 2] = [&INSTALL, &hop::HOP];

/// The context the tests build plans with: the full config, with hop inputs (install steps ignore them).
fn context(config: &ClusterConfig) -> Context<'_> {
    let mut cx = Context::new(config, Catalog::builtin()).unwrap();
    cx.hop = Some(HopInputs {
        drain_timeout: 300,
        keep_snapshots: 5,
        found_cordoned: vec!["w1".into()],
    });
    cx
}

/// Every step of every pipeline, once.
fn all_steps() -> Vec<&'static Step> {
    let mut out: Vec<&'static Step> = Vec::new();
    for p in PIPELINES {
        for s in p.steps {
            if !out.iter().any(|o| std::ptr::eq(*o, *s)) {
                out.push(s);
            }
        }
    }
    out
}

#[test]
fn every_id_has_its_definition_and_every_pipeline_step_is_listed_once() {
    for id in StepId::ALL {
        assert_eq!(def(id).id, id, "def({id}) is another step's definition");
    }
    for pipeline in PIPELINES {
        let ids: Vec<StepId> = pipeline.steps.iter().map(|s| s.id).collect();
        let unique: BTreeSet<StepId> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "a step twice in {}", pipeline.name);
        for s in pipeline.steps {
            assert!(
                std::ptr::eq(*s, def(s.id)),
                "{} is not its own definition",
                s.id
            );
            for need in s.needs {
                let (Need::Own(n)
                | Need::AllNodes(n)
                | Need::FirstControlPlane(n)
                | Need::Previous(_, n)) = *need;
                assert!(
                    unique.contains(&n),
                    "{} needs {n}, which is not in the pipeline",
                    s.id
                );
            }
            if let Some(up) = s.upload {
                assert!(
                    s.script.is_some(),
                    "{}: an upload needs a script to read it",
                    s.id
                );
                assert!(up.path.starts_with("/var/lib/kubewiz/"), "{}", up.path);
            }
            assert!(
                !s.timeout.is_zero() && s.timeout.as_secs() <= 86_400,
                "{}",
                s.id
            );
        }
    }
}

#[test]
fn each_script_requires_exactly_what_its_definition_provides() {
    let config = full_config();
    let cx = context(&config);
    let internal: BTreeSet<String> = assigned(LIB);
    // kw_main `kw_need`s KW_STEP (the log helpers read it with a default before that).
    let lib_required = needed(LIB);
    assert!(
        lib_required.contains("KW_STEP"),
        "lib.sh's kw_main needs KW_STEP"
    );
    let mut problems = Vec::new();
    for step in all_steps() {
        let Some(asset) = step.script else { continue };
        // What the definition provides, over every kind of node (a secret is required).
        let mut provided: BTreeMap<String, bool> = BTreeMap::new();
        for node in &config.nodes {
            if !step.runs_for(&config, node, &cx.first_cp.name) {
                continue;
            }
            for i in step.inputs(&cx, node).vars {
                *provided.entry(i.name.to_string()).or_default() |= i.required;
            }
            for s in (step.secrets)(node) {
                provided.insert(s.env_name().to_string(), true);
            }
        }
        // KW_NODE is a label for readers of `kubewiz plan`; no script reads it.
        provided.remove("KW_NODE");
        let def_required: BTreeSet<String> = provided
            .iter()
            .filter(|(_, r)| **r)
            .map(|(k, _)| k.clone())
            .collect();
        let def_all: BTreeSet<String> = provided.keys().cloned().collect();
        let own_internal = assigned(asset.text);
        let script_required: BTreeSet<String> =
            required(asset.text).union(&lib_required).cloned().collect();
        let script_reads: BTreeSet<String> = mentioned(asset.text)
            .into_iter()
            .filter(|n| !internal.contains(n) && !own_internal.contains(n))
            .chain(lib_required.iter().cloned())
            .collect();
        let file = asset.file;
        let id = step.id;
        for n in script_required.difference(&def_required) {
            problems.push(format!(
                "{file} requires {n} (kw_need), but step {id}'s definition does not provide it with env.need"
            ));
        }
        for n in def_required.difference(&script_required) {
            problems.push(format!(
                "step {id}'s definition provides {n} as required (env.need), but {file} does not kw_need it \
                 (use env.optional if the script reads it with a default)"
            ));
        }
        for n in script_reads.difference(&def_all) {
            problems.push(format!(
                "{file} reads {n}, which step {id}'s definition does not provide"
            ));
        }
        for n in def_all.difference(&script_reads) {
            problems.push(format!(
                "step {id}'s definition provides {n}, which {file} never reads"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn steps_for_agrees_with_the_plan() {
    let config = full_config();
    let plan = crate::plan::build(&config, Catalog::builtin()).unwrap();
    for node in &config.nodes {
        let from_plan: Vec<StepId> = plan
            .for_node(&node.name)
            .into_iter()
            .map(|(_, t)| t.step)
            .collect();
        assert_eq!(steps_for(&config, node), from_plan, "{}", node.name);
    }
}

/// The table of steps in `assets/steps/README.md`, generated from the definitions.
fn steps_table() -> String {
    let config = full_config();
    let cx = context(&config);
    let code = |v: Vec<String>| {
        if v.is_empty() {
            "–".to_string()
        } else {
            v.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut out = String::from(
        "| step | script | nodes | needs | required inputs | optional inputs | secrets | timeout |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for step in all_steps() {
        let mut required: Vec<String> = Vec::new();
        let mut optional: Vec<String> = Vec::new();
        let mut secrets: Vec<String> = Vec::new();
        for node in &config.nodes {
            if !step.runs_for(&config, node, &cx.first_cp.name) || step.script.is_none() {
                continue;
            }
            // KW_STEP and KW_NODE: every step's (said above the table).
            for i in step.inputs(&cx, node).vars.into_iter().skip(2) {
                let list = if i.required {
                    &mut required
                } else {
                    &mut optional
                };
                if !list.iter().any(|n| n == i.name) {
                    list.push(i.name.to_string());
                }
            }
            for s in (step.secrets)(node) {
                if !secrets.iter().any(|n| n == s.env_name()) {
                    secrets.push(s.env_name().to_string());
                }
            }
        }
        let mut nodes = match step.nodes {
            Nodes::All => "all".to_string(),
            Nodes::FirstControlPlane => "first control plane".to_string(),
            Nodes::Others => "all but the first control plane".to_string(),
        };
        if !step.when.what.is_empty() {
            nodes.push_str(&format!(" (`{}`)", step.when.what));
        }
        if step.runs_on == RunsOn::FirstControlPlane {
            nodes.push_str(", runs on the first control plane");
        }
        if step.kind == Kind::Wait {
            nodes.push_str(", a wait");
        }
        let needs: Vec<String> = step
            .needs
            .iter()
            .map(|n| match *n {
                Need::Own(s) => s.name().to_string(),
                Need::AllNodes(s) => format!("{s} of all nodes"),
                Need::FirstControlPlane(s) => format!("{s} on the first control plane"),
                Need::Previous(r, s) => format!("{s} of the previous {}", r.as_str()),
            })
            .collect();
        let script = match step.script {
            Some(a) => format!("`{}`", a.file),
            None => "(on the workstation)".to_string(),
        };
        out.push_str(&format!(
            "| {} | {script} | {nodes} | {} | {} | {} | {} | {} s |\n",
            step.id,
            if needs.is_empty() {
                "–".to_string()
            } else {
                needs.join(", ")
            },
            code(required),
            code(optional),
            code(secrets),
            step.timeout.as_secs()
        ));
    }
    out
}

#[test]
fn the_readme_table_of_steps_is_generated_from_the_definitions() {
    const BEGIN: &str =
        "<!-- steps table: generated from src/plan/steps by its unit tests; do not edit -->\n";
    const END: &str = "<!-- end of steps table -->\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/steps/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (text.find(BEGIN), text.find(END)) else {
        panic!("{} lacks the markers {BEGIN:?} .. {END:?}", path.display());
    };
    let want = steps_table();
    let have = &text[a + BEGIN.len()..b];
    if have != want {
        if std::env::var_os("KUBEWIZ_BLESS").is_some() {
            let new = format!("{}{BEGIN}{want}{}", &text[..a], &text[b..]);
            std::fs::write(&path, new).unwrap();
        } else {
            panic!(
                "assets/steps/README.md's table of steps is out of date; regenerate it with\n  \
                 KUBEWIZ_BLESS=1 cargo test --lib the_readme_table_of_steps\nwant:\n{want}"
            );
        }
    }
}
