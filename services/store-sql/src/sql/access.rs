//! The SQL behind [`careportal_store::AccessStore`].

use super::SqlStore;
use super::common::{
    ACCOUNT_COLUMNS, CLIENT_COLUMNS, account_from_row, begin_write, client_from_row, delete_factor, insert_audit,
    insert_audits, relation_from_row,
};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::Account;
use careportal_domain::signin::FactorMethod;
use careportal_domain::staff::StaffRole;
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{AccessRow, AccessStore, ContactChange, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

#[async_trait]
impl AccessStore for SqlStore {
    async fn client_access(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<AccessRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, ac.relation, cr.locked_until, cr.last_login_at, f.method \
             FROM account_clients ac \
             JOIN accounts a ON a.tenant_id = ac.tenant_id AND a.id = ac.account_id \
             LEFT JOIN credentials cr ON cr.tenant_id = a.tenant_id AND cr.account_id = a.id \
             LEFT JOIN second_factors f ON f.tenant_id = a.tenant_id AND f.account_id = a.id \
             WHERE ac.tenant_id = $1 AND ac.client_id = $2 ORDER BY a.family_name, a.given_name, a.id"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let method: Option<String> = row.try_get("method")?;
                let factor = match method {
                    None => None,
                    Some(text) => {
                        Some(FactorMethod::parse(&text).ok_or_else(|| StoreError::corrupt("second_factors", &text))?)
                    }
                };
                Ok(AccessRow {
                    account: account_from_row(row)?,
                    relation: relation_from_row(row)?,
                    locked_until: row.try_get("locked_until")?,
                    factor,
                    last_login_at: row.try_get("last_login_at")?,
                })
            })
            .collect()
    }

    async fn end_access(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
    ) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let relation: Option<String> = sqlx::query_scalar(
            "DELETE FROM account_clients WHERE tenant_id = $1 AND account_id = $2 AND client_id = $3 RETURNING relation",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(client.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(relation) = relation else { return Ok(false) };
        // A session that had this client open shows it no more.
        sqlx::query("UPDATE sessions SET client_id = NULL WHERE tenant_id = $1 AND account_id = $2 AND client_id = $3")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(client.as_uuid())
            .execute(&mut *tx)
            .await?;
        sign_out_if_nothing_left(&mut tx, tenant, account).await?;
        let event = origin.event(AuditAction::ACCESS_ENDED, Some(client), format!("account {account} als {relation}"));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn unlock_account(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = begin_write(&self.pool).await?;
        let unlocked = sqlx::query(
            "UPDATE credentials SET locked_until = NULL, failed_count = 0, password_tries = 0 \
             WHERE tenant_id = $1 AND account_id = $2 AND locked_until > $3",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if unlocked > 0 {
            let event = origin.event(AuditAction::new("account.unlocked"), None, format!("account {account}"));
            insert_audit(&mut tx, tenant, &event, self.now()).await?;
        }
        tx.commit().await?;
        Ok(unlocked > 0)
    }

    async fn change_contact(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        change: &ContactChange<'_>,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM accounts WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let mut what = Vec::new();
        if let Some(email) = change.email {
            sqlx::query("UPDATE accounts SET email = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_uuid())
                .bind(account.as_uuid())
                .bind(email.as_str())
                .execute(&mut *tx)
                .await?;
            what.push(format!("e-mailadres {}", email.as_str()));
        }
        if let Some(username) = change.username {
            sqlx::query("UPDATE accounts SET username = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_uuid())
                .bind(account.as_uuid())
                .bind(username.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, "gebruikersnaam"))?;
            what.push(format!("gebruikersnaam {}", username.as_str()));
        }
        if let Some(number) = change.sms_number {
            let changed = sqlx::query(
                "UPDATE second_factors SET phone = $3 WHERE tenant_id = $1 AND account_id = $2 AND method = 'sms'",
            )
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(number)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            what.push(format!("mobiel nummer {}", careportal_domain::phone::mask_e164(number)));
        }
        let detail =
            format!("account {account}: {}; identiteit gecontroleerd: {}", what.join(", "), change.how_checked);
        let event = origin.event(AuditAction::new("account.details_changed"), None, detail);
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn search_accounts(
        &self,
        tenant: TenantId,
        text: &str,
        limit: u32,
    ) -> StoreResult<Vec<(Account, Vec<careportal_domain::people::ClientLink>)>> {
        // LIKE's own characters in what was typed are taken as themselves.
        let escaped: String = text
            .trim()
            .to_lowercase()
            .chars()
            .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
            .collect();
        let pattern = format!("%{escaped}%");
        let accounts = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.tenant_id = $1 AND (\
             LOWER(a.username) LIKE $2 ESCAPE '\\' OR LOWER(a.email) LIKE $2 ESCAPE '\\' \
             OR LOWER(a.given_name || ' ' || COALESCE(a.name_prefix || ' ', '') || a.family_name) LIKE $2 ESCAPE '\\') \
             ORDER BY a.family_name, a.given_name, a.id LIMIT $3"
        ))
        .bind(tenant.as_uuid())
        .bind(&pattern)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::new();
        for row in &accounts {
            let account = account_from_row(row)?;
            let links = careportal_store::Store::account_links(self, tenant, account.id).await?;
            found.push((account, links));
        }
        Ok(found)
    }

    async fn staff_members(&self, tenant: TenantId) -> StoreResult<Vec<(Account, Vec<StaffRole>)>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, r.role FROM staff_roles r \
             JOIN accounts a ON a.tenant_id = r.tenant_id AND a.id = r.account_id \
             WHERE r.tenant_id = $1 ORDER BY a.family_name, a.given_name, a.id, r.role"
        ))
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        let mut members: Vec<(Account, Vec<StaffRole>)> = Vec::new();
        for row in &rows {
            let account = account_from_row(row)?;
            let role: String = row.try_get("role")?;
            let role = StaffRole::parse(&role).map_err(|_| StoreError::corrupt("staff_roles", &role))?;
            match members.last_mut() {
                Some((last, roles)) if last.id == account.id => roles.push(role),
                _ => members.push((account, vec![role])),
            }
        }
        Ok(members)
    }

    async fn remove_staff_role(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        role: StaffRole,
    ) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let removed = sqlx::query("DELETE FROM staff_roles WHERE tenant_id = $1 AND account_id = $2 AND role = $3")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        if role == StaffRole::Coordinator {
            sqlx::query("DELETE FROM caseload WHERE tenant_id = $1 AND account_id = $2")
                .bind(tenant.as_uuid())
                .bind(account.as_uuid())
                .execute(&mut *tx)
                .await?;
        }
        sign_out_if_nothing_left(&mut tx, tenant, account).await?;
        let event = origin.event(AuditAction::new("staff.role_removed"), None, format!("{account} {}", role.as_str()));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn caseload(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<ClientId>> {
        let rows = sqlx::query("SELECT client_id FROM caseload WHERE tenant_id = $1 AND account_id = $2")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(ClientId::from_uuid(row.try_get("client_id")?))).collect()
    }

    async fn set_caseload(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        clients: &[ClientId],
    ) -> StoreResult<(usize, usize)> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let held: Vec<ClientId> =
            sqlx::query("SELECT client_id FROM caseload WHERE tenant_id = $1 AND account_id = $2")
                .bind(tenant.as_uuid())
                .bind(account.as_uuid())
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| row.try_get("client_id").map(ClientId::from_uuid))
                .collect::<Result<_, _>>()?;
        let mut wanted: Vec<ClientId> = Vec::with_capacity(clients.len());
        for client in clients {
            if !wanted.contains(client) {
                wanted.push(*client);
            }
        }
        let mut events = Vec::new();
        for client in wanted.iter().filter(|c| !held.contains(c)) {
            // Through the tenant's own clients, so another tenant's id is never assigned.
            let added = sqlx::query(
                "INSERT INTO caseload (tenant_id, account_id, client_id, assigned_at)                  SELECT tenant_id, $2, id, $4 FROM clients WHERE tenant_id = $1 AND id = $3                  ON CONFLICT DO NOTHING",
            )
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(client.as_uuid())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 0 {
                return Err(StoreError::NotFound);
            }
            events.push(origin.event(AuditAction::new("caseload.assigned"), Some(*client), account.to_string()));
        }
        let gone: Vec<ClientId> = held.iter().filter(|c| !wanted.contains(c)).copied().collect();
        for client in &gone {
            sqlx::query("DELETE FROM caseload WHERE tenant_id = $1 AND account_id = $2 AND client_id = $3")
                .bind(tenant.as_uuid())
                .bind(account.as_uuid())
                .bind(client.as_uuid())
                .execute(&mut *tx)
                .await?;
            events.push(origin.event(AuditAction::new("caseload.unassigned"), Some(*client), account.to_string()));
        }
        let assigned = events.len() - gone.len();
        insert_audits(&mut tx, tenant, &events, now).await?;
        tx.commit().await?;
        Ok((assigned, gone.len()))
    }

    async fn care_ends_untold(&self, tenant: TenantId) -> StoreResult<Vec<careportal_domain::people::Client>> {
        let rows = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM clients c WHERE c.tenant_id = $1 AND c.care_ended_on IS NOT NULL \
             AND (c.care_end_noticed_for IS NULL OR c.care_end_noticed_for <> c.care_ended_on) \
             ORDER BY c.care_ended_on, c.id"
        ))
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(client_from_row).collect()
    }

    async fn claim_care_end_notice(
        &self,
        tenant: TenantId,
        client: ClientId,
        ended_on: NaiveDate,
    ) -> StoreResult<bool> {
        // One conditional UPDATE: of any number of workers, one claims each end date.
        let claimed = sqlx::query(
            "UPDATE clients SET care_end_noticed_for = $3 WHERE tenant_id = $1 AND id = $2 \
             AND care_ended_on = $3 AND (care_end_noticed_for IS NULL OR care_end_noticed_for <> $3)",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(ended_on)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn reset_second_factor(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        how_checked: &str,
    ) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        if delete_factor(&mut tx, tenant, account).await? == 0 {
            return Ok(false);
        }
        // Trusted devices and sessions were vouched for by the old factor.
        for statement in [
            "DELETE FROM sessions WHERE tenant_id = $1 AND account_id = $2",
            "DELETE FROM trusted_devices WHERE tenant_id = $1 AND account_id = $2",
        ] {
            sqlx::query(statement).bind(tenant.as_uuid()).bind(account.as_uuid()).execute(&mut *tx).await?;
        }
        let detail = format!("account {account}; identiteit gecontroleerd: {how_checked}");
        let event = origin.event(AuditAction::new("factor.reset"), None, detail);
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// An account that reaches no client and has no staff role has nothing left to see: its
/// sessions end (staff keep Beheer, a person with another client keeps that one).
async fn sign_out_if_nothing_left(conn: &mut super::Conn, tenant: TenantId, account: AccountId) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM sessions WHERE tenant_id = $1 AND account_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM account_clients WHERE tenant_id = $1 AND account_id = $2) \
         AND NOT EXISTS (SELECT 1 FROM staff_roles WHERE tenant_id = $1 AND account_id = $2)",
    )
    .bind(tenant.as_uuid())
    .bind(account.as_uuid())
    .execute(conn)
    .await?;
    Ok(())
}
