//! Per-node log files: `.kubewiz/logs/<node>.log`, append-only, mode 0600, full (redacted)
//! output with a UTC timestamp and the step on every line.

use crate::plan::StepId;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct NodeLogs {
    dir: PathBuf,
    files: Arc<Mutex<HashMap<String, File>>>,
}

impl NodeLogs {
    pub fn new(state_dir: &Path) -> NodeLogs {
        NodeLogs {
            dir: state_dir.join("logs"),
            files: Arc::default(),
        }
    }

    pub fn path(&self, node: &str) -> PathBuf {
        self.dir.join(format!("{node}.log"))
    }

    /// Appends one (already redacted) line. Log trouble never stops an install.
    pub fn write(&self, node: &str, step: StepId, text: &str) {
        let mut files = self.files.lock().expect("log lock");
        if !files.contains_key(node) {
            let Ok(f) = OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(self.path(node))
            else {
                return;
            };
            files.insert(node.to_string(), f);
        }
        if let Some(f) = files.get_mut(node) {
            let _ = writeln!(f, "{} [{}] {}", utc_now(), step.name(), text);
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for the current time.
pub fn utc_now() -> String {
    let secs = super::journal::now();
    format_utc(secs)
}

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC) for Unix seconds.
pub fn format_utc(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{secs} s after 1970"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::format_utc(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
