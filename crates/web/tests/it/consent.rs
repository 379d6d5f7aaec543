//! Survivors' consent through real HTTP, on a clock the test moves: a consent opens exactly
//! what it names, to whom it names, while it is live; its expiry and its revocation cut access
//! at once, in pages, the API and search. Consent-expiry notices go out once, in the inbox and
//! the e-mail outbox, and carry no name.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use taskforce_app::Mailer;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::Role;

struct Scene {
    site: Site,
    advocate: Caller,
    investigator: Caller,
    investigator_api: Caller,
    investigator_org: String,
    prosecutor_org: String,
    case: String,
    person: String,
}

/// North Dakota's advocate opens a service case for Marisol Quintero-Vega with a
/// victim-confidential note; the investigator and prosecutor are of other organizations.
async fn scene() -> Scene {
    let site = Site::demo().await;
    let advocate = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let prosecutor = site.member_for_role(NORTH_DAKOTA, Role::Prosecutor).await;
    let investigator_org = site
        .principal(&investigator.email)
        .await
        .organization_id
        .to_string();
    let prosecutor_org = site
        .principal(&prosecutor.email)
        .await
        .organization_id
        .to_string();
    let investigator_api = site.token_for(&investigator.email, TokenScope::Read).await;
    let advocate = Caller::Session(site.sign_in_as(&advocate.email).await);
    let investigator = Caller::Session(site.sign_in_as(&investigator.email).await);
    let created = site
        .post_form_as(
            &advocate,
            "/cases",
            &[
                ("kind", "service_case"),
                ("title", "Shelter and legal help"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let case = created
        .header("location")
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    site.post_form_as(
        &advocate,
        &format!("/cases/{case}/add/person"),
        &[
            ("role", "victim"),
            ("given_name", "Marisol"),
            ("family_name", "Quintero-Vega"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.post_form_as(
        &advocate,
        &format!("/cases/{case}/add/note"),
        &[
            ("label", "victim_confidential"),
            ("body", "She described the ledger called Xylofane"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&advocate, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::OK);
    let person = between(&page.body, "href=\"/persons/", "\"")
        .expect("a link to the person")
        .to_owned();
    Scene {
        site,
        advocate,
        investigator,
        investigator_api,
        investigator_org,
        prosecutor_org,
        case,
        person,
    }
}

impl Scene {
    /// Moves the clock on; sessions last twelve hours, so both sign in again.
    async fn advance(&mut self, days: i64) {
        self.site.clock.advance(chrono::Duration::days(days));
        let advocate = self
            .site
            .member_for_role(NORTH_DAKOTA, Role::Advocate)
            .await;
        let investigator = self
            .site
            .member_for_role(NORTH_DAKOTA, Role::Investigator)
            .await;
        self.advocate = Caller::Session(self.site.sign_in_as(&advocate.email).await);
        self.investigator = Caller::Session(self.site.sign_in_as(&investigator.email).await);
    }

    /// What the investigator can reach: (person page, person API, case page, name found,
    /// note words found).
    async fn reach(&self) -> (StatusCode, StatusCode, StatusCode, bool, bool) {
        let site = &self.site;
        let person = site
            .get_as(&self.investigator, &format!("/persons/{}", self.person))
            .await
            .status;
        let api = site
            .api_as(
                &self.investigator_api,
                Method::GET,
                &format!("/api/v1/persons/{}", self.person),
                None,
                &[],
            )
            .await
            .status;
        let case = site
            .get_as(&self.investigator, &format!("/cases/{}", self.case))
            .await
            .status;
        let name = site
            .get_as(&self.investigator, "/search?q=quintero")
            .await
            .expect(StatusCode::OK);
        let note = site
            .get_as(&self.investigator, "/search?q=xylofane")
            .await
            .expect(StatusCode::OK);
        (
            person,
            api,
            case,
            !name.body.contains("0 results you may see"),
            !note.body.contains("0 results you may see"),
        )
    }

    async fn record(&self, fields: &[(&str, &str)]) -> Reply {
        self.site
            .post_form_as(
                &self.advocate,
                &format!("/persons/{}/consents", self.person),
                fields,
            )
            .await
    }

    fn days(&self, n: i64) -> String {
        (self.site.app.clock().now() + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    }
}

const DENIED: (StatusCode, StatusCode, StatusCode, bool, bool) = (
    StatusCode::FORBIDDEN,
    StatusCode::FORBIDDEN,
    StatusCode::FORBIDDEN,
    false,
    false,
);

#[tokio::test]
async fn a_consent_opens_what_it_names_until_it_expires_or_is_revoked() {
    let mut s = scene().await;
    assert_eq!(s.reach().await, DENIED, "nothing without consent");

    let until = s.days(10);
    let org = s.investigator_org.clone();
    s.record(&[
        ("recipients", &org),
        ("categories", "identity"),
        ("categories", "narrative"),
        ("categories", "services"),
        (
            "purpose",
            "Help the investigation find the people who hurt her",
        ),
        ("method", "written"),
        ("valid_until", &until),
    ])
    .await
    .expect(StatusCode::SEE_OTHER);
    let ok = StatusCode::OK;
    assert_eq!(s.reach().await, (ok, ok, ok, true, true), "under consent");
    let case = s
        .site
        .get_as(&s.investigator, &format!("/cases/{}", s.case))
        .await;
    assert!(case.body.contains("Xylofane"), "the note is shared too");

    // Past its last day, everything closes again, with nothing recomputed.
    s.advance(11).await;
    assert_eq!(s.reach().await, DENIED, "after expiry");

    // Identity only: the person, but neither the case's services nor the note.
    let org = s.investigator_org.clone();
    s.record(&[
        ("recipients", &org),
        ("categories", "identity"),
        ("purpose", "Identify her in a photo array"),
        ("method", "verbal_then_signed"),
    ])
    .await
    .expect(StatusCode::SEE_OTHER);
    let (person, api, case, name, note) = s.reach().await;
    assert_eq!(
        (person, api, case, name, note),
        (ok, ok, StatusCode::FORBIDDEN, true, false)
    );

    // Revoked: closed at once.
    let list = s
        .site
        .get_as(&s.advocate, &format!("/persons/{}/consents", s.person))
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains("Services never depend on consent"));
    let consent = between(
        &list.body,
        &format!("/persons/{}/consents/", s.person),
        "/revoke",
    )
    .expect("a live consent to revoke")
    .to_owned();
    let refused = s
        .site
        .post_form_as(
            &s.advocate,
            &format!("/persons/{}/consents/{consent}/revoke", s.person),
            &[("version", "1"), ("reason", "")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("reason"), "the reason is required");
    assert_eq!(
        s.reach().await.0,
        ok,
        "a refused revocation changes nothing"
    );
    s.site
        .post_form_as(
            &s.advocate,
            &format!("/persons/{}/consents/{consent}/revoke", s.person),
            &[("version", "1"), ("reason", "She asked us to stop sharing")],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(s.reach().await, DENIED, "after revocation");
}

#[tokio::test]
async fn a_consent_narrowed_to_a_role_or_another_organization_opens_nothing_here() {
    let s = scene().await;
    let org = s.investigator_org.clone();
    let prosecutors = s.prosecutor_org.clone();
    for fields in [
        vec![
            ("recipients", org.as_str()),
            ("categories", "identity"),
            ("roles", "prosecutor"),
        ],
        vec![
            ("recipients", prosecutors.as_str()),
            ("categories", "identity"),
        ],
    ] {
        let mut fields = fields;
        fields.extend([("purpose", "Victim-witness support"), ("method", "written")]);
        s.record(&fields).await.expect(StatusCode::SEE_OTHER);
    }
    assert_eq!(s.reach().await, DENIED);
}

#[tokio::test]
async fn bad_consent_input_names_each_field_and_records_nothing() {
    let s = scene().await;
    let holder = s
        .site
        .principal(
            &s.site
                .member_for_role(NORTH_DAKOTA, Role::Advocate)
                .await
                .email,
        )
        .await
        .organization_id
        .to_string();
    let too_long = s.days(400);
    let refused = s
        .record(&[
            ("recipients", &holder),
            ("categories", "everything"),
            ("method", "court_order"),
            ("valid_until", &too_long),
        ])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "recipients",
        "categories",
        "purpose",
        "legal_basis",
        "valid_until",
    ] {
        assert!(
            refused.field_error(field).is_some(),
            "{field} is named: {:?}",
            refused.summary()
        );
    }
    let list = s
        .site
        .get_as(&s.advocate, &format!("/persons/{}/consents", s.person))
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains("No consent is on record"));
    // Through the API too, with the same reasons.
    let advocate = s.site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let token = s.site.token_for(&advocate.email, TokenScope::Write).await;
    let reply = s
        .site
        .api_as(
            &token,
            Method::POST,
            &format!("/api/v1/persons/{}/consents", s.person),
            Some(r#"{"recipients": [], "categories": ["identity"], "purpose": "x", "method": "written"}"#),
            &[],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("recipients"), "{}", reply.body);
    // Only the holder keeps consents: the investigator may not record one.
    s.site
        .post_form_as(
            &s.investigator,
            &format!("/persons/{}/consents", s.person),
            &[("purpose", "x")],
        )
        .await
        .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_recorder_is_told_once_that_a_consent_ends_soon_by_inbox_and_email() {
    let mut s = scene().await;
    let org = s.investigator_org.clone();
    let until = s.days(30);
    s.record(&[
        ("recipients", &org),
        ("categories", "identity"),
        ("purpose", "Photo array"),
        ("method", "signed_electronically"),
        ("valid_until", &until),
    ])
    .await
    .expect(StatusCode::SEE_OTHER);
    let app = &s.site.app;
    assert_eq!(app.notice_expiring_consents().await.expect("work"), 0);
    s.advance(20).await;
    let app = &s.site.app;
    assert_eq!(app.notice_expiring_consents().await.expect("work"), 1);
    assert_eq!(
        app.notice_expiring_consents().await.expect("work"),
        0,
        "once"
    );
    let inbox = s
        .site
        .get_as(&s.advocate, "/inbox")
        .await
        .expect(StatusCode::OK);
    assert!(inbox.body.contains("A consent you recorded ends soon"));
    assert!(
        !inbox.body.contains("Quintero"),
        "no name in a notification"
    );
    // Others' inboxes hold nothing of it.
    let other = s
        .site
        .get_as(&s.investigator, "/inbox")
        .await
        .expect(StatusCode::OK);
    assert!(!other.body.contains("A consent you recorded"));

    // The outbox sends it once, as an e-mail without the name.
    let folder = tempfile::tempdir().expect("a folder");
    let mailer = Mailer::from_url(
        &format!("file://{}", folder.path().display()),
        "Taskforce <taskforce@example.org>",
    )
    .expect("a mailer");
    let (sent, failed) = app.deliver_outbox(&mailer).await.expect("delivery");
    assert_eq!((sent, failed), (1, 0));
    assert_eq!(app.deliver_outbox(&mailer).await.expect("again"), (0, 0));
    let mail: Vec<String> = std::fs::read_dir(folder.path())
        .expect("mail files")
        .map(|e| std::fs::read_to_string(e.expect("file").path()).expect("text"))
        .collect();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("A consent you recorded ends soon"));
    assert!(!mail[0].contains("Quintero"));

    // Marking read: one's own only; another member's notification is not found.
    let id = inbox
        .body
        .split("action=\"/inbox/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find_map(|action| action.strip_suffix("/read").filter(|id| id.len() == 36))
        .expect("a notification")
        .to_owned();
    s.site
        .post_form_as(&s.investigator, &format!("/inbox/{id}/read"), &[])
        .await
        .expect(StatusCode::NOT_FOUND);
    s.site
        .post_form_as(
            &s.advocate,
            &format!("/inbox/{id}/read"),
            &[("next", "/inbox")],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let inbox = s
        .site
        .get_as(&s.advocate, "/inbox")
        .await
        .expect(StatusCode::OK);
    assert!(inbox.body.contains("Nothing new."));
}

#[tokio::test]
async fn the_coordinator_sets_the_longest_consent_and_longer_ones_are_refused() {
    let s = scene().await;
    let tf = s.site.task_force_id(NORTH_DAKOTA).await;
    let settings = format!("/task-forces/{tf}/consent-settings");
    // The demo site's own session is North Dakota's coordinator.
    let refused = s
        .site
        .post_form(&settings, &[("max_days", "5000")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("max_days").is_some());
    s.site
        .post_form(&settings, &[("max_days", "30")])
        .await
        .expect(StatusCode::SEE_OTHER);
    // An advocate may not change it.
    s.site
        .post_form_as(&s.advocate, &settings, &[("max_days", "900")])
        .await
        .expect(StatusCode::FORBIDDEN);
    let org = s.investigator_org.clone();
    let (ok, long) = (s.days(20), s.days(60));
    let refused = s
        .record(&[
            ("recipients", &org),
            ("categories", "identity"),
            ("purpose", "Photo array"),
            ("method", "written"),
            ("valid_until", &long),
        ])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .field_error("valid_until")
            .is_some_and(|e| e.contains("30 days")),
        "{:?}",
        refused.summary()
    );
    s.record(&[
        ("recipients", &org),
        ("categories", "identity"),
        ("purpose", "Photo array"),
        ("method", "written"),
        ("valid_until", &ok),
    ])
    .await
    .expect(StatusCode::SEE_OTHER);
}
