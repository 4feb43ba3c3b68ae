//! A real terminal for end-to-end tests: a tmux server of our own (its own socket, no user
//! config) with one window running a program; keys go in with `send-keys`, the screen comes
//! back with `capture-pane`.
//!
//! Nothing here depends on where text lands on the screen or on how fast the machine is:
//! - the program's pid and exit status come from files the launching shell writes (after a
//!   `kill -9` the terminal is left as the program had it, so anything the shell printed would
//!   land mid-row and wrap);
//! - [`Tmux::screen`] joins wrapped lines (`capture-pane -J`), so a needle is found wherever
//!   the terminal broke it; [`Tmux::grid`] gives the rows as drawn, for layout checks;
//! - every wait polls a condition until a deadline that only a broken program reaches (the
//!   deadlines are generous because the machine may be loaded; a passing wait returns at once).
//!   A capture can catch a frame half drawn: wait for everything you then assert on, not for
//!   one part of a screen and then assert another part of the same capture.
//! - keys go to the program in order, with no pause: a key needs no wait unless it depends on
//!   something asynchronous (a probe, an install). After `Escape`, wait for the screen to change
//!   before the next key (a terminal cannot tell Esc then `x` from Alt-x when both arrive together).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// For waits on the user interface (a screen change after a key): long enough for a machine
/// under heavy load, reached only when the program is broken.
pub const UI: Duration = Duration::from_secs(60);

pub struct Tmux {
    socket: String,
    /// Where the launching shell writes `<n>.pid` and `<n>.rc` (launch n).
    runs: tempfile::TempDir,
    launches: Cell<usize>,
    program: PathBuf,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Tmux {
    /// Starts `program` in `cwd` with `env` in a `cols`x`rows` window; `tag` names the socket.
    pub fn start(
        tag: &str,
        program: &Path,
        cwd: &Path,
        env: &[(&str, &str)],
        (cols, rows): (u16, u16),
    ) -> Tmux {
        let t = Tmux {
            socket: format!("kwtui-{}-{tag}", std::process::id()),
            runs: tempfile::tempdir().expect("temp dir for the shell's files"),
            launches: Cell::new(0),
            program: program.to_path_buf(),
            cwd: cwd.to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let st = t
            .cmd()
            .args(["new-session", "-d", "-s", "main", "-x"])
            .arg(cols.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .arg(t.next_shell())
            .status()
            .expect("run tmux");
        assert!(st.success(), "tmux new-session failed");
        t
    }

    /// The shell command of the next launch: the program (exec'd by a shell that first writes
    /// its pid), then its exit status written atomically to a file; the window stays open.
    fn next_shell(&self) -> String {
        let n = self.launches.get() + 1;
        self.launches.set(n);
        let base = self.runs.path().join(n.to_string());
        let base = quote(&base.display().to_string());
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        format!(
            "cd {cwd} || exit 1; \
             sh -c 'echo $$ > \"$0.pid.tmp\" && mv \"$0.pid.tmp\" \"$0.pid\" && exec \"$@\"' {base} env {env} {prog}; \
             echo $? > {base}.rc.tmp; mv {base}.rc.tmp {base}.rc; exec sleep 1000000",
            cwd = quote(&self.cwd.display().to_string()),
            env = env.join(" "),
            prog = quote(&self.program.display().to_string()),
        )
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    /// Starts the program again in the same window (after it ended or was killed).
    pub fn respawn(&self) {
        let st = self
            .cmd()
            .args(["respawn-pane", "-k", "-t", "main"])
            .arg(self.next_shell())
            .status()
            .unwrap();
        assert!(st.success(), "tmux respawn-pane failed");
    }

    /// Sends tmux key names ("Enter", "Tab", "C-u", "q", ...) one by one, in order.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = self
                .cmd()
                .args(["send-keys", "-t", "main", k])
                .status()
                .unwrap();
            assert!(st.success(), "tmux send-keys {k} failed");
        }
    }

    /// Types `s` literally.
    pub fn text(&self, s: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "main", "-l", s])
            .status()
            .unwrap();
        assert!(st.success(), "tmux send-keys -l failed");
    }

    fn capture(&self, join: bool) -> String {
        let mut c = self.cmd();
        c.args(["capture-pane", "-p", "-t", "main"]);
        if join {
            c.arg("-J");
        }
        let out = c.output().unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// The screen's text with wrapped lines joined: search it for text.
    pub fn screen(&self) -> String {
        self.capture(true)
    }

    /// The screen's rows exactly as drawn (one line per row): for layout.
    pub fn grid(&self) -> String {
        self.capture(false)
    }

    /// Polls `pred` on the [`screen`](Self::screen) until it holds; panics with the screen
    /// after `timeout`.
    pub fn wait(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        self.wait_on(what, timeout, true, pred)
    }

    /// Like [`wait`](Self::wait) on the [`grid`](Self::grid).
    pub fn wait_grid(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        self.wait_on(what, timeout, false, pred)
    }

    fn wait_on(
        &self,
        what: &str,
        timeout: Duration,
        join: bool,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.capture(join);
            if pred(&s) {
                return s;
            }
            if t0.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen shows `needle` (wherever it wrapped).
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait(&format!("{needle:?}"), timeout, |s| s.contains(needle))
    }

    fn run_file(&self, ext: &str) -> PathBuf {
        self.runs
            .path()
            .join(format!("{}.{ext}", self.launches.get()))
    }

    /// The pid of the program of the current launch (written by the shell before exec).
    pub fn pid(&self) -> u32 {
        let f = self.run_file("pid");
        let t0 = Instant::now();
        loop {
            if let Some(pid) = std::fs::read_to_string(&f)
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                return pid;
            }
            assert!(
                t0.elapsed() < UI,
                "the program did not start within {UI:?}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The exit status of the current launch once it has ended (128 + n: killed by signal n).
    pub fn exit_code(&self) -> Option<i32> {
        std::fs::read_to_string(self.run_file("rc"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Waits until the program of the current launch has ended; returns its exit status.
    pub fn wait_exit(&self, timeout: Duration) -> i32 {
        let t0 = Instant::now();
        loop {
            if let Some(rc) = self.exit_code() {
                return rc;
            }
            if t0.elapsed() > timeout {
                panic!(
                    "the program did not end within {timeout:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("last screen:\n{}", self.grid());
        }
        let _ = self.cmd().arg("kill-server").status();
    }
}
