//! Start-up (issue 5, item 4): time from launching the real `kubewiz` binary to its first
//! drawn frame, and `kubewiz plan` on a 30-node cluster.toml.
//!
//! `cargo bench --bench startup` (about 20 s). Prints figures; never fails on a slow machine.
//! Target: first frame <= 100 ms.
//!
//! First frame: the wizard runs in a detached tmux pane (200x60, a fresh empty directory).
//! A tmux control-mode client (`tmux -C`) streams the pane's output as it arrives, so no
//! polling process competes with the start-up being measured. The clock starts when the
//! `new-window` command is written to tmux and stops when the welcome text reaches tmux.
//! That includes tmux forking `sh -c 'exec kubewiz'`; the same path with `tail` and with
//! `kubewiz --version` is measured too, as floors. Only the output of the launch's own pane
//! (its id from `new-window -P`) counts, so late output of the previous run cannot stop a clock.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubewiz");
const RUNS: usize = 20;
const WARMUP: usize = 2;
/// Text of the welcome screen (src/tui/screens/welcome.rs).
const WELCOME: &[u8] = b"Turn fresh Linux machines";
const ALT_SCREEN_ON: &[u8] = b"\x1b[?1049h";
/// How long a run may take before it is given up as lost (not a target: a slow run on a
/// loaded machine is measured, not dropped).
const PATIENCE: Duration = Duration::from_secs(60);

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "startup: {BIN}\n  machine: {} CPUs, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    first_frame(dir.path());
    plan(dir.path());
}

// ------------------------------------------------------------------ first frame

/// What the control client reports, in arrival order.
enum Note {
    /// `%output %<pane> <data>`: bytes a pane's program wrote.
    Output {
        at: Instant,
        pane: String,
        data: Vec<u8>,
    },
    /// `%window-close @<window>`: a window's program ended.
    Closed { at: Instant, window: String },
    /// A line of a command's reply (between `%begin` and `%end`).
    Reply(String),
}

struct Tmux {
    socket: String,
    client: Child,
    input: ChildStdin,
    notes: Receiver<Note>,
    /// Notes received while waiting for a reply, not yet looked at.
    pending: std::collections::VecDeque<Note>,
}

/// The window (`@n`) and pane (`%n`) of one launch: only their notes count for it (output of
/// an earlier launch can still arrive after the next one started).
struct Launch {
    t0: Instant,
    window: String,
    pane: String,
}

impl Tmux {
    fn cmd(socket: &str) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", socket, "-f", "/dev/null"]);
        c
    }

    fn start(dir: &Path) -> Option<Tmux> {
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("kwbench-{}-{n}", std::process::id());
        let ok = Tmux::cmd(&socket)
            .args([
                "new-session",
                "-d",
                "-s",
                "b",
                "-x",
                "200",
                "-y",
                "60",
                "-c",
            ])
            .arg(dir)
            .arg("sleep 1000000")
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        let mut client = Tmux::cmd(&socket)
            .args(["-C", "attach", "-t", "b"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let input = client.stdin.take()?;
        let stdout = client.stdout.take()?;
        let (tx, notes) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = Vec::new();
            let mut in_reply = false;
            loop {
                line.clear();
                match r.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let at = Instant::now();
                let text = String::from_utf8_lossy(&line);
                let word = |i: usize| text.split_whitespace().nth(i).unwrap_or("").to_string();
                let note = if line.starts_with(b"%begin ") {
                    in_reply = true;
                    continue;
                } else if line.starts_with(b"%end ") || line.starts_with(b"%error ") {
                    in_reply = false;
                    continue;
                } else if in_reply {
                    Note::Reply(text.trim_end().to_string())
                } else if line.starts_with(b"%window-close ")
                    || line.starts_with(b"%unlinked-window-close ")
                {
                    Note::Closed {
                        at,
                        window: word(1),
                    }
                } else if let Some(rest) = line.strip_prefix(b"%output ") {
                    // "%output %<pane> <data>": data has bytes < 32 and '\' as \ooo.
                    let data = match rest.iter().position(|&b| b == b' ') {
                        Some(i) => &rest[i + 1..],
                        None => continue,
                    };
                    Note::Output {
                        at,
                        pane: word(1),
                        data: unescape(data),
                    }
                } else {
                    continue;
                };
                if tx.send(note).is_err() {
                    break;
                }
            }
        });
        let mut t = Tmux {
            socket,
            client,
            input,
            notes,
            pending: Default::default(),
        };
        // The size of the windows this client sees (a control client has none otherwise).
        t.send("refresh-client -C 200x60");
        Some(t)
    }

    fn send(&mut self, command: &str) {
        let _ = writeln!(self.input, "{command}");
        let _ = self.input.flush();
    }

    fn next(&mut self, deadline: Instant) -> Option<Note> {
        if let Some(n) = self.pending.pop_front() {
            return Some(n);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        match self.notes.recv_timeout(left) {
            Ok(n) => Some(n),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits until `needle` has appeared in the output of `launch`'s pane (empty: until its
    /// window closed); returns when it arrived.
    fn wait_for(
        &mut self,
        launch: &Launch,
        seen: &mut Vec<u8>,
        needle: &[u8],
        timeout: Duration,
    ) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if !needle.is_empty() && contains(seen, needle) {
                return Some(Instant::now());
            }
            match self.next(deadline)? {
                Note::Closed { at, window } if needle.is_empty() && window == launch.window => {
                    return Some(at);
                }
                Note::Output { at, pane, data } if pane == launch.pane => {
                    seen.extend_from_slice(&data);
                    if !needle.is_empty() && contains(seen, needle) {
                        return Some(at);
                    }
                }
                _ => {}
            }
        }
    }

    /// Starts `command` in a new window (200x60); the clock starts when that was asked. The
    /// other windows but the first are closed (`respawn-pane -k` in one pane loses output and
    /// crashed tmux 3.3a here); their late output is told apart by the pane id.
    fn launch(&mut self, command: &str) -> Option<Launch> {
        self.send("kill-window -a -t b:0");
        let t0 = Instant::now();
        self.send(&format!(
            "new-window -P -F 'kwlaunch #{{window_id}} #{{pane_id}}' -t b '{command}'"
        ));
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut early = Vec::new();
        let ids = loop {
            match self.next(deadline)? {
                Note::Reply(r) if r.starts_with("kwlaunch ") => break r,
                other => early.push(other),
            }
        };
        // What came while waiting for the reply is looked at again by wait_for.
        for n in early.into_iter().rev() {
            self.pending.push_front(n);
        }
        let mut w = ids.split_whitespace().skip(1);
        Some(Launch {
            t0,
            window: w.next()?.to_string(),
            pane: w.next()?.to_string(),
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Tmux::cmd(&self.socket)
            .arg("kill-server")
            .stderr(Stdio::null())
            .status();
        let _ = self.client.kill();
        let _ = self.client.wait();
    }
}

fn unescape(data: &[u8]) -> Vec<u8> {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'\\'
            && i + 4 <= data.len()
            && data[i + 1..i + 4].iter().all(|b| (b'0'..=b'7').contains(b))
        {
            let v = (data[i + 1] - b'0') as u32 * 64
                + (data[i + 2] - b'0') as u32 * 8
                + (data[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// After this many runs in a row without the expected output, tmux gets a fresh server
/// (tmux 3.3a has been seen to stop reporting a pane's output to the control client).
const RESTART_AFTER: usize = 2;

fn restart(tmux: &mut Tmux, dir: &Path, fails: &mut usize) {
    *fails += 1;
    if *fails >= RESTART_AFTER
        && let Some(t) = Tmux::start(dir)
    {
        println!("  (no output from tmux for {fails} runs: restarted the tmux server)");
        *tmux = t;
        *fails = 0;
    }
}

fn first_frame(dir: &Path) {
    let Some(mut tmux) = Tmux::start(dir) else {
        println!("first frame: tmux not available, skipped");
        return;
    };
    println!(
        "first frame: tmux pane 200x60, empty directory, {RUNS} runs after {WARMUP} warm-up; target <= 100 ms"
    );

    // Floors: the same launch path with a trivial program that prints and stays (a program
    // that exits at once can lose its output in tmux), and kubewiz without the TUI.
    let ready = dir.join("ready.txt");
    std::fs::write(&ready, "kwready\n").expect("write ready.txt");
    for (label, command, needle) in [
        (
            "tail (floor: tmux + sh + exec)",
            format!("exec tail -n +1 -f {}", ready.display()),
            &b"kwready"[..],
        ),
        (
            "kubewiz --version (forked by sh)",
            format!("{BIN} --version; exec sleep 5"),
            &b"kubewiz "[..],
        ),
    ] {
        let mut times = Vec::new();
        let (mut failed, mut fails) = (0, 0);
        for i in 0..RUNS + WARMUP {
            let mut seen = Vec::new();
            let arrived = tmux
                .launch(&command)
                .and_then(|l| Some((l.t0, tmux.wait_for(&l, &mut seen, needle, PATIENCE)?)));
            match arrived {
                Some((t0, t)) => {
                    fails = 0;
                    if i >= WARMUP {
                        times.push(t - t0);
                    }
                }
                None => {
                    failed += 1;
                    restart(&mut tmux, dir, &mut fails);
                }
            }
        }
        report(&format!("  {label:<40}"), &mut times);
        if failed > 0 {
            println!(
                "  ({failed} run(s) without output within {} s, not counted)",
                PATIENCE.as_secs()
            );
        }
    }

    let mut alt = Vec::new();
    let mut frame = Vec::new();
    let (mut failed, mut fails) = (0, 0);
    for i in 0..RUNS + WARMUP {
        let Some(l) = tmux.launch(&format!("exec {BIN}")) else {
            failed += 1;
            restart(&mut tmux, dir, &mut fails);
            continue;
        };
        let mut seen = Vec::new();
        let t_alt = tmux.wait_for(&l, &mut seen, ALT_SCREEN_ON, PATIENCE);
        let t_frame = tmux.wait_for(&l, &mut seen, WELCOME, PATIENCE);
        match (t_alt, t_frame) {
            (Some(a), Some(f)) => {
                fails = 0;
                if i >= WARMUP {
                    alt.push(a - l.t0);
                    frame.push(f - l.t0);
                }
            }
            _ => {
                failed += 1;
                restart(&mut tmux, dir, &mut fails);
                continue;
            }
        }
        // Quit the way a user does (q, then y to confirm) and wait for the program to end.
        // (tmux may drop the last output of a program that exits, so the window closing is
        // what is waited for.)
        tmux.send(&format!("send-keys -t {} q", l.pane));
        tmux.send(&format!("send-keys -t {} y", l.pane));
        if tmux.wait_for(&l, &mut Vec::new(), b"", PATIENCE).is_none() {
            println!(
                "  (run {i}: kubewiz did not quit on q y within {} s; killed)",
                PATIENCE.as_secs()
            );
        }
    }
    report(
        &format!("  {:<40}", "kubewiz: terminal set up (alt screen on)"),
        &mut alt,
    );
    report(
        &format!("  {:<40}", "kubewiz: first frame (welcome text)"),
        &mut frame,
    );
    if failed > 0 {
        println!(
            "  ({failed} run(s) showed no welcome screen within {} s, not counted)",
            PATIENCE.as_secs()
        );
    }
}

// ------------------------------------------------------------------ plan

fn cluster_toml(nodes: usize) -> String {
    let mut s = String::from(
        r#"[cluster]
name = "bench"
kubernetes_version = "1.25.3"
pod_cidr = "10.244.0.0/16"
service_cidr = "10.96.0.0/12"
cni = "calico"
mirror = "aliyun"
proxy_mode = "ipvs"
dashboard = true
timezone = "Asia/Shanghai"

[ssh]
user = "root"
port = 22
host_key_policy = "accept-new"
"#,
    );
    for i in 0..nodes {
        let (name, role) = if i == 0 {
            ("k8s-master".to_string(), "control-plane")
        } else {
            (format!("k8s-node{i:02}"), "worker")
        };
        s.push_str(&format!(
            "\n[[node]]\nname = \"{name}\"\naddress = \"192.0.2.{}\"\nrole = \"{role}\"\n",
            10 + i
        ));
    }
    s
}

fn plan(dir: &Path) {
    let cfg = dir.join("cluster-30.toml");
    std::fs::write(&cfg, cluster_toml(30)).expect("write cluster.toml");
    println!(
        "plan: `kubewiz plan -c cluster.toml`, 30 nodes, {RUNS} runs after {WARMUP} warm-up (wall, then CPU)"
    );
    for (label, args) in [
        (
            "kubewiz --version (process floor)",
            vec!["--version".into()],
        ),
        (
            "kubewiz plan, 30 nodes",
            vec!["plan".into(), "-c".into(), cfg.display().to_string()],
        ),
        (
            "kubewiz check, 30 nodes",
            vec!["check".into(), "-c".into(), cfg.display().to_string()],
        ),
    ] {
        let mut times = Vec::new();
        let mut cpu = Vec::new();
        let mut bytes = 0;
        for i in 0..RUNS + WARMUP {
            let c = children_cpu();
            let t = Instant::now();
            let out = Command::new(BIN)
                .args(&args)
                .current_dir(dir)
                .stdin(Stdio::null())
                .output()
                .expect("run kubewiz");
            let d = t.elapsed();
            let c = children_cpu().saturating_sub(c);
            if !out.status.success() {
                println!(
                    "  {label}: exit {} — {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                break;
            }
            bytes = out.stdout.len();
            if i >= WARMUP {
                times.push(d);
                cpu.push(c);
            }
        }
        report(&format!("  {label:<40}"), &mut times);
        report(&format!("  {:<40}", "  CPU time (user+sys)"), &mut cpu);
        if args.len() > 1 {
            println!("  {:<40} output {:.1} KB", "", bytes as f64 / 1024.0);
        }
    }
}

/// User + system CPU time of all waited-for children so far.
fn children_cpu() -> Duration {
    // SAFETY: getrusage fills the struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn report(label: &str, times: &mut [Duration]) {
    if times.is_empty() {
        println!("{label} no measurement");
        return;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label} median {:7.2} ms   min {:7.2}   max {:7.2}   (n={})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}
