//! The SQL behind [`careportal_store::Store`] itself: tenants, clients, accounts, sign-in
//! (sessions, codes, devices), the audit log and the message outbox.

use super::SqlStore;
use super::common::{
    ACCOUNT_COLUMNS, ACCOUNT_JOIN_COLUMNS, CLIENT_COLUMNS, DEVICE_COLUMNS, SESSION_COLUMNS, SESSION_JOIN_COLUMNS,
    TENANT_COLUMNS, account_from_columns, account_from_row, begin_write, client_from_row, count_of, delete_factor,
    device_from_row, insert_audit, insert_link, insert_session, relation_from_row, session_from_row, tenant_from_row,
};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::outbox::{Channel, MessageId, NewMessage, OutboxMessage};
use careportal_domain::people::{
    Account, Client, ClientChanges, ClientLink, ClientReference, NewAccount, NewClient, Relation, Username,
};
use careportal_domain::signin::{
    CODE_MAX_FAILURES, CodePurpose, Credentials, FAILURES_REMEMBERED_HOURS, FactorMethod, NewCode, NewDevice,
    NewSession, SecondFactor, Session, SmsCount, StoredCode, TrustedDevice,
};
use careportal_domain::tenant::{PolicyRule, RightsPolicy, Tenant, TenantBundle};
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{
    AppliedTenant, Backend, CareContext, CareLink, MessageStatus, MessagesWaiting, PoolUse, Store, StoreError,
    StoreResult,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use uuid::Uuid;

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        Self::BACKEND
    }

    async fn migrate(&self) -> StoreResult<()> {
        // Nothing to do when every migration has run: checked first, so that `serve` works
        // under the portal's own PostgreSQL role (migration 0027), which may not create the
        // migrations table the migrator would otherwise make sure of.
        let applied = sqlx::query("SELECT version, success FROM _sqlx_migrations").fetch_all(&self.pool).await;
        if let Ok(rows) = applied {
            let done: std::collections::BTreeSet<i64> = rows
                .iter()
                .filter(|row| row.try_get::<bool, _>("success").unwrap_or(false))
                .filter_map(|row| row.try_get::<i64, _>("version").ok())
                .collect();
            if Self::MIGRATOR.iter().all(|m| done.contains(&m.version)) {
                return Ok(());
            }
        }
        Self::MIGRATOR.run(&self.pool).await.map_err(|e| {
            let text = e.to_string();
            if text.contains("permission denied") {
                StoreError::Migrate(format!(
                    "{text}: deze database heeft migraties nodig die deze databaserol niet mag uitvoeren; \
                     voer eerst `careportal migrate` uit als eigenaar van de database"
                ))
            } else {
                e.into()
            }
        })?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_use(&self) -> PoolUse {
        PoolUse {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn apply_tenant(&self, origin: &Origin, bundle: &TenantBundle) -> StoreResult<AppliedTenant> {
        let now = self.now();
        let config = serde_json::to_string(&bundle.config).map_err(|e| StoreError::corrupt("tenants", e))?;
        let mut tx = begin_write(&self.pool).await?;
        let existing = sqlx::query("SELECT id FROM tenants WHERE slug = $1")
            .bind(bundle.slug.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let (id, version, created) = match existing {
            Some(row) => {
                let id: Uuid = row.try_get("id")?;
                let version: i64 = sqlx::query(
                    "UPDATE tenants SET config = $2, logo_svg = $3, rights_model = $4, version = version + 1, \
                     updated_at = $5 WHERE id = $1 RETURNING version",
                )
                .bind(id)
                .bind(&config)
                .bind(&bundle.logo_svg)
                .bind(&bundle.rights.model)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("version")?;
                (TenantId::from_uuid(id), version, false)
            }
            None => {
                let id = TenantId::new();
                sqlx::query(
                    "INSERT INTO tenants (id, slug, config, logo_svg, rights_model, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
                )
                .bind(id.as_uuid())
                .bind(bundle.slug.as_str())
                .bind(&config)
                .bind(&bundle.logo_svg)
                .bind(&bundle.rights.model)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, &format!("tenant {}", bundle.slug)))?;
                (id, 1, true)
            }
        };

        sqlx::query("DELETE FROM tenant_hosts WHERE tenant_id = $1").bind(id.as_uuid()).execute(&mut *tx).await?;
        for host in &bundle.config.hostnames {
            let owner = sqlx::query(
                "SELECT t.slug FROM tenant_hosts h JOIN tenants t ON t.id = h.tenant_id WHERE h.hostname = $1",
            )
            .bind(host)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(owner) = owner {
                let slug: String = owner.try_get("slug")?;
                return Err(StoreError::Conflict(format!("hostnaam {host} hoort al bij tenant {slug}")));
            }
            sqlx::query("INSERT INTO tenant_hosts (hostname, tenant_id) VALUES ($1, $2)")
                .bind(host)
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, &format!("hostnaam {host}")))?;
        }

        sqlx::query("DELETE FROM tenant_templates WHERE tenant_id = $1").bind(id.as_uuid()).execute(&mut *tx).await?;
        for (name, body) in &bundle.templates {
            sqlx::query("INSERT INTO tenant_templates (tenant_id, name, body) VALUES ($1, $2, $3)")
                .bind(id.as_uuid())
                .bind(name)
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }

        sqlx::query("DELETE FROM policy_rules WHERE tenant_id = $1").bind(id.as_uuid()).execute(&mut *tx).await?;
        for (position, rule) in bundle.rights.rules.iter().enumerate() {
            let values = serde_json::to_string(&rule.values).map_err(|e| StoreError::corrupt("policy_rules", e))?;
            sqlx::query("INSERT INTO policy_rules (tenant_id, ptype, rule, position) VALUES ($1, $2, $3, $4)")
                .bind(id.as_uuid())
                .bind(&rule.ptype)
                .bind(values)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, &format!("dubbele regel {rule:?}")))?;
        }

        let detail = format!("versie {version}");
        insert_audit(&mut tx, id, &origin.event(AuditAction::TENANT_APPLIED, None, detail), now).await?;
        tx.commit().await?;
        Ok(AppliedTenant { id, version, created })
    }

    async fn tenant_by_host(&self, host: &str, dev_hosts: bool) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query(&format!(
            "SELECT {TENANT_COLUMNS} FROM tenant_hosts h JOIN tenants t ON t.id = h.tenant_id WHERE h.hostname = $1"
        ))
        .bind(host)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return tenant_from_row(&row).map(Some);
        }
        match host.strip_suffix(".localhost") {
            Some(slug) if dev_hosts && !slug.contains('.') => self.tenant_by_slug(slug).await,
            _ => Ok(None),
        }
    }

    async fn tenant_version_by_host(&self, host: &str, dev_hosts: bool) -> StoreResult<Option<(TenantId, i64)>> {
        let row = sqlx::query(
            "SELECT t.id, t.version FROM tenant_hosts h JOIN tenants t ON t.id = h.tenant_id WHERE h.hostname = $1",
        )
        .bind(host)
        .fetch_optional(&self.pool)
        .await?;
        let row = match (row, host.strip_suffix(".localhost")) {
            (Some(row), _) => Some(row),
            (None, Some(slug)) if dev_hosts && !slug.contains('.') => {
                sqlx::query("SELECT t.id, t.version FROM tenants t WHERE t.slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?
            }
            _ => None,
        };
        row.map(|row| Ok((TenantId::from_uuid(row.try_get("id")?), row.try_get("version")?))).transpose()
    }

    async fn set_tenant_suspended(&self, origin: &Origin, tenant: TenantId, suspended: bool) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let statement = if suspended {
            "UPDATE tenants SET suspended_at = $2, version = version + 1, updated_at = $2 \
             WHERE id = $1 AND suspended_at IS NULL"
        } else {
            "UPDATE tenants SET suspended_at = NULL, version = version + 1, updated_at = $2 \
             WHERE id = $1 AND suspended_at IS NOT NULL"
        };
        let changed = sqlx::query(statement).bind(tenant.as_uuid()).bind(now).execute(&mut *tx).await?.rows_affected();
        if changed > 0 {
            let action = if suspended { "tenant.suspended" } else { "tenant.resumed" };
            insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), None, ""), now).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        let rows = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants t ORDER BY t.slug"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(tenant_from_row).collect()
    }

    async fn tenant_hostnames(&self, tenant: TenantId) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT hostname FROM tenant_hosts WHERE tenant_id = $1 ORDER BY hostname")
            .bind(tenant.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| row.try_get("hostname").map_err(StoreError::from)).collect()
    }

    async fn tenant_logo(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT logo_svg FROM tenants WHERE id = $1")
            .bind(tenant.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| row.try_get("logo_svg").map_err(StoreError::from)).transpose()
    }

    async fn tenant_templates(&self, tenant: TenantId) -> StoreResult<BTreeMap<String, String>> {
        let rows = sqlx::query("SELECT name, body FROM tenant_templates WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("name")?, row.try_get("body")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    async fn tenant_rights(&self, tenant: TenantId) -> StoreResult<Option<RightsPolicy>> {
        let Some(row) = sqlx::query("SELECT rights_model FROM tenants WHERE id = $1")
            .bind(tenant.as_uuid())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let model: String = row.try_get("rights_model")?;
        let rows = sqlx::query("SELECT ptype, rule FROM policy_rules WHERE tenant_id = $1 ORDER BY position")
            .bind(tenant.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        let mut rules = Vec::with_capacity(rows.len());
        for row in &rows {
            let values: String = row.try_get("rule")?;
            rules.push(PolicyRule {
                ptype: row.try_get("ptype")?,
                values: serde_json::from_str(&values).map_err(|e| StoreError::corrupt("policy_rules", e))?,
            });
        }
        Ok(Some(RightsPolicy { model, rules }))
    }

    async fn create_client(&self, tenant: TenantId, origin: &Origin, new: &NewClient) -> StoreResult<Client> {
        let now = self.now();
        let id = ClientId::new();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO clients (tenant_id, id, reference, given_name, name_prefix, family_name, birth_date, \
             care_ended_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $8)",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(new.reference.as_str())
        .bind(&new.name.given)
        .bind(&new.name.prefix)
        .bind(&new.name.family)
        .bind(new.birth_date)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, &format!("cliënt {}", new.reference)))?;
        let client = Client {
            tenant,
            id,
            reference: new.reference.clone(),
            name: new.name.clone(),
            birth_date: new.birth_date,
            care_ended_on: None,
            created_at: now,
            updated_at: now,
        };
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::CLIENT_CREATED, Some(id), ""), now).await?;
        tx.commit().await?;
        Ok(client)
    }

    async fn client(&self, tenant: TenantId, id: ClientId) -> StoreResult<Option<Client>> {
        self.fetch_client(tenant, id).await
    }

    async fn client_by_reference(&self, tenant: TenantId, reference: &ClientReference) -> StoreResult<Option<Client>> {
        let row =
            sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM clients c WHERE c.tenant_id = $1 AND c.reference = $2"))
                .bind(tenant.as_uuid())
                .bind(reference.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(client_from_row).transpose()
    }

    async fn clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>> {
        let rows = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM clients c WHERE c.tenant_id = $1 \
             ORDER BY c.family_name, c.given_name, c.reference"
        ))
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(client_from_row).collect()
    }

    async fn update_client(
        &self,
        tenant: TenantId,
        origin: &Origin,
        id: ClientId,
        changes: &ClientChanges,
    ) -> StoreResult<Option<Client>> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let updated = sqlx::query(
            "UPDATE clients SET given_name = $3, name_prefix = $4, family_name = $5, birth_date = $6, \
             care_ended_on = $7, updated_at = $8 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(&changes.name.given)
        .bind(&changes.name.prefix)
        .bind(&changes.name.family)
        .bind(changes.birth_date)
        .bind(changes.care_ended_on)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(None);
        }
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::CLIENT_UPDATED, Some(id), ""), now).await?;
        tx.commit().await?;
        self.fetch_client(tenant, id).await
    }

    async fn create_account(&self, tenant: TenantId, origin: &Origin, new: &NewAccount) -> StoreResult<Account> {
        let now = self.now();
        let id = AccountId::new();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO accounts (tenant_id, id, username, email, given_name, name_prefix, family_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(new.username.as_str())
        .bind(new.email.as_str())
        .bind(&new.name.given)
        .bind(&new.name.prefix)
        .bind(&new.name.family)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, &format!("gebruikersnaam {}", new.username.as_str())))?;
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::ACCOUNT_CREATED, None, format!("account {id}")), now)
            .await?;
        tx.commit().await?;
        Ok(Account {
            tenant,
            id,
            username: new.username.clone(),
            email: new.email.clone(),
            name: new.name.clone(),
            created_at: now,
            display: careportal_domain::people::Display::default(),
        })
    }

    async fn set_display(
        &self,
        tenant: TenantId,
        account: AccountId,
        display: careportal_domain::people::Display,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE accounts SET large_text = $3, easy_read = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(display.large_text)
            .bind(display.easy_read)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn account(&self, tenant: TenantId, id: AccountId) -> StoreResult<Option<Account>> {
        let row =
            sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.tenant_id = $1 AND a.id = $2"))
                .bind(tenant.as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn account_by_username(&self, tenant: TenantId, username: &Username) -> StoreResult<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.tenant_id = $1 AND a.username = $2"
        ))
        .bind(tenant.as_uuid())
        .bind(username.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn link_account(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
        relation: Relation,
    ) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let linked = insert_link(&mut tx, tenant, account, client, relation, now).await?;
        if linked {
            let detail = format!("account {account} als {}", relation.as_str());
            let event = origin.event(AuditAction::ACCOUNT_LINKED, Some(client), detail);
            insert_audit(&mut tx, tenant, &event, now).await?;
        }
        tx.commit().await?;
        Ok(linked)
    }

    async fn account_links(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<ClientLink>> {
        let rows = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS}, ac.relation FROM account_clients ac \
             JOIN clients c ON c.tenant_id = ac.tenant_id AND c.id = ac.client_id \
             WHERE ac.tenant_id = $1 AND ac.account_id = $2 ORDER BY c.family_name, c.given_name"
        ))
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(ClientLink { client: client_from_row(row)?, relation: relation_from_row(row)? }))
            .collect()
    }

    async fn care_context(&self, tenant: TenantId, account: AccountId) -> StoreResult<CareContext> {
        let rows = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS}, ac.relation, \
               (SELECT p.blob_key FROM client_photos p \
                 WHERE p.tenant_id = ac.tenant_id AND p.client_id = ac.client_id) AS photo_key, \
               EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = ac.tenant_id \
                 AND d.client_id = ac.client_id AND d.kind = 'invoice') AS has_invoices, \
               EXISTS (SELECT 1 FROM staff_roles r \
                 WHERE r.tenant_id = ac.tenant_id AND r.account_id = ac.account_id) AS is_staff, \
               EXISTS (SELECT 1 FROM link_invitations i WHERE i.tenant_id = ac.tenant_id \
                 AND i.account_id = ac.account_id AND i.expires_at > $3) AS invited \
             FROM account_clients ac \
             JOIN clients c ON c.tenant_id = ac.tenant_id AND c.id = ac.client_id \
             WHERE ac.tenant_id = $1 AND ac.account_id = $2 ORDER BY c.family_name, c.given_name"
        ))
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(self.now())
        .fetch_all(&self.pool)
        .await?;
        let Some(first) = rows.first() else {
            // Linked to no one: staff only, or nobody yet.
            let is_staff = !self.staff_roles(tenant, account).await?.is_empty();
            return Ok(CareContext { links: Vec::new(), is_staff, maybe_invited: true });
        };
        let is_staff = first.try_get("is_staff")?;
        let maybe_invited = first.try_get("invited")?;
        let links = rows
            .iter()
            .map(|row| {
                Ok(CareLink {
                    link: ClientLink { client: client_from_row(row)?, relation: relation_from_row(row)? },
                    photo: row.try_get("photo_key")?,
                    has_invoices: row.try_get("has_invoices")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(CareContext { links, is_staff, maybe_invited })
    }

    async fn client_accounts(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<(Account, Relation)>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, ac.relation FROM account_clients ac \
             JOIN accounts a ON a.tenant_id = ac.tenant_id AND a.id = ac.account_id \
             WHERE ac.tenant_id = $1 AND ac.client_id = $2 ORDER BY a.family_name, a.given_name"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((account_from_row(row)?, relation_from_row(row)?))).collect()
    }

    async fn end_access_after_care(
        &self,
        tenant: TenantId,
        origin: &Origin,
        ended_on_or_before: NaiveDate,
    ) -> StoreResult<u64> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let links = sqlx::query(
            "DELETE FROM account_clients WHERE tenant_id = $1 AND client_id IN \
             (SELECT id FROM clients WHERE tenant_id = $1 AND care_ended_on IS NOT NULL AND care_ended_on <= $2) \
             RETURNING account_id, client_id",
        )
        .bind(tenant.as_uuid())
        .bind(ended_on_or_before)
        .fetch_all(&mut *tx)
        .await?;
        for link in &links {
            let account: Uuid = link.try_get("account_id")?;
            let client: Uuid = link.try_get("client_id")?;
            let detail = format!("toegang van account {account} beëindigd: zorg beëindigd");
            let event = origin.event(AuditAction::ACCESS_ENDED, Some(ClientId::from_uuid(client)), detail);
            insert_audit(&mut tx, tenant, &event, now).await?;
            let removed = sqlx::query(
                "DELETE FROM accounts WHERE tenant_id = $1 AND id = $2 AND NOT EXISTS \
                 (SELECT 1 FROM account_clients WHERE tenant_id = $1 AND account_id = $2)",
            )
            .bind(tenant.as_uuid())
            .bind(account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed > 0 {
                let event = origin.event(AuditAction::ACCOUNT_REMOVED, None, format!("account {account}"));
                insert_audit(&mut tx, tenant, &event, now).await?;
            }
        }
        tx.commit().await?;
        Ok(u64::try_from(links.len()).unwrap_or(u64::MAX))
    }

    async fn grants(
        &self,
        tenant: TenantId,
        client: ClientId,
        account: AccountId,
    ) -> StoreResult<Vec<careportal_domain::rights::Grant>> {
        let rows = sqlx::query(
            "SELECT module, action FROM rights_grants WHERE tenant_id = $1 AND client_id = $2 AND account_id = $3 \
             ORDER BY module, action",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(account.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let module: String = row.try_get("module")?;
                let action: String = row.try_get("action")?;
                match (
                    careportal_domain::tenant::Module::from_key(&module),
                    careportal_domain::rights::Action::from_key(&action),
                ) {
                    (Some(module), Some(action)) => Ok(careportal_domain::rights::Grant { module, action }),
                    _ => Err(StoreError::corrupt("rights_grants", format!("{module} {action}"))),
                }
            })
            .collect()
    }

    async fn set_grants(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        account: AccountId,
        grants: &[careportal_domain::rights::Grant],
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let linked = sqlx::query(
            "SELECT 1 AS one FROM account_clients WHERE tenant_id = $1 AND client_id = $2 AND account_id = $3",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(account.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        if linked.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM rights_grants WHERE tenant_id = $1 AND client_id = $2 AND account_id = $3")
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(account.as_uuid())
            .execute(&mut *tx)
            .await?;
        for grant in grants {
            sqlx::query(
                "INSERT INTO rights_grants (tenant_id, client_id, account_id, module, action, granted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(account.as_uuid())
            .bind(grant.module.key())
            .bind(grant.action.key())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let list: Vec<String> = grants.iter().map(|g| format!("{}:{}", g.module.key(), g.action.key())).collect();
        let detail =
            format!("rechten van {account}: {}", if list.is_empty() { "geen".to_owned() } else { list.join(", ") });
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new("rights.changed"), Some(client), detail), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_staff_role(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        role: careportal_domain::staff::StaffRole,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO staff_roles (tenant_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, account_id, role) DO NOTHING",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "rol"))?;
        let event = origin.event(AuditAction::new("staff.role_added"), None, format!("{account} {}", role.as_str()));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn staff_roles(
        &self,
        tenant: TenantId,
        account: AccountId,
    ) -> StoreResult<Vec<careportal_domain::staff::StaffRole>> {
        let rows = sqlx::query("SELECT role FROM staff_roles WHERE tenant_id = $1 AND account_id = $2 ORDER BY role")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                careportal_domain::staff::StaffRole::parse(&role).map_err(|e| StoreError::corrupt("staff_roles", e))
            })
            .collect()
    }

    async fn credentials(&self, tenant: TenantId, account: AccountId) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query(
            "SELECT account_id, password_hash, password_set_at, must_change, expires_at, failed_count, \
             locked_until, last_login_at FROM credentials WHERE tenant_id = $1 AND account_id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };

        Ok(Some(Credentials {
            account: AccountId::from_uuid(row.try_get("account_id")?),
            password_hash: row.try_get("password_hash")?,
            password_set_at: row.try_get("password_set_at")?,
            must_change: row.try_get("must_change")?,
            expires_at: row.try_get("expires_at")?,
            failed_count: count_of(&row, "failed_count")?,
            locked_until: row.try_get("locked_until")?,
            last_login_at: row.try_get("last_login_at")?,
        }))
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        password_hash: &str,
        must_change: bool,
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO credentials (tenant_id, account_id, password_hash, password_set_at, must_change, expires_at, \
             failed_count, locked_until) VALUES ($1, $2, $3, $4, $5, $6, 0, NULL) \
             ON CONFLICT (tenant_id, account_id) DO UPDATE SET password_hash = excluded.password_hash, \
             password_set_at = excluded.password_set_at, must_change = excluded.must_change, \
             expires_at = excluded.expires_at, failed_count = 0, password_tries = 0, locked_until = NULL",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(password_hash)
        .bind(now)
        .bind(must_change)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "wachtwoord"))?;
        sqlx::query(
            "INSERT INTO password_history (tenant_id, account_id, password_hash, set_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, account_id, set_at) DO UPDATE SET password_hash = excluded.password_hash",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let action = if must_change { AuditAction::PASSWORD_SET } else { AuditAction::PASSWORD_CHANGED };
        insert_audit(&mut tx, tenant, &origin.event(action, None, format!("account {account}")), now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn password_history(
        &self,
        tenant: TenantId,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT password_hash FROM password_history WHERE tenant_id = $1 AND account_id = $2 AND set_at >= $3 \
             ORDER BY set_at DESC",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| row.try_get("password_hash").map_err(StoreError::from)).collect()
    }

    async fn record_login_failure(&self, tenant: TenantId, account: AccountId) -> StoreResult<u32> {
        let now = self.now();
        let remembered_since = now - chrono::Duration::hours(FAILURES_REMEMBERED_HOURS);
        let row = sqlx::query(
            "UPDATE credentials SET failed_count = CASE WHEN last_failed_at IS NOT NULL AND last_failed_at > $3 \
             THEN failed_count + 1 ELSE 1 END, last_failed_at = $4 \
             WHERE tenant_id = $1 AND account_id = $2 RETURNING failed_count",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(remembered_since)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(0) };
        count_of(&row, "failed_count")
    }

    async fn take_password_try(
        &self,
        tenant: TenantId,
        account: AccountId,
        max: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE credentials SET password_tries = password_tries + 1 \
             WHERE tenant_id = $1 AND account_id = $2 AND password_tries < $3 \
             AND (locked_until IS NULL OR locked_until <= $4)",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(i64::from(max))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn give_back_password_try(&self, tenant: TenantId, account: AccountId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE credentials SET password_tries = password_tries - 1 \
             WHERE tenant_id = $1 AND account_id = $2 AND password_tries > 0",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn lock_account(&self, tenant: TenantId, account: AccountId, until: DateTime<Utc>) -> StoreResult<()> {
        // The next round of tries starts when the lock ends.
        sqlx::query(
            "UPDATE credentials SET locked_until = $3, password_tries = 0 WHERE tenant_id = $1 AND account_id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_login_success(&self, tenant: TenantId, account: AccountId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE credentials SET failed_count = 0, password_tries = 0, locked_until = NULL, last_login_at = $3 \
             WHERE tenant_id = $1 AND account_id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(self.now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn second_factor(&self, tenant: TenantId, account: AccountId) -> StoreResult<Option<SecondFactor>> {
        let row = sqlx::query(
            "SELECT account_id, method, totp_secret, phone, last_totp_step, confirmed_at FROM second_factors \
             WHERE tenant_id = $1 AND account_id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let method: String = row.try_get("method")?;
        Ok(Some(SecondFactor {
            account: AccountId::from_uuid(row.try_get("account_id")?),
            method: FactorMethod::parse(&method).ok_or_else(|| StoreError::corrupt("second_factors", &method))?,
            totp_secret: row.try_get("totp_secret")?,
            phone: row.try_get("phone")?,
            last_totp_step: row.try_get("last_totp_step")?,
            confirmed_at: row.try_get("confirmed_at")?,
        }))
    }

    async fn set_totp_factor(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        sealed_secret: &str,
        step: i64,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO second_factors (tenant_id, account_id, method, totp_secret, phone, last_totp_step, confirmed_at) \
             VALUES ($1, $2, 'totp', $3, NULL, $4, $5) ON CONFLICT (tenant_id, account_id) DO UPDATE SET \
             method = 'totp', totp_secret = excluded.totp_secret, phone = NULL, \
             last_totp_step = excluded.last_totp_step, confirmed_at = excluded.confirmed_at",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(sealed_secret)
        .bind(step)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "tweede factor"))?;
        let event = origin.event(AuditAction::FACTOR_ENROLLED, None, format!("account {account}: authenticator-app"));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_totp_step(&self, tenant: TenantId, account: AccountId, step: i64) -> StoreResult<bool> {
        let claimed = sqlx::query(
            "UPDATE second_factors SET last_totp_step = $3 WHERE tenant_id = $1 AND account_id = $2 \
             AND (last_totp_step IS NULL OR last_totp_step < $3)",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(step)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn delete_second_factor(&self, tenant: TenantId, origin: &Origin, account: AccountId) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let removed = delete_factor(&mut tx, tenant, account).await?;
        if removed > 0 {
            let event = origin.event(AuditAction::new("factor.reset"), None, format!("account {account}"));
            insert_audit(&mut tx, tenant, &event, now).await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn set_sms_factor(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        phone: &str,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO second_factors (tenant_id, account_id, method, totp_secret, phone, last_totp_step, confirmed_at) \
             VALUES ($1, $2, 'sms', NULL, $3, NULL, $4) ON CONFLICT (tenant_id, account_id) DO UPDATE SET \
             method = 'sms', totp_secret = NULL, phone = excluded.phone, last_totp_step = NULL, \
             confirmed_at = excluded.confirmed_at",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(phone)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "tweede factor"))?;
        let masked = careportal_domain::phone::mask_e164(phone);
        let event = origin.event(AuditAction::FACTOR_ENROLLED, None, format!("account {account}: sms naar {masked}"));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_confirmation_phone(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        phone: Option<&str>,
    ) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let changed = sqlx::query(
            "UPDATE second_factors SET phone = $3 WHERE tenant_id = $1 AND account_id = $2 AND method = 'totp'",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(phone)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        let (action, detail) = match phone {
            Some(phone) => (
                "factor.phone_set",
                format!("account {account}: bevestigingscodes naar {}", careportal_domain::phone::mask_e164(phone)),
            ),
            None => ("factor.phone_removed", format!("account {account}")),
        };
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), None, detail), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_code(&self, tenant: TenantId, code: &NewCode) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO one_time_codes (tenant_id, id, account_id, purpose, code_hash, prefix, phone, session_hash, \
             created_at, expires_at, failures) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0)",
        )
        .bind(tenant.as_uuid())
        .bind(code.id)
        .bind(code.account.as_uuid())
        .bind(code.purpose.as_str())
        .bind(&code.code_hash)
        .bind(&code.prefix)
        .bind(&code.phone)
        .bind(&code.session_hash)
        .bind(self.now())
        .bind(code.expires_at)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::classify(e, "code"))?;
        Ok(())
    }

    async fn current_code(
        &self,
        tenant: TenantId,
        session_hash: &str,
        purpose: CodePurpose,
    ) -> StoreResult<Option<StoredCode>> {
        let row = sqlx::query(
            "SELECT id, account_id, code_hash, prefix, phone, expires_at, failures FROM one_time_codes \
             WHERE tenant_id = $1 AND session_hash = $2 AND purpose = $3 AND used_at IS NULL \
             AND expires_at > $4 AND failures < $5 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(tenant.as_uuid())
        .bind(session_hash)
        .bind(purpose.as_str())
        .bind(self.now())
        .bind(i64::from(CODE_MAX_FAILURES))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredCode {
            id: row.try_get("id")?,
            account: AccountId::from_uuid(row.try_get("account_id")?),
            code_hash: row.try_get("code_hash")?,
            prefix: row.try_get("prefix")?,
            phone: row.try_get("phone")?,
            expires_at: row.try_get("expires_at")?,
            failures: count_of(&row, "failures")?,
        }))
    }

    async fn take_code_try(&self, tenant: TenantId, id: Uuid) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE one_time_codes SET tries = tries + 1 \
             WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND tries < $3",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .bind(i64::from(CODE_MAX_FAILURES))
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn code_failed(&self, tenant: TenantId, id: Uuid) -> StoreResult<u32> {
        let row = sqlx::query(
            "UPDATE one_time_codes SET failures = failures + 1 WHERE tenant_id = $1 AND id = $2 RETURNING failures",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map_or(Ok(0), |row| count_of(&row, "failures"))
    }

    async fn use_code(&self, tenant: TenantId, id: Uuid) -> StoreResult<bool> {
        let used = sqlx::query(
            "UPDATE one_time_codes SET used_at = $3 WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL \
             AND expires_at > $3 AND failures < $4",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .bind(self.now())
        .bind(i64::from(CODE_MAX_FAILURES))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(used == 1)
    }

    async fn codes_sent_since(&self, tenant: TenantId, whose: SmsCount<'_>, since: DateTime<Utc>) -> StoreResult<u32> {
        let query = match whose {
            SmsCount::Account(account) => sqlx::query(
                "SELECT COUNT(*) AS n FROM one_time_codes WHERE tenant_id = $1 AND created_at >= $2 AND account_id = $3",
            )
            .bind(tenant.as_uuid())
            .bind(since)
            .bind(account.as_uuid()),
            SmsCount::Number(phone) => sqlx::query(
                "SELECT COUNT(*) AS n FROM one_time_codes WHERE tenant_id = $1 AND created_at >= $2 AND phone = $3",
            )
            .bind(tenant.as_uuid())
            .bind(since)
            .bind(phone.to_owned()),
            SmsCount::Tenant => {
                sqlx::query("SELECT COUNT(*) AS n FROM one_time_codes WHERE tenant_id = $1 AND created_at >= $2")
                    .bind(tenant.as_uuid())
                    .bind(since)
            }
        };
        let row = query.fetch_one(&self.pool).await?;
        count_of(&row, "n")
    }

    async fn set_pending_phone(&self, tenant: TenantId, token_hash: &str, phone: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET pending_phone = $3 WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant.as_uuid())
            .bind(token_hash)
            .bind(phone)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_session_client(&self, tenant: TenantId, token_hash: &str, client: ClientId) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET client_id = $3 WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant.as_uuid())
            .bind(token_hash)
            .bind(client.as_uuid())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_session(&self, tenant: TenantId, new: &NewSession) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        insert_session(&mut conn, tenant, new, self.now()).await
    }

    async fn session(&self, tenant: TenantId, token_hash: &str) -> StoreResult<Option<Session>> {
        let row =
            sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 AND token_hash = $2"))
                .bind(tenant.as_uuid())
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn session_with_account(
        &self,
        tenant: TenantId,
        token_hash: &str,
    ) -> StoreResult<Option<(Session, Account)>> {
        // The account's created_at is renamed: the session has one of its own.
        let row = sqlx::query(&format!(
            "SELECT {SESSION_JOIN_COLUMNS}, {ACCOUNT_JOIN_COLUMNS} FROM sessions s \
             JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id \
             WHERE s.tenant_id = $1 AND s.token_hash = $2"
        ))
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((session_from_row(&row)?, account_from_columns(&row, "account_created_at")?)))
    }

    async fn touch_session(&self, tenant: TenantId, token_hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $3 WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant.as_uuid())
            .bind(token_hash)
            .bind(self.now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn rotate_session(&self, tenant: TenantId, old_hash: &str, new: &NewSession) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant.as_uuid())
            .bind(old_hash)
            .execute(&mut *tx)
            .await?;
        insert_session(&mut tx, tenant, new, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_pending_totp(&self, tenant: TenantId, token_hash: &str, sealed: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET pending_totp = $3 WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant.as_uuid())
            .bind(token_hash)
            .bind(sealed)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, tenant: TenantId, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant.as_uuid())
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_account_sessions(&self, tenant: TenantId, account: AccountId) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND account_id = $2")
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn count_hit(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>) -> StoreResult<u32> {
        let row = sqlx::query(
            "INSERT INTO throttle (tenant_id, key, window_start, count) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (tenant_id, key, window_start) DO UPDATE SET count = throttle.count + 1 RETURNING count",
        )
        .bind(tenant.as_uuid())
        .bind(key)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?;
        count_of(&row, "count")
    }

    async fn hits(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>) -> StoreResult<u32> {
        let row = sqlx::query("SELECT count FROM throttle WHERE tenant_id = $1 AND key = $2 AND window_start = $3")
            .bind(tenant.as_uuid())
            .bind(key)
            .bind(window_start)
            .fetch_optional(&self.pool)
            .await?;
        row.map_or(Ok(0), |row| count_of(&row, "count"))
    }

    async fn take_hit(
        &self,
        tenant: TenantId,
        key: &str,
        window_start: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<bool> {
        if limit == 0 {
            return Ok(false);
        }
        let row = sqlx::query(
            "INSERT INTO throttle (tenant_id, key, window_start, count) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (tenant_id, key, window_start) DO UPDATE SET count = throttle.count + 1 \
             WHERE throttle.count < $4 RETURNING count",
        )
        .bind(tenant.as_uuid())
        .bind(key)
        .bind(window_start)
        .bind(i64::from(limit))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    async fn give_back_hit(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE throttle SET count = count - 1 WHERE tenant_id = $1 AND key = $2 AND window_start = $3 AND count > 0",
        )
        .bind(tenant.as_uuid())
        .bind(key)
        .bind(window_start)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn purge_hits(&self, tenant: TenantId, before: DateTime<Utc>) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM throttle WHERE tenant_id = $1 AND window_start < $2")
            .bind(tenant.as_uuid())
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn purge_sign_in(&self, tenant: TenantId, idle_minutes: u32, before: DateTime<Utc>) -> StoreResult<u64> {
        let now = self.now();
        // As Session::is_alive counts: the stored last-seen moment may lag the last request.
        let idle_since =
            now - chrono::Duration::minutes(i64::from(idle_minutes)) - careportal_domain::signin::LAST_SEEN_LAG;
        let mut removed = 0;
        let statements: [(&str, DateTime<Utc>, Option<DateTime<Utc>>); 4] = [
            (
                "DELETE FROM sessions WHERE tenant_id = $1 AND (expires_at < $2 OR last_seen_at < $3)",
                now,
                Some(idle_since),
            ),
            ("DELETE FROM one_time_codes WHERE tenant_id = $1 AND expires_at < $2", before, None),
            ("DELETE FROM password_resets WHERE tenant_id = $1 AND expires_at < $2", before, None),
            ("DELETE FROM trusted_devices WHERE tenant_id = $1 AND (expires_at < $2 OR revoked_at < $2)", before, None),
        ];
        for (statement, at, idle) in statements {
            let mut query = sqlx::query(statement).bind(tenant.as_uuid()).bind(at);
            if let Some(idle) = idle {
                query = query.bind(idle);
            }
            removed += query.execute(&self.pool).await?.rows_affected();
        }
        Ok(removed)
    }

    async fn trust_device(&self, tenant: TenantId, origin: &Origin, device: &NewDevice) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO trusted_devices (tenant_id, id, account_id, token_hash, label, created_at, last_used_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(tenant.as_uuid())
        .bind(device.id)
        .bind(device.account.as_uuid())
        .bind(&device.token_hash)
        .bind(&device.label)
        .bind(now)
        .bind(device.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "apparaat"))?;
        let event = origin.event(AuditAction::new("device.trusted"), None, format!("{}: {}", device.id, device.label));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn trusted_device(&self, tenant: TenantId, token_hash: &str) -> StoreResult<Option<TrustedDevice>> {
        let row = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM trusted_devices WHERE tenant_id = $1 AND token_hash = $2 \
             AND revoked_at IS NULL AND expires_at > $3"
        ))
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .bind(self.now())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device_from_row).transpose()
    }

    async fn use_device(&self, tenant: TenantId, id: Uuid, expires_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE trusted_devices SET last_used_at = $3, expires_at = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(self.now())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn devices(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<TrustedDevice>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM trusted_devices WHERE tenant_id = $1 AND account_id = $2 \
             AND revoked_at IS NULL AND expires_at > $3 ORDER BY last_used_at DESC"
        ))
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(self.now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_from_row).collect()
    }

    async fn revoke_devices(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        id: Option<Uuid>,
    ) -> StoreResult<u64> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let revoked = match id {
            Some(id) => sqlx::query(
                "UPDATE trusted_devices SET revoked_at = $4 WHERE tenant_id = $1 AND account_id = $2 AND id = $3 \
                 AND revoked_at IS NULL",
            )
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(id)
            .bind(now),
            None => sqlx::query(
                "UPDATE trusted_devices SET revoked_at = $3 WHERE tenant_id = $1 AND account_id = $2 AND revoked_at IS NULL",
            )
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(now),
        }
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked > 0 {
            let detail = id.map_or_else(|| format!("alle ({revoked})"), |id| id.to_string());
            insert_audit(&mut tx, tenant, &origin.event(AuditAction::new("device.revoked"), None, detail), now).await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    async fn enqueue_message(&self, tenant: TenantId, message: &NewMessage) -> StoreResult<()> {
        let now = self.now();
        sqlx::query(
            "INSERT INTO outbox (tenant_id, id, channel, recipient, subject, body, created_at, attempts, \
             next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $7)",
        )
        .bind(tenant.as_uuid())
        .bind(message.id.as_uuid())
        .bind(message.channel.as_str())
        .bind(&message.recipient)
        .bind(&message.subject)
        .bind(&message.sealed_body)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::classify(e, "bericht"))?;
        Ok(())
    }

    async fn claim_messages(
        &self,
        tenant: TenantId,
        limit: u32,
        lease_seconds: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let now = self.now();
        let lease = now + chrono::Duration::seconds(lease_seconds);
        // PostgreSQL: rows another sender is claiming right now are skipped, not waited
        // for. Both: the outer conditions are checked again on the row being updated,
        // so a message claimed meanwhile is never claimed twice.
        let lock = match Self::BACKEND {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let due = "sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2 \
                   AND (claimed_until IS NULL OR claimed_until < $2)";
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET claimed_until = $3, attempts = attempts + 1 \
             WHERE tenant_id = $1 AND {due} AND id IN \
             (SELECT id FROM outbox WHERE tenant_id = $1 AND {due} ORDER BY next_attempt_at LIMIT $4 {lock}) \
             RETURNING tenant_id, id, channel, recipient, subject, body, attempts, created_at"
        ))
        .bind(tenant.as_uuid())
        .bind(now)
        .bind(lease)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let channel: String = row.try_get("channel")?;
                Ok(OutboxMessage {
                    tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
                    id: MessageId::from_uuid(row.try_get("id")?),
                    channel: Channel::parse(&channel).ok_or_else(|| StoreError::corrupt("outbox", &channel))?,
                    recipient: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    sealed_body: row.try_get("body")?,
                    attempts: count_of(row, "attempts")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn messages_waiting(&self, tenant: TenantId) -> StoreResult<MessagesWaiting> {
        let rows = sqlx::query(
            "SELECT channel, COUNT(*) AS waiting FROM outbox \
             WHERE tenant_id = $1 AND sent_at IS NULL AND failed_at IS NULL GROUP BY channel",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        let mut depth = MessagesWaiting::default();
        for row in rows {
            let channel: String = row.try_get("channel")?;
            let waiting = u64::try_from(row.try_get::<i64, _>("waiting")?).unwrap_or(0);
            match channel.as_str() {
                "email" => depth.email = waiting,
                _ => depth.sms = waiting,
            }
        }
        Ok(depth)
    }

    async fn message_sent(&self, tenant: TenantId, id: MessageId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET sent_at = $3, claimed_until = NULL, last_error = NULL WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(self.now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn message_retry(&self, tenant: TenantId, id: MessageId, at: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $3, claimed_until = NULL, last_error = $4 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(at)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn message_failed(&self, tenant: TenantId, id: MessageId, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET failed_at = $3, claimed_until = NULL, last_error = $4 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(self.now())
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn message_status(&self, tenant: TenantId, id: MessageId) -> StoreResult<Option<MessageStatus>> {
        let row = sqlx::query(
            "SELECT attempts, sent_at, failed_at, next_attempt_at, last_error FROM outbox \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(MessageStatus {
            attempts: count_of(&row, "attempts")?,
            sent_at: row.try_get("sent_at")?,
            failed_at: row.try_get("failed_at")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
            last_error: row.try_get("last_error")?,
        }))
    }

    async fn create_password_reset(
        &self,
        tenant: TenantId,
        account: AccountId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO password_resets (tenant_id, token_hash, account_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .bind(account.as_uuid())
        .bind(self.now())
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::classify(e, "herstel"))?;
        Ok(())
    }

    async fn password_resets_since(
        &self,
        tenant: TenantId,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM password_resets WHERE tenant_id = $1 AND account_id = $2 AND created_at >= $3",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        count_of(&row, "n")
    }

    async fn password_reset_account(&self, tenant: TenantId, token_hash: &str) -> StoreResult<Option<AccountId>> {
        let row = sqlx::query(
            "SELECT account_id FROM password_resets WHERE tenant_id = $1 AND token_hash = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .bind(self.now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.try_get("account_id").map(AccountId::from_uuid).map_err(StoreError::from)).transpose()
    }

    async fn use_password_reset(&self, tenant: TenantId, token_hash: &str) -> StoreResult<bool> {
        let used = sqlx::query(
            "UPDATE password_resets SET used_at = $3 WHERE tenant_id = $1 AND token_hash = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .bind(self.now())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(used == 1)
    }
}
