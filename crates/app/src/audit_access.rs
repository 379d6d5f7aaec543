//! Reading the audit log through the access policy: auditors of a task force see its entries,
//! and every look at the log is itself written to the log.

use crate::actor::Actor;
use crate::{App, Result};
use chrono::NaiveDate;
use taskforce_domain::access::{Action, Resource, ResourceKind};
use taskforce_domain::audit::{BrokenChain, Outcome, StoredAuditEntry};
use taskforce_domain::TaskForceId;

/// How much of the log one page shows at most.
pub const AUDIT_VIEW_LIMIT: usize = 2_000;

impl App {
    async fn audit_access(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        action: Action,
        what: &str,
        detail: &str,
    ) -> Result<()> {
        self.authorize(
            actor,
            action,
            &Resource::in_task_force(ResourceKind::AuditLog, tf),
            what,
        )
        .await?;
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            &format!("audit.{}", action.code()),
            "audit_log",
            &tf.to_string(),
            Outcome::Success,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The task force's audit entries of the days `from`..=`to`, oldest first (at most
    /// [`AUDIT_VIEW_LIMIT`], and whether more were left out). Recorded as `audit.read`.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(Vec<StoredAuditEntry>, bool)> {
        self.audit_access(actor, tf, Action::Read, "", &format!("{from}..{to}"))
            .await?;
        let mut entries: Vec<StoredAuditEntry> = self
            .audit_entries(from, to)
            .await?
            .into_iter()
            .filter(|e| e.record.task_force_id == Some(tf))
            .collect();
        let more = entries.len() > AUDIT_VIEW_LIMIT;
        entries.truncate(AUDIT_VIEW_LIMIT);
        Ok((entries, more))
    }

    /// All of the task force's entries of the days `from`..=`to`, for an export. Recorded as
    /// `audit.export`.
    pub async fn export_audit_log(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredAuditEntry>> {
        self.audit_access(actor, tf, Action::Export, "", &format!("{from}..{to}"))
            .await?;
        Ok(self
            .audit_entries(from, to)
            .await?
            .into_iter()
            .filter(|e| e.record.task_force_id == Some(tf))
            .collect())
    }

    /// Checks the whole chain for an auditor. Recorded as `audit.list` (a look at the log).
    pub async fn verify_audit_for(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<std::result::Result<crate::audit::AuditVerification, BrokenChain>> {
        self.audit_access(actor, tf, Action::List, "", "verify")
            .await?;
        self.verify_audit().await
    }
}
