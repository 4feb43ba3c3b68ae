//! Writes the journal off the scheduler's path. The scheduler hands over a snapshot after every
//! change and goes on at once; the writer saves the newest snapshot atomically (temp file,
//! fsync, rename, fsync of the directory). Changes that arrive while a save is under way are
//! coalesced into the next save, so ten nodes finishing steps together cost one fsync round,
//! not twenty in a row.
//!
//! Why this is safe: a transition that a crash loses was at most a few milliseconds old, and
//! every step checks the node before it applies, so a step whose "done" was lost is found
//! already in place and skipped; a step recorded done is never applied again.

use super::Event;
use super::journal::Journal;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub struct JournalWriter {
    tx: watch::Sender<Option<Journal>>,
    task: JoinHandle<()>,
}

impl JournalWriter {
    pub fn spawn(events: mpsc::UnboundedSender<Event>) -> JournalWriter {
        let (tx, mut rx) = watch::channel::<Option<Journal>>(None);
        let task = tokio::spawn(async move {
            // Ends when the sender is dropped, after saving the last snapshot.
            while rx.changed().await.is_ok() {
                let Some(snapshot) = rx.borrow_and_update().clone() else {
                    continue;
                };
                let saved = tokio::task::spawn_blocking(move || snapshot.save()).await;
                let error = match saved {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => format!("the journal writer failed: {e}"),
                };
                tracing::error!("journal: {error}");
                let _ = events.send(Event::Warning {
                    node: None,
                    text: format!("journal: {error}"),
                });
            }
        });
        JournalWriter { tx, task }
    }

    /// Queues a snapshot; returns at once.
    pub fn save(&self, journal: &Journal) {
        self.tx.send_replace(Some(journal.clone()));
    }

    /// Waits until the last snapshot is on disk.
    pub async fn flush(self) {
        let JournalWriter { tx, task } = self;
        drop(tx);
        let _ = task.await;
    }
}
