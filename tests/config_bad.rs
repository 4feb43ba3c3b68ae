//! The bad-input corpus: every file under tests/bad_configs/ must be refused with exit code 2
//! and a message naming the field. Each file starts with `# expect: <fragment>` lines; every
//! fragment must appear in the rendered error. Files without expect lines (the empty ones)
//! must say the file is empty.

use kubewiz::config::{self, ConfigError, MAX_CONFIG_BYTES};
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs")
}

fn expectations(text: &str) -> Vec<String> {
    text.lines()
        .map_while(|l| l.strip_prefix("# expect: "))
        .map(str::to_string)
        .collect()
}

fn refused(path: &Path) -> ConfigError {
    match config::load(path) {
        Ok(_) => panic!("{} was accepted but must be refused", path.display()),
        Err(e) => e,
    }
}

fn assert_well_formed(e: &ConfigError) {
    assert_eq!(e.exit_code(), 2);
    assert!(e.is_usage_error());
    assert!(!e.problems.is_empty());
    let shown = e.to_string();
    // A summary line, then exactly one line per problem (user input cannot break lines).
    assert_eq!(
        shown.lines().count(),
        e.problems.len() + 1,
        "one line per problem:\n{shown}"
    );
    for p in &e.problems {
        assert!(p.fix.is_some(), "every problem says what to do: {p}");
    }
}

#[test]
fn every_bad_config_is_refused_with_the_field_named() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/bad_configs exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "the corpus has {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let mut expect = expectations(&text);
        if expect.is_empty() {
            assert!(
                text.trim().is_empty(),
                "{} has no `# expect:` line",
                path.display()
            );
            expect.push("the file is empty".into());
        }
        let e = refused(path);
        assert_well_formed(&e);
        let shown = e.to_string();
        for frag in &expect {
            if !shown.contains(frag.as_str()) {
                failures.push(format!(
                    "{}: expected {frag:?} in:\n{shown}\n",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "bad configs: {} files refused with exit code 2 and the field named",
        files.len()
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn sample() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.sample.toml"))
        .unwrap()
}

#[test]
fn huge_file_is_refused_unparsed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = sample();
    let filler = "# padding padding padding padding padding padding padding padding\n";
    while text.len() <= MAX_CONFIG_BYTES + 10 {
        text.push_str(filler);
    }
    let p = write(dir.path(), "huge.toml", text.as_bytes());
    let e = refused(&p);
    assert_well_formed(&e);
    assert!(e.to_string().contains("at most 1048576 bytes"), "{e}");

    // 8 MiB of one line: same answer, quickly.
    let p = write(dir.path(), "huge-line.toml", &vec![b'a'; 8 << 20]);
    let e = refused(&p);
    assert!(e.to_string().contains("at most 1048576 bytes"), "{e}");
}

#[test]
fn too_many_nodes_under_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[cluster]\nname = \"big\"\nkubernetes_version = \"1.35.0\"\n\
         pod_cidr = \"10.0.0.0/8\"\nservice_cidr = \"172.16.0.0/12\"\n",
    );
    for i in 0..6000u32 {
        text.push_str(&format!(
            "[[node]]\nname = \"n{i}\"\naddress = \"192.168.{}.{}\"\nrole = \"worker\"\n",
            i / 250,
            i % 250 + 1
        ));
    }
    assert!(text.len() < MAX_CONFIG_BYTES);
    let e = refused(&write(dir.path(), "many.toml", text.as_bytes()));
    assert_well_formed(&e);
    assert!(e.to_string().contains("at most 5000"), "{e}");
}

#[test]
fn deeply_nested_value_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 50_000;
    let text = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let e = refused(&write(dir.path(), "nested.toml", text.as_bytes()));
    assert_well_formed(&e);
}

#[test]
fn not_utf8_missing_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = sample().into_bytes();
    bytes.splice(10..10, [0xff, 0xfe]);
    let e = refused(&write(dir.path(), "latin1.toml", &bytes));
    assert_well_formed(&e);
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    assert!(
        e.to_string().contains(":1:11:"),
        "position of the bad byte: {e}"
    );

    let e = refused(&dir.path().join("nope.toml"));
    assert_well_formed(&e);
    assert!(e.to_string().contains("cannot read the file"), "{e}");

    let e = refused(dir.path());
    assert!(e.to_string().contains("folder"), "{e}");
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = sample()
        .replace("\"192.168.147.131\"", "\"192.168.147.130\"")
        .replace("name = \"k8s-node02\"", "name = \"k8s node02\"")
        .replace("\"10.96.0.0/12\"", "\"10.244.0.0/12\"");
    let e = config::parse_and_validate(&text, Path::new("cluster.toml")).unwrap_err();
    assert_well_formed(&e);
    let s = e.to_string();
    for f in [
        "node[1].address",
        "node[2].name",
        "cluster.service_cidr",
        "3 problems",
    ] {
        assert!(s.contains(f), "{f} in {s}");
    }
}

/// End to end: `kubewiz check -c <bad file>` exits with 2 and names the field on stderr.
#[test]
fn cli_check_exits_2_on_every_bad_config() {
    let exe = env!("CARGO_BIN_EXE_kubewiz");
    let mut n = 0;
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let out = std::process::Command::new(exe)
            .args(["check", "-c"])
            .arg(&path)
            .output()
            .expect("run kubewiz");
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        for frag in expectations(&text) {
            assert!(
                stderr.contains(&frag),
                "{}: {frag:?} in {stderr}",
                path.display()
            );
        }
        n += 1;
    }
    // The sample names ~/.ssh/id_ed25519, which `check` requires to be a usable private key:
    // a home with one.
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join(".ssh/id_ed25519");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(
        &key,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.sample.toml");
    let out = std::process::Command::new(exe)
        .args(["check", "-c"])
        .arg(&sample)
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("kubewiz check: {n} bad configs exit 2, the sample exits 0");
}
