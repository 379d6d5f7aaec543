//! Task force structure on both backends: round trips, tenancy, uniqueness, optimistic
//! concurrency and transactions.

use crate::harness::*;
use chrono::{TimeZone, Utc};
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{structure as db, Store, StoreError};
use uuid::Uuid;

pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

pub(crate) fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
        .single()
        .expect("time")
}

pub(crate) async fn task_force(
    store: &Store,
    n: u128,
    state: &str,
    counties: &[&str],
) -> TaskForceId {
    let tf = TaskForceId(id(n));
    let input = TaskForceInput {
        name: format!("Task force {n}"),
        state: state.into(),
        counties: counties.iter().map(|c| c.to_string()).collect(),
        population_served: Some(1000 * n as i64),
        description: "Labor trafficking in agriculture".into(),
    }
    .validate()
    .expect("valid");
    let mut tx = store.begin().await.expect("begin");
    db::insert_task_force(&mut tx, tf, &input, now())
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    tf
}

pub(crate) async fn organization(
    store: &Store,
    tf: TaskForceId,
    n: u128,
    name: &str,
    kind: OrganizationKind,
) -> OrganizationId {
    let org = OrganizationId(id(n));
    let input = OrganizationInput {
        name: name.into(),
        kind,
        region_id: None,
        address: "1 Main St".into(),
        phone: "(716) 555-0100".into(),
        email: "info@agency.gov".into(),
        website: "https://agency.gov".into(),
        co_located: true,
        active: true,
    }
    .validate(&[])
    .expect("valid");
    let mut tx = store.begin().await.expect("begin");
    db::insert_organization(&mut tx, tf, org, &input, now())
        .await
        .expect("insert org");
    tx.commit().await.expect("commit");
    org
}

#[tokio::test]
async fn task_forces_round_trip_and_update_with_optimistic_concurrency() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "NY", &["36037", "36029"]).await;
        let mut conn = store.conn().await.expect("conn");
        let stored = db::task_force(&mut conn, tf)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(stored.name, "Task force 1");
        assert_eq!(stored.counties, vec!["36029", "36037"]);
        assert_eq!((stored.version, stored.created_at), (1, now()));
        drop(conn);

        let changed = TaskForceInput {
            counties: vec!["36029".into(), "36063".into()],
            ..TaskForceInput::from(&stored)
        }
        .validate()
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        db::update_task_force(&mut tx, tf, 1, &changed, now())
            .await
            .expect("update");
        tx.commit().await.expect("commit");

        // A second writer who read version 1 is refused, and nothing of theirs lands.
        let stale = TaskForceInput {
            name: "Stale".into(),
            ..TaskForceInput::from(&stored)
        }
        .validate()
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        let err = db::update_task_force(&mut tx, tf, 1, &stale, now())
            .await
            .expect_err("stale");
        assert!(matches!(err, StoreError::Conflict), "{err}");
        drop(tx);
        let mut tx = store.begin().await.expect("begin");
        let err = db::update_task_force(&mut tx, TaskForceId(id(99)), 1, &stale, now())
            .await
            .expect_err("missing");
        assert!(matches!(err, StoreError::NotFound), "{err}");
        drop(tx);

        let mut conn = store.conn().await.expect("conn");
        let stored = db::task_force(&mut conn, tf)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!((stored.name.as_str(), stored.version), ("Task force 1", 2));
        assert_eq!(stored.counties, vec!["36029", "36063"]);
        assert_eq!(
            db::list_task_forces(&mut conn).await.expect("list").len(),
            1
        );
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn every_read_and_write_is_scoped_to_its_task_force() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let a = task_force(&store, 1, "ND", &["38015", "38017"]).await;
        let b = task_force(&store, 2, "ND", &["38035"]).await;
        let org_a = organization(
            &store,
            a,
            10,
            "Fargo Police Department",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        organization(
            &store,
            b,
            11,
            "Grand Forks Police Department",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;

        let mut conn = store.conn().await.expect("conn");
        assert!(
            db::organization(&mut conn, b, org_a)
                .await
                .expect("read")
                .is_none(),
            "A's organization is invisible under B"
        );
        let names: Vec<String> = db::organizations(&mut conn, b)
            .await
            .expect("list")
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, vec!["Grand Forks Police Department"]);
        drop(conn);

        // Updating A's record through B changes nothing.
        let stored_input = OrganizationInput {
            name: "Renamed".into(),
            kind: OrganizationKind::LocalLawEnforcement,
            region_id: None,
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            website: String::new(),
            co_located: false,
            active: true,
        }
        .validate(&[])
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        let err = db::update_organization(&mut tx, b, org_a, 1, &stored_input, now())
            .await
            .expect_err("other tenant");
        assert!(matches!(err, StoreError::NotFound), "{err}");
        drop(tx);

        // The database itself refuses a reference into another task force: a member of B
        // holding a role in A's organization.
        let member = MemberInput {
            name: "Rosa Delgado".into(),
            email: "rosa@agency.gov".into(),
            memberships: vec![Membership {
                organization_id: org_a,
                roles: vec![Role::Investigator],
            }],
            ..Default::default()
        }
        .validate(&[org_a])
        .expect("valid against A's list");
        let mut tx = store.begin().await.expect("begin");
        let err = db::insert_member(&mut tx, b, MemberId(id(20)), &member, now())
            .await
            .expect_err("cross-tenant reference");
        assert!(matches!(err, StoreError::Database(_)), "{err}");
        drop(tx);

        // A region of B cannot take a county outside B's jurisdiction.
        let tf_a = {
            let mut c = store.conn().await.expect("conn");
            db::task_force(&mut c, a).await.expect("r").expect("a")
        };
        let context = RegionContext {
            task_force: &tf_a,
            counties_elsewhere: vec![],
            navigators: Default::default(),
        };
        let region = RegionInput {
            name: "West".into(),
            counties: vec!["38015".into()],
            navigators: vec![],
        }
        .validate(&context)
        .expect("valid for A");
        let mut tx = store.begin().await.expect("begin");
        assert!(
            db::insert_region(&mut tx, b, RegionId(id(30)), &region, now())
                .await
                .is_err(),
            "county of A under B"
        );
        drop(tx);

        let mut conn = store.conn().await.expect("conn");
        assert!(db::members(&mut conn, b).await.expect("members").is_empty());
        assert!(db::regions(&mut conn, b).await.expect("regions").is_empty());
        assert_eq!(
            db::counts(&mut conn, a)
                .await
                .expect("counts")
                .organizations,
            1
        );
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn regions_members_and_navigators_round_trip() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "ND", &["38015", "38017", "38035"]).await;
        let vsp = organization(
            &store,
            tf,
            10,
            "Youthworks",
            OrganizationKind::VictimServiceProvider,
        )
        .await;
        let bci = organization(
            &store,
            tf,
            11,
            "Bureau of Criminal Investigation",
            OrganizationKind::StateLawEnforcement,
        )
        .await;

        let navigator = MemberId(id(20));
        let input = MemberInput {
            name: "Kateryna Larsen".into(),
            email: "k.larsen@youthworks.org".into(),
            phone: "701-555-0101".into(),
            title: "Navigator".into(),
            active: true,
            memberships: vec![
                Membership {
                    organization_id: vsp,
                    roles: vec![Role::Navigator, Role::Advocate],
                },
                Membership {
                    organization_id: bci,
                    roles: vec![Role::Analyst],
                },
            ],
        }
        .validate(&[vsp, bci])
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        db::insert_member(&mut tx, tf, navigator, &input, now())
            .await
            .expect("member");
        tx.commit().await.expect("commit");

        let mut conn = store.conn().await.expect("conn");
        let member = db::member(&mut conn, tf, navigator)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(member.memberships.len(), 2);
        let at_vsp = member
            .memberships
            .iter()
            .find(|m| m.organization_id == vsp)
            .expect("vsp");
        assert_eq!(at_vsp.roles, vec![Role::Advocate, Role::Navigator]);
        assert!(member.holds(Role::Analyst));
        let t = db::task_force(&mut conn, tf).await.expect("r").expect("tf");
        drop(conn);

        let context = RegionContext {
            task_force: &t,
            counties_elsewhere: vec![],
            navigators: [navigator].into_iter().collect(),
        };
        let east = RegionInput {
            name: "East".into(),
            counties: vec!["38017".into(), "38035".into()],
            navigators: vec![navigator],
        }
        .validate(&context)
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        db::insert_region(&mut tx, tf, RegionId(id(30)), &east, now())
            .await
            .expect("region");
        tx.commit().await.expect("commit");

        // The database keeps a county in one region, whatever the caller checked.
        let overlapping = RegionInput {
            name: "Red River".into(),
            counties: vec!["38017".into()],
            navigators: vec![],
        }
        .validate(&context)
        .expect("valid without context of other regions");
        let mut tx = store.begin().await.expect("begin");
        let err = db::insert_region(&mut tx, tf, RegionId(id(31)), &overlapping, now())
            .await
            .expect_err("county twice");
        assert!(
            matches!(err, StoreError::Duplicate { field: "counties" }),
            "{err}"
        );
        drop(tx);

        let mut conn = store.conn().await.expect("conn");
        let regions = db::regions(&mut conn, tf).await.expect("regions");
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].counties, vec!["38017", "38035"]);
        assert_eq!(regions[0].navigators, vec![navigator]);
        drop(conn);

        // The same e-mail cannot join the task force twice.
        let twin = MemberInput {
            name: "Someone Else".into(),
            ..input.clone().into_inner()
        }
        .validate(&[vsp, bci])
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        let err = db::insert_member(&mut tx, tf, MemberId(id(21)), &twin, now())
            .await
            .expect_err("duplicate e-mail");
        assert!(
            matches!(err, StoreError::Duplicate { field: "email" }),
            "{err}"
        );
        drop(tx);

        // A county that belongs to a region cannot leave the jurisdiction.
        let shrink = TaskForceInput {
            counties: vec!["38015".into()],
            ..TaskForceInput::from(&t)
        }
        .validate()
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        let err = db::update_task_force(&mut tx, tf, t.version, &shrink, now())
            .await
            .expect_err("county in use");
        assert!(
            matches!(err, StoreError::Duplicate { field: "counties" }),
            "{err}"
        );
        drop(tx);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn mous_and_awards_round_trip() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "FL", &["12099"]).await;
        let pbso = organization(
            &store,
            tf,
            10,
            "Palm Beach County Sheriff's Office",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let hope = organization(
            &store,
            tf,
            11,
            "Place of Hope",
            OrganizationKind::VictimServiceProvider,
        )
        .await;
        let orgs = [pbso, hope];

        let mou = MouInput {
            title: "Co-location agreement".into(),
            parties: vec![hope, pbso],
            status: MouStatus::Signed,
            signed_on: Some("2025-01-15".into()),
            effective_on: Some("2025-02-01".into()),
            expires_on: Some("2028-01-31".into()),
            summary: "Shared office.".into(),
        }
        .validate(&orgs)
        .expect("valid");
        let award = FundingAwardInput {
            funder: "Office for Victims of Crime".into(),
            award_number: "15POVC-24-GK-01234-HT".into(),
            recipient_id: Some(hope),
            amount: Some(875_000),
            starts_on: Some("2024-10-01".into()),
            ends_on: Some("2027-09-30".into()),
        }
        .validate(&orgs)
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        db::insert_mou(&mut tx, tf, MouId(id(40)), &mou, now())
            .await
            .expect("mou");
        db::insert_award(&mut tx, tf, AwardId(id(50)), &award, now())
            .await
            .expect("award");
        tx.commit().await.expect("commit");

        let mut conn = store.conn().await.expect("conn");
        let stored = db::mou(&mut conn, tf, MouId(id(40)))
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(stored.parties.len(), 2);
        assert_eq!(stored.status, MouStatus::Signed);
        assert_eq!(
            stored.expires_on.map(|d| d.to_string()),
            Some("2028-01-31".into())
        );
        let stored = db::award(&mut conn, tf, AwardId(id(50)))
            .await
            .expect("read")
            .expect("exists");
        assert_eq!((stored.amount, stored.recipient_id), (875_000, hope));
        assert_eq!(stored.starts_on.to_string(), "2024-10-01");
        drop(conn);

        let mut tx = store.begin().await.expect("begin");
        let err = db::insert_award(&mut tx, tf, AwardId(id(51)), &award, now())
            .await
            .expect_err("same award number");
        assert!(
            matches!(
                err,
                StoreError::Duplicate {
                    field: "award_number"
                }
            ),
            "{err}"
        );
        drop(tx);

        let changed = MouInput {
            status: MouStatus::Terminated,
            ..MouInput::from(&{
                let mut c = store.conn().await.expect("conn");
                db::mou(&mut c, tf, MouId(id(40)))
                    .await
                    .expect("r")
                    .expect("m")
            })
        }
        .validate(&orgs)
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        db::update_mou(&mut tx, tf, MouId(id(40)), 1, &changed, now())
            .await
            .expect("update");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let stored = db::mou(&mut conn, tf, MouId(id(40)))
            .await
            .expect("read")
            .expect("exists");
        assert_eq!((stored.status, stored.version), (MouStatus::Terminated, 2));
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_uncommitted_transaction_leaves_nothing_behind() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "IL", &["17031"]).await;
        {
            let input = OrganizationInput {
                name: "Half-done".into(),
                kind: OrganizationKind::CommunityPartner,
                region_id: None,
                address: String::new(),
                phone: String::new(),
                email: String::new(),
                website: String::new(),
                co_located: false,
                active: true,
            }
            .validate(&[])
            .expect("valid");
            let mut tx = store.begin().await.expect("begin");
            db::insert_organization(&mut tx, tf, OrganizationId(id(10)), &input, now())
                .await
                .expect("insert");
            // dropped here without commit
        }
        let mut tx = store.begin().await.expect("begin");
        db::insert_organization(
            &mut tx,
            tf,
            OrganizationId(id(11)),
            &OrganizationInput {
                name: "Explicit rollback".into(),
                kind: OrganizationKind::CommunityPartner,
                region_id: None,
                address: String::new(),
                phone: String::new(),
                email: String::new(),
                website: String::new(),
                co_located: false,
                active: true,
            }
            .validate(&[])
            .expect("valid"),
            now(),
        )
        .await
        .expect("insert");
        tx.rollback().await.expect("rollback");

        let mut conn = store.conn().await.expect("conn");
        assert!(db::organizations(&mut conn, tf)
            .await
            .expect("list")
            .is_empty());
        drop(conn);
        // The pool is still healthy for writes.
        organization(&store, tf, 12, "After", OrganizationKind::CommunityPartner).await;
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_both_succeed() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "IL", &["17031"]).await;
        let mut handles = Vec::new();
        for n in 0..8u128 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                let mut conn = store.conn().await.expect("conn");
                let before = db::organizations(&mut conn, tf).await.expect("list").len();
                drop(conn);
                organization(
                    &store,
                    tf,
                    100 + n,
                    &format!("Partner {n}"),
                    OrganizationKind::CommunityPartner,
                )
                .await;
                before
            }));
        }
        for h in handles {
            h.await.expect("writer");
        }
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::organizations(&mut conn, tf).await.expect("list").len(),
            8
        );
        drop(conn);
        store.close().await;
    })
    .await;
}
