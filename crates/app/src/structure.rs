//! Use cases of task force structure (C1). Each asks the access policy first; each write is
//! audited in the transaction that makes it.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use std::collections::BTreeSet;
use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
use taskforce_domain::audit::Outcome;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{structure as db, Connection, Tx};

impl App {
    /// Asks the policy about a task-force-labelled record of `kind`.
    pub(crate) async fn allow(
        &self,
        actor: &Actor,
        action: Action,
        kind: ResourceKind,
        tf: TaskForceId,
        id: &str,
    ) -> Result<()> {
        self.authorize(actor, action, &Resource::in_task_force(kind, tf), id)
            .await
    }

    /// Audits a write inside its transaction.
    async fn audit_write(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        kind: ResourceKind,
        action: Action,
        id: &str,
    ) -> Result<()> {
        self.audit_write_with(tx, actor, kind, action, id, "").await
    }

    /// Audits a write inside its transaction, with a detail for the log.
    pub(crate) async fn audit_write_with(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        kind: ResourceKind,
        action: Action,
        id: &str,
        detail: &str,
    ) -> Result<()> {
        let what = format!("{}.{}", kind.code(), action.code());
        self.audit(
            tx,
            &actor.audit_actor(),
            &what,
            kind.code(),
            id,
            Outcome::Success,
            detail,
        )
        .await
    }

    async fn require_task_force(
        &self,
        conn: &mut Connection,
        id: TaskForceId,
    ) -> Result<TaskForce> {
        db::task_force(conn, id).await?.ok_or(AppError::NotFound)
    }

    async fn organization_ids(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
    ) -> Result<Vec<OrganizationId>> {
        Ok(db::organizations(conn, tf)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect())
    }

    // -- task forces ----------------------------------------------------------------------------

    /// The task forces the actor may see: their own, or the whole network for network staff.
    pub async fn task_forces(&self, actor: &Actor) -> Result<Vec<TaskForce>> {
        let mut conn = self.store().conn().await?;
        let all = db::list_task_forces(&mut conn).await?;
        let now = self.clock().now();
        Ok(match actor {
            Actor::System(_) => all,
            Actor::Member(p) => all
                .into_iter()
                .filter(|t| {
                    decide(
                        p,
                        Action::List,
                        &Resource::in_task_force(ResourceKind::TaskForce, t.id),
                        now,
                    )
                    .allowed
                })
                .collect(),
        })
    }

    pub async fn task_force(&self, actor: &Actor, id: TaskForceId) -> Result<TaskForce> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::TaskForce,
            id,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, id).await
    }

    pub async fn task_force_counts(&self, actor: &Actor, id: TaskForceId) -> Result<db::Counts> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::TaskForce,
            id,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::counts(&mut conn, id).await?)
    }

    pub async fn create_task_force(
        &self,
        actor: &Actor,
        input: TaskForceInput,
    ) -> Result<TaskForce> {
        let resource = Resource {
            task_force_id: None,
            ..Resource::in_task_force(ResourceKind::TaskForce, TaskForceId(uuid::Uuid::nil()))
        };
        self.authorize(actor, Action::Create, &resource, "").await?;
        let input = input.validate()?;
        let id = TaskForceId(self.new_id());
        let mut tx = self.store().begin().await?;
        db::insert_task_force(&mut tx, id, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::TaskForce,
            Action::Create,
            &id.to_string(),
        )
        .await?;
        let created = self.require_task_force(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_task_force(
        &self,
        actor: &Actor,
        id: TaskForceId,
        version: i64,
        input: TaskForceInput,
    ) -> Result<TaskForce> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::TaskForce,
            id,
            &id.to_string(),
        )
        .await?;
        let input = input.validate()?;
        let mut tx = self.store().begin().await?;
        db::update_task_force(&mut tx, id, version, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::TaskForce,
            Action::Update,
            &id.to_string(),
        )
        .await?;
        let updated = self.require_task_force(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- regions --------------------------------------------------------------------------------

    pub async fn regions(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Region>> {
        self.allow(actor, Action::List, ResourceKind::Region, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::regions(&mut conn, tf).await?)
    }

    pub async fn region(&self, actor: &Actor, tf: TaskForceId, id: RegionId) -> Result<Region> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::Region,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        db::region(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn validate_region(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        this: Option<RegionId>,
        input: RegionInput,
    ) -> Result<Valid<RegionInput>> {
        let task_force = self.require_task_force(conn, tf).await?;
        let regions = db::regions(conn, tf).await?;
        let counties_elsewhere = regions
            .iter()
            .filter(|r| Some(r.id) != this)
            .flat_map(|r| r.counties.iter().map(move |c| (c.clone(), r.name.clone())))
            .collect();
        let navigators: BTreeSet<MemberId> = db::members(conn, tf)
            .await?
            .into_iter()
            .filter(|m| m.holds(Role::Navigator))
            .map(|m| m.id)
            .collect();
        let context = RegionContext {
            task_force: &task_force,
            counties_elsewhere,
            navigators,
        };
        Ok(input.validate(&context)?)
    }

    pub async fn create_region(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: RegionInput,
    ) -> Result<Region> {
        self.allow(actor, Action::Create, ResourceKind::Region, tf, "")
            .await?;
        let mut tx = self.store().begin().await?;
        let input = self.validate_region(tx.conn(), tf, None, input).await?;
        let id = RegionId(self.new_id());
        db::insert_region(&mut tx, tf, id, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Region,
            Action::Create,
            &id.to_string(),
        )
        .await?;
        let created = db::region(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_region(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: RegionId,
        version: i64,
        input: RegionInput,
    ) -> Result<Region> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::Region,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        let input = self.validate_region(tx.conn(), tf, Some(id), input).await?;
        db::update_region(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Region,
            Action::Update,
            &id.to_string(),
        )
        .await?;
        let updated = db::region(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- organizations --------------------------------------------------------------------------

    pub async fn organizations(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Organization>> {
        self.allow(actor, Action::List, ResourceKind::Organization, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::organizations(&mut conn, tf).await?)
    }

    pub async fn organization(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OrganizationId,
    ) -> Result<Organization> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::Organization,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        db::organization(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn validate_organization(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        input: OrganizationInput,
    ) -> Result<Valid<OrganizationInput>> {
        self.require_task_force(conn, tf).await?;
        let regions: Vec<RegionId> = db::regions(conn, tf)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        Ok(input.validate(&regions)?)
    }

    pub async fn create_organization(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: OrganizationInput,
    ) -> Result<Organization> {
        self.allow(actor, Action::Create, ResourceKind::Organization, tf, "")
            .await?;
        let mut tx = self.store().begin().await?;
        let input = self.validate_organization(tx.conn(), tf, input).await?;
        let id = OrganizationId(self.new_id());
        db::insert_organization(&mut tx, tf, id, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Organization,
            Action::Create,
            &id.to_string(),
        )
        .await?;
        let created = db::organization(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_organization(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OrganizationId,
        version: i64,
        input: OrganizationInput,
    ) -> Result<Organization> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::Organization,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        let input = self.validate_organization(tx.conn(), tf, input).await?;
        db::update_organization(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Organization,
            Action::Update,
            &id.to_string(),
        )
        .await?;
        let updated = db::organization(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- members --------------------------------------------------------------------------------

    pub async fn members(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Member>> {
        self.allow(actor, Action::List, ResourceKind::Member, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::members(&mut conn, tf).await?)
    }

    pub async fn member(&self, actor: &Actor, tf: TaskForceId, id: MemberId) -> Result<Member> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::Member,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        db::member(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn create_member(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: MemberInput,
    ) -> Result<Member> {
        self.allow(actor, Action::Create, ResourceKind::Member, tf, "")
            .await?;
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let id = MemberId(self.new_id());
        db::insert_member(&mut tx, tf, id, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Member,
            Action::Create,
            &id.to_string(),
        )
        .await?;
        let created = db::member(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    /// Changes a member, their organizations and roles (a role change is audited with the roles
    /// before and after).
    pub async fn update_member(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: MemberId,
        version: i64,
        input: MemberInput,
    ) -> Result<Member> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::Member,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let before = db::member(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let still_navigator = input
            .memberships
            .iter()
            .any(|m| m.roles.contains(&Role::Navigator));
        if !still_navigator
            && db::regions(tx.conn(), tf)
                .await?
                .iter()
                .any(|r| r.navigators.contains(&id))
        {
            return Err(Invalid::one(
                "memberships",
                "this member is a region's navigator; name another navigator for the region before removing the role",
            )
            .into());
        }
        db::update_member(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Member,
            Action::Update,
            &id.to_string(),
        )
        .await?;
        if before.memberships != input.memberships {
            let describe = |ms: &[Membership]| {
                ms.iter()
                    .map(|m| {
                        format!(
                            "{}: {}",
                            m.organization_id,
                            m.roles
                                .iter()
                                .map(|r| r.code())
                                .collect::<Vec<_>>()
                                .join(",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let detail = format!(
                "before [{}] after [{}]",
                describe(&before.memberships),
                describe(&input.memberships)
            );
            self.audit(
                &mut tx,
                &actor.audit_actor(),
                "member.roles_change",
                "member",
                &id.to_string(),
                Outcome::Success,
                &detail,
            )
            .await?;
        }
        let updated = db::member(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- MOUs -----------------------------------------------------------------------------------

    pub async fn mous(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Mou>> {
        self.allow(actor, Action::List, ResourceKind::Mou, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::mous(&mut conn, tf).await?)
    }

    pub async fn mou(&self, actor: &Actor, tf: TaskForceId, id: MouId) -> Result<Mou> {
        self.allow(actor, Action::Read, ResourceKind::Mou, tf, &id.to_string())
            .await?;
        let mut conn = self.store().conn().await?;
        db::mou(&mut conn, tf, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_mou(&self, actor: &Actor, tf: TaskForceId, input: MouInput) -> Result<Mou> {
        self.allow(actor, Action::Create, ResourceKind::Mou, tf, "")
            .await?;
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let id = MouId(self.new_id());
        db::insert_mou(&mut tx, tf, id, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Mou,
            Action::Create,
            &id.to_string(),
        )
        .await?;
        let created = db::mou(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_mou(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: MouId,
        version: i64,
        input: MouInput,
    ) -> Result<Mou> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::Mou,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        db::update_mou(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::Mou,
            Action::Update,
            &id.to_string(),
        )
        .await?;
        let updated = db::mou(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- funding awards -------------------------------------------------------------------------

    pub async fn awards(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<FundingAward>> {
        self.allow(actor, Action::List, ResourceKind::FundingAward, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::awards(&mut conn, tf).await?)
    }

    pub async fn award(&self, actor: &Actor, tf: TaskForceId, id: AwardId) -> Result<FundingAward> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::FundingAward,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        db::award(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn create_award(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: FundingAwardInput,
    ) -> Result<FundingAward> {
        self.allow(actor, Action::Create, ResourceKind::FundingAward, tf, "")
            .await?;
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let id = AwardId(self.new_id());
        db::insert_award(&mut tx, tf, id, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::FundingAward,
            Action::Create,
            &id.to_string(),
        )
        .await?;
        let created = db::award(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_award(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: AwardId,
        version: i64,
        input: FundingAwardInput,
    ) -> Result<FundingAward> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::FundingAward,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        db::update_award(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        self.audit_write(
            &mut tx,
            actor,
            ResourceKind::FundingAward,
            Action::Update,
            &id.to_string(),
        )
        .await?;
        let updated = db::award(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }
}
