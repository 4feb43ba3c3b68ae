//! The layers' arrows point one way (README "Architecture"): `vocab` imports nothing of the
//! crate; `catalog` only `vocab`; `config` only `catalog` and `vocab`. A path to a higher
//! layer (in a `use` or written out) fails here, naming the file and line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `crate::<module>` paths in code (doc comments and comments excluded) naming a module
/// outside `allowed`.
fn offenders(path: &Path, allowed: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let module: String = rest[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rest = &rest[at + 7..];
            if !module.is_empty() && !allowed.contains(&module.as_str()) {
                out.push(format!(
                    "{}:{}: crate::{module} ({})",
                    path.display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    out
}

#[test]
fn lower_layers_import_nothing_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = offenders(&src.join("vocab.rs"), &["vocab"]);
    for (dir, allowed) in [
        ("catalog", &["catalog", "vocab"][..]),
        ("config", &["config", "catalog", "vocab"][..]),
    ] {
        let mut files = Vec::new();
        rust_files(&src.join(dir), &mut files);
        assert!(!files.is_empty(), "src/{dir} has Rust files");
        for f in files {
            bad.extend(offenders(&f, allowed));
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layering (move the shared name to src/vocab.rs, or the rule to the \
         layer that owns the type):\n{}",
        bad.join("\n")
    );
}
