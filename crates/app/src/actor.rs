//! Who performs a use case, and the one place where the access policy is asked and the answer
//! written to the audit log.

use crate::{App, AppError, Result};
use taskforce_domain::access::{decide, Action, Principal, Resource};
use taskforce_domain::audit::{AuditActor, AuditRecord, Outcome};
use taskforce_store::Tx;

/// The performer of a use case.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A signed-in member (or a member's API token).
    Member(Principal),
    /// The program itself: the command line run by the server's operator, the demo builder,
    /// background jobs. Not subject to the role table; always audited.
    System(&'static str),
}

impl Actor {
    pub fn audit_actor(&self) -> AuditActor {
        match self {
            Actor::Member(p) => AuditActor {
                task_force_id: Some(p.task_force_id),
                member_id: Some(p.member_id),
                email: p.email.clone(),
                organization_id: Some(p.organization_id),
                source: p.source.clone(),
            },
            Actor::System(name) => AuditActor::cli(*name),
        }
    }

    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Actor::Member(p) => Some(p),
            Actor::System(_) => None,
        }
    }
}

impl App {
    /// Asks the policy; a denial is recorded in the audit log (in its own transaction, so it is
    /// kept although the act is not) and returned as [`AppError::Forbidden`].
    pub async fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        resource: &Resource<'_>,
        object_id: &str,
    ) -> Result<()> {
        let Actor::Member(p) = actor else {
            return Ok(());
        };
        let decision = decide(p, action, resource, self.clock().now());
        if decision.allowed {
            return Ok(());
        }
        let record = AuditRecord::new(
            &actor.audit_actor(),
            self.clock().now(),
            &format!("{}.{}", resource.kind.code(), action.code()),
            Outcome::Denied,
        )
        .on(resource.kind.code(), object_id)
        .with_detail(decision.reason);
        let mut tx = self.store().begin().await?;
        taskforce_store::audit::append(&mut tx, &record).await?;
        tx.commit().await?;
        Err(AppError::Forbidden(decision.reason.to_owned()))
    }

    /// Appends an audit entry inside the caller's transaction: it commits with the act or not at all.
    /// On PostgreSQL the append locks the log's head row until commit, so call it last.
    #[allow(clippy::too_many_arguments)] // the entry's own fields, named at each call site
    pub async fn audit(
        &self,
        tx: &mut Tx,
        who: &AuditActor,
        action: &str,
        kind: &str,
        id: &str,
        outcome: Outcome,
        detail: &str,
    ) -> Result<()> {
        let record = AuditRecord::new(who, self.clock().now(), action, outcome)
            .on(kind, id)
            .with_detail(detail);
        taskforce_store::audit::append(tx, &record).await?;
        Ok(())
    }
}
