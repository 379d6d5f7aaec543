//! What signing in, second factors, account administration, role changes and refusals leave in
//! the audit log, and who it names.

use crate::harness::*;
use axum::http::StatusCode;
use chrono::Duration;
use taskforce_domain::audit::{Outcome, StoredAuditEntry};
use taskforce_domain::structure::{MemberInput, Role};

fn find<'a>(
    entries: &'a [StoredAuditEntry],
    action: &str,
    outcome: Outcome,
) -> Vec<&'a StoredAuditEntry> {
    entries
        .iter()
        .filter(|e| e.record.action == action && e.record.outcome == outcome)
        .collect()
}

#[tokio::test]
async fn sign_ins_second_factors_administration_and_refusals_are_audited() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let start = site.audit_head().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Prosecutor).await;
    let email = member.email.clone();

    // An unknown address, then five wrong passwords.
    site.post_raw(
        &Caller::Anonymous,
        "/sign-in",
        &[("email", "Nobody@Example.org"), ("password", "guess")],
    )
    .await
    .expect(StatusCode::UNAUTHORIZED);
    for _ in 0..5 {
        site.post_raw(
            &Caller::Anonymous,
            "/sign-in",
            &[("email", &email), ("password", "guess")],
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    }
    let entries = site.audit_after(start).await;
    let failures = find(&entries, "sign_in.failure", Outcome::Failure);
    assert_eq!(failures.len(), 6);
    let unknown = failures[0];
    assert_eq!(unknown.record.actor_email, "nobody@example.org");
    assert_eq!(unknown.record.actor_member_id, None);
    assert_eq!(unknown.record.detail, "unknown e-mail address");
    for (n, wrong) in failures[1..].iter().enumerate() {
        assert_eq!(wrong.record.actor_member_id, Some(member.id));
        assert_eq!(wrong.record.task_force_id, Some(tf));
        assert_eq!(wrong.record.object_id, member.id.to_string());
        assert_eq!(
            wrong.record.detail,
            format!("wrong password ({} in a row)", n + 1)
        );
    }
    let lockouts = find(&entries, "account.lockout", Outcome::Success);
    assert_eq!(lockouts.len(), 1);
    assert_eq!(lockouts[0].record.actor_member_id, Some(member.id));
    assert!(lockouts[0].seq > failures[5].seq);

    // Ten minutes later: signed in, authenticator enrolled.
    site.clock.advance(Duration::minutes(10));
    let mark = site.audit_head().await;
    let session = site.sign_in_as(&email).await;
    let entries = site.audit_after(mark).await;
    let success = find(&entries, "sign_in.success", Outcome::Success);
    assert_eq!(success.len(), 1);
    assert_eq!(success[0].record.actor_member_id, Some(member.id));
    assert_eq!(success[0].record.actor_email, email);
    let enrolled = find(&entries, "second_factor.enrol", Outcome::Success);
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0].record.actor_member_id, Some(member.id));

    // A wrong code, then the right one.
    site.post_form_as(&Caller::Session(session), "/sign-out", &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    let mark = site.audit_head().await;
    let pending = site.password_step(&email, Site::password_of(&email)).await;
    let right: u32 = site.totp_code(&email).parse().expect("digits");
    site.post_form_as(
        &Caller::Session(pending.clone()),
        "/sign-in/second-factor",
        &[("code", &format!("{:06}", (right + 1) % 1_000_000))],
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    site.second_factor_step(&pending).await;
    let entries = site.audit_after(mark).await;
    let actions: Vec<(&str, Outcome)> = entries
        .iter()
        .map(|e| (e.record.action.as_str(), e.record.outcome))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("sign_in.success", Outcome::Success),
            ("second_factor.failure", Outcome::Failure),
            ("second_factor.success", Outcome::Success),
        ]
    );
    assert!(entries
        .iter()
        .all(|e| e.record.actor_member_id == Some(member.id)));

    // An administrator disables the account.
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin_principal = site.principal(&admin.email).await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    let mark = site.audit_head().await;
    site.post_form_as(
        &admin,
        &format!("/admin/accounts/{}/disable", member.id),
        &[],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let entries = site.audit_after(mark).await;
    let disabled = find(&entries, "account.disable", Outcome::Success);
    assert_eq!(disabled.len(), 1);
    assert_eq!(
        disabled[0].record.actor_member_id,
        Some(admin_principal.member_id)
    );
    assert_eq!(
        disabled[0].record.organization_id,
        Some(admin_principal.organization_id)
    );
    assert_eq!(disabled[0].record.object_kind, "account");
    assert_eq!(disabled[0].record.object_id, member.id.to_string());

    // The coordinator gives an analyst a second role through the member form.
    let coordinator = site.principal(&site.default_email).await;
    let analyst = site.member_for_role(NORTH_DAKOTA, Role::Analyst).await;
    let input = MemberInput::from(&analyst);
    let org = input.memberships[0].organization_id.to_string();
    let version = analyst.version.to_string();
    let mark = site.audit_head().await;
    site.post_form(
        &format!("/task-forces/{tf}/members/{}/edit", analyst.id),
        &[
            ("name", input.name.as_str()),
            ("email", input.email.as_str()),
            ("phone", input.phone.as_str()),
            ("title", input.title.as_str()),
            ("active", "yes"),
            ("memberships[0].organization_id", org.as_str()),
            ("memberships[0].roles", "analyst"),
            ("memberships[0].roles", "auditor"),
            ("version", version.as_str()),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let entries = site.audit_after(mark).await;
    for action in ["member.update", "member.roles_change"] {
        let found = find(&entries, action, Outcome::Success);
        assert_eq!(found.len(), 1, "{action}");
        assert_eq!(found[0].record.actor_member_id, Some(coordinator.member_id));
        assert_eq!(found[0].record.object_id, analyst.id.to_string());
    }
    let change = &find(&entries, "member.roles_change", Outcome::Success)[0]
        .record
        .detail;
    assert!(
        change.ends_with(&format!("after [{org}: analyst,auditor]")),
        "{change}"
    );

    // A refusal is recorded with who was refused and why.
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let investigator_principal = site.principal(&investigator.email).await;
    let investigator = Caller::Session(site.sign_in_as(&investigator.email).await);
    let mark = site.audit_head().await;
    site.post_form_as(
        &investigator,
        &format!("/task-forces/{tf}/organizations"),
        &[("name", "Shadow Unit"), ("kind", "state_law_enforcement")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let entries = site.audit_after(mark).await;
    let denied = find(&entries, "organization.create", Outcome::Denied);
    assert_eq!(denied.len(), 1, "{entries:?}");
    assert_eq!(
        denied[0].record.actor_member_id,
        Some(investigator_principal.member_id)
    );
    assert_eq!(denied[0].record.actor_email, investigator_principal.email);
    assert_eq!(denied[0].record.task_force_id, Some(tf));
    assert!(denied[0]
        .record
        .detail
        .contains("Your role does not include this"));
    assert_eq!(entries.len(), 1, "nothing else was written: {entries:?}");
}
