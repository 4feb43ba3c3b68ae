//! An in-process [`Transport`] for unit tests of the scheduler: every node is a table of
//! scripted replies, keyed by the `KW_NODE`/`KW_STEP` a rendered script exports. It keeps a
//! log of what ran where, can refuse connections for a while (a node down), lose the
//! connection in the middle of a script, hang until killed, and take time on tokio's clock
//! (so a test with a paused clock runs retry windows and backoffs in microseconds).

use super::{Session, Transport};
use crate::ssh::{ExitInfo, Line, OutputSink, SshError};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// What a script does when it runs (one reply per attempt; the last one repeats).
#[derive(Debug, Clone)]
pub enum Reply {
    /// Prints these lines (`::kw::` lines become structured) and exits with `code`.
    Exit { code: i32, lines: Vec<String> },
    /// Takes this long (tokio time), then exits 0.
    Sleep(Duration),
    /// The connection drops in the middle of the script: the host refuses connections for
    /// this long (tokio time) after that.
    Lose { down_for: Duration },
    /// Runs until its process group is killed (or the task is dropped).
    Hang,
    /// Takes this long (tokio time), then does the other reply.
    After(Duration, Box<Reply>),
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Exit {
            code: 0,
            lines: vec![],
        }
    }
    pub fn fail(code: i32, line: &str) -> Reply {
        Reply::Exit {
            code,
            lines: vec![line.to_string()],
        }
    }
}

/// One script that ran: where, which step, when (since the fake was made).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub host: String,
    pub node: String,
    pub step: String,
    pub at: Duration,
}

#[derive(Default)]
struct World {
    replies: HashMap<(String, String), VecDeque<Reply>>,
    down_until: HashMap<String, Instant>,
    calls: Vec<Call>,
    connects: HashMap<String, u32>,
    killed: Vec<u32>,
    next_pgid: u32,
    /// Sessions opened before a loss are dead: each has the host's generation it was opened at.
    generation: HashMap<String, u32>,
    /// Scripts running now on each session (by session number), and the most ever at once on
    /// one session (a real sshd refuses more than MaxSessions, 10 by default).
    on_session: HashMap<u32, usize>,
    most_on_a_session: usize,
    sessions: u32,
}

/// The fake network; clone it to keep a handle for assertions.
#[derive(Clone)]
pub struct Fake {
    world: Arc<Mutex<World>>,
    kills: Arc<Notify>,
    epoch: Instant,
}

impl Default for Fake {
    fn default() -> Self {
        Fake::new()
    }
}

impl Fake {
    pub fn new() -> Fake {
        Fake {
            world: Arc::default(),
            kills: Arc::default(),
            epoch: Instant::now(),
        }
    }

    /// Scripts the replies of `step` on `node`, one per attempt (the last one repeats).
    /// Unscripted steps exit 0 silently; `facts` prints the facts of a good node.
    pub fn on(&self, node: &str, step: &str, replies: Vec<Reply>) -> &Self {
        self.world
            .lock()
            .unwrap()
            .replies
            .insert((node.to_string(), step.to_string()), replies.into());
        self
    }

    /// Every script that ran, in order of starting.
    pub fn calls(&self) -> Vec<Call> {
        self.world.lock().unwrap().calls.clone()
    }

    /// The steps that ran on `node` (journal owner), in order of starting.
    pub fn steps_of(&self, node: &str) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.node == node)
            .map(|c| c.step)
            .collect()
    }

    /// How many connections were opened to `host` (successful or not).
    pub fn connects(&self, host: &str) -> u32 {
        self.world
            .lock()
            .unwrap()
            .connects
            .get(host)
            .copied()
            .unwrap_or(0)
    }

    /// The most scripts that ever ran at once over one connection.
    pub fn most_scripts_on_a_connection(&self) -> usize {
        self.world.lock().unwrap().most_on_a_session
    }

    /// Process groups killed.
    pub fn killed(&self) -> Vec<u32> {
        self.world.lock().unwrap().killed.clone()
    }

    fn reply(&self, node: &str, step: &str) -> Reply {
        let mut w = self.world.lock().unwrap();
        match w.replies.get_mut(&(node.to_string(), step.to_string())) {
            Some(q) if q.len() > 1 => q.pop_front().expect("non-empty"),
            Some(q) if !q.is_empty() => q[0].clone(),
            _ if step == "facts" => Reply::Exit {
                code: 0,
                lines: good_facts(node),
            },
            _ if step == "mint-join" => Reply::Exit {
                code: 0,
                lines: vec![
                    "::kw::secret token=abcdef.0123456789abcdef".into(),
                    format!("::kw::secret ca_cert_hash=sha256:{}", "a".repeat(64)),
                    format!("::kw::secret certificate_key={}", "b".repeat(64)),
                ],
            },
            _ => Reply::ok(),
        }
    }
}

/// The facts of a node that passes preflight (2 CPUs, 4 GB, Debian 12, unique ids).
pub fn good_facts(node: &str) -> Vec<String> {
    let id = node
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let epoch = crate::engine::journal::now();
    [
        "os_id=debian".to_string(),
        "os_version=12".into(),
        "os_family=debian".into(),
        "kernel=6.1.0-18-amd64".into(),
        "cgroup_version=2".into(),
        "cpus=2".into(),
        "memory_mb=4096".into(),
        "swap_mb=0".into(),
        format!("product_uuid=uuid-{id:08x}"),
        format!(
            "macs=02:00:00:{:02x}:{:02x}:{:02x}",
            id >> 16 & 0xff,
            id >> 8 & 0xff,
            id & 0xff
        ),
        format!("hostname={node}"),
        format!("epoch={epoch}"),
        "can_sudo=1".into(),
    ]
    .into_iter()
    .map(|kv| format!("::kw::fact {kv}"))
    .collect()
}

/// `export NAME='value'` from a rendered script.
fn exported(script: &str, name: &str) -> String {
    let prefix = format!("export {name}=");
    script
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(|v| v.trim_matches('\'').to_string())
        .unwrap_or_default()
}

#[async_trait]
impl Transport for Fake {
    async fn connect(&self, host: &str) -> Result<Arc<dyn Session>, SshError> {
        let mut w = self.world.lock().unwrap();
        *w.connects.entry(host.to_string()).or_default() += 1;
        if w.down_until.get(host).is_some_and(|&t| Instant::now() < t) {
            return Err(SshError::Unreachable {
                node: host.to_string(),
                address: host.to_string(),
                detail: "Connection refused (fake)".into(),
            });
        }
        let generation = *w.generation.entry(host.to_string()).or_default();
        w.sessions += 1;
        Ok(Arc::new(FakeSession {
            fake: self.clone(),
            host: host.to_string(),
            generation,
            id: w.sessions,
        }))
    }
}

struct FakeSession {
    fake: Fake,
    host: String,
    generation: u32,
    id: u32,
}

/// Counts a script as running on its session until dropped (also when the task is aborted).
struct Running<'a>(&'a FakeSession);

impl<'a> Running<'a> {
    fn new(s: &'a FakeSession) -> Running<'a> {
        let mut w = s.fake.world.lock().unwrap();
        let n = w.on_session.entry(s.id).or_default();
        *n += 1;
        let n = *n;
        w.most_on_a_session = w.most_on_a_session.max(n);
        Running(s)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut w = self.0.fake.world.lock().unwrap();
        if let Some(n) = w.on_session.get_mut(&self.0.id) {
            *n = n.saturating_sub(1);
        }
    }
}

impl FakeSession {
    fn check_alive(&self) -> Result<(), SshError> {
        let w = self.fake.world.lock().unwrap();
        if w.generation.get(&self.host).copied().unwrap_or(0) != self.generation {
            return Err(self.lost());
        }
        Ok(())
    }

    fn lost(&self) -> SshError {
        SshError::ConnectionLost {
            node: self.host.clone(),
            detail: "connection closed (fake)".into(),
        }
    }
}

#[async_trait]
impl Session for FakeSession {
    async fn run_script(
        &self,
        script: &str,
        _timeout: Duration,
        sink: &mut (dyn OutputSink + Send),
    ) -> Result<ExitInfo, SshError> {
        self.check_alive()?;
        let _running = Running::new(self);
        let node = exported(script, "KW_NODE");
        let step = exported(script, "KW_STEP");
        let pgid = {
            let mut w = self.fake.world.lock().unwrap();
            w.calls.push(Call {
                host: self.host.clone(),
                node: node.clone(),
                step: step.clone(),
                at: self.fake.epoch.elapsed(),
            });
            w.next_pgid += 1;
            1000 + w.next_pgid
        };
        sink.line(Line::Structured(format!("pgid {pgid}")));
        let mut reply = self.fake.reply(&node, &step);
        while let Reply::After(d, then) = reply {
            tokio::time::sleep(d).await;
            reply = *then;
        }
        let code = match reply {
            Reply::After(..) => unreachable!("unwrapped above"),
            Reply::Exit { code, lines } => {
                for l in lines {
                    sink.line(match l.strip_prefix("::kw::") {
                        Some(rest) => Line::Structured(rest.to_string()),
                        None => Line::Stdout(l),
                    });
                }
                Some(code)
            }
            Reply::Sleep(d) => {
                tokio::time::sleep(d).await;
                Some(0)
            }
            Reply::Lose { down_for } => {
                let mut w = self.fake.world.lock().unwrap();
                *w.generation.entry(self.host.clone()).or_default() += 1;
                w.down_until
                    .insert(self.host.clone(), Instant::now() + down_for);
                return Err(self.lost());
            }
            Reply::Hang => loop {
                let killed = self.fake.kills.notified();
                if self.fake.world.lock().unwrap().killed.contains(&pgid) {
                    break None;
                }
                killed.await;
            },
        };
        Ok(ExitInfo {
            code,
            timed_out: false,
        })
    }

    async fn run_command(
        &self,
        _program: &str,
        _args: &[&str],
    ) -> Result<(Option<i32>, String), SshError> {
        self.check_alive()?;
        Ok((Some(1), String::new()))
    }

    async fn upload(&self, _path: &str, _data: &[u8], _mode: &str) -> Result<(), SshError> {
        self.check_alive()
    }

    async fn kill_group(&self, pgid: u32) {
        self.fake.world.lock().unwrap().killed.push(pgid);
        self.fake.kills.notify_waiters();
    }

    async fn close(self: Arc<Self>) {}
}
