//! Redaction: every line that reaches an event, a log file or the screen goes through here.
//! Known secret values (minted this run) are replaced, and so is anything shaped like a
//! bootstrap token, a CA cert hash or a certificate key, whoever printed it.

use regex::Regex;
use std::sync::{Arc, OnceLock, RwLock};

pub const REDACTED: &str = "<redacted>";

#[derive(Clone, Default)]
pub struct Redactor {
    known: Arc<RwLock<Vec<String>>>,
}

fn patterns() -> &'static [Regex] {
    static P: OnceLock<Vec<Regex>> = OnceLock::new();
    P.get_or_init(|| {
        [
            // kubeadm bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}
            r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b",
            // discovery-token-ca-cert-hash
            r"sha256:[0-9a-fA-F]{64}",
            // certificate key (64 hex) and anything else 64-hex-long after "key"
            r"(?i)(certificate[-_ ]key[\s=:]+)[0-9a-f]{64}",
            r"\b[0-9a-f]{64}\b",
            // service-account / dashboard tokens (JWT)
            r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
            // kubeconfig client keys and tokens: the value after the key (which one is a
            // value and which a word is decided in `redact`)
            r"(client-key-data|client-certificate-data|token):(\s*)(\S+)",
        ]
        .iter()
        .map(|p| Regex::new(p).expect("valid redaction pattern"))
        .collect()
    })
}

/// Whether what follows `token:` (or `client-key-data:`) is a value to hide rather than the
/// next word of a sentence ("login token: kubectl -n ... create token admin-user"). A word is
/// short and lowercase; anything with digits, capitals, base64 or token punctuation, or longer
/// than a word, is hidden.
fn is_value(s: &str) -> bool {
    let word = s.len() <= 12 && s.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    s != REDACTED && !word
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Registers a secret value so that it is replaced wherever it appears.
    pub fn add(&self, secret: &str) {
        if secret.len() >= 4 {
            self.known
                .write()
                .expect("redactor lock")
                .push(secret.to_string());
        }
    }

    pub fn redact(&self, line: &str) -> String {
        let mut out = line.to_string();
        for s in self.known.read().expect("redactor lock").iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        for (i, re) in patterns().iter().enumerate() {
            if re.is_match(&out) {
                out = match i {
                    2 => re
                        .replace_all(&out, format!("${{1}}{REDACTED}"))
                        .into_owned(),
                    5 => re
                        .replace_all(&out, |c: &regex::Captures| {
                            if is_value(&c[3]) {
                                format!("{}:{}{REDACTED}", &c[1], &c[2])
                            } else {
                                c[0].to_string()
                            }
                        })
                        .into_owned(),
                    _ => re.replace_all(&out, REDACTED).into_owned(),
                };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_join_command_parts() {
        let r = Redactor::new();
        let line = "kubeadm join 192.0.2.10:6443 --token albnsj.7axslw1i5bv1byno \
            --discovery-token-ca-cert-hash sha256:647a98e0c91fdb307bb15638b4590344b3fff446f4e49318d437dbf1368f3e06";
        let out = r.redact(line);
        assert!(!out.contains("albnsj.7axslw1i5bv1byno"), "{out}");
        assert!(!out.contains("647a98e0c91f"), "{out}");
        assert!(out.contains("192.0.2.10:6443"));
    }

    #[test]
    fn redacts_known_values_and_cert_keys() {
        let r = Redactor::new();
        r.add("hunter2-password");
        let key = "a".repeat(64);
        let out = r.redact(&format!("pw hunter2-password --certificate-key {key}"));
        assert_eq!(out, "pw <redacted> --certificate-key <redacted>");
    }

    #[test]
    fn redacts_values_after_token_not_words() {
        let r = Redactor::new();
        // The dashboard step's hint, as the step prints it: the words after "token:" are a
        // command, not a secret (issue 12 item 9).
        let script = include_str!("../../assets/steps/dashboard.sh");
        let hint = script
            .lines()
            .find_map(|l| l.trim().strip_prefix("kw_hint \""))
            .and_then(|l| l.strip_suffix('"'))
            .expect("the dashboard step's hint")
            .replace("${KW_DASHBOARD_ADDRESS:-<node address>}", "192.0.2.10");
        assert_eq!(
            hint,
            "dashboard: https://192.0.2.10:30001 ; login token: kubectl -n kubernetes-dashboard create token admin-user"
        );
        assert_eq!(r.redact(&hint), hint);
        // kubeconfig values are hidden, whatever their shape.
        for (line, secret) in [
            (
                "    token: abcdef.0123456789abcdef",
                "abcdef.0123456789abcdef",
            ),
            ("    token: s3cr3t", "s3cr3t"),
            ("    token: Zm9vYmFy", "Zm9vYmFy"),
            ("token:QUJDREVGRw==", "QUJDREVGRw=="),
            (
                "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
                "LS0tLS1CRUdJTi",
            ),
            (
                "    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
                "LS0tLS1CRUdJTi",
            ),
        ] {
            let out = r.redact(line);
            assert!(!out.contains(secret), "{line} -> {out}");
            assert!(out.contains(REDACTED), "{line} -> {out}");
        }
        assert_eq!(r.redact("    token: s3cr3t"), "    token: <redacted>");
        // A long lowercase value is a value, not a word.
        assert_eq!(r.redact("token: qwertyuiopasdfghjk"), "token: <redacted>");
        assert_eq!(r.redact("token:QUJDREVGRw=="), "token:<redacted>");
    }

    #[test]
    fn leaves_ordinary_lines_alone() {
        let r = Redactor::new();
        let line = "[preflight] Pulling images required for setting up a Kubernetes cluster";
        assert_eq!(r.redact(line), line);
    }
}
