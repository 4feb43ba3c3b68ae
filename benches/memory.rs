//! UI under load (issue 5, item 3): peak memory of a 50-node install view after 10^6 log
//! lines in total. Each scenario runs in a process of its own (peak RSS is per process):
//! this binary re-executes itself with `KW_MEMBENCH_SCENARIO` set.
//!
//! `cargo bench --bench memory` (about 10 s). Prints figures; never fails on a slow machine.
//! Target: <= 64 MB peak resident memory at 50 nodes.
//!
//! Heap figures come from a counting global allocator (live bytes requested, not counting
//! malloc's own overhead); resident figures from /proc/self/status (VmHWM = peak RSS).

mod common;

use common::*;
use kubewiz::engine::{Event, Stream};
use kubewiz::plan::StepId;
use kubewiz::tui::{Msg, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            COUNT.fetch_add(1, Relaxed);
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            COUNT.fetch_add(1, Relaxed);
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            COUNT.fetch_add(1, Relaxed);
            if new >= l.size() {
                grew(new - l.size());
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TOTAL_LINES: usize = 1_000_000;
/// The runtime takes up to 20,000 queued messages per frame (src/tui/app.rs).
const LINES_PER_FRAME: usize = 20_000;

struct Scenario {
    name: &'static str,
    what: &'static str,
    nodes: usize,
    /// None: the realistic mix of `common::line_text` (about 90 columns).
    line_len: Option<usize>,
    /// Lines fed in total.
    lines: usize,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "typical",
        what: "50 nodes, 10^6 lines of ~90 columns (yum/apt/kubeadm-like), round robin",
        nodes: NODES,
        line_len: None,
        lines: TOTAL_LINES,
    },
    Scenario {
        name: "long-1k",
        what: "50 nodes, 10^6 lines of 1024 columns (e.g. JSON, base64, joined \\r progress)",
        nodes: NODES,
        line_len: Some(1024),
        lines: TOTAL_LINES,
    },
    Scenario {
        name: "long-4k",
        what: "50 nodes, 10^6 lines of 4096 columns",
        nodes: NODES,
        line_len: Some(4096),
        lines: TOTAL_LINES,
    },
    Scenario {
        name: "long-64k",
        what: "50 nodes, 50,000 lines of 64 KiB (enough to fill every pane; 10^6 would copy 64 GB)",
        nodes: NODES,
        line_len: Some(64 * 1024),
        lines: 50_000,
    },
];

fn status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn kb_mb(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.1} MB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

fn run_scenario(s: &Scenario) {
    let base_hwm = status_kb("VmHWM:");
    let names: Vec<String> = (0..s.nodes).map(node_name).collect();
    let long: Option<String> = s.line_len.map(|n| {
        "0123456789abcdefghijklmnopqrstuvwxyz "
            .chars()
            .cycle()
            .take(n)
            .collect()
    });
    let mut m = install_model(s.nodes);
    let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
    let t = Instant::now();
    for seq in 0..s.lines {
        let msg = match &long {
            None => line(&names[seq % s.nodes], seq),
            Some(text) => Msg::Engine(Event::Line {
                node: names[seq % s.nodes].clone(),
                step: StepId::ALL[seq % StepId::ALL.len()],
                stream: Stream::Stdout,
                text: text.clone(),
            }),
        };
        update(&mut m, msg);
        if seq % LINES_PER_FRAME == LINES_PER_FRAME - 1 {
            term.draw(|f| view(f, &m)).unwrap();
        }
    }
    term.draw(|f| view(f, &m)).unwrap();
    let elapsed = t.elapsed();
    let kept: usize = m.install.nodes.iter().map(|n| n.log.len()).sum();
    let dropped: u64 = m.install.nodes.iter().map(|n| n.log.dropped).sum();
    println!("scenario {}: {}", s.name, s.what);
    println!(
        "  lines fed {} in {:.2} s ({:.2} M lines/s incl. building them and a frame per {LINES_PER_FRAME})",
        s.lines,
        elapsed.as_secs_f64(),
        s.lines as f64 / elapsed.as_secs_f64() / 1e6
    );
    let text: usize = m
        .install
        .nodes
        .iter()
        .flat_map(|n| n.log.visible(usize::MAX))
        .map(str::len)
        .sum();
    println!(
        "  lines kept in panes {kept} (dropped {dropped}), their text {:.1} MB",
        mb(text)
    );
    println!(
        "  heap live at end {:.1} MB, heap peak {:.1} MB, allocations {}",
        mb(LIVE.load(Relaxed)),
        mb(PEAK.load(Relaxed)),
        COUNT.load(Relaxed)
    );
    println!(
        "  RSS peak (VmHWM) {} (before the model: {}), RSS now {}",
        kb_mb(status_kb("VmHWM:")),
        kb_mb(base_hwm),
        kb_mb(status_kb("VmRSS:"))
    );
    std::hint::black_box(&m);
}

fn main() {
    if let Ok(name) = std::env::var("KW_MEMBENCH_SCENARIO") {
        let s = SCENARIOS
            .iter()
            .find(|s| s.name == name)
            .expect("unknown scenario");
        run_scenario(s);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo bench --bench memory -- typical` picks scenarios.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let exe = std::env::current_exe().expect("current exe");
    println!(
        "memory: 50-node install view, 10^6 log lines, one process per scenario; target <= 64 MB peak RSS"
    );
    for s in SCENARIOS {
        if !wanted.is_empty() && !wanted.iter().any(|w| s.name.contains(w.as_str())) {
            continue;
        }
        let out = Command::new(&exe)
            .env("KW_MEMBENCH_SCENARIO", s.name)
            .output()
            .expect("run scenario");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            println!(
                "  scenario {} failed: {}\n{}",
                s.name,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
