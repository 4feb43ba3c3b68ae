//! The command line's conventions, offline (no fleet): `--help`, `--version`, exit codes
//! (0 done, 1 failed or not done, 2 bad config or usage), errors on stderr naming what to fix,
//! `plan` printing scripts with secrets redacted, `status` before any install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kubewiz");

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config.sample.toml")
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run kubewiz")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A folder with the sample as cluster.toml (the default `-c`).
fn cluster_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(sample(), d.path().join("cluster.toml")).unwrap();
    d
}

#[test]
fn help_lists_the_subcommands_and_the_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let o = run(&["--help"], d.path());
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for word in [
        "apply",
        "plan",
        "status",
        "reset",
        "check",
        "Exit codes: 0",
        "2 bad config",
    ] {
        assert!(out.contains(word), "{word} in {out}");
    }
    let o = run(&["apply", "--help"], d.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--parallel"), "{}", stdout(&o));
    let o = run(&["--version"], d.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with(&format!("kubewiz {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        stdout(&o)
    );
}

#[test]
fn usage_errors_exit_2_on_stderr() {
    let d = cluster_dir();
    for args in [
        &["frobnicate"][..],
        &["apply", "--parallel", "0"],
        &["apply", "--parallel", "many"],
        &["plan", "--no-such-flag"],
    ] {
        let o = run(args, d.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: usage errors go to stderr");
        assert!(stderr(&o).contains("error:"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_missing_config_names_the_file_and_what_to_do() {
    let d = tempfile::tempdir().unwrap();
    for cmd in ["apply", "plan", "status", "check"] {
        let o = run(&[cmd], d.path());
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("cluster.toml") && err.contains("cannot read") && err.contains("-c"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn reset_without_yes_changes_nothing_and_says_how_to_confirm() {
    let d = cluster_dir();
    let o = run(&["reset"], d.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert!(!d.path().join(".kubewiz").exists(), "no state written");
}

#[test]
fn an_unknown_node_is_refused_with_the_known_ones() {
    let d = cluster_dir();
    for args in [
        &["plan", "--node", "k8s-nope"][..],
        &["apply", "--node", "k8s-nope"],
    ] {
        let o = run(args, d.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("k8s-nope") && err.contains("k8s-master"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn plan_prints_every_step_of_every_node_with_secrets_redacted() {
    let d = cluster_dir();
    let o = run(&["plan"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for node in ["k8s-master", "k8s-node01", "k8s-node02"] {
        assert!(
            out.contains(&format!("# === node {node} · step facts ===")),
            "{node}"
        );
    }
    assert!(out.contains("# === node k8s-node01 · step join"));
    assert!(out.contains("export KW_JOIN_TOKEN='<redacted: minted at run time>'"));
    // Only one node's steps with --node.
    let o = run(&["plan", "--node", "k8s-node02"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("# === node k8s-node02 · step join"));
    assert!(!out.contains("# === node k8s-node01 ·"), "{out}");
    // Only one step (of each node) with --step; an unknown step is refused with the names.
    let o = run(&["plan", "--step", "join"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("# === "))
        .map(|l| l.split(" (").next().unwrap())
        .collect();
    assert_eq!(
        headers,
        [
            "# === node k8s-node01 · step join",
            "# === node k8s-node02 · step join"
        ]
    );
    let o = run(&["plan", "--step", "joyn"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the steps are: facts, preflight"),
        "{}",
        stderr(&o)
    );
    // plan touches nothing: no state folder.
    assert!(!d.path().join(".kubewiz").exists());
}

/// `kubewiz plan | head -50` shows steps, not the first step's prelude: each step's own
/// script by default and the shared prelude (lib.sh) once at the end; `--full` prints every
/// script whole, exactly as the engine runs it.
#[test]
fn plan_prints_each_steps_own_script_and_the_prelude_once() {
    let d = cluster_dir();
    let lib = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/steps/lib.sh"),
    )
    .unwrap();
    // A line of lib.sh that no step file has.
    let marker = lib
        .lines()
        .find(|l| l.starts_with("kw_main()"))
        .expect("lib.sh defines kw_main");
    let o = run(&["plan"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches(marker).count(), 1, "the prelude once");
    let head: Vec<&str> = out.lines().take(50).collect();
    let head = head.join("\n");
    assert!(
        head.contains("# === node k8s-master · step facts ==="),
        "{head}"
    );
    assert!(
        head.contains("kw_main"),
        "the first step's entry call within 50 lines: {head}"
    );
    assert!(
        head.contains("--full"),
        "the top says how to see whole scripts: {head}"
    );
    let steps = out.lines().filter(|l| l.starts_with("# === ")).count();
    let full = run(&["plan", "--full"], d.path());
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let full = stdout(&full);
    assert_eq!(
        full.lines().filter(|l| l.starts_with("# === ")).count(),
        steps
    );
    // Every remote step (all but preflight, one per node) carries the whole prelude.
    assert_eq!(full.matches(marker).count(), steps - 3);
    // The prelude (lib.sh) is most of every step's full script: the short plan is several times
    // smaller (3x with the containerd and facts scripts of issue 10).
    assert!(
        out.len() * 3 < full.len(),
        "{} vs {}",
        out.len(),
        full.len()
    );
    // One step's own script is the full one with the prelude cut out where it sits.
    let o = run(
        &["plan", "--step", "swap", "--node", "k8s-node01"],
        d.path(),
    );
    let own = stdout(&o);
    let o = run(
        &["plan", "--full", "--step", "swap", "--node", "k8s-node01"],
        d.path(),
    );
    let whole = stdout(&o);
    let body = |s: &str| {
        s.lines()
            .skip_while(|l| !l.starts_with("# === "))
            .take_while(|l| !l.starts_with("# --- shared prelude"))
            .filter(|l| !l.starts_with("# ... the shared prelude"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let lib_part = lib
        .strip_prefix("# shellcheck shell=bash\n")
        .unwrap_or(&lib);
    assert_eq!(body(&whole).replace(lib_part, ""), body(&own));
}

#[test]
fn status_before_any_install_says_so_and_exits_1() {
    let d = cluster_dir();
    let o = run(&["status"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("no journal yet"), "{out}");
    assert!(
        out.contains("k8s-master (192.168.147.130, control-plane): 0/"),
        "{out}"
    );
}

#[test]
fn the_diagnostics_log_goes_to_the_state_folder_and_v_raises_it() {
    let d = cluster_dir();
    // No state folder: nothing is created (status is read-only).
    let o = run(&["status"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!d.path().join(".kubewiz").exists());
    std::fs::create_dir(d.path().join(".kubewiz")).unwrap();
    let o = run(&["status"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let log = d.path().join(".kubewiz/kubewiz.log");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(" INFO kubewiz "), "{text}");
    assert!(text.contains("status -c cluster.toml"), "{text}");
    assert!(!text.contains("DEBUG"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // -v adds debug lines (loading the journal, building the plan).
    let o = run(&["-v", "status"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("DEBUG"), "{text}");
}
