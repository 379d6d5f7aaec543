//! Cases through real HTTP: what each discipline sees of the others' records. An investigator
//! never reads a provider's victim-confidential note, a provider never reads a
//! law-enforcement-sensitive target, and search leaks neither, not as a hit, a snippet or a count.
//! Withheld parts are marked as such without their content.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use taskforce_domain::structure::Role;

/// The id at the end of a redirect to `/cases/{id}?saved=1`.
fn case_id_of(reply: &Reply) -> String {
    let location = reply.header("location");
    location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn each_discipline_sees_only_what_the_labels_allow() {
    let site = Site::demo().await;
    let advocate_member = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let investigator_member = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let advocate_principal = site.principal(&advocate_member.email).await;
    let investigator_principal = site.principal(&investigator_member.email).await;
    let advocate = Caller::Session(site.sign_in_as(&advocate_member.email).await);
    let investigator = Caller::Session(site.sign_in_as(&investigator_member.email).await);

    // The advocate opens a service case with a victim-confidential note.
    let created = site
        .post_form_as(
            &advocate,
            "/cases",
            &[
                ("kind", "service_case"),
                ("title", "Housing and safety plan"),
                ("summary", "Met at the clinic"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let service = case_id_of(&created);
    site.post_form_as(
        &advocate,
        &format!("/cases/{service}/add/note"),
        &[
            ("label", "victim_confidential"),
            ("body", "Disclosed the debt ledger kept by Zephyrine"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&advocate, &format!("/cases/{service}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Zephyrine"), "the holder reads its note");

    // The investigator opens an investigation with a target and an identifier.
    let created = site
        .post_form_as(
            &investigator,
            "/cases",
            &[
                ("kind", "investigation"),
                ("title", "Roadside motel operation"),
                ("trafficking_type", "sex"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let investigation = case_id_of(&created);
    let target = site
        .api_as(
            &site
                .token_for(&investigator_member.email, taskforce_domain::identity::TokenScope::Write)
                .await,
            Method::POST,
            &format!("/api/v1/cases/{investigation}/persons"),
            Some(r#"{"role": "suspect", "person": {"given_name": "Balthazar", "family_name": "Quennell"}}"#),
            &[],
        )
        .await
        .expect(StatusCode::CREATED);
    let target_id = target.json()["id"].as_str().expect("id").to_owned();

    // Neither reads the other's record, by page or by API.
    site.get_as(&investigator, &format!("/cases/{service}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&advocate, &format!("/cases/{investigation}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&advocate, &format!("/persons/{target_id}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    let refused = site
        .get_as(&advocate, &format!("/cases/{investigation}/edit"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        !refused.body.contains("Roadside motel"),
        "a refusal does not reveal the record"
    );

    // Search: the holder finds its words; the other finds nothing, not even a count.
    let found = site
        .get_as(&advocate, "/search?q=zephyrine")
        .await
        .expect(StatusCode::OK);
    assert!(
        found.body.contains("1 result you may see"),
        "{}",
        found.body
    );
    assert!(found.body.contains("<mark>Zephyrine</mark>"));
    let nothing = site
        .get_as(&investigator, "/search?q=zephyrine")
        .await
        .expect(StatusCode::OK);
    assert!(nothing.body.contains("0 results you may see"));
    assert!(!nothing.body.contains("Zephyrine") && !nothing.body.contains("ledger"));
    let nothing = site
        .get_as(&advocate, "/search?q=quennell")
        .await
        .expect(StatusCode::OK);
    assert!(nothing.body.contains("0 results you may see"));
    let found = site
        .get_as(&investigator, "/search?q=quennell")
        .await
        .expect(StatusCode::OK);
    assert!(found.body.contains("1 result you may see"));

    // A team grant does not open a victim-confidential case, nor a law-enforcement-sensitive one
    // to a provider.
    let police_org = investigator_principal.organization_id.to_string();
    let shelter_org = advocate_principal.organization_id.to_string();
    site.post_form_as(
        &advocate,
        &format!("/cases/{service}/add/team"),
        &[("organization_id", &police_org)],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.post_form_as(
        &investigator,
        &format!("/cases/{investigation}/add/team"),
        &[("organization_id", &shelter_org)],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.get_as(&investigator, &format!("/cases/{service}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&advocate, &format!("/cases/{investigation}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    let nothing = site
        .get_as(&investigator, "/search?q=ledger")
        .await
        .expect(StatusCode::OK);
    assert!(nothing.body.contains("0 results you may see"));
}

#[tokio::test]
async fn a_withheld_note_is_marked_without_its_words() {
    let site = Site::demo().await;
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let prosecutor = site.member_for_role(NORTH_DAKOTA, Role::Prosecutor).await;
    let investigator = Caller::Session(site.sign_in_as(&investigator.email).await);
    let prosecutor_principal = site.principal(&prosecutor.email).await;
    let prosecutor = Caller::Session(site.sign_in_as(&prosecutor.email).await);
    let created = site
        .post_form_as(
            &investigator,
            "/cases",
            &[("kind", "investigation"), ("title", "Farm labor camp")],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let case = case_id_of(&created);
    // The prosecutor's office joins the team; a note stays with the agency.
    site.get_as(&prosecutor, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &investigator,
        &format!("/cases/{case}/add/team"),
        &[(
            "organization_id",
            &prosecutor_principal.organization_id.to_string(),
        )],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.post_form_as(
        &investigator,
        &format!("/cases/{case}/add/note"),
        &[
            ("label", "restricted"),
            ("body", "Informant Ottoline meets us Tuesday"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.post_form_as(
        &investigator,
        &format!("/cases/{case}/add/note"),
        &[
            ("label", "law_enforcement_sensitive"),
            ("body", "Charging memo sent to the office"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&prosecutor, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::OK);
    assert!(
        page.body.contains("Charging memo"),
        "the team reads the case's own notes"
    );
    assert!(
        !page.body.contains("Ottoline"),
        "a restricted note's words stay hidden"
    );
    assert!(page
        .body
        .contains("A note you may not read (Restricted to named members)"));
    // The prosecutor may read but not change the investigation.
    site.get_as(&prosecutor, &format!("/cases/{case}/add/note"))
        .await
        .expect(StatusCode::FORBIDDEN);
    // A note with no words is refused, naming the field, and adds nothing.
    let refused = site
        .post_form_as(
            &investigator,
            &format!("/cases/{case}/add/note"),
            &[("label", "law_enforcement_sensitive"), ("body", " ")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_error("body").as_deref(), Some("is required"));
    let page = site
        .get_as(&investigator, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        page.body.matches("class=\"prewrap\"").count(),
        2,
        "two notes, no more"
    );
}

#[tokio::test]
async fn files_are_typed_by_content_stored_and_read_back_by_those_allowed() {
    let site = Site::demo().await;
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let advocate = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let session = site.sign_in_as(&investigator.email).await;
    let csrf = session.csrf.clone();
    let investigator = Caller::Session(session);
    let advocate = Caller::Session(site.sign_in_as(&advocate.email).await);
    let created = site
        .post_form_as(
            &investigator,
            "/cases",
            &[("kind", "investigation"), ("title", "Files")],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let case = case_id_of(&created);
    let upload = format!("/cases/{case}/attachments");
    // A program renamed to .pdf is refused by what it is, and nothing is stored.
    let refused = site
        .post_multipart_as(
            &investigator,
            &upload,
            &[("csrf", &csrf)],
            ("file", "ledger.pdf", b"MZ\x90\x00\x03\x00binary"),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("must be a PDF, PNG, JPEG, GIF or WebP image, or plain text"),
        "{}",
        refused.body
    );
    // A form without its CSRF token is refused.
    site.post_multipart_as(&investigator, &upload, &[], ("file", "a.txt", b"words"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.post_multipart_as(
        &investigator,
        &upload,
        &[("csrf", &csrf)],
        (
            "file",
            "../../etc/ledger.txt",
            b"Ledger: 14 workers, $3,200 owed\n",
        ),
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&investigator, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        page.body.matches("ledger.txt").count(),
        1,
        "one file, its name without the path"
    );
    let href = between(
        &page.body,
        &format!("href=\"/cases/{case}/attachments/"),
        "\"",
    )
    .expect("a file link");
    let path = format!("/cases/{case}/attachments/{href}");
    let file = site
        .get_as(&investigator, &path)
        .await
        .expect(StatusCode::OK);
    assert_eq!(file.body, "Ledger: 14 workers, $3,200 owed\n");
    assert_eq!(file.header("content-type"), "text/plain");
    assert!(file.header("content-disposition").starts_with("attachment"));
    site.get_as(&advocate, &path)
        .await
        .expect(StatusCode::FORBIDDEN);
    // Larger than 10 MB: refused before it is read whole.
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let reply = site
        .post_multipart_as(
            &investigator,
            &upload,
            &[("csrf", &csrf)],
            ("file", "big.txt", &big),
        )
        .await;
    assert!(
        matches!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE
        ),
        "{}",
        reply.status
    );
}

#[tokio::test]
async fn a_task_is_marked_done_only_from_its_current_version() {
    let site = Site::demo().await;
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let investigator = Caller::Session(site.sign_in_as(&investigator.email).await);
    let created = site
        .post_form_as(
            &investigator,
            "/cases",
            &[("kind", "investigation"), ("title", "Tasks")],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let case = case_id_of(&created);
    site.post_form_as(
        &investigator,
        &format!("/cases/{case}/add/task"),
        &[("title", "Interview the foreman")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&investigator, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::OK);
    let task = between(&page.body, "/tasks/", "/status")
        .expect("a task form")
        .to_owned();
    let path = format!("/cases/{case}/tasks/{task}/status");
    // Without its version the change is refused, naming it; a stale version is refused too.
    let refused = site
        .post_form_as(&investigator, &path, &[("status", "done")])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("version"));
    site.post_form_as(
        &investigator,
        &path,
        &[("status", "done"), ("version", "1")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let stale = site
        .post_form_as(
            &investigator,
            &path,
            &[("status", "open"), ("version", "1")],
        )
        .await;
    assert_ne!(
        stale.status,
        StatusCode::SEE_OTHER,
        "a stale version changes nothing"
    );
    let page = site
        .get_as(&investigator, &format!("/cases/{case}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("<td>Done</td>"), "the task is done");
    assert!(
        !page.body.contains("Mark done"),
        "a done task offers no button"
    );
}
