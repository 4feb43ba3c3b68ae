//! Faults on the test fleet: the network to a node drops (briefly and for good), sshd
//! restarts, a node reboots, a command hangs, Ctrl-C, a second kubewiz, a garbage journal,
//! join tokens that expired between interruption and resume.

mod fleet;
mod support;

use fleet::{Flavour, Fleet, HostSpec};
use std::path::{Path, PathBuf};
use support::*;

fn two_nodes() -> Fleet {
    Fleet::start(vec![
        HostSpec::new("cp", Flavour::Rocky9),
        HostSpec::new("w1", Flavour::Rocky9),
    ])
}

fn three_nodes() -> Fleet {
    Fleet::start(vec![
        HostSpec::new("cp", Flavour::Rocky9),
        HostSpec::new("w1", Flavour::Rocky9),
        HostSpec::new("w2", Flavour::Rocky9),
    ])
}

/// cluster.toml for a fleet: 1.27 + calico from the fixtures, upstream mirror.
fn config(fleet: &Fleet, work: &Path) -> Option<PathBuf> {
    Some(fleet.write_config(work, &current_opts()?))
}

fn setup(fleet: fn() -> Fleet) -> Option<(Fleet, tempfile::TempDir, PathBuf)> {
    fleet::require_root_or_skip()?;
    let f = fleet();
    let work = tempfile::tempdir().unwrap();
    let cfg = config(&f, work.path())?;
    Some((f, work, cfg))
}

#[test]
fn network_drop_of_5_s_is_survived() {
    let Some((fleet, _work, cfg)) = setup(two_nodes) else {
        return;
    };
    let mut run = spawn_apply(&cfg);
    assert!(run.wait_for("[w1] ==> containerd"), "{}", run.seen);
    fleet.host("w1").net_down();
    std::thread::sleep(std::time::Duration::from_secs(5));
    fleet.host("w1").net_up();
    let (code, out) = run.finish();
    assert_eq!(code, Some(0), "{out}");
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);
}

#[test]
fn network_lost_for_good_fails_that_node_only_and_apply_later_finishes() {
    let Some((fleet, _work, cfg)) = setup(three_nodes) else {
        return;
    };
    let mut run = spawn_apply(&cfg);
    assert!(run.wait_for("[w2] ==> packages"), "{}", run.seen);
    fleet.host("w2").net_down();
    let (code, out) = run.finish();
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("FAILED: node w2, step packages: connection lost"),
        "{out}"
    );
    assert!(out.contains("what to do: w2 has been unreachable"), "{out}");
    assert!(out.contains("run `kubewiz apply` again"), "{out}");
    // The others finished what does not depend on w2.
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);

    fleet.host("w2").net_up();
    let again = apply(&cfg);
    assert!(again.status.success(), "{}", text(&again));
    assert_all_ready(&fleet, "cp", &["cp", "w1", "w2"]);
}

#[test]
fn sshd_restart_and_node_reboot_mid_install_are_survived() {
    let Some((fleet, work, cfg)) = setup(three_nodes) else {
        return;
    };
    let mut run = spawn_apply(&cfg);
    assert!(run.wait_for("[w1] ==> images"), "{}", run.seen);
    fleet.host("w1").restart_sshd();
    assert!(run.wait_for("[w2] ok  containerd"), "{}", run.seen);
    // A reboot: processes and runtime state gone, files kept. The steps' boot-time
    // configuration (swap in fstab, modules-load.d, sysctl.d, enabled services) must hold.
    fleet.host("w2").reboot();
    let (code, out) = run.finish();
    if code != Some(0) {
        // The reboot may land in a step: a later apply must finish the job.
        let again = apply(&cfg);
        assert!(
            again.status.success(),
            "first run:\n{out}\nsecond run:\n{}",
            text(&again)
        );
    }
    assert_all_ready(&fleet, "cp", &["cp", "w1", "w2"]);
    let j = journal(work.path());
    assert_eq!(j["nodes"]["w2"]["steps"]["join"]["state"], "done");
}

#[test]
fn a_hung_command_times_out_and_its_remote_process_is_killed() {
    let Some(_) = fleet::require_root_or_skip() else {
        return;
    };
    let fleet = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Rocky9).profile("image_pull", 3600.0),
    ]);
    let work = tempfile::tempdir().unwrap();
    let Some(cfg) = config(&fleet, work.path()) else {
        return;
    };
    let mut text_cfg = std::fs::read_to_string(&cfg).unwrap();
    text_cfg.push_str("\n[timeouts]\nimages = 5\n");
    std::fs::write(&cfg, text_cfg).unwrap();
    let started = std::time::Instant::now();
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAILED: node cp, step images: timed out after 5 s"),
        "{stdout}"
    );
    // Far below the hung pull's 3600 s (not a speed bound: the machine may be loaded).
    assert!(
        started.elapsed().as_secs() < 900,
        "took {:?}",
        started.elapsed()
    );
    let ps = fleet.host("cp").exec_ok("ps -eo args");
    assert!(
        !ps.contains("images pull"),
        "the hung command is still running:\n{ps}"
    );
}

#[test]
fn ctrl_c_stops_gracefully_and_apply_resumes() {
    let Some((fleet, work, cfg)) = setup(two_nodes) else {
        return;
    };
    let mut run = spawn_apply(&cfg);
    assert!(run.wait_for("[cp] ==> containerd"), "{}", run.seen);
    run.signal("-INT");
    let (code, out) = run.finish();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("stopping: no new steps start"), "{out}");
    assert!(out.contains("run `kubewiz apply` again to resume"), "{out}");
    // Graceful: the running steps finished and were recorded; nothing is left "running".
    let j = journal(work.path());
    for (node, rec) in j["nodes"].as_object().unwrap() {
        for (step, s) in rec["steps"].as_object().unwrap() {
            assert_ne!(s["state"], "running", "{node}/{step} left running");
        }
    }
    assert_eq!(j["nodes"]["cp"]["steps"]["containerd"]["state"], "done");
    // No remote step is still at work.
    for h in &fleet.hosts {
        let ps = h.exec_ok("ps -eo args");
        assert!(
            !ps.contains("--kill-after") && !ps.contains("/dev/stdin"),
            "{}: orphaned step:\n{ps}",
            h.name
        );
    }
    let done = done_steps(work.path());
    let before = applies(&fleet);
    let again = apply(&cfg);
    assert!(again.status.success(), "{}", text(&again));
    assert_no_done_step_reapplied(&fleet, &done, &before);
}

#[test]
fn a_second_kubewiz_on_the_same_cluster_is_refused() {
    let Some((fleet, _work, cfg)) = setup(two_nodes) else {
        return;
    };
    let mut run = spawn_apply(&cfg);
    assert!(run.wait_for("==> hostname"), "{}", run.seen);
    let second = apply(&cfg);
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another kubewiz is working on this cluster"),
        "{err}"
    );
    let (code, out) = run.finish();
    assert_eq!(code, Some(0), "{out}");
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);
}

#[test]
fn a_garbage_journal_is_kept_aside_with_a_clear_error() {
    let Some((fleet, work, cfg)) = setup(two_nodes) else {
        return;
    };
    let state = work.path().join(".kubewiz");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(
        state.join("state.json"),
        "{\"version\":1,\"cluster\":{\"kuber",
    )
    .unwrap();
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is unreadable"), "{err}");
    assert!(err.contains("moved aside to"), "{err}");
    let kept = std::fs::read_dir(&state)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("state.json.corrupt-")
        });
    assert!(kept, "the bad file was not kept");
    // Nothing was touched on the nodes, and the next apply installs.
    assert!(fleet.hosts.iter().all(|h| h.step_applies().is_empty()));
    let again = apply(&cfg);
    assert!(again.status.success(), "{}", text(&again));
}

#[test]
fn join_tokens_aged_past_24_h_are_minted_anew_on_resume() {
    let Some((fleet, _work, cfg)) = setup(two_nodes) else {
        return;
    };
    let seen = apply_and_kill_at(&cfg, "[cp] ok  init");
    assert!(seen.contains("ok  init"), "{seen}");
    // Everything minted so far (init's own token included) is now 25 h old.
    fleet.host("cp").age_cluster_secrets(25 * 3600);
    let out = apply(&cfg);
    assert!(out.status.success(), "{}", text(&out));
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);
}
