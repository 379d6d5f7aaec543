//! The threat assessment's pages for the people who use them: the analyst imports (a dry run
//! shows the report) and saves weights, everyone whose role reads it sees the map, the ranking
//! and a finding's explanation, the coordinator turns a finding into an outreach plan; and each
//! is refused to the roles that may not.

use crate::harness::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use taskforce_domain::structure::Role;

const WNY: &str = "Western New York Human Trafficking Task Force";

async fn caller(site: &Site, role: Role) -> Caller {
    let member = site.member_for_role(WNY, role).await;
    Caller::Session(site.sign_in_as(&member.email).await)
}

#[tokio::test]
async fn the_assessment_ranks_dairy_high_and_explains_it_to_those_who_may_read_it() {
    let site = Site::demo().await;
    let tf = site.task_force_id(WNY).await;
    let investigator = caller(&site, Role::Investigator).await;
    let page = site
        .get_as(&investigator, &format!("/task-forces/{tf}/threat"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.h1(), "Threat assessment");
    assert!(page.body.contains("Dairy cattle and milk production"));
    assert!(
        page.body.contains("nonce=\""),
        "scripts run under the CSP nonce"
    );
    // No export, weights or outreach buttons for an investigator.
    assert!(!page.body.contains("assessment.csv"));
    assert!(!page.body.contains("as a focus industry"));
    let map = site
        .get_as(
            &investigator,
            &format!("/task-forces/{tf}/threat/map.json?industry=112120"),
        )
        .await
        .expect(StatusCode::OK);
    let geo = map.json();
    assert_eq!(geo["features"].as_array().map(Vec::len), Some(17));
    let cell = site
        .get_as(
            &investigator,
            &format!("/task-forces/{tf}/threat/cells/112120/36121"),
        )
        .await
        .expect(StatusCode::OK);
    assert!(cell
        .h1()
        .starts_with("Dairy cattle and milk production in Wyoming County"));
    assert!(cell
        .body
        .contains("Year-round workers outside visa programs"));
    assert!(
        cell.body.contains("Hilltop Dairy (case"),
        "the WHD source row is shown"
    );
    // Refused: exports, model changes, imports, plans.
    site.get_as(
        &investigator,
        &format!("/task-forces/{tf}/threat/assessment.csv"),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &investigator,
        &format!("/task-forces/{tf}/threat/models"),
        &[("weight_workforce", "2")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &investigator,
        &format!("/task-forces/{tf}/outreach/new"),
        &[("title", "x")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    // A community partner reads none of it.
    let partner = caller(&site, Role::CommunityPartner).await;
    site.get_as(&partner, &format!("/task-forces/{tf}/threat"))
        .await
        .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_analyst_imports_with_a_dry_run_and_saves_weights_the_coordinator_plans() {
    let site = Site::demo().await;
    let tf = site.task_force_id(WNY).await;
    let analyst_member = site.member_for_role(WNY, Role::Analyst).await;
    let session = site.sign_in_as(&analyst_member.email).await;
    let analyst = Caller::Session(session.clone());
    // Upload (multipart), dry run: the report, nothing saved.
    let before = site
        .app
        .threat_datasets(&SYSTEM, tf)
        .await
        .expect("datasets")
        .len();
    let file = "case_id,cty_nm,st_cd,zip_cd,naic_cd,case_violtn_cnt,bw_atp_amt\n1,Batavia,NY,14020,112120,3,900\n2,Nowhere,XY,,112120,1,1\n";
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--B\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nwhd\r\n--B\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\nyes\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"whd.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--B--\r\n",
        session.csrf
    );
    let reply = site
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/task-forces/{tf}/threat/data"))
                .header(
                    header::COOKIE,
                    format!("taskforce_session={}", session.cookie),
                )
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=B")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
        .expect(StatusCode::OK);
    assert!(reply.body.contains("nothing was saved"), "{}", reply.body);
    assert!(
        reply
            .body
            .contains("st_cd &#34;XY&#34; is not a U.S. state")
            || reply
                .body
                .contains("st_cd &quot;XY&quot; is not a U.S. state"),
        "{}",
        reply.body
    );
    assert_eq!(
        site.app
            .threat_datasets(&SYSTEM, tf)
            .await
            .expect("datasets")
            .len(),
        before
    );
    // Weights: a bad one is named; good ones make a new version.
    let models = format!("/task-forces/{tf}/threat/models");
    let weights: Vec<(String, String)> = site
        .app
        .threat_assessment(&SYSTEM, tf, None)
        .await
        .expect("assessment")
        .indicators
        .iter()
        .map(|i| (format!("weight_{}", i.name), "1".to_owned()))
        .collect();
    let mut fields: Vec<(&str, &str)> = weights
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("weight_workforce", "eleven"));
    let refused = site
        .post_form_as(&analyst, &models, &fields[1..])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("must be a number from 0 to 10"));
    fields.pop();
    let saved = site
        .post_form_as(&analyst, &models, &fields)
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(
        saved.header("location").ends_with("/threat?model=3"),
        "{}",
        saved.header("location")
    );
    // The analyst may not make outreach plans; the coordinator may.
    site.get_as(
        &analyst,
        &format!("/task-forces/{tf}/outreach/new?industry=112120&fips=36037"),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let coordinator = caller(&site, Role::Coordinator).await;
    let form = site
        .get_as(
            &coordinator,
            &format!("/task-forces/{tf}/outreach/new?industry=112120&fips=36037"),
        )
        .await
        .expect(StatusCode::OK);
    assert!(form.body.contains("Dairy cooperatives"));
    let created = site
        .post_form_as(
            &coordinator,
            &format!("/task-forces/{tf}/outreach/new"),
            &[
                ("title", "Genesee dairy outreach"),
                ("industry", "112120"),
                ("fips", "36037"),
                ("partners", "Extension\nClinic"),
                ("status", "planned"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let plan = created
        .header("location")
        .split('?')
        .next()
        .unwrap_or("")
        .to_owned();
    let added = site
        .post_form_as(
            &coordinator,
            &format!("{plan}/activities"),
            &[
                ("happened_on", "2026-01-20"),
                ("kind", "training"),
                ("people_trained", "12"),
                ("tips_received", "1"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&coordinator, added.header("location"))
        .await
        .expect(StatusCode::OK);
    assert!(
        page.body.contains("12 trained, 1 tips received"),
        "{}",
        page.body
    );
    // A bad activity names its field and saves nothing.
    let bad = site
        .post_form_as(
            &coordinator,
            &format!("{plan}/activities"),
            &[("happened_on", "yesterday"), ("kind", "training")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("must be a date written YYYY-MM-DD"));
    // The CSV export, audited.
    let head = site.audit_head().await;
    let csv = site
        .get_as(
            &coordinator,
            &format!("/task-forces/{tf}/threat/assessment.csv"),
        )
        .await
        .expect(StatusCode::OK);
    assert!(csv.body.starts_with("\"rank\",\"naics\""));
    assert!(csv.body.contains("\"112120\""));
    let entries = site.audit_after(head).await;
    assert!(
        entries
            .iter()
            .any(|e| e.record.action == "threat_model.export"),
        "{entries:?}"
    );
}
