//! Resuming from what the journal says.

use super::*;

#[tokio::test(start_paused = true)]
async fn resume_from_each_journal_state() {
    let c = cluster();
    {
        let dir = crate::engine::journal::state_dir(&c.path);
        crate::engine::journal::ensure_state_dir(&dir).unwrap();
        let mut j = Journal::new(&dir, &c.cfg);
        let addr = "192.0.2.10";
        // cp: hostname done, swap left running by a kubewiz that died, containerd failed.
        j.record("cp", addr, StepId::Hostname, StepState::Running);
        j.record("cp", addr, StepId::Hostname, StepState::Done);
        j.record("cp", addr, StepId::Swap, StepState::Running);
        j.record("cp", addr, StepId::Containerd, StepState::Running);
        j.record("cp", addr, StepId::Containerd, StepState::Failed)
            .exit_code = Some(1);
        // w1: hostname pending (recorded, never started).
        j.record("w1", "192.0.2.11", StepId::Hostname, StepState::Pending);
        j.save().unwrap();
    }
    let (summary, events) = run(&c, chains()).await;
    assert!(summary.ok, "{summary:?}");
    // Done: skipped without touching the node.
    assert_eq!(c.fake.steps_of("cp"), ["swap", "containerd"]);
    assert!(events.iter().any(|e| matches!(e,
        Event::StepSkipped { node, step: StepId::Hostname, journal: true } if node == "cp")));
    let j = journal(&c);
    // Running -> interrupted on load -> run again (second attempt).
    let swap = j.step("cp", StepId::Swap).unwrap();
    assert_eq!((swap.state, swap.attempts), (StepState::Done, 2));
    // Failed -> retried.
    let ctd = j.step("cp", StepId::Containerd).unwrap();
    assert_eq!(
        (ctd.state, ctd.attempts, ctd.exit_code),
        (StepState::Done, 2, Some(0))
    );
    // Pending -> runs.
    assert_eq!(j.step("w1", StepId::Hostname).unwrap().attempts, 1);
    assert_eq!(c.fake.steps_of("w1"), ["hostname", "swap", "containerd"]);
}

#[tokio::test(start_paused = true)]
async fn a_running_step_is_interrupted_in_the_journal_until_it_runs_again() {
    let c = cluster();
    let dir = crate::engine::journal::state_dir(&c.path);
    crate::engine::journal::ensure_state_dir(&dir).unwrap();
    let mut j = Journal::new(&dir, &c.cfg);
    j.record("w2", "192.0.2.12", StepId::Hostname, StepState::Running);
    j.save().unwrap();
    // Stop at once: nothing runs; the step found running is recorded interrupted.
    let mut run = c.start(
        plan(vec![remote("w2", StepId::Hostname, vec![])]),
        Options::default(),
    );
    let j = journal(&c);
    assert_eq!(
        j.step("w2", StepId::Hostname).unwrap().state,
        StepState::Interrupted
    );
    run.commands.send(Command::Stop).unwrap();
    while let Some(ev) = run.events.recv().await {
        if matches!(ev, Event::RunFinished { .. }) {
            break;
        }
    }
    run.done.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn another_pipeline_keeps_its_own_journal() {
    let c = cluster();
    let (summary, _) = run(&c, chains()).await;
    assert!(summary.ok);
    let dir = crate::engine::journal::state_dir(&c.path);
    let install = std::fs::read(dir.join("state.json")).unwrap();
    // A second pipeline over the same steps (an upgrade hop) starts from nothing in its own
    // file, running a step even where the install's journal has it done, and leaves the
    // install's journal as it was.
    let opts = Options {
        journal: Some("upgrade-1.29.0.json".into()),
        ..Default::default()
    };
    let (summary, events) = run_with(&c, chains(), opts, |_, _| {}).await;
    assert!(summary.ok, "{summary:?}");
    assert_eq!(started(&events).len(), 9, "nothing skipped");
    assert_eq!(c.fake.calls().len(), 18);
    assert_eq!(std::fs::read(dir.join("state.json")).unwrap(), install);
    let hop = Journal::load_from(&dir, "upgrade-1.29.0.json")
        .unwrap()
        .unwrap();
    assert!(hop.is_done("w2", StepId::Containerd));
}
