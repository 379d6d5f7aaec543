//! Use cases of task force structure (C1).

use crate::{App, AppError, Result};
use std::collections::BTreeSet;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{structure as db, Connection};

impl App {
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

    pub async fn task_forces(&self) -> Result<Vec<TaskForce>> {
        let mut conn = self.store().conn().await?;
        Ok(db::list_task_forces(&mut conn).await?)
    }

    pub async fn task_force(&self, id: TaskForceId) -> Result<TaskForce> {
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, id).await
    }

    pub async fn task_force_counts(&self, id: TaskForceId) -> Result<db::Counts> {
        let mut conn = self.store().conn().await?;
        Ok(db::counts(&mut conn, id).await?)
    }

    pub async fn create_task_force(&self, input: TaskForceInput) -> Result<TaskForce> {
        let input = input.validate()?;
        let id = TaskForceId(self.new_id());
        let mut tx = self.store().begin().await?;
        db::insert_task_force(&mut tx, id, &input, self.clock().now()).await?;
        let created = self.require_task_force(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_task_force(
        &self,
        id: TaskForceId,
        version: i64,
        input: TaskForceInput,
    ) -> Result<TaskForce> {
        let input = input.validate()?;
        let mut tx = self.store().begin().await?;
        db::update_task_force(&mut tx, id, version, &input, self.clock().now()).await?;
        let updated = self.require_task_force(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- regions --------------------------------------------------------------------------------

    pub async fn regions(&self, tf: TaskForceId) -> Result<Vec<Region>> {
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::regions(&mut conn, tf).await?)
    }

    pub async fn region(&self, tf: TaskForceId, id: RegionId) -> Result<Region> {
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

    pub async fn create_region(&self, tf: TaskForceId, input: RegionInput) -> Result<Region> {
        let mut tx = self.store().begin().await?;
        let input = self.validate_region(tx.conn(), tf, None, input).await?;
        let id = RegionId(self.new_id());
        db::insert_region(&mut tx, tf, id, &input, self.clock().now()).await?;
        let created = db::region(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_region(
        &self,
        tf: TaskForceId,
        id: RegionId,
        version: i64,
        input: RegionInput,
    ) -> Result<Region> {
        let mut tx = self.store().begin().await?;
        let input = self.validate_region(tx.conn(), tf, Some(id), input).await?;
        db::update_region(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        let updated = db::region(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- organizations --------------------------------------------------------------------------

    pub async fn organizations(&self, tf: TaskForceId) -> Result<Vec<Organization>> {
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::organizations(&mut conn, tf).await?)
    }

    pub async fn organization(&self, tf: TaskForceId, id: OrganizationId) -> Result<Organization> {
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
        tf: TaskForceId,
        input: OrganizationInput,
    ) -> Result<Organization> {
        let mut tx = self.store().begin().await?;
        let input = self.validate_organization(tx.conn(), tf, input).await?;
        let id = OrganizationId(self.new_id());
        db::insert_organization(&mut tx, tf, id, &input, self.clock().now()).await?;
        let created = db::organization(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_organization(
        &self,
        tf: TaskForceId,
        id: OrganizationId,
        version: i64,
        input: OrganizationInput,
    ) -> Result<Organization> {
        let mut tx = self.store().begin().await?;
        let input = self.validate_organization(tx.conn(), tf, input).await?;
        db::update_organization(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        let updated = db::organization(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- members --------------------------------------------------------------------------------

    pub async fn members(&self, tf: TaskForceId) -> Result<Vec<Member>> {
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::members(&mut conn, tf).await?)
    }

    pub async fn member(&self, tf: TaskForceId, id: MemberId) -> Result<Member> {
        let mut conn = self.store().conn().await?;
        db::member(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn create_member(&self, tf: TaskForceId, input: MemberInput) -> Result<Member> {
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let id = MemberId(self.new_id());
        db::insert_member(&mut tx, tf, id, &input, self.clock().now()).await?;
        let created = db::member(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_member(
        &self,
        tf: TaskForceId,
        id: MemberId,
        version: i64,
        input: MemberInput,
    ) -> Result<Member> {
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
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
        let updated = db::member(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- MOUs -----------------------------------------------------------------------------------

    pub async fn mous(&self, tf: TaskForceId) -> Result<Vec<Mou>> {
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::mous(&mut conn, tf).await?)
    }

    pub async fn mou(&self, tf: TaskForceId, id: MouId) -> Result<Mou> {
        let mut conn = self.store().conn().await?;
        db::mou(&mut conn, tf, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_mou(&self, tf: TaskForceId, input: MouInput) -> Result<Mou> {
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let id = MouId(self.new_id());
        db::insert_mou(&mut tx, tf, id, &input, self.clock().now()).await?;
        let created = db::mou(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_mou(
        &self,
        tf: TaskForceId,
        id: MouId,
        version: i64,
        input: MouInput,
    ) -> Result<Mou> {
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        db::update_mou(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        let updated = db::mou(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // -- funding awards -------------------------------------------------------------------------

    pub async fn awards(&self, tf: TaskForceId) -> Result<Vec<FundingAward>> {
        let mut conn = self.store().conn().await?;
        self.require_task_force(&mut conn, tf).await?;
        Ok(db::awards(&mut conn, tf).await?)
    }

    pub async fn award(&self, tf: TaskForceId, id: AwardId) -> Result<FundingAward> {
        let mut conn = self.store().conn().await?;
        db::award(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn create_award(
        &self,
        tf: TaskForceId,
        input: FundingAwardInput,
    ) -> Result<FundingAward> {
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        let id = AwardId(self.new_id());
        db::insert_award(&mut tx, tf, id, &input, self.clock().now()).await?;
        let created = db::award(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_award(
        &self,
        tf: TaskForceId,
        id: AwardId,
        version: i64,
        input: FundingAwardInput,
    ) -> Result<FundingAward> {
        let mut tx = self.store().begin().await?;
        self.require_task_force(tx.conn(), tf).await?;
        let input = input.validate(&self.organization_ids(tx.conn(), tf).await?)?;
        db::update_award(&mut tx, tf, id, version, &input, self.clock().now()).await?;
        let updated = db::award(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }
}
