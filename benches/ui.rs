//! UI under load (issue 5, item 3): how long one frame of the install screen takes with 50
//! nodes each holding a full scrollback, and how many log lines per second `update` ingests.
//!
//! `cargo bench --bench ui` (about a minute). Reports only; nothing here fails on a slow
//! machine. Targets: one frame <= 2 ms at 50 nodes; >= 1,000,000 lines/s ingested.

mod common;

use common::clock::Clock;
use common::*;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
type C = Criterion<Clock>;
use kubewiz::tui::{Msg, update, view};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::Cell;
use std::hint::black_box;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

/// A terminal that discards what it is sent, counting the bytes.
struct CountingSink(Rc<Cell<usize>>);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend")
}

/// One full frame as the runtime draws it: `view` into the buffer, diff against the previous
/// frame, write the changed cells to the (in-memory) backend.
fn render(c: &mut C) {
    println!(
        "ui: clock = {}; machine: {} CPUs, load average {}",
        Clock::from_env().name(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut g = c.benchmark_group("render_200x60");
    g.throughput(Throughput::Elements(1));

    // Nothing changed since the last frame (e.g. a tick): view + an empty diff.
    let m = full_model(NODES, FILL_PER_NODE);
    let mut term = terminal();
    g.bench_function("50_nodes_static", |b| {
        b.iter(|| {
            term.draw(|f| view(f, black_box(&m))).unwrap();
        })
    });

    // The common case while installing: a line arrived in the selected (followed) pane since
    // the last frame, so the whole pane scrolls and every row of it is rewritten.
    let mut m = full_model(NODES, FILL_PER_NODE);
    let sel = node_name(m.install.selected);
    let mut term = terminal();
    let mut seq = 0usize;
    g.bench_function("50_nodes_scrolling", |b| {
        b.iter(|| {
            seq += 1;
            update(&mut m, line(&sel, seq));
            term.draw(|f| view(f, &m)).unwrap();
        })
    });

    // The same through the real terminal backend (crossterm escape sequences), written to
    // memory instead of a tty: what a frame costs the runtime before the write(2).
    let mut m = full_model(NODES, FILL_PER_NODE);
    let written = Rc::new(Cell::new(0usize));
    let mut term = Terminal::with_options(
        CrosstermBackend::new(CountingSink(written.clone())),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)),
        },
    )
    .expect("crossterm backend");
    let mut frames = 0usize;
    g.bench_function("50_nodes_scrolling_crossterm", |b| {
        b.iter(|| {
            seq += 1;
            update(&mut m, line(&sel, seq));
            term.draw(|f| view(f, &m)).unwrap();
            frames += 1;
        })
    });
    if frames > 0 {
        println!(
            "render_200x60/50_nodes_scrolling_crossterm: {:.1} KB of terminal output per frame",
            written.get() as f64 / frames as f64 / 1024.0
        );
    }

    // Zoomed: the selected pane full screen.
    let mut m = full_model(NODES, FILL_PER_NODE);
    m.install.zoom = true;
    let mut term = terminal();
    g.bench_function("50_nodes_zoomed_scrolling", |b| {
        b.iter(|| {
            seq += 1;
            update(&mut m, line(&sel, seq));
            term.draw(|f| view(f, &m)).unwrap();
        })
    });

    // The grid layout (<= 4 nodes: every pane visible and scrolling at once).
    let mut m = full_model(4, FILL_PER_NODE);
    let names: Vec<String> = (0..4).map(node_name).collect();
    let mut term = terminal();
    g.bench_function("4_nodes_grid_scrolling", |b| {
        b.iter(|| {
            for n in &names {
                seq += 1;
                update(&mut m, line(n, seq));
            }
            term.draw(|f| view(f, &m)).unwrap();
        })
    });

    // A fresh terminal every time: the first frame (full redraw, nothing to diff against).
    let m = full_model(NODES, FILL_PER_NODE);
    g.bench_function("50_nodes_first_frame", |b| {
        b.iter_batched(
            terminal,
            |mut term| {
                term.draw(|f| view(f, &m)).unwrap();
                term
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

const BATCH: usize = 10_000;

/// Lines through `update` into full panes (steady state: every push also drops the oldest
/// line). The messages are built outside the timed part, as the engine builds them.
fn ingest(c: &mut C) {
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(BATCH as u64));
    let names: Vec<String> = (0..NODES).map(node_name).collect();

    let mut m = full_model(NODES, FILL_PER_NODE);
    let mut seq = 0usize;
    g.bench_function("lines_50_nodes_round_robin", |b| {
        b.iter_custom(|iters| {
            timed_batches(iters, &mut m, |i| line(&names[i % NODES], i), &mut seq)
        })
    });

    // All lines for the last node in the list (the longest lookup by name).
    let mut m = full_model(NODES, FILL_PER_NODE);
    let last = names[NODES - 1].clone();
    g.bench_function("lines_50_nodes_last_node", |b| {
        b.iter_custom(|iters| timed_batches(iters, &mut m, |i| line(&last, i), &mut seq))
    });

    // The same through 1 node: what the per-line cost is without the node lookup.
    let mut m = full_model(1, FILL_PER_NODE);
    let first = names[0].clone();
    g.bench_function("lines_1_node", |b| {
        b.iter_custom(|iters| timed_batches(iters, &mut m, |i| line(&first, i), &mut seq))
    });
    g.finish();
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn timed_batches(
    iters: u64,
    m: &mut kubewiz::tui::Model,
    mk: impl Fn(usize) -> Msg,
    seq: &mut usize,
) -> Duration {
    let clock = Clock::from_env();
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let msgs: Vec<Msg> = (0..BATCH)
            .map(|_| {
                *seq += 1;
                mk(*seq)
            })
            .collect();
        let t = clock.now();
        for msg in msgs {
            black_box(update(m, msg));
        }
        total += clock.now() - t;
    }
    total
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .with_measurement(Clock::from_env())
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = render, ingest
}
criterion_main!(benches);
