//! Join secrets (bootstrap token, CA certificate hash, certificate key): minted on the first
//! control plane when a join needs them, kept in memory for this run only (never in the
//! journal, a log or an event), and registered with the redactor the moment they are read.

use super::run::Shared;
use crate::plan::{SecretSlot, StepId};
use crate::ssh::{Line, SshError};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Minted join secrets are reused within a run for this long (tokens are minted with 2 h TTL,
/// certificate keys live 2 h).
const SECRET_REUSE: Duration = Duration::from_secs(3600);
/// How long the mint script may take.
const MINT_TIMEOUT: Duration = Duration::from_secs(120);

/// The secrets minted in this run, with when they were minted.
#[derive(Default)]
pub(super) struct JoinSecrets {
    minted: Mutex<Option<(Instant, HashMap<SecretSlot, String>)>>,
}

impl JoinSecrets {
    /// The secrets a join needs: the ones minted earlier in this run while they are fresh
    /// (and include a certificate key if one is needed), else newly minted ones.
    pub(super) async fn get(
        &self,
        sh: &Shared,
        need_cert_key: bool,
    ) -> Result<HashMap<SecretSlot, String>, SshError> {
        let mut guard = self.minted.lock().await;
        if let Some((at, s)) = guard.as_ref()
            && at.elapsed() < SECRET_REUSE
            && (!need_cert_key || s.contains_key(&SecretSlot::CertificateKey))
        {
            return Ok(s.clone());
        }
        let started = Instant::now();
        let out = mint(sh, need_cert_key).await?;
        // The values never reach this log: only that they were minted.
        tracing::info!(
            "join secrets minted in {:.1?} (certificate key: {need_cert_key})",
            started.elapsed()
        );
        *guard = Some((Instant::now(), out.clone()));
        Ok(out)
    }
}

/// Runs the mint script on the first control plane: `::kw::secret NAME=VALUE` lines.
async fn mint(sh: &Shared, need_cert_key: bool) -> Result<HashMap<SecretSlot, String>, SshError> {
    let cp = sh
        .cfg
        .first_control_plane()
        .map(|n| n.name.clone())
        .unwrap_or_default();
    let conn = sh.conns.get(&cp).await?;
    let script = sh.plan.mint_script(need_cert_key);
    let mut out = HashMap::new();
    let mut tail = Vec::new();
    let mut sink = |line: Line| match line {
        Line::Structured(rest) => {
            if let Some(kv) = rest.strip_prefix("secret ")
                && let Some((k, v)) = kv.split_once('=')
            {
                let v = v.trim().to_string();
                sh.redactor.add(&v);
                let slot = match k {
                    "token" => Some(SecretSlot::JoinToken),
                    "ca_cert_hash" => Some(SecretSlot::CaCertHash),
                    "certificate_key" => Some(SecretSlot::CertificateKey),
                    _ => None,
                };
                if let Some(slot) = slot {
                    out.insert(slot, v);
                }
            }
        }
        Line::Stdout(l) | Line::Stderr(l) => {
            let l = sh.redactor.redact(&l);
            sh.logs.write(&cp, StepId::Join, &l);
            tail.push(l);
        }
    };
    let exit = conn.run_script(&script, MINT_TIMEOUT, &mut sink).await?;
    if exit.code != Some(0) || !out.contains_key(&SecretSlot::JoinToken) {
        return Err(SshError::Remote {
            node: cp,
            message: format!(
                "could not mint a join token (exit {:?}): {}",
                exit.code,
                tail.last().cloned().unwrap_or_default()
            ),
        });
    }
    Ok(out)
}
