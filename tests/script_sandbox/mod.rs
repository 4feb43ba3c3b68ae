//! A scratch directory to run kubewiz's scripts in with bash as the engine runs them
//! (`bash -c READ_AND_RUN`, the script on stdin: src/ssh/connection.rs), with fake commands
//! first on PATH. Shared by the script tests (plan_scripts, upgrade_scripts); each adds how its
//! scripts are put together.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let s = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(s.bin()).unwrap();
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where the fake commands are (first on PATH).
    pub fn bin(&self) -> PathBuf {
        self.path().join("bin")
    }

    /// A fake command on PATH.
    pub fn tool(&self, name: &str, body: &str) {
        let p = self.bin().join(name);
        fs::write(&p, format!("#!/usr/bin/env bash\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    /// A file's text, empty when it is not there.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_default()
    }

    /// Runs `script` as the engine does, in the sandbox, with the fake commands first on PATH
    /// and no KW_STEP inherited.
    pub fn run_script(&self, script: &str) -> Output {
        let path = format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut child = Command::new("bash")
            .args(["-c", kubewiz::ssh::READ_AND_RUN])
            .env("PATH", path)
            .env_remove("KW_STEP")
            .current_dir(self.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}
