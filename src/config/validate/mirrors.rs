//! `[registry_mirrors]`: registry hosts and the mirror URLs containerd tries for each.

use super::rules;
use super::{Check, Problem};
use std::collections::BTreeMap;

/// Most registries and mirrors per registry a cluster.toml may list (a hostile file stays small).
pub const MAX_REGISTRIES: usize = 64;
pub const MAX_MIRRORS_PER_REGISTRY: usize = 8;

pub(super) fn check(table: &BTreeMap<String, Vec<String>>, ck: &mut Check) {
    if table.len() > MAX_REGISTRIES {
        ck.problem(Problem::field(
            "registry_mirrors",
            format!("{} registries", table.len()),
            format!("at most {MAX_REGISTRIES} registries"),
            "list the registries your cluster pulls from",
        ));
        return;
    }
    for (registry, mirrors) in table {
        let field = format!("registry_mirrors.\"{registry}\"");
        if let Err((m, f)) = rules::registry_host(registry) {
            ck.problem(Problem::field(&field, registry, m, f));
            continue;
        }
        if mirrors.len() > MAX_MIRRORS_PER_REGISTRY {
            ck.problem(Problem::field(
                &field,
                format!("{} mirrors", mirrors.len()),
                format!("at most {MAX_MIRRORS_PER_REGISTRY} mirrors per registry"),
                "containerd tries them one after the other; keep the few that answer",
            ));
            continue;
        }
        for (i, url) in mirrors.iter().enumerate() {
            if let Err((m, f)) = rules::mirror_url(url) {
                ck.problem(Problem::field(
                    format!("{field}[{i}]"),
                    rules::without_credentials(url),
                    m,
                    f,
                ));
            } else if mirrors[..i].contains(url) {
                ck.problem(Problem::field(
                    format!("{field}[{i}]"),
                    url,
                    "listed twice",
                    "remove the repeated mirror",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_mirror_url_is_not_shown() {
        let mut table = BTreeMap::new();
        table.insert(
            "docker.io".to_string(),
            vec!["https://me:s3cret@m.example.cn/v2".to_string()],
        );
        let mut ck = Check::default();
        check(&table, &mut ck);
        let said: Vec<String> = ck.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(!said[0].contains("s3cret"), "{said:?}");
        assert!(
            said[0].contains("https://<credentials>@m.example.cn/v2"),
            "{said:?}"
        );
        assert_eq!(
            rules::without_credentials("https://m.example.cn"),
            "https://m.example.cn"
        );
        assert_eq!(
            rules::without_credentials("u:p@m.example.cn"),
            "<credentials>@m.example.cn"
        );
    }
}
