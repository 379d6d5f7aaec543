//! Intake through the real router: the public form without sign-in and its spam defences,
//! receipt codes, who may read a tip, a partner's view of their own tips, triage, screening
//! and hotline imports that refuse a bad file whole.

use crate::harness::*;
use axum::http::StatusCode;
use chrono::Duration;
use taskforce_domain::intake::TipStatus;
use taskforce_domain::structure::{Member, OrganizationKind, Role};
use taskforce_domain::*;

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .map(|i| i + start.len())
        .unwrap_or_else(|| panic!("{start:?} not in page"));
    let rest = &text[from..];
    &rest[..rest.find(end).expect("end")]
}

/// The organization public tips of North Dakota go to, and a member of it holding only `role`.
async fn routed_member(site: &Site, tf: TaskForceId, role: Role) -> (OrganizationId, Member) {
    let routed = site
        .app
        .screening_instrument(&SYSTEM, tf)
        .await
        .expect("instrument")
        .routed_to
        .expect("a routed-to organization");
    let member = site
        .app
        .members(&SYSTEM, tf)
        .await
        .expect("members")
        .into_iter()
        .find(|m| {
            m.memberships.len() == 1
                && m.memberships[0].organization_id == routed
                && m.memberships[0].roles == [role]
        })
        .expect("a member of the routed-to organization");
    (routed, member)
}

/// A member of another organization of `kind` holding only `role`.
async fn other_member(
    site: &Site,
    tf: TaskForceId,
    not: OrganizationId,
    kind: OrganizationKind,
    role: Role,
) -> Member {
    let orgs = site.app.organizations(&SYSTEM, tf).await.expect("orgs");
    site.app
        .members(&SYSTEM, tf)
        .await
        .expect("members")
        .into_iter()
        .find(|m| {
            m.memberships.len() == 1
                && m.memberships[0].organization_id != not
                && m.memberships[0].roles == [role]
                && orgs
                    .iter()
                    .any(|o| o.id == m.memberships[0].organization_id && o.kind == kind)
        })
        .expect("a member of another organization")
}

/// Fills in the public form as a person would: opens it, takes some seconds, sends it.
async fn send_public_tip(site: &Site, tf: TaskForceId, narrative: &str) -> (Reply, String) {
    let form = site
        .get_as(&Caller::Anonymous, &format!("/tip/{tf}"))
        .await
        .expect(StatusCode::OK);
    let token = between(&form.body, "name=\"form_token\" value=\"", "\"").to_owned();
    site.clock.advance(Duration::seconds(30));
    let reply = site
        .post_form_as(
            &Caller::Anonymous,
            &format!("/tip/{tf}"),
            &[
                ("form_token", &token),
                ("website", ""),
                ("language", "en"),
                ("narrative", narrative),
                ("place", "Truck stop off I-94"),
                ("county_fips", "38017"),
                ("trafficking_type", "labor"),
                ("minors_possible", "yes"),
            ],
        )
        .await;
    (reply, token)
}

#[tokio::test]
async fn the_public_form_takes_a_tip_without_sign_in_and_refuses_bots_and_replays() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;

    // Both languages, no sign-in.
    let chooser = site
        .get_as(&Caller::Anonymous, "/tip")
        .await
        .expect(StatusCode::OK);
    assert!(chooser.body.contains(NORTH_DAKOTA));
    let spanish = site
        .get_as(&Caller::Anonymous, &format!("/tip/{tf}?lang=es"))
        .await
        .expect(StatusCode::OK);
    assert!(spanish.body.contains("lang=\"es\"") && spanish.body.contains("¿Qué está pasando?"));

    let (reply, token) = send_public_tip(
        &site,
        tf,
        "Workers sleep in the back of a restaurant and never leave.",
    )
    .await;
    let reply = reply.expect(StatusCode::OK);
    assert_eq!(reply.header("cache-control"), "no-store");
    let code = between(&reply.body, "id=\"receipt-code\">", "<").to_owned();
    assert_eq!(code.len(), 19, "{code}");

    // The same form again is a replay.
    let replay = site
        .post_form_as(
            &Caller::Anonymous,
            &format!("/tip/{tf}"),
            &[("form_token", &token), ("narrative", "Second try")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replay.body.contains("already sent"), "{}", replay.body);

    // A filled honeypot and a form sent within a second of being served are refused.
    let form = site.get_as(&Caller::Anonymous, &format!("/tip/{tf}")).await;
    let fresh = between(&form.body, "name=\"form_token\" value=\"", "\"").to_owned();
    let too_fast = site
        .post_form_as(
            &Caller::Anonymous,
            &format!("/tip/{tf}"),
            &[("form_token", &fresh), ("narrative", "spam")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_fast.body.contains("very quickly"));
    site.clock.advance(Duration::seconds(10));
    let honeypot = site
        .post_form_as(
            &Caller::Anonymous,
            &format!("/tip/{tf}"),
            &[
                ("form_token", &fresh),
                ("website", "http://spam.example"),
                ("narrative", "spam"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(honeypot.body.contains("could not be accepted"));
    let forged = site
        .post_form_as(
            &Caller::Anonymous,
            &format!("/tip/{tf}"),
            &[
                ("form_token", &fresh.replace('a', "b")),
                ("narrative", "spam"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Exactly one tip arrived, routed to the intake organization.
    let (routed, investigator) = routed_member(&site, tf, Role::Investigator).await;
    let session = Caller::Session(site.sign_in_as(&investigator.email).await);
    let queue = site
        .get_as(&session, &format!("/task-forces/{tf}/tips"))
        .await
        .expect(StatusCode::OK);
    let list = site
        .app
        .tips(
            &taskforce_app::Actor::Member(site.principal(&investigator.email).await),
            tf,
            true,
        )
        .await
        .expect("tips");
    let public: Vec<_> = list
        .tips
        .iter()
        .filter(|t| {
            t.source == taskforce_domain::intake::TipSource::PublicForm
                && t.place == "Truck stop off I-94"
        })
        .collect();
    assert_eq!(public.len(), 1);
    let tip = public[0];
    assert_eq!(tip.routed_organization_id, routed);
    assert!(queue.body.contains(&tip.reference));

    // The receipt code adds information; the page never shows what was sent before.
    let added = site
        .post_form_as(
            &Caller::Anonymous,
            "/tip/add",
            &[
                ("code", &code.to_lowercase()),
                ("text", "They are moved to a farm on Sundays."),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(!added.body.contains("restaurant"));
    let wrong = site
        .post_form_as(
            &Caller::Anonymous,
            "/tip/add",
            &[("code", "ABCD-EFGH-JKMN-PQRS"), ("text", "more")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("could not find"));

    // The routed-to investigator reads both texts.
    let page = site
        .get_as(&session, &format!("/task-forces/{tf}/tips/{}", tip.id))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("never leave") && page.body.contains("farm on Sundays"));

    // Nothing of the narrative is stored in plaintext.
    let mut conn = site.app.store().conn().await.expect("conn");
    let row = taskforce_store::intake::tip(&mut conn, tf, tip.id)
        .await
        .expect("read")
        .expect("row");
    assert!(!row.narrative_enc.contains("restaurant") && row.narrative_enc.starts_with("v1."));
}

#[tokio::test]
async fn a_tip_is_read_only_by_its_routed_organization_and_a_partner_sees_only_their_own_status() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let (routed, _) = routed_member(&site, tf, Role::Investigator).await;
    let partner = site
        .member_for_role(NORTH_DAKOTA, Role::CommunityPartner)
        .await;
    let partner_session = Caller::Session(site.sign_in_as(&partner.email).await);

    // A partner submits a tip through the page.
    let created = site
        .post_form_as(
            &partner_session,
            &format!("/task-forces/{tf}/tips"),
            &[
                (
                    "narrative",
                    "A clinic patient said her employer holds her passport.",
                ),
                ("trafficking_type", "labor"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let location = created.header("location").to_owned();
    let own = site
        .get_as(&partner_session, &location)
        .await
        .expect(StatusCode::OK);
    assert!(own.body.contains("New"), "the partner sees the status");
    assert!(
        !own.body.contains("passport"),
        "…but not the text, held by the routed-to agency"
    );
    let tip_id: TipId = location
        .trim_end_matches("?saved=1")
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("a tip id");

    // Another agency's investigator may not read it.
    let other = other_member(
        &site,
        tf,
        routed,
        OrganizationKind::LocalLawEnforcement,
        Role::Investigator,
    )
    .await;
    let other_session = Caller::Session(site.sign_in_as(&other.email).await);
    site.get_as(&other_session, &format!("/task-forces/{tf}/tips/{tip_id}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    let api = site
        .token_for(&other.email, taskforce_domain::identity::TokenScope::Read)
        .await;
    site.api_as(
        &api,
        axum::http::Method::GET,
        &format!("/api/v1/task-forces/{tf}/tips/{tip_id}"),
        None,
        &[],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // A tip another member submitted (here, through the API by an investigator of the routed
    // agency) is not the partner's to see.
    let (_, investigator) = routed_member(&site, tf, Role::Investigator).await;
    let token = site
        .token_for(
            &investigator.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    let made = site
        .api_as(
            &token,
            axum::http::Method::POST,
            &format!("/api/v1/task-forces/{tf}/tips"),
            Some(r#"{"narrative": "Cash-only nail salon, workers sleep on site."}"#),
            &[],
        )
        .await
        .expect(StatusCode::CREATED);
    let theirs = made.json()["id"].as_str().expect("id").to_owned();
    site.get_as(
        &partner_session,
        &format!("/task-forces/{tf}/tips/{theirs}"),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let mine = site
        .get_as(&partner_session, &format!("/task-forces/{tf}/tips"))
        .await
        .expect(StatusCode::OK);
    assert!(mine.body.contains("Tips you submitted"));
    assert!(!mine.body.contains(&theirs));

    // The coordinator sees no tip content.
    let coordinator = site.member_for_role(NORTH_DAKOTA, Role::Coordinator).await;
    let coordinator = Caller::Session(site.sign_in_as(&coordinator.email).await);
    site.get_as(&coordinator, &format!("/task-forces/{tf}/tips/{tip_id}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&coordinator, &format!("/task-forces/{tf}/tips"))
        .await
        .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn triage_assigns_screens_merges_reopens_and_closes() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let (_, investigator) = routed_member(&site, tf, Role::Investigator).await;
    let actor = taskforce_app::Actor::Member(site.principal(&investigator.email).await);
    let session = Caller::Session(site.sign_in_as(&investigator.email).await);
    let input = |text: &str| taskforce_domain::intake::TipInput {
        narrative: text.into(),
        ..Default::default()
    };
    let first = site
        .app
        .submit_partner_tip(&actor, tf, input("Van drops women at a motel nightly."))
        .await
        .expect("first");
    let second = site
        .app
        .submit_partner_tip(&actor, tf, input("Same motel, women brought by van."))
        .await
        .expect("second");
    let base = format!("/task-forces/{tf}/tips/{}", first.id);

    // Assign to oneself: in review.
    site.post_form_as(
        &session,
        &format!("{base}/triage"),
        &[
            ("version", &first.version.to_string()),
            ("action", "assign"),
            ("member_id", &investigator.id.to_string()),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let view = site.app.tip(&actor, tf, first.id).await.expect("tip");
    assert_eq!(view.tip.status, TipStatus::InReview);
    assert_eq!(view.tip.assigned_member_id, Some(investigator.id));

    // A screening suggests, and says it never decides.
    let form = site
        .get_as(&session, &format!("{base}/screening"))
        .await
        .expect(StatusCode::OK);
    assert!(form.body.contains("never decides"));
    let mut answers: Vec<(String, String)> = ["q10", "q11", "q13", "q05"]
        .iter()
        .map(|q| (format!("answer.{q}"), "yes".to_owned()))
        .collect();
    answers.push(("answer.q07".into(), "no".into()));
    answers.push(("language".into(), "en".into()));
    let fields: Vec<(&str, &str)> = answers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let scored = site
        .post_form_as(&session, &format!("{base}/screening"), &fields)
        .await
        .expect(StatusCode::OK);
    assert!(
        scored
            .body
            .contains("Indicators of sex trafficking are at or above the threshold"),
        "{}",
        scored.body
    );
    let view = site.app.tip(&actor, tf, first.id).await.expect("tip");
    assert_eq!(view.screenings.len(), 1);
    assert_eq!(view.screenings[0].result.sex_score, 13);

    // Merge the second into the first: both texts kept; reopening undoes it.
    site.post_form_as(
        &session,
        &format!("/task-forces/{tf}/tips/{}/merge", second.id),
        &[
            ("version", &second.version.to_string()),
            ("into", &first.id.to_string()),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let merged = site.app.tip(&actor, tf, first.id).await.expect("tip");
    assert!(merged
        .additions
        .iter()
        .any(|a| a.text.contains("brought by van")));
    let gone = site.app.tip(&actor, tf, second.id).await.expect("tip");
    assert_eq!(gone.tip.status, TipStatus::Merged);
    site.post_form_as(
        &session,
        &format!("/task-forces/{tf}/tips/{}/triage", second.id),
        &[
            ("version", &gone.tip.version.to_string()),
            ("action", "reopen"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let back = site.app.tip(&actor, tf, first.id).await.expect("tip");
    assert!(back.additions.is_empty());
    assert_eq!(
        site.app
            .tip(&actor, tf, second.id)
            .await
            .expect("tip")
            .tip
            .status,
        TipStatus::InReview
    );

    // Closing needs a reason from the list.
    let stale = site
        .post_form_as(
            &session,
            &format!("{base}/triage"),
            &[
                ("version", "1"),
                ("action", "close"),
                ("reason", "no_indicators"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let now = site
        .app
        .tip(&actor, tf, first.id)
        .await
        .expect("tip")
        .tip
        .version
        .to_string();
    site.post_form_as(
        &session,
        &format!("{base}/triage"),
        &[("version", &now), ("action", "close")],
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    site.post_form_as(
        &session,
        &format!("{base}/triage"),
        &[
            ("version", &now),
            ("action", "close"),
            ("reason", "referred_elsewhere"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let closed = site.app.tip(&actor, tf, first.id).await.expect("tip").tip;
    assert_eq!(closed.status, TipStatus::Closed);

    // Opening a case from a tip makes the case (held by the investigator's agency) and links it.
    let third = site
        .app
        .submit_partner_tip(&actor, tf, input("Farm crew housed in a locked barn."))
        .await
        .expect("third");
    let opened = site
        .post_form_as(
            &session,
            &format!("/task-forces/{tf}/tips/{}/case", third.id),
            &[
                ("version", &third.version.to_string()),
                ("title", "Locked barn crew"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(opened.header("location").starts_with("/cases/"));
    let linked = site.app.tip(&actor, tf, third.id).await.expect("tip").tip;
    assert_eq!(linked.status, TipStatus::CaseOpened);
    let case = site
        .app
        .case_view(&actor, tf, linked.case_id.expect("a case"))
        .await
        .expect("case");
    assert_eq!(case.case.title, "Locked barn crew");
    assert!(
        case.case.summary.contains("locked barn"),
        "the tip's text starts the case summary"
    );

    // Every read and write of a tip is in the audit log.
    let day = taskforce_app::Clock::now(site.clock.as_ref()).date_naive();
    let actions: Vec<String> = site
        .app
        .audit_entries(day - Duration::days(1), day)
        .await
        .expect("entries")
        .into_iter()
        .filter(|e| e.record.object_kind == "tip")
        .map(|e| e.record.action)
        .collect();
    for expected in [
        "tip.create",
        "tip.read",
        "tip.assign",
        "tip.merge",
        "tip.reopen",
        "tip.close",
        "tip.open_case",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn an_import_with_bad_rows_changes_nothing_and_names_each_row_and_field() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let (_, supervisor) = routed_member(&site, tf, Role::Investigator).await;
    let actor = taskforce_app::Actor::Member(site.principal(&supervisor.email).await);
    let session = Caller::Session(site.sign_in_as(&supervisor.email).await);
    let before = site
        .app
        .tips(&actor, tf, true)
        .await
        .expect("tips")
        .tips
        .len();
    let file = "Call ID,Received,Summary,County,Type\n\
                H-1,2026-01-02,Farm workers cannot leave,Cass,labor\n\
                H-2,2026-01-03,,Cass,sex\n\
                H-3,yesterday,Massage parlor at night,Atlantis,sex\n";
    let map = "Call ID=external_reference\nReceived=received_at\nSummary=narrative\nCounty=county\nType=trafficking_type";
    let refused = site
        .post_form_as(
            &session,
            &format!("/task-forces/{tf}/tips/import"),
            &[("file", file), ("map", map), ("mode", "import")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [
        "<td>3</td><td>narrative</td>",
        "<td>4</td><td>received_at</td>",
        "<td>4</td><td>county</td>",
    ] {
        assert!(
            refused.body.contains(expected),
            "{expected} in {}",
            refused.body
        );
    }
    assert!(refused.body.contains("Nothing was imported"));
    assert_eq!(
        site.app
            .tips(&actor, tf, true)
            .await
            .expect("tips")
            .tips
            .len(),
        before
    );

    // Fixed, a dry run still writes nothing; the import writes every row.
    let good = "Call ID,Received,Summary,County,Type\nH-1,2026-01-02,Farm workers cannot leave,Cass,labor\nH-2,2026-01-03,Teen advertised online,38017,sex\n";
    site.post_form_as(
        &session,
        &format!("/task-forces/{tf}/tips/import"),
        &[("file", good), ("map", map), ("mode", "check")],
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        site.app
            .tips(&actor, tf, true)
            .await
            .expect("tips")
            .tips
            .len(),
        before
    );
    let done = site
        .post_form_as(
            &session,
            &format!("/task-forces/{tf}/tips/import"),
            &[("file", good), ("map", map), ("mode", "import")],
        )
        .await
        .expect(StatusCode::OK);
    assert!(done.body.contains("Imported 2 tips"));
    let after = site.app.tips(&actor, tf, true).await.expect("tips").tips;
    assert_eq!(after.len(), before + 2);
    assert!(after
        .iter()
        .any(|t| t.external_reference == "H-2" && t.county_fips == "38017"));
}
