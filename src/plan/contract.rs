//! The `KW_*` contract between a script and the exports kubewiz gives it, as the tests read
//! it: what a script requires (`kw_need`, `kw_need_re`, `kw_need_secret`), what it reads at all,
//! what it sets itself. The step table's test (`steps/tests.rs`) holds every step to its
//! definition; [`standalone_problems`] holds a script that is not a step (mint, reset,
//! delete-node, repo-versions, the upgrade's survey and certificate scripts) to what its builder
//! exports.

use super::script::LIB;
use std::collections::BTreeSet;

/// Names a script requires: `kw_need A B`, `kw_need_re A 're'`, `kw_need_secret A 're'`,
/// unless it also reads them with a default (`${KW_X:-...}`: checked only when given).
pub(crate) fn required(script: &str) -> BTreeSet<String> {
    let mut out = needed(script);
    out.retain(|n| !script.contains(&format!("${{{n}:-")));
    out
}

/// Every name a script `kw_need`s somewhere.
pub(crate) fn needed(script: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in script.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let rest = words[i + 1..].iter();
            match *w {
                "kw_need" => out.extend(
                    rest.take_while(|w| w.starts_with("KW_"))
                        .map(|w| w.to_string()),
                ),
                "kw_need_re" | "kw_need_secret" => out.extend(rest.take(1).map(|w| w.to_string())),
                _ => {}
            }
        }
    }
    out
}

/// Every `KW_*` name a script mentions outside comments.
pub(crate) fn mentioned(script: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in script.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let mut rest = line;
        while let Some(i) = rest.find("KW_") {
            let name: String = rest[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            rest = &rest[i + name.len()..];
            if name.len() > 3 {
                out.insert(name);
            }
        }
    }
    out
}

/// Names a script sets itself (`KW_X=...`): constants of lib.sh and flags such as
/// `KW_READ_ONLY=1`, not inputs.
pub(crate) fn assigned(script: &str) -> BTreeSet<String> {
    script
        .lines()
        .map(str::trim_start)
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| {
            k.starts_with("KW_")
                && k.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_string)
        .collect()
}

/// The names an assembled script exports in its header, before lib.sh (`export KW_X=...`).
pub(crate) fn exported(assembled: &str) -> BTreeSet<String> {
    assembled
        .lines()
        .take_while(|l| l.starts_with("#!") || l.starts_with("set ") || l.starts_with("export "))
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect()
}

/// What is wrong between a standalone script (`body`, the asset `file`) and the exports of
/// `assembled`, as built for it: each input it requires and each `KW_*` it reads (other than
/// lib.sh's and its own constants) is exported, and nothing exported goes unread. `KW_STEP`
/// names the script in its log lines (lib.sh reads it with a default).
pub(crate) fn standalone_problems(file: &str, assembled: &str, body: &str) -> Vec<String> {
    let given = exported(assembled);
    let own: BTreeSet<String> = assigned(LIB).union(&assigned(body)).cloned().collect();
    let reads: BTreeSet<String> = mentioned(body)
        .into_iter()
        .filter(|n| !own.contains(n))
        .chain(["KW_STEP".to_string()])
        .collect();
    let mut problems = Vec::new();
    for n in required(body).difference(&given) {
        problems.push(format!(
            "{file} requires {n} (kw_need), which is not exported to it"
        ));
    }
    for n in reads.difference(&given) {
        problems.push(format!("{file} reads {n}, which is not exported to it"));
    }
    for n in given.difference(&reads) {
        problems.push(format!("{n} is exported to {file}, which never reads it"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::plan::script;
    use crate::vocab::Mirror;

    #[test]
    fn the_contract_parsers_see_what_they_should() {
        let s = "  kw_need KW_A KW_B\n  kw_need_re KW_C '^x$'\n# kw_need KW_D\nkw_need_secret KW_E 're'\n\
                 echo \"${KW_F:-}\" $KW_G\nKW_H=1\n[[ -n ${KW_I:-} ]] && kw_need_re KW_I 're'\n";
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(required(s), names(&["KW_A", "KW_B", "KW_C", "KW_E"]));
        assert_eq!(needed(s), names(&["KW_A", "KW_B", "KW_C", "KW_E", "KW_I"]));
        assert_eq!(
            mentioned(s),
            names(&[
                "KW_A", "KW_B", "KW_C", "KW_E", "KW_F", "KW_G", "KW_H", "KW_I"
            ])
        );
        assert_eq!(assigned(s), names(&["KW_H"]));
        let built = script::standalone(
            &[("KW_STEP".into(), "x".into()), ("KW_A".into(), "1".into())],
            "kw_x() { :; }\n",
            "kw_x",
        );
        assert_eq!(exported(&built), names(&["KW_STEP", "KW_A"]));
        assert_eq!(
            standalone_problems(
                "x.sh",
                &built,
                "kw_x() {\n  kw_need KW_B\n  echo $KW_C\n}\n"
            ),
            vec![
                "x.sh requires KW_B (kw_need), which is not exported to it",
                "x.sh reads KW_B, which is not exported to it",
                "x.sh reads KW_C, which is not exported to it",
                "KW_A is exported to x.sh, which never reads it",
            ]
        );
    }

    #[test]
    fn each_script_that_is_not_a_step_gets_exactly_what_it_reads() {
        let cat = Catalog::builtin();
        let minor = cat.minor_for("1.30.14").unwrap();
        let mut problems = Vec::new();
        for (file, built, body) in [
            (
                "mint-join.sh",
                crate::plan::mint_script(true),
                script::MINT_JOIN,
            ),
            (
                "mint-join.sh",
                crate::plan::mint_script(false),
                script::MINT_JOIN,
            ),
            ("reset.sh", crate::plan::reset_script(), script::RESET),
            (
                "repo-versions.sh",
                crate::plan::repo_versions_script(cat.mirror(Mirror::Aliyun), minor),
                script::REPO_VERSIONS,
            ),
            (
                "delete-node.sh",
                crate::plan::delete_node_script("w1"),
                script::DELETE_NODE,
            ),
        ] {
            problems.extend(standalone_problems(file, &built, body));
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
