//! The layers' arrows point one way (README "Architecture"): `vocab` imports nothing of the
//! crate; `catalog` only `vocab`; `config` only `catalog` and `vocab`; `plan` and `ssh` nothing
//! of the engine; the engine nothing of `upgrade` or the front ends; `upgrade` nothing of
//! `tui` or `cli`. A path to a higher layer (in a `use` or written out) fails here, naming the
//! file and line.
//!
//! And no file of the crate or the benchmarks is over 600 lines (README "Architecture": code reads like a map).

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

/// Each module of `src/` and the layers right below it (README "Architecture"); a module may
/// name those and, through them, everything below them. The front ends (`tui`, `cli`) sit at
/// the top; `cli` starts the wizard.
const LAYERS: [(&str, &[&str]); 12] = [
    ("vocab", &[]),
    ("atomic_file", &[]),
    ("catalog", &["vocab"]),
    ("config", &["catalog"]),
    ("facts", &["catalog"]),
    ("plan", &["config", "facts"]),
    ("ssh", &["config", "facts"]),
    ("engine", &["plan", "ssh", "atomic_file"]),
    ("diag", &["engine"]),
    ("upgrade", &["engine"]),
    ("tui", &["upgrade"]),
    ("cli", &["tui", "diag"]),
];

/// `module` and every layer below it.
fn reachable(module: &'static str) -> Vec<&'static str> {
    let mut out = vec![module];
    let mut i = 0;
    while i < out.len() {
        let (_, below) = LAYERS
            .iter()
            .find(|(m, _)| *m == out[i])
            .unwrap_or_else(|| panic!("{} is named in LAYERS but not placed", out[i]));
        for b in *below {
            if !out.contains(b) {
                out.push(b);
            }
        }
        i += 1;
    }
    out
}

/// A module's files: `src/<m>.rs` and everything under `src/<m>/`.
fn module_files(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.exists() {
        files.push(file);
    }
    if src.join(module).is_dir() {
        rust_files(&src.join(module), &mut files);
    }
    files
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    for (module, _) in LAYERS {
        let files = module_files(&src, module);
        assert!(!files.is_empty(), "src/{module} has Rust files");
        let allowed = reachable(module);
        for f in files {
            bad.extend(offenders(&f, &allowed));
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layering (move the shared name to src/vocab.rs, or the code to the \
         layer that owns the type):\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_module_of_the_crate_has_its_layer() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(m) = line
            .strip_prefix("pub mod ")
            .and_then(|r| r.strip_suffix(';'))
        {
            assert!(
                LAYERS.iter().any(|(name, _)| *name == m),
                "src/lib.rs declares `{m}`, which tests/layering.rs LAYERS does not place"
            );
        }
    }
}

/// README: "no file over ~600 lines". Lists of tests under `tests/` may be longer; the
/// crate's own files and the benchmarks may not.
const MAX_LINES: usize = 600;

#[test]
fn no_file_of_the_crate_or_the_benchmarks_is_over_600_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("benches"), &mut files);
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split by concern: a folder with a file per part, the \
         module's doc comment naming what each holds):\n{}",
        long.join("\n")
    );
}
