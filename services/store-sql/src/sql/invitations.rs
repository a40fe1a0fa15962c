//! The SQL behind [`careportal_store::InvitationStore`]: access to another client offered
//! to an existing account, linked only when the person accepts.

use super::SqlStore;
use super::common::{CLIENT_COLUMNS, begin_write, client_from_row, insert_audit, insert_link, relation_from_row};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::{LinkInvitation, Relation};
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{InvitationStore, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

fn invitation_from_row(row: &super::DbRow) -> StoreResult<LinkInvitation> {
    Ok(LinkInvitation {
        id: row.try_get("invitation_id")?,
        client: client_from_row(row)?,
        relation: relation_from_row(row)?,
        invited_at: row.try_get("invited_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// The invitations with their clients; the invitation's id is aliased, the client's
/// columns have an `id` of their own.
fn select() -> String {
    format!(
        "SELECT i.id AS invitation_id, i.relation, i.invited_at, i.expires_at, {CLIENT_COLUMNS} \
         FROM link_invitations i JOIN clients c ON c.tenant_id = i.tenant_id AND c.id = i.client_id"
    )
}

#[async_trait]
impl InvitationStore for SqlStore {
    async fn invite_link(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
        relation: Relation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO link_invitations (tenant_id, id, account_id, client_id, relation, invited_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, account_id, client_id) \
             DO UPDATE SET id = excluded.id, relation = excluded.relation, invited_at = excluded.invited_at, \
             expires_at = excluded.expires_at",
        )
        .bind(tenant.as_uuid())
        .bind(Uuid::new_v4())
        .bind(account.as_uuid())
        .bind(client.as_uuid())
        .bind(relation.as_str())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "uitnodiging"))?;
        let detail = format!("account {account} als {}", relation.as_str());
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("account.link_invited"), Some(client), detail),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn link_invitations(
        &self,
        tenant: TenantId,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<LinkInvitation>> {
        let rows = sqlx::query(&format!(
            "{} WHERE i.tenant_id = $1 AND i.account_id = $2 AND i.expires_at > $3 ORDER BY i.invited_at",
            select()
        ))
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    async fn answer_link_invitation(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        invitation: Uuid,
        accept: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<LinkInvitation>> {
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(&format!(
            "{} WHERE i.tenant_id = $1 AND i.account_id = $2 AND i.id = $3 AND i.expires_at > $4",
            select()
        ))
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(invitation)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(found) = row.as_ref().map(invitation_from_row).transpose()? else { return Ok(None) };
        sqlx::query("DELETE FROM link_invitations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(invitation)
            .execute(&mut *tx)
            .await?;
        let client = found.client.id;
        let detail = format!("account {account} als {}", found.relation.as_str());
        let action = if accept {
            insert_link(&mut tx, tenant, account, client, found.relation, now).await?;
            AuditAction::ACCOUNT_LINKED
        } else {
            AuditAction::new("account.link_declined")
        };
        insert_audit(&mut tx, tenant, &origin.event(action, Some(client), detail), now).await?;
        tx.commit().await?;
        Ok(Some(found))
    }
}
