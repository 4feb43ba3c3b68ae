//! Version strings: an exact Kubernetes version (strict: what cluster.toml must say) and the
//! lenient "first two numbers" of a minor or kernel release. The only version parsers in
//! kubewiz.

use std::fmt;

/// An exact Kubernetes version "X.Y.Z".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl KubeVersion {
    /// Parses "1.25.3" strictly: three decimal numbers, no `v`, no leading zeros, no suffix.
    pub fn parse(s: &str) -> Result<KubeVersion, CatalogError> {
        let malformed = |hint: String| CatalogError::Malformed {
            version: s.to_string(),
            hint,
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(malformed("write the exact version, e.g. \"1.35.6\"".into()));
        }
        if let Some(rest) = t.strip_prefix(['v', 'V'])
            && KubeVersion::parse(rest).is_ok()
        {
            return Err(malformed(format!("drop the leading `v`: \"{rest}\"")));
        }
        let parts: Vec<&str> = t.split('.').collect();
        let numeric = |p: &str| {
            !p.is_empty()
                && p.len() <= 6
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'))
        };
        if parts.len() == 2 && parts.iter().all(|p| numeric(p)) {
            return Err(malformed(format!(
                "give the exact patch version, e.g. \"{t}.0\" (see `kubewiz` catalog for the latest)"
            )));
        }
        if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) || t != s {
            return Err(malformed(
                "write it as MAJOR.MINOR.PATCH, e.g. \"1.35.6\"".into(),
            ));
        }
        Ok(KubeVersion {
            major: parts[0].parse().unwrap_or(0),
            minor: parts[1].parse().unwrap_or(0),
            patch: parts[2].parse().unwrap_or(0),
        })
    }

    /// "1.25".
    pub fn minor_str(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a version is not in the catalog; `Display` says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("\"{version}\" is not a Kubernetes version: {hint}")]
    Malformed { version: String, hint: String },
    #[error(
        "Kubernetes {minor} is not supported: kubewiz knows {first} to {last} (use e.g. \"{suggest}\")"
    )]
    UnknownMinor {
        minor: String,
        first: String,
        last: String,
        suggest: String,
    },
}

/// "1.25" -> (1, 25); also accepts "5.10.0-123" style kernel strings (first two numbers).
pub fn parse_minor(s: &str) -> Option<(u32, u32)> {
    let mut it = s.split(|c: char| !c.is_ascii_digit());
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    Some((a, b))
}
