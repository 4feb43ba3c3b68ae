//! The Upgrade flow's background work (the runtime runs these for `Effect::PrepareUpgrade` and
//! `Effect::StartUpgrade`): the survey and the path of [`crate::upgrade::run::prepare`], then the hops of
//! [`crate::upgrade::run::execute`] forwarded to the update as messages, like an install's events.

use super::msg::Msg;
use crate::engine::{self, Event};
use crate::upgrade::run::{self, Prepared, UpgradeEvent};
use std::path::Path;
use tokio::sync::mpsc::UnboundedSender;

/// The survey and the path to `target`, for the saved cluster.toml (loaded and validated like
/// `kubewiz upgrade` does: the upgrade writes the new version into that file when it is done).
pub async fn prepare(path: &Path, target: &str) -> Result<Box<Prepared>, String> {
    let v = engine::checks::load(path).map_err(|e| e.to_string())?;
    run::prepare(path, &v.config, target, Default::default())
        .await
        .map(Box::new)
        .map_err(|e| e.to_string())
}

/// Runs a prepared upgrade; its events become messages; returns its command channel (Pause,
/// Resume, Stop and Abort go to the hop under way).
pub fn start(prepared: Prepared, tx: UnboundedSender<Msg>) -> UnboundedSender<engine::Command> {
    let path = prepared.config_path.clone();
    let mut upgrade = run::execute(prepared.clone(), 16);
    let commands = upgrade.commands.clone();
    tokio::spawn(async move {
        while let Some(ev) = upgrade.events.recv().await {
            let msg = match ev {
                UpgradeEvent::Engine(e) => Msg::Engine(e),
                UpgradeEvent::HopStarted { index, total, hop } => Msg::UpgradeHop {
                    index,
                    total,
                    title: hop.title(),
                },
                UpgradeEvent::HopFinished { .. } => continue,
                UpgradeEvent::Note(text) => Msg::Engine(Event::Warning { node: None, text }),
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
        let outcome = upgrade.done.await.unwrap_or_default();
        let lines = crate::upgrade::report::summary_lines(&prepared, &outcome, &path);
        let _ = tx.send(Msg::UpgradeDone(Box::new(outcome), lines));
    });
    commands
}
