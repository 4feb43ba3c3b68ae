//! The containerd config kubewiz writes, judged by real containerd binaries (Debian's 1.6.20,
//! 1.7.24 and 2.1.9: `.ci/real-containerd.sh`): `write_config` of assets/steps/containerd.sh runs
//! here against each binary's own `containerd config default`, and `containerd --config F config
//! dump` of the same major must load the result with SystemdCgroup = true, the sandbox image and
//! the registry config_path. containerd 2.3 (config version 4) has no real binary here: its default
//! is built from the real 2.1.9 output by containerd's documented rule (tests/fleet/containerd.rs,
//! v4_from_v3), and the real 2.1.9 refusing it is checked word for word.

mod fleet;

use fleet::containerd::{self, Real};
use std::path::Path;
use std::process::Command;

const SANDBOX: &str = "registry.aliyuncs.com/google_containers/pause:3.10.1";

/// Runs containerd.sh's `write_config FILE` with `containerd` on PATH answering `--version` with
/// `version_line` and `config default` with `default`. Returns (exit ok, output, written file).
fn write_config(default: &str, version_line: &str) -> (bool, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(dir.path().join("default.toml"), default).unwrap();
    let fake = format!(
        "#!/bin/bash\ncase \"$*\" in\n  --version) echo '{version_line}' ;;\n  'config default') cat '{}' ;;\n  \
         *) echo \"unexpected: $*\" >&2; exit 2 ;;\nesac\n",
        dir.path().join("default.toml").display()
    );
    std::fs::write(bin.join("containerd"), fake).unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(bin.join("containerd"))
        .status()
        .unwrap();
    let steps = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/steps");
    let out_file = dir.path().join("etc/config.toml");
    let script = format!(
        "set -euo pipefail\nexport KW_STEP=containerd KW_SANDBOX_IMAGE='{SANDBOX}' KW_CONTAINERD_ACCEPT='2.3.0 2.2.0'\n\
         source '{}'\nsource '{}'\nPATH='{}':$PATH\nwrite_config '{}'\n",
        steps.join("lib.sh").display(),
        steps.join("containerd.sh").display(),
        bin.display(),
        out_file.display()
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.success(),
        text,
        std::fs::read_to_string(&out_file).ok(),
    )
}

/// kubewiz's config for a real binary's own default, checked by that binary.
fn written_by_kubewiz_for(real: &Real) -> String {
    let (ok, out, written) = write_config(
        &real.default_config(),
        &format!(
            "containerd github.com/containerd/containerd {}",
            real.package
        ),
    );
    assert!(ok, "write_config failed for {}:\n{out}", real.package);
    written.expect("written")
}

#[test]
fn configs_for_containerd_1_6_1_7_and_2_1_load_in_the_real_binaries() {
    let mut checked = Vec::new();
    for branch in ["1.6", "1.7", "2"] {
        let Some(real) = containerd::real(branch) else {
            return;
        };
        let text = written_by_kubewiz_for(&real);
        let version = real
            .package
            .split(['~', '+', '-'])
            .next()
            .unwrap()
            .to_string();
        checked.push(containerd::check_written(&text, &version, SANDBOX).expect("binary present"));
        // The layout follows the structure of the default: version 2 tables for 1.x, 3 for 2.x.
        let v = containerd::effective(&real.dump(&text).unwrap()).config_version;
        assert_eq!(v, if branch == "2" { 3 } else { 2 }, "{}", real.package);
    }
    eprintln!("{}", checked.join("\n"));
}

#[test]
fn a_version_4_config_is_written_for_containerd_2_3_and_the_real_2_1_refuses_it() {
    let Some(real) = containerd::real("2") else {
        return;
    };
    if real.version() >= (2, 3) {
        // Debian's sid moved to 2.3: it reads version 4 itself; check_written covers it.
        eprintln!("containerd {} reads version 4 itself", real.package);
    }
    // containerd 2.3's `config default`, built from the real 2.1.9 output by the rule.
    let v4 = containerd::v4_from_v3(&real.default_config());
    assert!(v4.starts_with("version = 4\n"), "{v4}");
    assert!(!v4.contains("\n[grpc]"), "{v4}");
    let (ok, out, written) = write_config(&v4, "containerd containerd.io v2.3.4 0123456789abcdef");
    assert!(ok, "{out}");
    assert!(
        out.contains("config version 4, CRI tables of the v3 layout"),
        "{out}"
    );
    let text = written.unwrap();
    assert!(text.starts_with("version = 4\n"), "{text}");
    // What the real 2.1.9 says of a version 4 file (recorded in kubewiz's notes and simulator).
    if real.version() < (2, 3) {
        let e = real.dump(&text).unwrap_err();
        assert!(
            e.contains("failed to load TOML from")
                && e.contains(
                    "expected containerd config version equal to or less than `3`, got `4`"
                ),
            "{e}"
        );
    }
    containerd::check_written(&text, "2.3.4", SANDBOX).unwrap();
}

#[test]
fn an_unknown_future_config_version_is_refused_naming_it_and_nothing_is_written() {
    let Some(real) = containerd::real("2") else {
        return;
    };
    let v5 =
        containerd::v4_from_v3(&real.default_config()).replacen("version = 4", "version = 5", 1);
    let (ok, out, written) = write_config(&v5, "containerd containerd.io v2.9.0 0123456789abcdef");
    assert!(!ok, "{out}");
    assert!(
        out.contains("containerd 2.9.0 prints config version 5; kubewiz knows versions 2 to 4"),
        "{out}"
    );
    assert!(out.contains("pin an older containerd.io"), "{out}");
    assert!(written.is_none(), "a config was written: {written:?}");
    // A default with no CRI tables at all (a containerd built without CRI) is refused too.
    let (ok, out, _) = write_config(
        "version = 3\nroot = '/var/lib/containerd'\n",
        "containerd x v2.2.0 abc",
    );
    assert!(!ok && out.contains("no CRI plugin tables"), "{out}");
}

#[test]
fn the_real_1_7_refuses_newer_versions_and_the_real_1_6_silently_ignores_them() {
    // Facts the simulator encodes (tests/sim/kwsim/k8s.py containerd_effective), checked here.
    let (Some(r16), Some(r17), Some(r2)) = (
        containerd::real("1.6"),
        containerd::real("1.7"),
        containerd::real("2"),
    ) else {
        return;
    };
    let v3 = written_by_kubewiz_for(&r2);
    let e = r17.dump(&v3).unwrap_err();
    assert!(e.contains("unsupported config version `3`"), "{e}");
    // 1.6 loads a version 3 file without a word and runs with its defaults: no systemd cgroups,
    // pause:3.6. (Why kubewiz writes from the installed binary's own default and checks it back.)
    let eff = containerd::effective(&r16.dump(&v3).unwrap());
    assert!(!eff.systemd_cgroup, "{eff:?}");
    assert_eq!(eff.sandbox, "registry.k8s.io/pause:3.6");
}
