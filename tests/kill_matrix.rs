//! kill -9 of `kubewiz apply` at 20 points spread across the pipeline (chosen by step with a
//! fixed seed): after each, `apply` completes the install, no step recorded done is applied
//! again, and the journal is never corrupt.

mod fleet;
mod support;

use std::sync::Mutex;
use support::*;

const SEED: u64 = 2026;
const POINTS: usize = 20;
/// Fleets running at once (the machine has 2 cores).
const PARALLEL: usize = 3;

/// The remote steps of a 2-node cluster, in pipeline order, as `apply` prints them.
fn steps() -> Vec<(&'static str, &'static str)> {
    let common = [
        "facts",
        "repos",
        "hostname",
        "firewall",
        "swap",
        "modules",
        "sysctl",
        "time",
        "containerd",
        "packages",
        "images",
    ];
    let mut v: Vec<(&str, &str)> = common.iter().map(|s| ("cp", *s)).collect();
    v.extend(["init", "cni", "ready", "kubeconfig"].map(|s| ("cp", s)));
    v.extend(common.iter().map(|s| ("w1", *s)));
    v.extend(["join", "ready"].map(|s| ("w1", s)));
    v
}

/// A kill point: a step and whether to kill as it starts or right after it finishes.
fn points() -> Vec<String> {
    let mut rng = SEED;
    let mut next = || {
        // splitmix64: deterministic, no dependency.
        rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut all = steps();
    for i in (1..all.len()).rev() {
        all.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    all.into_iter()
        .take(POINTS)
        .map(|(node, step)| {
            if next() % 2 == 0 {
                format!("[{node}] ==> {step}:")
            } else {
                format!("[{node}] ok  {step}")
            }
        })
        .collect()
}

fn one_point(marker: &str) -> Result<(), String> {
    let opts = current_opts().ok_or("no fixture")?;
    let (fleet, work, cfg) = fleet::cp_and_worker(&opts);
    let seen = apply_and_kill_at(&cfg, marker);
    if !seen.contains(marker) {
        return Err(format!(
            "{marker}: never printed before the run ended:\n{seen}"
        ));
    }
    // Never corrupt: `journal` panics on invalid JSON.
    let done = done_steps(work.path());
    let before = applies(&fleet);
    let out = apply(&cfg);
    if !out.status.success() {
        return Err(format!("{marker}: resume failed:\n{}", text(&out)));
    }
    journal(work.path());
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);
    assert_no_done_step_reapplied(&fleet, &done, &before);
    Ok(())
}

#[test]
fn kill_9_at_20_points_then_apply_completes() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    if fixture("cni/calico-v3.26.5.yaml").is_none() {
        return;
    }
    let points = points();
    assert_eq!(points.len(), POINTS);
    let queue = Mutex::new(points.clone());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let Some(marker) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let r = std::panic::catch_unwind(|| one_point(&marker)).unwrap_or_else(|e| {
                        Err(format!(
                            "{marker}: panicked: {:?}",
                            e.downcast_ref::<String>()
                        ))
                    });
                    if let Err(e) = r {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "kill -9 matrix: {} points, {} survived: {points:?}",
        POINTS,
        POINTS - failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
