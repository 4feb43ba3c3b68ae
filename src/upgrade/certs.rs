//! Certificate expiry of the control planes: `kubeadm certs check-expiration` read into dates, kept in
//! `.kubewiz/certs.json`, and the warnings `status`, `certs` and the wizard's Welcome show.
//!
//! The table format is kubeadm's (kubernetes/kubernetes `cmd/kubeadm/app/cmd/certs.go`, newCmdCertsExpiration):
//! a tabwriter table `CERTIFICATE  EXPIRES  RESIDUAL TIME  CERTIFICATE AUTHORITY  EXTERNALLY MANAGED`, dates as
//! `Jan 02, 2006 15:04 MST`, residual times from apimachinery's `duration.ShortHumanDuration` (`<invalid>` once
//! expired), then the same for `CERTIFICATE AUTHORITY`; a missing file shows as `!MISSING! name`. kubeadm's
//! certificates last one year (constants.go `CertificateValidityPeriod`), its CAs ten.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Under this many days left, `status`, `certs` and the wizard warn.
pub const WARN_DAYS: i64 = 30;
/// kubeadm's certificate lifetime (constants.go `CertificateValidityPeriod`).
pub const VALIDITY_DAYS: i64 = 365;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cert {
    pub name: String,
    /// Unix seconds (from the EXPIRES column); `None` for a missing certificate.
    pub expires: Option<i64>,
    /// A certificate authority (10 years) rather than a leaf certificate (1 year).
    pub authority: bool,
}

/// One control plane's certificates as read at `checked_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCerts {
    pub node: String,
    pub checked_at: i64,
    pub certs: Vec<Cert>,
}

/// Parses the output of `kubeadm certs check-expiration`. Lines that are not table rows (the
/// "[check-expiration] ..." preamble, warnings) are skipped; a table without rows is an error.
pub fn parse_check_expiration(text: &str) -> Result<Vec<Cert>, String> {
    let mut out = Vec::new();
    let mut authority = false;
    let mut seen_header = false;
    for line in text.lines() {
        let t = line.trim_end();
        if t.starts_with("CERTIFICATE AUTHORITY") {
            authority = true;
            seen_header = true;
            continue;
        }
        if t.starts_with("CERTIFICATE") {
            authority = false;
            seen_header = true;
            continue;
        }
        if !seen_header || t.is_empty() {
            continue;
        }
        if let Some(name) = t.strip_prefix("!MISSING! ") {
            out.push(Cert {
                name: name
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                expires: None,
                authority,
            });
            continue;
        }
        let mut words = t.split_whitespace();
        let Some(name) = words.next() else { continue };
        let date: Vec<&str> = words.by_ref().take(5).collect();
        let Some(expires) = parse_date(&date) else {
            return Err(format!("unexpected line in kubeadm's table: {t:?}"));
        };
        out.push(Cert {
            name: name.to_string(),
            expires: Some(expires),
            authority,
        });
    }
    if out.is_empty() {
        return Err("no certificates in kubeadm's output (is this a control plane?)".into());
    }
    Ok(out)
}

/// kubeadm's date format: Go's `"Jan 02, 2006 15:04 MST"` (`cmd/kubeadm/app/cmd/certs.go`, above), in
/// UTC.
const KUBEADM_DATE: &str = "[month repr:short] [day], [year] [hour]:[minute] UTC";

fn kubeadm_date() -> Vec<time::format_description::BorrowedFormatItem<'static>> {
    time::format_description::parse_borrowed::<1>(KUBEADM_DATE).expect("a valid format description")
}

/// `["Dec", "04,", "2027", "11:20", "UTC"]` → Unix seconds (kubeadm prints UTC).
fn parse_date(w: &[&str]) -> Option<i64> {
    time::PrimitiveDateTime::parse(&w.join(" "), &kubeadm_date())
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// "Dec 04, 2027 11:20 UTC" for Unix seconds, like kubeadm prints it.
pub fn fmt_date(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&kubeadm_date()).ok())
        .unwrap_or_else(|| format!("{t} s after 1970"))
}

impl NodeCerts {
    /// The leaf certificate that expires first (the CAs last ten years and are renewed differently).
    pub fn soonest(&self) -> Option<(&str, i64)> {
        self.certs
            .iter()
            .filter(|c| !c.authority)
            .filter_map(|c| Some((c.name.as_str(), c.expires?)))
            .min_by_key(|(_, t)| *t)
    }

    /// Missing leaf certificates (kubeadm prints them as `!MISSING!`).
    pub fn missing(&self) -> Vec<&str> {
        self.certs
            .iter()
            .filter(|c| c.expires.is_none())
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// Whole days from `now` to `t` (negative once past), rounded down like kubeadm's residual time.
pub fn days_left(t: i64, now: i64) -> i64 {
    (t - now).div_euclid(86400)
}

/// The warning for one control plane, if its soonest certificate is expired or under [`WARN_DAYS`].
pub fn warning(n: &NodeCerts, now: i64, config_arg: &str) -> Option<String> {
    let (name, t) = n.soonest()?;
    let left = days_left(t, now);
    if t <= now {
        Some(format!(
            "{}: certificate {name} EXPIRED on {} — the API server stops serving once its certificate has \
             expired; run `kubewiz certs renew{config_arg}`",
            n.node,
            fmt_date(t)
        ))
    } else if left < WARN_DAYS {
        Some(format!(
            "{}: certificate {name} expires in {left} day{} ({}); run `kubewiz certs renew{config_arg}` \
             (an upgrade renews them too)",
            n.node,
            if left == 1 { "" } else { "s" },
            fmt_date(t)
        ))
    } else {
        None
    }
}

/// `.kubewiz/certs.json`: the last check of every control plane.
pub fn store_path(state_dir: &Path) -> PathBuf {
    state_dir.join("certs.json")
}

/// The recorded checks (empty when none was recorded or the file is unreadable).
pub fn load(state_dir: &Path) -> Vec<NodeCerts> {
    std::fs::read(store_path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Records `checks` (replacing earlier ones of the same nodes), atomically (temp file, fsync, rename).
pub fn record(state_dir: &Path, checks: &[NodeCerts]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut all = load(state_dir);
    all.retain(|o| !checks.iter().any(|c| c.node == o.node));
    all.extend(checks.iter().cloned());
    all.sort_by(|a, b| a.node.cmp(&b.node));
    let path = store_path(state_dir);
    let tmp = path.with_extension("json.tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(&all).expect("serialises"))?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    // kubeadm 1.28's output on a control plane (the shape certs.go prints).
    const OUT: &str = "[check-expiration] Reading configuration from the cluster...
[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'

CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Apr 01, 2024 16:06 UTC   347d            ca                      no
apiserver                  Mar 12, 2024 16:06 UTC   9d              ca                      no
apiserver-etcd-client      Apr 01, 2024 16:06 UTC   347d            etcd-ca                 no
!MISSING! front-proxy-client

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      Mar 30, 2033 16:06 UTC   9y              no
etcd-ca                 Mar 30, 2033 16:06 UTC   9y              no
";

    #[test]
    fn parses_kubeadms_table() {
        let certs = parse_check_expiration(OUT).unwrap();
        assert_eq!(certs.len(), 6);
        assert_eq!(certs[1].name, "apiserver");
        assert_eq!(certs[1].expires, Some(1_710_259_560)); // 2024-03-12T16:06:00Z
        assert!(!certs[1].authority);
        assert_eq!(certs[3].name, "front-proxy-client");
        assert_eq!(certs[3].expires, None);
        assert!(certs[4].authority && certs[4].name == "ca");
        let n = NodeCerts {
            node: "cp".into(),
            checked_at: 0,
            certs,
        };
        assert_eq!(n.soonest(), Some(("apiserver", 1_710_259_560)));
        assert_eq!(n.missing(), ["front-proxy-client"]);
    }

    #[test]
    fn dates_round_trip() {
        for t in [0, 1_710_259_560, 1_827_919_200, 4_102_444_800] {
            let s = fmt_date(t);
            let w: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(parse_date(&w), Some(t), "{s}");
        }
        assert_eq!(fmt_date(1_710_259_560), "Mar 12, 2024 16:06 UTC");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_check_expiration("").is_err());
        assert!(parse_check_expiration("error: open /etc/kubernetes/pki/ca.crt").is_err());
        let e = parse_check_expiration("CERTIFICATE EXPIRES\napiserver soon\n").unwrap_err();
        assert!(e.contains("unexpected line"), "{e}");
        // Dates that do not exist, or not in UTC, are not read as some other date.
        for w in [
            ["Feb", "31,", "2027", "11:20", "UTC"],
            ["Dec", "04,", "2027", "24:20", "UTC"],
            ["Dec", "04,", "2027", "11:20", "CET"],
        ] {
            assert_eq!(parse_date(&w), None, "{w:?}");
        }
    }

    #[test]
    fn warns_under_30_days_and_when_expired() {
        let now = 1_700_000_000;
        let n = |days: i64| NodeCerts {
            node: "k8s-master".into(),
            checked_at: now,
            certs: vec![
                Cert {
                    name: "apiserver".into(),
                    expires: Some(now + days * 86400 + 60),
                    authority: false,
                },
                Cert {
                    name: "ca".into(),
                    expires: Some(now + 5 * 86400),
                    authority: true,
                },
            ],
        };
        assert_eq!(warning(&n(31), now, ""), None);
        let w = warning(&n(10), now, " -c cluster.toml").unwrap();
        assert!(
            w.starts_with("k8s-master: certificate apiserver expires in 10 days"),
            "{w}"
        );
        assert!(w.contains("kubewiz certs renew -c cluster.toml"), "{w}");
        let w = warning(&n(-2), now, "").unwrap();
        assert!(w.contains("EXPIRED"), "{w}");
    }

    #[test]
    fn records_replace_a_nodes_earlier_check() {
        let dir = tempfile::tempdir().unwrap();
        let mk = |node: &str, at: i64| NodeCerts {
            node: node.into(),
            checked_at: at,
            certs: vec![],
        };
        record(dir.path(), &[mk("a", 1), mk("b", 1)]).unwrap();
        record(dir.path(), &[mk("a", 2)]).unwrap();
        let all = load(dir.path());
        assert_eq!(all, vec![mk("a", 2), mk("b", 1)]);
    }
}
