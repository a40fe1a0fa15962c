//! The audit log's use cases: signed checkpoints (the worker), verifying the chain
//! (`careportal audit verify`), and reading the log back for people (Beheer › Logboek, its
//! CSV, and the client's "Wie heeft mijn dossier bekeken").

use careportal_auth::secrets::derive_key;
use careportal_domain::TenantId;
use careportal_domain::audit::{AuditCheckpoint, AuditEntry, chain_hash};
use careportal_domain::tenant::Tenant;
use careportal_store::{AuditStore, StoreResult};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How often the worker vouches for the end of each tenant's chain (when it moved).
pub const CHECKPOINT_EVERY: chrono::Duration = chrono::Duration::minutes(15);

/// The key checkpoints are signed with, derived from the deployment's secret key: the
/// database alone (a backup, a superuser) cannot make a checkpoint agree with a changed log.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<hidden>)")
    }
}

impl AuditKey {
    pub fn derive(secret_key: &[u8; 32]) -> Self {
        Self(derive_key(secret_key, "audit-checkpoints/v1"))
    }

    /// HMAC takes keys of any length, so this is always Some; a None would leave the
    /// checkpoint unsigned, which `verify` reports, rather than panic.
    fn mac(&self, text: &str) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).ok()?;
        mac.update(text.as_bytes());
        Some(mac)
    }

    pub fn sign(&self, tenant: TenantId, seq: i64, hash: &str, at: DateTime<Utc>) -> AuditCheckpoint {
        let at = chrono::SubsecRound::trunc_subsecs(at, 6);
        let text = AuditCheckpoint::signed_text(tenant, seq, hash, at);
        let signature = self.mac(&text).map(|m| hex(&m.finalize().into_bytes())).unwrap_or_default();
        AuditCheckpoint { tenant, seq, hash: hash.to_owned(), at, signature }
    }

    /// Constant-time check of a checkpoint's signature.
    pub fn vouches_for(&self, checkpoint: &AuditCheckpoint) -> bool {
        let text = AuditCheckpoint::signed_text(checkpoint.tenant, checkpoint.seq, &checkpoint.hash, checkpoint.at);
        match (unhex(&checkpoint.signature), self.mac(&text)) {
            (Some(bytes), Some(mac)) => mac.verify_slice(&bytes).is_ok(),
            _ => false,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Signs the end of the tenant's chain when it moved since the last checkpoint and that
/// one is at least `every` old (or there is none). Returns the checkpoint written.
pub async fn checkpoint(
    store: &dyn AuditStore,
    key: &AuditKey,
    tenant: TenantId,
    now: DateTime<Utc>,
    every: chrono::Duration,
) -> StoreResult<Option<AuditCheckpoint>> {
    let (seq, hash) = store.audit_head(tenant).await?;
    if seq == 0 {
        return Ok(None);
    }
    // The newest checkpoint: every instance signs with its own clock, so a day ahead covers
    // any skew between them.
    let last = store.audit_checkpoint_before(tenant, now + chrono::Duration::days(1)).await?;
    if let Some(last) = &last
        && (last.seq >= seq || now - last.at < every)
    {
        return Ok(None);
    }
    let checkpoint = key.sign(tenant, seq, &hash, now);
    store.add_audit_checkpoint(&checkpoint).await?;
    Ok(Some(checkpoint))
}

/// Where the chain of one tenant first fails, in the order `audit verify` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// Entries are missing: `expected` was next, `found` came.
    Gap { expected: i64, found: i64 },
    /// The entry's content does not give its hash: it was changed.
    Changed { seq: i64, entry: Box<AuditEntry> },
    /// The entry does not name the previous entry's hash: one before it was changed or taken out.
    Link { seq: i64, entry: Box<AuditEntry> },
    /// A checkpoint that the key did not sign.
    ForgedCheckpoint { seq: i64 },
    /// A signed checkpoint disagrees with the entry it vouches for: the log was rewritten.
    CheckpointDisagrees { seq: i64 },
    /// The chain ends before its head or a checkpoint says it does: entries at the end were removed.
    Truncated { last: i64, head: i64 },
    /// The log says it was pruned up to a seq that no signed checkpoint vouches for.
    PrunedWithoutCheckpoint { seq: i64 },
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn which(entry: &AuditEntry) -> String {
            format!("id {}, {}, {}", entry.id, entry.at.format("%Y-%m-%d %H:%M:%S UTC"), entry.action)
        }
        match self {
            Broken::Gap { expected, found } => {
                write!(f, "#{expected} ontbreekt (na #{} volgt #{found}): vermeldingen zijn verwijderd", expected - 1)
            }
            Broken::Changed { seq, entry } => {
                write!(f, "#{seq} ({}): de inhoud past niet bij de hash; de vermelding is gewijzigd", which(entry))
            }
            Broken::Link { seq, entry } => write!(
                f,
                "#{seq} ({}): noemt een andere hash dan die van #{}; een eerdere vermelding is gewijzigd of verwijderd",
                which(entry),
                seq - 1
            ),
            Broken::ForgedCheckpoint { seq } => {
                write!(f, "controlepunt #{seq}: de handtekening klopt niet; het controlepunt is vervalst")
            }
            Broken::CheckpointDisagrees { seq } => {
                write!(f, "#{seq}: het ondertekende controlepunt noemt een andere hash; het logboek is herschreven")
            }
            Broken::PrunedWithoutCheckpoint { seq } => {
                write!(f, "het begin tot #{seq} is opgeschoond, maar geen ondertekend controlepunt staat daarvoor in")
            }
            Broken::Truncated { last, head } => {
                write!(f, "de keten eindigt bij #{last}, maar telde {head} vermeldingen; het einde is verwijderd")
            }
        }
    }
}

/// What `audit verify` found for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: i64,
    /// Entries from before the chain (migration 0027): kept, not verifiable.
    pub unchained: u64,
    pub checkpoints: usize,
    pub last_checkpoint: Option<(i64, DateTime<Utc>)>,
    /// Entries up to here were pruned after the retention (0: none).
    pub pruned_to: i64,
    pub broken: Option<Broken>,
}

/// Reads the tenant's whole chain in order and checks every link, every hash and every
/// checkpoint; stops at the first break.
pub async fn verify(store: &dyn AuditStore, key: &AuditKey, tenant: TenantId) -> StoreResult<ChainReport> {
    let checkpoints = store.audit_checkpoints(tenant).await?;
    let unchained = store.audit_unchained(tenant).await?;
    let (head, _) = store.audit_head(tenant).await?;
    let mut report = ChainReport {
        entries: 0,
        unchained,
        checkpoints: checkpoints.len(),
        last_checkpoint: checkpoints.last().map(|c| (c.seq, c.at)),
        pruned_to: 0,
        broken: None,
    };
    if let Some(forged) = checkpoints.iter().find(|c| !key.vouches_for(c)) {
        report.broken = Some(Broken::ForgedCheckpoint { seq: forged.seq });
        return Ok(report);
    }
    // A pruned log starts after the signed checkpoint it was pruned to.
    let pruned_to = store.audit_pruned_to(tenant).await?;
    report.pruned_to = pruned_to;
    let (mut last, mut previous) = (0_i64, String::new());
    if pruned_to > 0 {
        match checkpoints.iter().find(|c| c.seq == pruned_to) {
            Some(floor) => (last, previous) = (floor.seq, floor.hash.clone()),
            None => {
                report.broken = Some(Broken::PrunedWithoutCheckpoint { seq: pruned_to });
                return Ok(report);
            }
        }
    }
    let mut vouched = checkpoints.iter().filter(|c| c.seq > pruned_to).peekable();
    loop {
        let page = store.audit_chain(tenant, last, 5_000).await?;
        if page.is_empty() {
            break;
        }
        for entry in page {
            let seq = entry.seq.unwrap_or_default();
            let broken = if seq != last + 1 {
                Some(Broken::Gap { expected: last + 1, found: seq })
            } else if entry.hash.as_deref() != Some(chain_hash(&entry).as_str()) {
                Some(Broken::Changed { seq, entry: Box::new(entry.clone()) })
            } else if entry.prev_hash.as_deref() != Some(previous.as_str()) {
                Some(Broken::Link { seq, entry: Box::new(entry.clone()) })
            } else {
                None
            };
            if let Some(broken) = broken {
                report.broken = Some(broken);
                return Ok(report);
            }
            while let Some(checkpoint) = vouched.next_if(|c| c.seq <= seq) {
                if checkpoint.seq == seq && entry.hash.as_deref() != Some(checkpoint.hash.as_str()) {
                    report.broken = Some(Broken::CheckpointDisagrees { seq });
                    return Ok(report);
                }
            }
            last = seq;
            previous = entry.hash.unwrap_or_default();
            report.entries += 1;
        }
    }
    let claimed = checkpoints.last().map_or(head, |c| c.seq.max(head));
    if last < claimed {
        report.broken = Some(Broken::Truncated { last, head: claimed });
    }
    Ok(report)
}

/// Prunes the tenant's log past its retention: everything up to the newest signed
/// checkpoint made before `now - retention_years`, so that what stays still verifies from
/// that checkpoint. Returns how many entries went (0 when no checkpoint is old enough).
pub async fn prune(store: &dyn AuditStore, key: &AuditKey, tenant: &Tenant, now: DateTime<Utc>) -> StoreResult<u64> {
    let months = chrono::Months::new(tenant.config.audit.retention_years.saturating_mul(12));
    let Some(cutoff) = now.checked_sub_months(months) else { return Ok(0) };
    let pruned_to = store.audit_pruned_to(tenant.id).await?;
    // Only a checkpoint this deployment signed may become the log's new beginning.
    match store.audit_checkpoint_before(tenant.id, cutoff).await? {
        Some(floor) if floor.seq > pruned_to && key.vouches_for(&floor) => {
            store.prune_audit(tenant.id, floor.seq).await
        }
        _ => Ok(0),
    }
}

/// Signs checkpoints for every tenant that is due; for the worker's rounds.
pub async fn checkpoint_all(
    store: &dyn AuditStore,
    key: &AuditKey,
    tenants: &[Tenant],
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let mut written = 0;
    for tenant in tenants {
        if checkpoint(store, key, tenant.id, now, CHECKPOINT_EVERY).await?.is_some() {
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_signature_covers_every_part_of_the_checkpoint() {
        let key = AuditKey::derive(&[7; 32]);
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let tenant = TenantId::new();
        let checkpoint = key.sign(tenant, 5, "abc", at);
        assert!(key.vouches_for(&checkpoint));
        assert!(!AuditKey::derive(&[8; 32]).vouches_for(&checkpoint));
        for changed in [
            AuditCheckpoint { seq: 6, ..checkpoint.clone() },
            AuditCheckpoint { hash: "abd".into(), ..checkpoint.clone() },
            AuditCheckpoint { at: at + chrono::Duration::seconds(1), ..checkpoint.clone() },
            AuditCheckpoint { tenant: TenantId::new(), ..checkpoint.clone() },
            AuditCheckpoint { signature: "zz".into(), ..checkpoint.clone() },
        ] {
            assert!(!key.vouches_for(&changed), "{changed:?}");
        }
    }
}
