//! Real containerd binaries (Debian's packages, unpacked by `.ci/real-containerd.sh` to
//! /opt/kubewiz-real/containerd/<branch>/: 1.6, 1.7 and 2) judge the containerd configs kubewiz
//! writes: `containerd --config F config dump` runs without a daemon and prints the effective
//! configuration, or refuses the file. Absent outside CI: the tests that need them skip, saying
//! so; under CI=true they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `.ci/real-containerd.sh` unpacks them (override: KW_REAL_CONTAINERD).
pub fn real_dir() -> PathBuf {
    std::env::var_os("KW_REAL_CONTAINERD")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/kubewiz-real/containerd"))
}

/// One real containerd binary.
#[derive(Debug, Clone)]
pub struct Real {
    /// "1.6", "1.7", "2".
    pub branch: String,
    /// The Debian package version, e.g. "2.1.9+ds1-5".
    pub package: String,
    pub bin: PathBuf,
}

impl Real {
    /// (major, minor) of the binary's version.
    pub fn version(&self) -> (u32, u32) {
        let mut it = self
            .package
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse().ok());
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }

    /// `containerd config default`.
    pub fn default_config(&self) -> String {
        let o = Command::new(&self.bin)
            .args(["config", "default"])
            .output()
            .expect("run containerd config default");
        assert!(o.status.success(), "{}: {o:?}", self.bin.display());
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `containerd --config F config dump` of `config`: Ok(the dump) or Err(what it says).
    pub fn dump(&self, config: &str) -> Result<String, String> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, config).unwrap();
        self.dump_file(&f)
    }

    pub fn dump_file(&self, f: &Path) -> Result<String, String> {
        let o = Command::new(&self.bin)
            .arg("--config")
            .arg(f)
            .args(["config", "dump"])
            .output()
            .expect("run containerd config dump");
        if o.status.success() {
            Ok(String::from_utf8_lossy(&o.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&o.stderr).into_owned())
        }
    }
}

/// The real binary of `branch` ("1.6", "1.7", "2"). None (with a SKIPPED line) when absent
/// outside CI; under CI=true a missing binary fails the test.
pub fn real(branch: &str) -> Option<Real> {
    let dir = real_dir().join(branch);
    let bin = dir.join("usr/bin/containerd");
    if bin.exists() {
        let package = std::fs::read_to_string(dir.join("VERSION"))
            .unwrap_or_default()
            .trim()
            .to_string();
        return Some(Real {
            branch: branch.into(),
            package,
            bin,
        });
    }
    super::skip::because(&format!(
        "real containerd {branch}.x not found at {} (run .ci/real-containerd.sh)",
        bin.display()
    ));
    None
}

/// The real binary that judges a config written for containerd `version` ("1.6.33", "2.3.4"):
/// the same major (and, for 1.x, the same minor: 1.6 and 1.7 differ in what they accept).
pub fn real_for(version: &str) -> Option<Real> {
    if version.starts_with("1.6.") || version.starts_with("1.5.") || version.starts_with("1.4.") {
        real("1.6")
    } else if version.starts_with("1.") {
        real("1.7")
    } else {
        real("2")
    }
}

/// The CRI settings a containerd would run with, read from its `config dump`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub config_version: i64,
    pub systemd_cgroup: bool,
    pub sandbox: String,
    pub config_path: String,
    pub disabled_plugins: Vec<String>,
}

fn at<'a>(v: &'a toml::Value, path: &[&str]) -> Option<&'a toml::Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// Reads a `config dump` (version 2: the CRI plugin io.containerd.grpc.v1.cri; version 3 and
/// later: io.containerd.cri.v1.images / .runtime).
pub fn effective(dump: &str) -> Effective {
    let v: toml::Value =
        toml::from_str(dump).unwrap_or_else(|e| panic!("dump is not TOML: {e}\n{dump}"));
    let version = v.get("version").and_then(|x| x.as_integer()).unwrap_or(1);
    let s = |x: Option<&toml::Value>| x.and_then(|x| x.as_str()).unwrap_or("").to_string();
    let (systemd, sandbox, config_path) = if version >= 3 {
        let p = |path: &[&str]| {
            let mut full = vec!["plugins"];
            full.extend_from_slice(path);
            at(&v, &full).cloned()
        };
        (
            p(&[
                "io.containerd.cri.v1.runtime",
                "containerd",
                "runtimes",
                "runc",
                "options",
                "SystemdCgroup",
            ]),
            s(p(&["io.containerd.cri.v1.images", "pinned_images", "sandbox"]).as_ref()),
            s(p(&["io.containerd.cri.v1.images", "registry", "config_path"]).as_ref()),
        )
    } else {
        let cri = |path: &[&str]| {
            let mut full = vec!["plugins", "io.containerd.grpc.v1.cri"];
            full.extend_from_slice(path);
            at(&v, &full).cloned()
        };
        (
            cri(&["containerd", "runtimes", "runc", "options", "SystemdCgroup"]),
            s(cri(&["sandbox_image"]).as_ref()),
            s(cri(&["registry", "config_path"]).as_ref()),
        )
    };
    Effective {
        config_version: version,
        systemd_cgroup: systemd.and_then(|x| x.as_bool()).unwrap_or(false),
        sandbox,
        config_path,
        disabled_plugins: v
            .get("disabled_plugins")
            .and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// containerd's documented rule (release/2.3 cmd/containerd/server/config/config.go: "Version 3
/// has server properties moved to plugins for version 4", serviceMigrate): a version 4 config from
/// a version 3 one: [grpc] [ttrpc] [debug] [metrics] leave the top level, their settings go to
/// [plugins.'io.containerd.server.v1.grpc'] (and .ttrpc, .debug, .metrics when set); the CRI
/// tables keep their names. There is no real containerd 2.3 here: this builds 2.3-style inputs
/// from the real 2.1.9 output. (The simulator's containerd 2.3 prints its default the same way.)
pub fn v4_from_v3(v3: &str) -> String {
    let mut out = Vec::new();
    let mut skip = false;
    for line in v3.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            skip = matches!(t, "[grpc]" | "[ttrpc]" | "[debug]" | "[metrics]");
        }
        if skip {
            continue;
        }
        if t.starts_with("version = ") {
            out.push("version = 4".to_string());
        } else {
            out.push(line.to_string());
        }
    }
    let text = out.join("\n") + "\n";
    text.replacen(
        "[plugins]\n",
        "[plugins]\n  [plugins.'io.containerd.server.v1.grpc']\n    address = '/run/containerd/containerd.sock'\n    \
         max_recv_message_size = 16777216\n    max_send_message_size = 16777216\n\n",
        1,
    )
}

/// The reverse, to let the real 2.1.9 (which refuses version 4) judge the CRI part of a version 4
/// file: the server plugin tables go back to the top level, version 3.
pub fn v3_from_v4(v4: &str) -> String {
    let mut out = Vec::new();
    let mut server = false;
    for line in v4.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            server = t.starts_with("[plugins.'io.containerd.server.v1.")
                || t.starts_with("[plugins.\"io.containerd.server.v1.");
        }
        if server {
            continue;
        }
        if t.starts_with("version = ") {
            out.push("version = 3".to_string());
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n") + "\n[grpc]\n  address = '/run/containerd/containerd.sock'\n"
}

/// Checks one config kubewiz wrote for containerd `version` with the real binary of that major:
/// it must load, with SystemdCgroup = true, `sandbox`, registry config_path
/// /etc/containerd/certs.d and the CRI plugin enabled. A version 4 file (containerd 2.3) must be
/// refused by the real 2.1.9, and its CRI part (converted back by the rule above) must pass.
/// Returns what was checked, for the test's message; None when the binary is absent (skip).
pub fn check_written(config: &str, version: &str, sandbox: &str) -> Option<String> {
    let real = real_for(version)?;
    let file_version = toml::from_str::<toml::Value>(config)
        .ok()
        .and_then(|v| v.get("version").and_then(|x| x.as_integer()))
        .unwrap_or(1);
    let judged = if file_version == 4 && real.version() < (2, 3) {
        let e = real
            .dump(config)
            .expect_err("the real containerd 2.1.9 must refuse a version 4 config");
        assert!(
            e.contains("expected containerd config version equal to or less than `3`, got `4`"),
            "{}: {e}",
            real.package
        );
        v3_from_v4(config)
    } else {
        config.to_string()
    };
    let dump = real.dump(&judged).unwrap_or_else(|e| {
        panic!(
            "containerd {} refuses the config kubewiz wrote for {version}: {e}\n{config}",
            real.package
        )
    });
    let eff = effective(&dump);
    assert!(
        eff.systemd_cgroup,
        "containerd {}: SystemdCgroup is not true: {eff:?}",
        real.package
    );
    assert_eq!(eff.sandbox, sandbox, "containerd {}: {eff:?}", real.package);
    assert_eq!(
        eff.config_path, "/etc/containerd/certs.d",
        "containerd {}: {eff:?}",
        real.package
    );
    assert!(
        !eff.disabled_plugins.iter().any(|p| p.contains("cri")),
        "containerd {}: CRI disabled: {eff:?}",
        real.package
    );
    Some(format!(
        "containerd {} (real) for {version}: config version {file_version}, SystemdCgroup true, sandbox {}",
        real.package, eff.sandbox
    ))
}

/// The sandbox (pause) image kubeadm of the host's version expects, as the host's own kubeadm
/// says (`kubeadm config images list`: the simulator's per-minor facts, not kubewiz's catalog), in
/// the repository the `images` step pulled from (the node's kube-proxy image). None for a host
/// that has not got that far (no kubeadm, or no images pulled: a node a test left unfinished).
pub fn expected_sandbox(h: &super::Host) -> Option<String> {
    let version = h.exec("kubeadm version -o short");
    if !version.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let pulled = h.exec("crictl images");
    let pulled = String::from_utf8_lossy(&pulled.stdout);
    let repo = pulled
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .find_map(|img| img.strip_suffix("/kube-proxy"))?
        .to_string();
    let list = h.exec_ok(&format!(
        "kubeadm config images list --kubernetes-version {version} --image-repository {repo}"
    ));
    let pause = list
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{repo}/pause:")))
        .unwrap_or_else(|| {
            panic!(
                "{}: kubeadm {version} lists no pause image:\n{list}",
                h.name
            )
        });
    Some(pause.to_string())
}

/// The sandbox image a config sets, in the table of its layout.
fn written_sandbox(name: &str, text: &str) -> String {
    let written = toml::from_str::<toml::Value>(text).expect("config.toml is TOML");
    at(
        &written,
        &[
            "plugins",
            "io.containerd.cri.v1.images",
            "pinned_images",
            "sandbox",
        ],
    )
    .or_else(|| {
        at(
            &written,
            &["plugins", "io.containerd.grpc.v1.cri", "sandbox_image"],
        )
    })
    .and_then(|v| v.as_str())
    .unwrap_or_else(|| panic!("{name}: no sandbox image in the config kubewiz wrote:\n{text}"))
    .to_string()
}

/// Every containerd config on the fleet's hosts, judged by the real binary of the host's
/// containerd major (see [`check_written`]): the real containerd must read SystemdCgroup = true
/// and, as its sandbox image, the one the host's kubeadm expects ([`expected_sandbox`]; for a
/// node not that far, the one the file sets) from the file kubewiz wrote. Returns one line per host checked (empty when the real binaries are absent
/// outside CI).
pub fn check_fleet(fleet: &super::Fleet) -> Vec<String> {
    let mut out = Vec::new();
    for h in &fleet.hosts {
        let Some(text) = h.read_file("/etc/containerd/config.toml") else {
            continue;
        };
        let version_line = h.exec_ok("containerd --version");
        let version = version_line
            .split_whitespace()
            .skip(1)
            .find(|w| {
                w.trim_start_matches('v')
                    .starts_with(|c: char| c.is_ascii_digit())
            })
            .map(|w| {
                w.trim_start_matches('v')
                    .split(['~', '+', '-'])
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        // A node of the cluster: what its kubeadm expects; a node a test left before the
        // images step: the file's own value, which the real containerd must read from there.
        let sandbox = expected_sandbox(h).unwrap_or_else(|| written_sandbox(&h.name, &text));
        match check_written(&text, &version, &sandbox) {
            Some(line) => out.push(format!("{}: {line}", h.name)),
            None => return Vec::new(),
        }
    }
    out
}
