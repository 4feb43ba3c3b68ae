//! The commands a front end sends a running install: stop, abort, pause/resume, retry.

use super::*;

#[tokio::test(start_paused = true)]
async fn stop_starts_nothing_new_and_lets_running_steps_finish() {
    let c = cluster();
    for n in ["cp", "w1", "w2"] {
        c.fake
            .on(n, "hostname", vec![Reply::Sleep(Duration::from_secs(10))]);
    }
    let mut sent = false;
    let (summary, events) = run_with(&c, chains(), Options::default(), |e, cmd| {
        if !sent && matches!(e, Event::StepStarted { .. }) {
            sent = true;
            cmd.send(Command::Stop).unwrap();
        }
    })
    .await;
    assert!(summary.interrupted && !summary.ok);
    assert!(summary.failed.is_empty());
    // The three hostname steps were running (started together); they finished, nothing else
    // started.
    assert_eq!(started(&events).len(), 3, "{:?}", started(&events));
    for n in ["cp", "w1", "w2"] {
        assert_eq!(state(&c, n, StepId::Hostname), Some(StepState::Done));
        assert_eq!(state(&c, n, StepId::Swap), None);
    }
}

#[tokio::test(start_paused = true)]
async fn abort_kills_running_steps_and_records_them_interrupted() {
    let c = cluster();
    c.fake.on("cp", "swap", vec![Reply::Hang]);
    c.fake.on("w1", "swap", vec![Reply::Hang]);
    let mut hung = 0;
    let (summary, events) = run_with(&c, chains(), Options::default(), |e, cmd| {
        if let Event::StepStarted {
            step: StepId::Swap,
            node,
            ..
        } = e
            && node != "w2"
        {
            hung += 1;
            if hung == 2 {
                cmd.send(Command::Abort).unwrap();
            }
        }
    })
    .await;
    assert!(summary.interrupted && !summary.ok);
    assert_eq!(c.fake.killed().len(), 2, "both process groups killed");
    assert_eq!(state(&c, "cp", StepId::Swap), Some(StepState::Interrupted));
    assert_eq!(state(&c, "w1", StepId::Swap), Some(StepState::Interrupted));
    assert_eq!(state(&c, "cp", StepId::Containerd), None);
    // Nothing starts after the abort.
    let abort_at = started(&events)
        .iter()
        .filter(|x| x.1 == StepId::Swap && x.0 != "w2")
        .count();
    assert_eq!(abort_at, 2);
    assert!(
        !started(&events).contains(&("cp".into(), StepId::Containerd)),
        "{:?}",
        started(&events)
    );
}

#[tokio::test(start_paused = true)]
async fn pause_holds_new_steps_until_resume() {
    let c = cluster();
    for n in ["cp", "w1", "w2"] {
        c.fake
            .on(n, "hostname", vec![Reply::Sleep(Duration::from_secs(2))]);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let mut run = c.start(chains(), Options::default());
    // Pause as soon as the first steps start.
    let mut paused_at = None;
    while let Some(ev) = run.events.recv().await {
        if matches!(ev, Event::StepStarted { .. }) && paused_at.is_none() {
            run.commands.send(Command::Pause).unwrap();
            paused_at = Some(c.fake.calls().len());
        }
        let fin = matches!(ev, Event::StepFinished { ref node, step: StepId::Hostname, .. } if node == "cp");
        tx.send(ev).unwrap();
        if fin {
            break;
        }
    }
    // Long after every running step ended, nothing new has started.
    tokio::time::sleep(Duration::from_secs(600)).await;
    while let Ok(ev) = run.events.try_recv() {
        tx.send(ev).unwrap();
    }
    assert_eq!(c.fake.calls().len(), 3, "{:?}", c.fake.calls());
    assert!(!run.done.is_finished(), "a paused run does not end");
    run.commands.send(Command::Resume).unwrap();
    while let Some(ev) = run.events.recv().await {
        let last = matches!(ev, Event::RunFinished { .. });
        tx.send(ev).unwrap();
        if last {
            break;
        }
    }
    let summary = run.done.await.unwrap();
    assert!(summary.ok && !summary.interrupted, "{summary:?}");
    assert_eq!(c.fake.calls().len(), 9);
    drop(tx);
    let mut all = Vec::new();
    while let Some(e) = rx.recv().await {
        all.push(e);
    }
    assert_eq!(started(&all).len(), 9);
}

#[tokio::test(start_paused = true)]
async fn a_paused_run_whose_front_end_is_gone_ends_as_stopped() {
    let c = cluster();
    let run = c.start(chains(), Options::default());
    run.commands.send(Command::Pause).unwrap();
    drop(run.commands);
    let summary = run.done.await.unwrap();
    assert!(summary.interrupted && !summary.ok);
    // Pause can only take effect once the loop reads it: at most the first ready steps ran.
    assert!(c.fake.calls().len() <= 3, "{:?}", c.fake.calls());
}

#[tokio::test(start_paused = true)]
async fn retry_node_puts_failed_and_blocked_steps_back() {
    let c = cluster();
    c.fake.on(
        "w1",
        "hostname",
        vec![Reply::fail(1, "hostnamectl: failed"), Reply::ok()],
    );
    // The run is still going when the front end asks for the retry.
    c.fake.on(
        "cp",
        "containerd",
        vec![Reply::Sleep(Duration::from_secs(30))],
    );
    let mut retried = false;
    let (summary, _) = run_with(&c, chains(), Options::default(), |e, cmd| {
        if !retried && matches!(e, Event::StepFailed { node, .. } if node == "w1") {
            retried = true;
            cmd.send(Command::RetryNode("w1".into())).unwrap();
        }
    })
    .await;
    assert!(summary.ok, "{summary:?}");
    assert_eq!(
        c.fake.steps_of("w1"),
        ["hostname", "hostname", "swap", "containerd"]
    );
    assert_eq!(
        journal(&c).step("w1", StepId::Hostname).unwrap().attempts,
        2
    );
}
