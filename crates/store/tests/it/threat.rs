//! The threat assessment's tables on both backends: datasets and their records round-trip
//! (measures, withheld values, notes), reads stay within the task force and the dataset
//! snapshot, model versions number themselves, plans are optimistic, and a transaction that is
//! not committed leaves nothing.

use crate::harness::*;
use crate::structure::{id, now, task_force};
use std::collections::BTreeMap;
use taskforce_domain::threat::import::ImportReport;
use taskforce_domain::threat::plan::*;
use taskforce_domain::threat::score::default_indicators;
use taskforce_domain::threat::{Record, Source, COUNTY_CONTEXT};
use taskforce_domain::*;
use taskforce_store::{threat as db, StoreError};

fn record(line: u64, industry: &str, fips: &str, measures: &[(&str, f64)]) -> Record {
    Record {
        line,
        part: 0,
        industry: industry.into(),
        fips: fips.into(),
        naics: industry.into(),
        label: format!("row {line}"),
        measures: measures
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect::<BTreeMap<_, _>>(),
        withheld: if line == 3 {
            vec!["employees".into()]
        } else {
            Vec::new()
        },
        note: if line == 3 {
            "withheld".into()
        } else {
            String::new()
        },
    }
}

#[tokio::test]
async fn threat_datasets_records_models_and_plans_round_trip() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "NY", &["36037", "36121"]).await;
        let other = task_force(&store, 2, "NY", &["36029"]).await;
        let report = ImportReport::new(Source::Whd, "whd.csv", false);
        let (d1, d2, d3) = (
            ThreatDatasetId(id(10)),
            ThreatDatasetId(id(11)),
            ThreatDatasetId(id(12)),
        );
        let records: Vec<Record> = (2..=401)
            .map(|line| {
                record(
                    line,
                    if line % 2 == 0 { "112120" } else { "722" },
                    "36121",
                    &[("violations", line as f64), ("back_wages", 1.5)],
                )
            })
            .chain(
                [record(
                    3,
                    COUNTY_CONTEXT,
                    "36037",
                    &[("county_employees", 900.0)],
                )]
                .into_iter()
                .map(|mut r| {
                    r.line = 500;
                    r
                }),
            )
            .collect();
        let mut tx = store.begin().await.expect("begin");
        db::insert_dataset(
            &mut tx,
            tf,
            d1,
            Source::Whd,
            "whd.csv",
            "",
            &report,
            now(),
            "analyst@x.gov",
        )
        .await
        .expect("dataset");
        db::insert_records(&mut tx, tf, d1, &records)
            .await
            .expect("records");
        let mut done = report.clone();
        done.records = records.len() as u64;
        db::finish_dataset(&mut tx, tf, d1, &done)
            .await
            .expect("finish");
        db::set_dataset_hash(&mut tx, tf, d1, "abc123")
            .await
            .expect("hash");
        tx.commit().await.expect("commit");

        // A dataset not committed leaves nothing.
        let mut tx = store.begin().await.expect("begin");
        db::insert_dataset(
            &mut tx,
            tf,
            d2,
            Source::Cbp,
            "cbp.txt",
            "",
            &report,
            now(),
            "x",
        )
        .await
        .expect("dataset");
        db::insert_records(&mut tx, tf, d2, &records[..5])
            .await
            .expect("records");
        tx.rollback().await.expect("rollback");

        // Another task force's dataset.
        let mut tx = store.begin().await.expect("begin");
        db::insert_dataset(
            &mut tx,
            other,
            d3,
            Source::Whd,
            "whd.csv",
            "",
            &report,
            now(),
            "x",
        )
        .await
        .expect("dataset");
        db::insert_records(
            &mut tx,
            other,
            d3,
            &[record(2, "722", "36029", &[("violations", 1.0)])],
        )
        .await
        .expect("records");
        tx.commit().await.expect("commit");

        let mut conn = store.conn().await.expect("conn");
        let datasets = db::datasets(&mut conn, tf).await.expect("datasets");
        assert_eq!(datasets.len(), 1);
        assert_eq!(
            (
                datasets[0].records,
                datasets[0].sha256.as_str(),
                datasets[0].source
            ),
            (401, "abc123", Source::Whd)
        );
        assert_eq!(
            db::latest_datasets(&mut conn, tf).await.expect("latest"),
            vec![d1]
        );
        let all = db::records(&mut conn, tf, &[d1], None)
            .await
            .expect("records");
        assert_eq!(all.len(), 401);
        let back: Vec<Record> = all.iter().map(|r| r.record.clone()).collect();
        let mut sorted = records.clone();
        sorted.sort_by_key(|r| (r.line, r.part));
        assert_eq!(back, sorted);
        // One cell and its county's context rows.
        let cell = db::records(&mut conn, tf, &[d1], Some(("112120", "36121")))
            .await
            .expect("cell");
        assert_eq!(cell.len(), 200);
        assert!(cell.iter().all(|r| r.record.industry == "112120"));
        let context = db::records(&mut conn, tf, &[d1], Some(("112120", "36037")))
            .await
            .expect("context");
        assert_eq!(context.len(), 1);
        assert_eq!(context[0].record.measures["county_employees"], 900.0);
        // Another task force's dataset id reads nothing here.
        assert!(db::records(&mut conn, tf, &[d3], None)
            .await
            .expect("none")
            .is_empty());
        drop(conn);

        // Model versions number themselves per task force.
        let mut tx = store.begin().await.expect("begin");
        let v1 = db::insert_model(
            &mut tx,
            tf,
            ThreatModelId(id(20)),
            "first",
            &default_indicators(),
            &[d1],
            now(),
            "a",
        )
        .await
        .expect("model");
        let v2 = db::insert_model(
            &mut tx,
            tf,
            ThreatModelId(id(21)),
            "",
            &default_indicators(),
            &[d1],
            now(),
            "a",
        )
        .await
        .expect("model");
        let o1 = db::insert_model(
            &mut tx,
            other,
            ThreatModelId(id(22)),
            "",
            &default_indicators(),
            &[d3],
            now(),
            "a",
        )
        .await
        .expect("model");
        tx.commit().await.expect("commit");
        assert_eq!((v1, v2, o1), (1, 2, 1));
        let mut conn = store.conn().await.expect("conn");
        let m1 = db::model(&mut conn, tf, 1)
            .await
            .expect("read")
            .expect("version 1");
        assert_eq!(
            (m1.note.as_str(), m1.indicators.clone(), m1.datasets.clone()),
            ("first", default_indicators(), vec![d1])
        );
        assert_eq!(db::models(&mut conn, tf).await.expect("models").len(), 2);
        drop(conn);

        // Focus and plans, with optimistic updates.
        let plan_input = OutreachPlanInput {
            industry: "112120".into(),
            fips: "36121".into(),
            title: "Dairy outreach".into(),
            goal: "Reach workers".into(),
            partners: "Extension\nClinic".into(),
            status: None,
        };
        let valid = plan_input.validate(&["36121".to_owned()]).expect("valid");
        let plan = OutreachPlanId(id(30));
        let mut tx = store.begin().await.expect("begin");
        db::set_focus(&mut tx, tf, "112120", true, "dairy", now(), "c")
            .await
            .expect("focus");
        db::insert_plan(&mut tx, tf, plan, &valid, now())
            .await
            .expect("plan");
        let activity = OutreachActivityInput {
            happened_on: "2026-01-08".into(),
            kind: "training".into(),
            people_trained: "18".into(),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        db::insert_activity(
            &mut tx,
            tf,
            plan,
            OutreachActivityId(id(31)),
            &activity,
            now(),
        )
        .await
        .expect("activity");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        db::update_plan(&mut tx, tf, plan, 1, &valid, now())
            .await
            .expect("update");
        assert!(matches!(
            db::update_plan(&mut tx, tf, plan, 1, &valid, now()).await,
            Err(StoreError::Conflict)
        ));
        assert!(matches!(
            db::update_plan(&mut tx, other, plan, 2, &valid, now()).await,
            Err(StoreError::NotFound)
        ));
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let stored = db::plan_by_id(&mut conn, tf, plan)
            .await
            .expect("read")
            .expect("plan");
        assert_eq!(
            (stored.version, stored.partners.clone(), stored.status),
            (
                2,
                vec!["Extension".to_owned(), "Clinic".to_owned()],
                PlanStatus::Planned
            )
        );
        assert!(db::plan_by_id(&mut conn, other, plan)
            .await
            .expect("read")
            .is_none());
        let activities = db::activities(&mut conn, tf, plan)
            .await
            .expect("activities");
        assert_eq!((activities.len(), activities[0].people_trained), (1, 18));
        assert_eq!(db::focus(&mut conn, tf).await.expect("focus").len(), 1);
        assert!(db::focus(&mut conn, other).await.expect("focus").is_empty());
    })
    .await;
}
