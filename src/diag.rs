//! kubewiz's own diagnostics log: `.kubewiz/kubewiz.log` beside cluster.toml (mode 0600,
//! appended, one generation kept as `kubewiz.log.1` past 10 MB). What the engine decided and
//! when: runs, steps, reconnects, commands, timings; `-v` adds debug detail, `-vv` trace.
//!
//! Never secrets: scripts (which carry join tokens) are never logged, and every line goes
//! through the redaction rules before it is written. The log never creates `.kubewiz/`: a
//! command that does not otherwise touch the state (`plan`, `check`) leaves no trace.

use crate::engine::redact::Redactor;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tracing::level_filters::LevelFilter;

const FILE: &str = "kubewiz.log";
const ROTATE_AT: u64 = 10 << 20;

/// The level for a `-v` count: info, debug (-v), trace (-vv).
pub fn level(verbosity: u8) -> LevelFilter {
    match verbosity {
        0 => LevelFilter::INFO,
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Sends this process's `tracing` events to the diagnostics log in `state_dir` (once it
/// exists). A second call does nothing.
pub fn init(state_dir: &Path, verbosity: u8) {
    let sink = LogFile::new(state_dir);
    let _ = tracing_subscriber::fmt()
        .with_writer(sink)
        .with_ansi(false)
        .with_max_level(level(verbosity))
        .with_target(false)
        .try_init();
}

/// The log file, opened on the first line written after the state directory exists.
#[derive(Clone)]
pub struct LogFile {
    dir: PathBuf,
    file: Arc<Mutex<Option<File>>>,
    redactor: Redactor,
}

impl LogFile {
    pub fn new(state_dir: &Path) -> LogFile {
        LogFile {
            dir: state_dir.to_path_buf(),
            file: Arc::default(),
            redactor: Redactor::new(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    fn open(&self) -> Option<File> {
        if !self.dir.is_dir() {
            return None;
        }
        let path = self.path();
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_AT) {
            let _ = std::fs::rename(&path, self.dir.join(format!("{FILE}.1")));
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .ok()
    }

    /// Appends one formatted event, redacted. Log trouble never stops kubewiz.
    fn append(&self, text: &str) {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if file.is_none() {
            *file = self.open();
        }
        if let Some(f) = file.as_mut() {
            let mut out = String::with_capacity(text.len());
            for line in text.lines() {
                out.push_str(&self.redactor.redact(line));
                out.push('\n');
            }
            let _ = f.write_all(out.as_bytes());
        }
    }
}

/// One event as it is formatted; written out, redacted, when dropped.
pub struct EventWriter {
    log: LogFile,
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.log.append(&String::from_utf8_lossy(&self.buf));
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogFile {
    type Writer = EventWriter;
    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            log: self.clone(),
            buf: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter;

    #[test]
    fn lines_are_redacted_and_nothing_is_created_without_the_state_dir() {
        let d = tempfile::tempdir().unwrap();
        let state = d.path().join(".kubewiz");
        let log = LogFile::new(&state);
        writeln!(log.make_writer(), "before the state dir exists").unwrap();
        assert!(!state.exists());
        std::fs::create_dir(&state).unwrap();
        writeln!(
            log.make_writer(),
            "join with --token abcdef.0123456789abcdef done"
        )
        .unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text, "join with --token <redacted> done\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn verbosity_raises_the_level() {
        assert_eq!(level(0), LevelFilter::INFO);
        assert_eq!(level(1), LevelFilter::DEBUG);
        assert_eq!(level(9), LevelFilter::TRACE);
    }
}
