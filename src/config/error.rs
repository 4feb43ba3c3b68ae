//! Config errors: every problem names the field (or file position), the value and the fix.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with a cluster.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path such as `node[2].address` or `cluster.pod_cidr`; None for file-level
    /// problems (syntax, size, encoding).
    pub field: Option<String>,
    /// The offending value as written (rendered escaped and shortened in messages).
    pub value: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
    /// 1-based (line, column) in the file, when known.
    pub position: Option<(usize, usize)>,
}

impl Problem {
    /// A problem with a field; `value` is what the user wrote.
    pub fn field(
        field: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Problem {
        Problem {
            field: Some(field.into()),
            value: Some(value.into()),
            message: message.into(),
            fix: Some(fix.into()),
            position: None,
        }
    }

    /// A problem with the file as a whole.
    pub fn file(message: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem {
            field: None,
            value: None,
            message: message.into(),
            fix: Some(fix.into()),
            position: None,
        }
    }

    pub fn at(mut self, position: Option<(usize, usize)>) -> Problem {
        self.position = position;
        self
    }

    pub fn without_value(mut self) -> Problem {
        self.value = None;
        self
    }
}

/// Renders a value on one line: control characters escaped, long values shortened.
pub fn show_value(v: &str) -> String {
    const MAX: usize = 80;
    let mut s: String = v.chars().take(MAX).collect();
    if v.chars().count() > MAX {
        s.push('…');
    }
    format!("{s:?}")
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((l, c)) = self.position {
            write!(f, "line {l}, column {c}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}")?;
            if let Some(v) = &self.value {
                if !v.is_empty() && v.len() < 20 && v.bytes().all(|b| b.is_ascii_digit()) {
                    write!(f, " = {v}")?;
                } else {
                    write!(f, " = {}", show_value(v))?;
                }
            }
            write!(f, ": ")?;
        }
        // Messages may quote user input: keep every problem on one line.
        write!(f, "{}", one_line(&self.message))?;
        if let Some(fix) = &self.fix {
            write!(f, " (fix: {})", one_line(fix))?;
        }
        Ok(())
    }
}

fn one_line(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', " ")
}

/// A cluster.toml that cannot be used, with every problem found. This is a usage/config
/// error: the CLI exits with code 2 ([`ConfigError::exit_code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the problems are in (as given on the command line).
    pub path: PathBuf,
    pub problems: Vec<Problem>,
}

impl ConfigError {
    pub fn new(path: &Path, problems: Vec<Problem>) -> ConfigError {
        ConfigError {
            path: path.to_path_buf(),
            problems,
        }
    }

    /// Always true: a bad config is the user's input, not an install failure.
    pub fn is_usage_error(&self) -> bool {
        true
    }

    /// The process exit code for this error: 2 (bad config or usage).
    pub fn exit_code(&self) -> u8 {
        2
    }
}

impl fmt::Display for ConfigError {
    /// First line: a summary; then one problem per line, prefixed by `path:line:col:` when
    /// the position is known (editors and grep understand that form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        let p = self.path.display();
        write!(
            f,
            "{p}: {n} problem{} in the cluster config:",
            if n == 1 { "" } else { "s" }
        )?;
        for pr in &self.problems {
            let mut pr = pr.clone();
            match pr.position.take() {
                Some((l, c)) => write!(f, "\n  {p}:{l}:{c}: {pr}")?,
                None => write!(f, "\n  {p}: {pr}")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
