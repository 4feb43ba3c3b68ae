//! The caps at the scale issue 15 measured: slots held for what other nodes wait for, and
//! waits spread over connections instead of queueing behind three.

use super::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn work_other_nodes_wait_for_starts_when_its_input_ends_though_the_slots_are_taken() {
    let c = cluster();
    // cp: packages (3 s) -> modules, images (1 s each) -> init -> w1's and w2's join.
    // w1 and w2: four 5 s steps each that nothing else waits for. 8 --parallel slots: without
    // held slots, packages + 7 workers' steps take all 8 and modules waits 2 s for a slot.
    let mut tasks = vec![
        remote("cp", StepId::Packages, vec![]),
        remote("cp", StepId::Modules, vec![0]),
        remote("cp", StepId::Images, vec![0]),
        remote("cp", StepId::Init, vec![1, 2]),
    ];
    let own = [
        StepId::Hostname,
        StepId::Firewall,
        StepId::Swap,
        StepId::Sysctl,
    ];
    for n in ["w1", "w2"] {
        for s in own {
            tasks.push(remote(n, s, vec![]));
            c.fake
                .on(n, s.name(), vec![Reply::Sleep(Duration::from_secs(5))]);
        }
        tasks.push(remote(n, StepId::Join, vec![3]));
    }
    c.fake
        .on("cp", "packages", vec![Reply::Sleep(Duration::from_secs(3))]);
    for s in ["modules", "images"] {
        c.fake
            .on("cp", s, vec![Reply::Sleep(Duration::from_secs(1))]);
    }
    let opts = Options {
        parallel: 8,
        ..Default::default()
    };
    let mut running = 0usize;
    let mut most = 0usize;
    let (summary, _) = run_with(&c, plan(tasks), opts, |ev, _| match ev {
        Event::StepStarted { .. } => {
            running += 1;
            most = most.max(running);
        }
        Event::StepFinished { .. } | Event::StepFailed { .. } => running -= 1,
        _ => {}
    })
    .await;
    assert!(summary.ok, "{summary:?}");
    let at = |node: &str, step: &str| {
        c.fake
            .calls()
            .into_iter()
            .find(|x| x.node == node && x.step == step)
            .map(|x| x.at)
            .expect("ran")
    };
    // Both of packages' successors started the moment it ended, and init 1 s later.
    assert_eq!(at("cp", "modules"), Duration::from_secs(3));
    assert_eq!(at("cp", "images"), Duration::from_secs(3));
    assert_eq!(at("cp", "init"), Duration::from_secs(4));
    // Never more than --parallel steps at once.
    assert!(most <= 8, "{most} steps at once");
    // The workers' steps all ran (5 at first, 2 slots held, the other 3 when slots freed).
    let first_wave = c
        .fake
        .calls()
        .into_iter()
        .filter(|x| x.node != "cp" && x.at == Duration::ZERO)
        .count();
    assert_eq!(first_wave, 5);
}

#[tokio::test(start_paused = true)]
async fn more_waits_than_one_connection_carries_run_at_once_over_another() {
    let c = cluster();
    // On cp: four 10 s steps and four 10 s waits (every node's Ready and the kubeconfig),
    // all ready at once: 4 steps + 3 waits on the main connection, the fourth wait on a
    // second one. With one connection the fourth wait queued for 10 s.
    let ten = || vec![Reply::Sleep(Duration::from_secs(10))];
    let mut tasks = Vec::new();
    for s in [
        StepId::Hostname,
        StepId::Firewall,
        StepId::Swap,
        StepId::Sysctl,
    ] {
        tasks.push(remote("cp", s, vec![]));
        c.fake.on("cp", s.name(), ten());
    }
    for n in ["cp", "w1", "w2"] {
        let mut t = remote(n, StepId::Ready, vec![]);
        t.host = "cp".into();
        tasks.push(t);
        c.fake.on(n, "ready", ten());
    }
    tasks.push(remote("cp", StepId::Kubeconfig, vec![]));
    c.fake.on("cp", "kubeconfig", ten());
    let t0 = Instant::now();
    let (summary, _) = run(&c, plan(tasks)).await;
    assert!(summary.ok, "{summary:?}");
    let calls = c.fake.calls();
    assert_eq!(calls.len(), 8);
    assert!(calls.iter().all(|x| x.at == Duration::ZERO), "{calls:?}");
    assert!(t0.elapsed() < Duration::from_secs(11), "{:?}", t0.elapsed());
    assert_eq!(c.fake.connects("cp"), 2);
    // The main connection carried 7 at once (below sshd's MaxSessions of 10).
    assert_eq!(c.fake.most_scripts_on_a_connection(), 7);
}
