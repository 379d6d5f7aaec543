//! Every route the router serves, and what it takes to use it — kept here as data, checked
//! against the route registrations in the web crate's source, against anonymous callers and
//! half-signed-in sessions, and against every role of the policy's table.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use std::collections::BTreeSet;
use std::path::Path;
use taskforce_domain::access::{decide, Action, Principal, Resource, ResourceKind};
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::Role;

/// What a route asks of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Anyone: the sign-in page, static files, health and metrics.
    Public,
    /// A session, second factor done or not (the second-factor pages, signing out).
    Pending,
    /// A signed-in member, whatever their role (their own account, reference data, the API
    /// description).
    SignedIn,
    /// A signed-in member whose roles allow this (kind, action) in the policy's table.
    Policy(ResourceKind, Action),
    /// A member who may do this to some kind of case (lists and search, filtered inside).
    AnyCase(Action),
    /// A member whose organization holds a kind of case their roles may open.
    NewCase,
    /// A member the policy lets do this to the probe case (its holder, label and team).
    Case(Action),
    /// A member the policy lets do this to the probe person (the case's label and team).
    Person(Action),
    /// A member who may read the probe person and do this to the consents their holder keeps.
    Consent(Action),
    /// A member who may read the probe person and whose roles allow this (kind, action): a
    /// person's services, service plan and interview record.
    OfPerson(ResourceKind, Action),
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
}

const fn route(method: &'static str, path: &'static str, needs: Needs) -> Route {
    Route {
        method,
        path,
        needs,
    }
}

use Action::{Create, Export, List, Read, Share, Update};
use Needs::{AnyCase, Case, Consent, NewCase, OfPerson, Pending, Person, Policy, Public, SignedIn};
use ResourceKind as K;

/// The route table. A route added to the router must be added here (the test below fails
/// until it is), with what it takes.
pub const ROUTES: &[Route] = &[
    // Signing in and out, the member's own account.
    route("GET", "/sign-in", Public),
    route("POST", "/sign-in", Public),
    route("GET", "/sign-in/second-factor", Pending),
    route("POST", "/sign-in/second-factor", Pending),
    route("POST", "/sign-out", Pending),
    route("POST", "/sign-out/everywhere", SignedIn),
    route("GET", "/account", SignedIn),
    route("POST", "/account/password", SignedIn),
    route("POST", "/account/tokens", Policy(K::ApiToken, Create)),
    route(
        "POST",
        "/account/tokens/{id}/revoke",
        Policy(K::ApiToken, Action::Delete),
    ),
    route("POST", "/account/organization", SignedIn),
    // Security keys: a half-signed-in session may enrol one or prove it has one; the start
    // of each ceremony is a script's call (JSON, CSRF token in a header).
    route("POST", "/security-keys/register/start", Pending),
    route("POST", "/security-keys/register/finish", Pending),
    route("POST", "/security-keys/authenticate/start", Pending),
    route("POST", "/security-keys/authenticate/finish", Pending),
    route("POST", "/account/security-keys/{id}/remove", SignedIn),
    // Administration.
    route("GET", "/admin/accounts", Policy(K::Account, List)),
    route(
        "POST",
        "/admin/accounts/{member}/create",
        Policy(K::Account, Create),
    ),
    route(
        "POST",
        "/admin/accounts/{member}/disable",
        Policy(K::Account, Update),
    ),
    route(
        "POST",
        "/admin/accounts/{member}/enable",
        Policy(K::Account, Update),
    ),
    route(
        "POST",
        "/admin/accounts/{member}/reset-second-factor",
        Policy(K::Account, Update),
    ),
    route(
        "POST",
        "/admin/accounts/{member}/expiry",
        Policy(K::Account, Update),
    ),
    route("POST", "/admin/session-limit", Policy(K::Account, Update)),
    route("GET", "/admin/access-review", Policy(K::AccessReview, Read)),
    route(
        "GET",
        "/admin/access-review.csv",
        Policy(K::AccessReview, Export),
    ),
    // The audit log, for auditors.
    route("GET", "/audit", Policy(K::AuditLog, Read)),
    route("GET", "/audit.csv", Policy(K::AuditLog, Export)),
    route("POST", "/audit/verify", Policy(K::AuditLog, List)),
    // Task force structure, as pages.
    route("GET", "/", Policy(K::TaskForce, List)),
    route("GET", "/task-forces/new", Policy(K::TaskForce, Create)),
    route("POST", "/task-forces/new", Policy(K::TaskForce, Create)),
    route("GET", "/task-forces/county-choices", SignedIn),
    route("GET", "/task-forces/{tf}", Policy(K::TaskForce, Read)),
    route(
        "GET",
        "/task-forces/{tf}/edit",
        Policy(K::TaskForce, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/edit",
        Policy(K::TaskForce, Update),
    ),
    route("GET", "/task-forces/{tf}/regions", Policy(K::Region, List)),
    route(
        "POST",
        "/task-forces/{tf}/regions",
        Policy(K::Region, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/regions/new",
        Policy(K::Region, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/regions/{id}",
        Policy(K::Region, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/regions/{id}/edit",
        Policy(K::Region, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/regions/{id}/edit",
        Policy(K::Region, Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/organizations",
        Policy(K::Organization, List),
    ),
    route(
        "POST",
        "/task-forces/{tf}/organizations",
        Policy(K::Organization, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/organizations/new",
        Policy(K::Organization, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/organizations/{id}",
        Policy(K::Organization, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/organizations/{id}/edit",
        Policy(K::Organization, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/organizations/{id}/edit",
        Policy(K::Organization, Update),
    ),
    route("GET", "/task-forces/{tf}/members", Policy(K::Member, List)),
    route(
        "POST",
        "/task-forces/{tf}/members",
        Policy(K::Member, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/members/new",
        Policy(K::Member, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/members/{id}",
        Policy(K::Member, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/members/{id}/edit",
        Policy(K::Member, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/members/{id}/edit",
        Policy(K::Member, Update),
    ),
    route("GET", "/task-forces/{tf}/mous", Policy(K::Mou, List)),
    route("POST", "/task-forces/{tf}/mous", Policy(K::Mou, Create)),
    route("GET", "/task-forces/{tf}/mous/new", Policy(K::Mou, Create)),
    route("GET", "/task-forces/{tf}/mous/{id}", Policy(K::Mou, Read)),
    route(
        "GET",
        "/task-forces/{tf}/mous/{id}/edit",
        Policy(K::Mou, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/mous/{id}/edit",
        Policy(K::Mou, Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/awards",
        Policy(K::FundingAward, List),
    ),
    route(
        "POST",
        "/task-forces/{tf}/awards",
        Policy(K::FundingAward, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/awards/new",
        Policy(K::FundingAward, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/awards/{id}",
        Policy(K::FundingAward, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/awards/{id}/edit",
        Policy(K::FundingAward, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/awards/{id}/edit",
        Policy(K::FundingAward, Update),
    ),
    // Cases, persons and search.
    route("GET", "/cases", AnyCase(List)),
    route("POST", "/cases", NewCase),
    route("GET", "/cases/new", NewCase),
    route("GET", "/cases/{id}", Case(Read)),
    route("GET", "/cases/{id}/edit", Case(Update)),
    route("POST", "/cases/{id}/edit", Case(Update)),
    route("GET", "/cases/{id}/add/{part}", Case(Update)),
    route("POST", "/cases/{id}/add/{part}", Case(Update)),
    route("POST", "/cases/{id}/tasks/{task}/status", Case(Update)),
    route("POST", "/cases/{id}/charges/{charge}/stage", Case(Update)),
    route("POST", "/cases/{id}/team/{grant}/revoke", Case(Share)),
    route("GET", "/cases/{id}/attachments", Case(Update)),
    route("POST", "/cases/{id}/attachments", Case(Update)),
    route("GET", "/cases/{id}/attachments/{attachment}", Case(Read)),
    route("GET", "/persons/{id}", Person(Read)),
    route("GET", "/search", AnyCase(Read)),
    // Consent and the inbox (C4, C7).
    route("GET", "/persons/{id}/consents", Consent(List)),
    route("POST", "/persons/{id}/consents", Consent(Create)),
    route(
        "POST",
        "/persons/{id}/consents/{consent}/revoke",
        Consent(Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/consent-settings",
        Policy(K::TaskForce, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/consent-settings",
        Policy(K::TaskForce, Update),
    ),
    route("GET", "/inbox", SignedIn),
    route("POST", "/inbox/read", SignedIn),
    route("POST", "/inbox/{id}/read", SignedIn),
    route("GET", "/api/v1/cases", AnyCase(List)),
    route("POST", "/api/v1/cases", NewCase),
    route("GET", "/api/v1/cases/{id}", Case(Read)),
    route("PUT", "/api/v1/cases/{id}", Case(Update)),
    route("POST", "/api/v1/cases/{id}/notes", Case(Update)),
    route("POST", "/api/v1/cases/{id}/persons", Case(Update)),
    route("POST", "/api/v1/cases/{id}/links", Case(Update)),
    route("POST", "/api/v1/cases/{id}/charges", Case(Update)),
    route("GET", "/api/v1/persons/{id}", Person(Read)),
    route("POST", "/api/v1/persons/{id}/identifiers", Person(Update)),
    // Removing an identifier changes the person (their search entry and deconfliction tokens).
    route(
        "DELETE",
        "/api/v1/persons/{id}/identifiers/{identifier}",
        Person(Update),
    ),
    route("GET", "/api/v1/search", AnyCase(Read)),
    route("GET", "/api/v1/persons/{id}/consents", Consent(List)),
    route("POST", "/api/v1/persons/{id}/consents", Consent(Create)),
    route(
        "POST",
        "/api/v1/consents/{id}/revoke",
        Policy(K::Consent, Update),
    ),
    route("GET", "/api/v1/notifications", SignedIn),
    route("POST", "/api/v1/notifications/{id}/read", SignedIn),
    // Services, the service plan and the interview record of a person; case reviews.
    route("GET", "/persons/{id}/services", OfPerson(K::Service, List)),
    route(
        "POST",
        "/persons/{id}/services",
        OfPerson(K::Service, Create),
    ),
    route("POST", "/persons/{id}/goals", OfPerson(K::Service, Create)),
    route(
        "POST",
        "/persons/{id}/goals/{goal}/status",
        OfPerson(K::Service, Update),
    ),
    route(
        "GET",
        "/persons/{id}/interview",
        OfPerson(K::Interview, Read),
    ),
    route(
        "POST",
        "/persons/{id}/interview",
        OfPerson(K::Interview, Create),
    ),
    route("GET", "/reviews", Policy(K::CaseReview, List)),
    route("POST", "/reviews", Policy(K::CaseReview, Create)),
    route("GET", "/reviews/new", Policy(K::CaseReview, Create)),
    route("GET", "/reviews/{id}", Policy(K::CaseReview, Read)),
    route(
        "POST",
        "/reviews/{id}/attendance",
        Policy(K::CaseReview, Update),
    ),
    route(
        "POST",
        "/reviews/{id}/agenda",
        Policy(K::CaseReview, Update),
    ),
    route(
        "POST",
        "/reviews/{id}/decisions",
        Policy(K::CaseReview, Update),
    ),
    route(
        "POST",
        "/reviews/{id}/actions",
        Policy(K::CaseReview, Update),
    ),
    route(
        "GET",
        "/api/v1/persons/{id}/services",
        OfPerson(K::Service, List),
    ),
    route(
        "POST",
        "/api/v1/persons/{id}/services",
        OfPerson(K::Service, Create),
    ),
    route(
        "POST",
        "/api/v1/persons/{id}/goals",
        OfPerson(K::Service, Create),
    ),
    route(
        "GET",
        "/api/v1/persons/{id}/interview",
        OfPerson(K::Interview, Read),
    ),
    route(
        "PUT",
        "/api/v1/persons/{id}/interview",
        OfPerson(K::Interview, Create),
    ),
    route("GET", "/api/v1/reviews", Policy(K::CaseReview, List)),
    route("POST", "/api/v1/reviews", Policy(K::CaseReview, Create)),
    route("GET", "/api/v1/reviews/{id}", Policy(K::CaseReview, Read)),
    route(
        "POST",
        "/api/v1/reviews/{id}/agenda",
        Policy(K::CaseReview, Update),
    ),
    route(
        "POST",
        "/api/v1/reviews/{id}/decisions",
        Policy(K::CaseReview, Update),
    ),
    route(
        "POST",
        "/api/v1/reviews/{id}/actions",
        Policy(K::CaseReview, Update),
    ),
    // The JSON API and its description.
    route("GET", "/api/openapi.json", SignedIn),
    route("GET", "/api/v1/task-forces", Policy(K::TaskForce, List)),
    route("POST", "/api/v1/task-forces", Policy(K::TaskForce, Create)),
    route(
        "GET",
        "/api/v1/task-forces/{tf}",
        Policy(K::TaskForce, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}",
        Policy(K::TaskForce, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/regions",
        Policy(K::Region, List),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/regions",
        Policy(K::Region, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/regions/{id}",
        Policy(K::Region, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/regions/{id}",
        Policy(K::Region, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/organizations",
        Policy(K::Organization, List),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/organizations",
        Policy(K::Organization, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/organizations/{id}",
        Policy(K::Organization, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/organizations/{id}",
        Policy(K::Organization, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/members",
        Policy(K::Member, List),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/members",
        Policy(K::Member, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/members/{id}",
        Policy(K::Member, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/members/{id}",
        Policy(K::Member, Update),
    ),
    route("GET", "/api/v1/task-forces/{tf}/mous", Policy(K::Mou, List)),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/mous",
        Policy(K::Mou, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/mous/{id}",
        Policy(K::Mou, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/mous/{id}",
        Policy(K::Mou, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/awards",
        Policy(K::FundingAward, List),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/awards",
        Policy(K::FundingAward, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/awards/{id}",
        Policy(K::FundingAward, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/awards/{id}",
        Policy(K::FundingAward, Update),
    ),
    // Intake: the public tip form and receipt additions (no sign-in), triage, screenings,
    // imports and the instrument.
    route("GET", "/tip", Public),
    route("GET", "/tip/{tf}", Public),
    route("POST", "/tip/{tf}", Public),
    route("GET", "/tip/add", Public),
    route("POST", "/tip/add", Public),
    route("GET", "/task-forces/{tf}/tips", Policy(K::Tip, List)),
    route("POST", "/task-forces/{tf}/tips", Policy(K::Tip, Create)),
    route("GET", "/task-forces/{tf}/tips/new", Policy(K::Tip, Create)),
    route(
        "GET",
        "/task-forces/{tf}/tips/import",
        Policy(K::Tip, Create),
    ),
    route(
        "POST",
        "/task-forces/{tf}/tips/import",
        Policy(K::Tip, Create),
    ),
    route("GET", "/task-forces/{tf}/tips/{id}", Policy(K::Tip, Read)),
    route(
        "POST",
        "/task-forces/{tf}/tips/{id}/triage",
        Policy(K::Tip, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/tips/{id}/merge",
        Policy(K::Tip, Update),
    ),
    route(
        "POST",
        "/task-forces/{tf}/tips/{id}/case",
        Policy(K::Tip, Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/tips/{id}/screening",
        Policy(K::Screening, Create),
    ),
    route(
        "POST",
        "/task-forces/{tf}/tips/{id}/screening",
        Policy(K::Screening, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/screening-instrument",
        Policy(K::ScreeningInstrument, Read),
    ),
    route(
        "POST",
        "/task-forces/{tf}/screening-instrument",
        Policy(K::ScreeningInstrument, Update),
    ),
    route("GET", "/api/v1/task-forces/{tf}/tips", Policy(K::Tip, List)),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/tips",
        Policy(K::Tip, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/tips/{id}",
        Policy(K::Tip, Read),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/tips/{id}/triage",
        Policy(K::Tip, Update),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/screenings",
        Policy(K::Screening, Create),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/screening-instrument",
        Policy(K::ScreeningInstrument, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/screening-instrument",
        Policy(K::ScreeningInstrument, Update),
    ),
    // The threat assessment (public data and aggregates), its exports, and outreach plans.
    route(
        "GET",
        "/task-forces/{tf}/threat",
        Policy(K::ThreatModel, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/map.json",
        Policy(K::ThreatModel, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/cells/{industry}/{fips}",
        Policy(K::ThreatModel, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/assessment.csv",
        Policy(K::ThreatModel, Export),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/report",
        Policy(K::ThreatModel, Export),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/compare",
        Policy(K::ThreatModel, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/models",
        Policy(K::ThreatModel, List),
    ),
    route(
        "POST",
        "/task-forces/{tf}/threat/models",
        Policy(K::ThreatModel, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/threat/data",
        Policy(K::ThreatData, List),
    ),
    route(
        "POST",
        "/task-forces/{tf}/threat/data",
        Policy(K::ThreatData, Create),
    ),
    route(
        "POST",
        "/task-forces/{tf}/threat/focus",
        Policy(K::OutreachPlan, Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/outreach",
        Policy(K::OutreachPlan, List),
    ),
    route(
        "GET",
        "/task-forces/{tf}/outreach/new",
        Policy(K::OutreachPlan, Create),
    ),
    route(
        "POST",
        "/task-forces/{tf}/outreach/new",
        Policy(K::OutreachPlan, Create),
    ),
    route(
        "GET",
        "/task-forces/{tf}/outreach/{id}",
        Policy(K::OutreachPlan, Read),
    ),
    route(
        "POST",
        "/task-forces/{tf}/outreach/{id}/activities",
        Policy(K::OutreachPlan, Update),
    ),
    // Referrals, the navigators' regions and the statewide dashboard with the SLA hours.
    route("GET", "/referrals", Policy(K::Referral, List)),
    route("POST", "/referrals", Policy(K::Referral, Create)),
    route("GET", "/referrals/new", Policy(K::Referral, Create)),
    route("GET", "/referrals/{id}", Policy(K::Referral, Read)),
    route(
        "POST",
        "/referrals/{id}/{action}",
        Policy(K::Referral, Update),
    ),
    route("GET", "/navigator", Policy(K::ReferralReport, Read)),
    route(
        "GET",
        "/task-forces/{tf}/referrals/dashboard",
        Policy(K::ReferralReport, Read),
    ),
    route(
        "POST",
        "/task-forces/{tf}/referrals/sla",
        Policy(K::TaskForce, Update),
    ),
    route("GET", "/api/v1/referrals", Policy(K::Referral, List)),
    route("POST", "/api/v1/referrals", Policy(K::Referral, Create)),
    route("GET", "/api/v1/referrals/{id}", Policy(K::Referral, Read)),
    route(
        "POST",
        "/api/v1/referrals/{id}/actions",
        Policy(K::Referral, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/referrals/dashboard",
        Policy(K::ReferralReport, Read),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/referrals/sla",
        Policy(K::TaskForce, Read),
    ),
    route(
        "PUT",
        "/api/v1/task-forces/{tf}/referrals/sla",
        Policy(K::TaskForce, Update),
    ),
    // Target deconfliction: the agency's alerts and their actions, a person's do-not-disclose
    // setting.
    route("GET", "/deconfliction", Policy(K::Deconfliction, List)),
    route("GET", "/deconfliction/{id}", Policy(K::Deconfliction, Read)),
    route(
        "POST",
        "/deconfliction/{id}/actions",
        Policy(K::Deconfliction, Update),
    ),
    route("GET", "/persons/{id}/deconfliction", Person(Read)),
    route("POST", "/persons/{id}/deconfliction", Person(Update)),
    route(
        "GET",
        "/api/v1/deconfliction",
        Policy(K::Deconfliction, List),
    ),
    route(
        "GET",
        "/api/v1/deconfliction/{id}",
        Policy(K::Deconfliction, Read),
    ),
    route(
        "POST",
        "/api/v1/deconfliction/{id}/actions",
        Policy(K::Deconfliction, Update),
    ),
    route(
        "POST",
        "/api/v1/persons/{id}/do-not-disclose",
        Person(Update),
    ),
    // Event deconfliction: planned operations, their conflicts, the map.
    route("GET", "/operations", Policy(K::Operation, List)),
    route("POST", "/operations", Policy(K::Operation, Create)),
    route("GET", "/operations/new", Policy(K::Operation, Create)),
    route("GET", "/operations/map", Policy(K::Operation, List)),
    route("GET", "/operations/map.json", Policy(K::Operation, List)),
    route("GET", "/operations/{id}", Policy(K::Operation, Read)),
    route(
        "POST",
        "/operations/{id}/exempt",
        Policy(K::Operation, Share),
    ),
    route(
        "POST",
        "/operations/conflicts/{id}/acknowledge",
        Policy(K::Deconfliction, Update),
    ),
    route("GET", "/api/v1/operations", Policy(K::Operation, List)),
    route("POST", "/api/v1/operations", Policy(K::Operation, Create)),
    route("GET", "/api/v1/operations/{id}", Policy(K::Operation, Read)),
    route(
        "POST",
        "/api/v1/operations/{id}/exempt",
        Policy(K::Operation, Share),
    ),
    route(
        "POST",
        "/api/v1/operation-conflicts/{id}/acknowledge",
        Policy(K::Deconfliction, Update),
    ),
    // Record linkage: possible duplicates and the unduplicated victim count.
    route(
        "GET",
        "/task-forces/{tf}/duplicates",
        Policy(K::PersonMatch, List),
    ),
    route(
        "POST",
        "/task-forces/{tf}/duplicates",
        Policy(K::PersonMatch, Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/duplicates/{id}",
        Policy(K::PersonMatch, Read),
    ),
    route(
        "POST",
        "/task-forces/{tf}/duplicates/{id}/decision",
        Policy(K::PersonMatch, Update),
    ),
    route(
        "GET",
        "/task-forces/{tf}/victim-count",
        Policy(K::VictimCount, Read),
    ),
    route(
        "GET",
        "/task-forces/{tf}/victim-count.csv",
        Policy(K::VictimCount, Export),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/duplicates",
        Policy(K::PersonMatch, List),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/duplicates/scan",
        Policy(K::PersonMatch, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/duplicates/{id}",
        Policy(K::PersonMatch, Read),
    ),
    route(
        "POST",
        "/api/v1/task-forces/{tf}/duplicates/{id}/decision",
        Policy(K::PersonMatch, Update),
    ),
    route(
        "GET",
        "/api/v1/task-forces/{tf}/victim-count",
        Policy(K::VictimCount, Read),
    ),
    // Files, health and metrics.
    route("GET", "/static/{*path}", Public),
    route("GET", "/healthz", Public),
    route("GET", "/metrics", Public),
];

impl Route {
    fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }

    /// Called by the page's script rather than submitted: the CSRF token travels in a header
    /// and refusals are JSON.
    fn is_script(&self) -> bool {
        self.path.starts_with("/security-keys/") && self.path.ends_with("/start")
    }

    /// Answers JSON (so an anonymous caller gets 401, not a redirect to sign in).
    fn answers_json(&self) -> bool {
        self.is_api() || self.is_script() || self.path == "/api/openapi.json"
    }
}

// -- reading the registrations from the source ------------------------------------------------

/// The text of a call's arguments: from just after its `(` to the matching `)`.
fn call_arguments(text: &str) -> &str {
    let mut depth = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced call: {text}")
}

/// The methods a method router names: `get(..)`, `post(..)`, `.put(..)`, `axum::routing::get(..)`.
fn methods_of(router: &str) -> Vec<&'static str> {
    let bytes = router.as_bytes();
    ["get", "post", "put", "patch", "delete"]
        .into_iter()
        .filter(|method| {
            router.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
            })
        })
        .map(|m| match m {
            "get" => "GET",
            "post" => "POST",
            "put" => "PUT",
            "patch" => "PATCH",
            _ => "DELETE",
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (method, path) registered with `.route(…)` in the web crate's source, nested routers
/// (`.nest("/prefix", module::routes())`) under their prefix.
pub fn registered_routes() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let stem = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                stem,
                std::fs::read_to_string(f).expect("read a source file"),
            )
        })
        .collect();
    // Which module's routes are nested under which prefix.
    let mut prefixes: Vec<(String, String)> = Vec::new();
    for (_, text) in &sources {
        for call in text.split(".nest(").skip(1) {
            let args = call_arguments(call);
            let prefix = between(args, "\"", "\"").expect("a nest prefix");
            let module = args
                .split(',')
                .nth(1)
                .and_then(|m| m.trim().split("::").next())
                .expect("a nested router");
            prefixes.push((module.trim().to_owned(), prefix.to_owned()));
        }
    }
    let mut out = BTreeSet::new();
    for (stem, text) in &sources {
        let prefix = prefixes
            .iter()
            .find(|(module, _)| module == stem)
            .map_or("", |(_, p)| p.as_str());
        for call in text.split(".route(").skip(1) {
            let args = call_arguments(call);
            let path = between(args, "\"", "\"").expect("a route path");
            let router = &args[args.find(',').expect("a method router")..];
            let methods = methods_of(router);
            assert!(!methods.is_empty(), "no method in .route({args})");
            for method in methods {
                out.insert((method.to_owned(), format!("{prefix}{path}")));
            }
        }
    }
    out
}

#[test]
fn the_route_table_names_every_route_the_router_serves() {
    let registered = registered_routes();
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(table.len(), ROUTES.len(), "a route is listed twice");
    let unlisted: Vec<_> = registered.difference(&table).collect();
    let gone: Vec<_> = table.difference(&registered).collect();
    assert!(
        unlisted.is_empty(),
        "served but missing from the route table in tests/it/routes.rs (add each with what it needs): {unlisted:?}"
    );
    assert!(
        gone.is_empty(),
        "in the route table but not served: {gone:?}"
    );
    // The reader itself finds what it must: the nested API, a route registered by full path,
    // the catch-all of static files.
    for expected in [
        ("PUT", "/api/v1/task-forces/{tf}/awards/{id}"),
        ("GET", "/api/openapi.json"),
        ("GET", "/static/{*path}"),
        ("POST", "/task-forces/{tf}/mous/{id}/edit"),
    ] {
        assert!(
            registered.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not read from the source"
        );
    }
}

// -- probing the routes -------------------------------------------------------------------------

/// Real ids of North Dakota's records for the path parameters, and a member without an account.
struct Ids {
    tf: String,
    region: (String, i64),
    organization: (String, i64),
    member: (String, i64),
    mou: (String, i64),
    award: (String, i64),
    tf_version: i64,
    /// A member with no sign-in account: account actions on them change nothing.
    no_account: String,
    /// An investigation held by the agency of North Dakota's demo investigator, and a person on it.
    case: taskforce_domain::cases::Case,
    person: String,
}

async fn ids(site: &Site) -> Ids {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let app = &site.app;
    let region = app.regions(&SYSTEM, tf).await.expect("regions")[0].clone();
    let organization = app.organizations(&SYSTEM, tf).await.expect("orgs")[0].clone();
    let members = app.members(&SYSTEM, tf).await.expect("members");
    let member = members[0].clone();
    let mou = app.mous(&SYSTEM, tf).await.expect("mous")[0].clone();
    let award = app.awards(&SYSTEM, tf).await.expect("awards")[0].clone();
    let no_account = app
        .create_member(
            &SYSTEM,
            tf,
            taskforce_domain::structure::MemberInput {
                name: "Probe Person".into(),
                email: "probe.person@nd-bci.demo".into(),
                active: true,
                memberships: vec![taskforce_domain::structure::Membership {
                    organization_id: organization.id,
                    roles: vec![Role::Investigator],
                }],
                ..Default::default()
            },
        )
        .await
        .expect("a member without an account");
    let t = app.task_force(&SYSTEM, tf).await.expect("tf");
    let investigator = site
        .principal(
            &site
                .member_for_role(NORTH_DAKOTA, Role::Investigator)
                .await
                .email,
        )
        .await;
    let case = app
        .create_case_for(
            &SYSTEM,
            tf,
            investigator.organization_id,
            taskforce_domain::cases::CaseInput {
                kind: Some(taskforce_domain::cases::CaseKind::Investigation),
                title: "Probe investigation".into(),
                summary: "What the probes may not change".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a probe case");
    let person = app
        .add_person(
            &SYSTEM,
            tf,
            case.id,
            taskforce_domain::cases::PersonRole::Suspect,
            taskforce_domain::cases::PersonInput {
                given_name: "Probe".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a probe person");
    Ids {
        case,
        person: person.id.to_string(),
        tf: tf.to_string(),
        region: (region.id.to_string(), region.version),
        organization: (organization.id.to_string(), organization.version),
        member: (member.id.to_string(), member.version),
        mou: (mou.id.to_string(), mou.version),
        award: (award.id.to_string(), award.version),
        tf_version: t.version,
        no_account: no_account.id.to_string(),
    }
}

const UNKNOWN: &str = "0190b2a4-0000-7000-8000-000000000001";

/// A request that exercises a route without changing anything: its URI, its JSON body (forms
/// carry only their CSRF token), extra headers, and the status a caller who may use it gets.
struct Probe {
    uri: String,
    body: Option<String>,
    headers: Vec<(&'static str, String)>,
    ok: StatusCode,
}

fn probe(route: &Route, ids: &Ids) -> Probe {
    let section = route.path.split('/').find_map(|part| {
        ["regions", "organizations", "members", "mous", "awards"]
            .into_iter()
            .find(|s| *s == part)
    });
    let (id, version) = match section {
        Some("regions") => ids.region.clone(),
        Some("organizations") => ids.organization.clone(),
        Some("members") => ids.member.clone(),
        Some("mous") => ids.mou.clone(),
        Some("awards") => ids.award.clone(),
        _ if route.path.contains("/tokens/")
            || route.path.contains("/security-keys/")
            || route.path.contains("/outreach/{id}")
            || route.path.contains("/duplicates/{id}") =>
        {
            (UNKNOWN.to_owned(), 0)
        }
        _ => (String::new(), ids.tf_version),
    };
    let id = if route.path.contains("/cases/{id}") {
        ids.case.id.to_string()
    } else if route.path.contains("/persons/{id}") {
        ids.person.clone()
    } else {
        id
    };
    let version = if route.path.contains("/cases/{id}") {
        ids.case.version
    } else {
        version
    };
    // No such tip: a caller the policy lets through learns only that it does not exist.
    let id = if route.path.contains("/tips/{id}")
        || route.path.contains("/referrals/{id}")
        || route.path.contains("/deconfliction/{id}")
        || route.path.starts_with("/inbox/{id}")
        || route.path.contains("/notifications/{id}")
        || route.path.contains("/consents/{id}")
        || route.path.contains("/reviews/{id}")
        || route.path.contains("/operations/{id}")
        || route.path.contains("conflicts/{id}")
    {
        UNKNOWN.to_owned()
    } else {
        id
    };
    let uri = route
        .path
        .replace("{tf}", &ids.tf)
        .replace("{id}", &id)
        .replace("{part}", "note")
        .replace("{action}", "accept")
        .replace("{task}", UNKNOWN)
        .replace("{charge}", UNKNOWN)
        .replace("{grant}", UNKNOWN)
        .replace("{goal}", UNKNOWN)
        .replace("{attachment}", UNKNOWN)
        .replace("{consent}", UNKNOWN)
        .replace("{identifier}", UNKNOWN)
        .replace("{member}", &ids.no_account)
        .replace("{*path}", "app.css")
        // North Dakota has no threat data: a finding there does not exist.
        .replace("{industry}", "112120")
        .replace("{fips}", "38017");
    let method = route.method;
    let mut probe = Probe {
        uri,
        body: None,
        headers: Vec::new(),
        ok: StatusCode::OK,
    };
    if method == "GET" {
        if route.path == "/sign-in/second-factor" {
            // Already done: back to where the member was going.
            probe.ok = StatusCode::SEE_OTHER;
        }
        // Nothing there: no finding (North Dakota imported no data), no such plan.
        if route.path.ends_with("/cells/{industry}/{fips}")
            || route.path == "/task-forces/{tf}/outreach/{id}"
            // No such possible duplicate.
            || route.path.ends_with("/duplicates/{id}")
        {
            probe.ok = StatusCode::NOT_FOUND;
        }
        match route.path {
            // A search needs words.
            "/api/v1/search" => probe.ok = StatusCode::UNPROCESSABLE_ENTITY,
            // No such file on the case.
            "/cases/{id}/attachments/{attachment}" => probe.ok = StatusCode::NOT_FOUND,
            // No such tip or referral.
            p if p.contains("/tips/{id}")
                || p.contains("/referrals/{id}")
                || p.contains("/deconfliction/{id}")
                || p.contains("/reviews/{id}")
                || p.contains("/operations/{id}") =>
            {
                probe.ok = StatusCode::NOT_FOUND
            }
            _ => {}
        }
        return probe;
    }
    if route.is_api() {
        // The right shape, so that it reaches the policy; values the rules refuse, so that an
        // allowed caller changes nothing.
        let body = match route.path {
            "/api/v1/cases" | "/api/v1/cases/{id}" => r#"{"title": ""}"#,
            "/api/v1/cases/{id}/notes" => r#"{"body": ""}"#,
            "/api/v1/cases/{id}/persons" => {
                r#"{"role": "victim", "person": {"date_of_birth": "not a date"}}"#
            }
            "/api/v1/cases/{id}/links" => {
                r#"{"other_case_id": "0190b2a4-0000-7000-8000-000000000001"}"#
            }
            "/api/v1/cases/{id}/charges" => r#"{"statute": ""}"#,
            "/api/v1/persons/{id}/identifiers" => r#"{"kind": "phone", "value": "12"}"#,
            "/api/v1/persons/{id}/consents" => r#"{"purpose": ""}"#,
            "/api/v1/consents/{id}/revoke" => r#"{"reason": ""}"#,
            "/api/v1/notifications/{id}/read" => "{}",
            "/api/v1/task-forces/{tf}/tips" => r#"{"narrative": ""}"#,
            "/api/v1/task-forces/{tf}/tips/{id}/triage" => r#"{"action": "reopen"}"#,
            "/api/v1/task-forces/{tf}/screenings" => r#"{"answers": {}}"#,
            "/api/v1/task-forces/{tf}/screening-instrument" => r#"{"instrument": {"name": ""}}"#,
            "/api/v1/referrals" => r#"{"urgency": ""}"#,
            "/api/v1/referrals/{id}/actions" => r#"{"action": "accept"}"#,
            "/api/v1/task-forces/{tf}/referrals/sla" => {
                r#"{"emergency": 0, "urgent": 0, "routine": 0}"#
            }
            "/api/v1/persons/{id}/services" => r#"{"category": ""}"#,
            "/api/v1/persons/{id}/goals" => r#"{"goal": ""}"#,
            "/api/v1/persons/{id}/interview" => r#"{"language": ""}"#,
            "/api/v1/reviews" => r#"{"title": ""}"#,
            "/api/v1/reviews/{id}/agenda" => r#"{"case_reference": ""}"#,
            "/api/v1/reviews/{id}/decisions" => r#"{"decision": ""}"#,
            "/api/v1/reviews/{id}/actions" => r#"{"title": ""}"#,
            "/api/v1/deconfliction/{id}/actions" => r#"{"action": ""}"#,
            "/api/v1/persons/{id}/do-not-disclose" => r#"{}"#,
            "/api/v1/operations" => r#"{"kind": ""}"#,
            "/api/v1/operations/{id}/exempt" => r#"{"reason": ""}"#,
            "/api/v1/operation-conflicts/{id}/acknowledge" => "{}",
            "/api/v1/task-forces/{tf}/duplicates/{id}/decision" => r#"{"action": "confirm"}"#,
            _ => match section {
                Some("regions") => r#"{"name": ""}"#,
                Some("organizations") => r#"{"name": "", "kind": "community_partner"}"#,
                Some("members") => r#"{"name": "", "email": ""}"#,
                Some("mous") => r#"{"title": "", "parties": [], "status": "draft"}"#,
                Some("awards") => r#"{"funder": "", "award_number": ""}"#,
                _ => r#"{"name": "", "state": ""}"#,
            },
        };
        probe.body = Some(body.to_owned());
        if method == "PUT"
            || route.path.ends_with("/triage")
            || route.path.ends_with("/revoke")
            || route.path.ends_with("/decision")
        {
            probe.headers.push(("if-match", format!("\"{version}\"")));
        }
        probe.ok = if route.path.contains("/tips/{id}")
            || route.path.contains("/referrals/{id}")
            || route.path.contains("/deconfliction/{id}")
            || route.path.contains("/consents/{id}")
            || route.path.contains("/notifications/{id}")
            || route.path.starts_with("/api/v1/reviews/{id}/")
            || route.path.contains("/operations/{id}")
            || route.path.contains("conflicts/{id}")
            || route.path.contains("/duplicates/{id}")
            // No such identifier on the probe person.
            || route.path.ends_with("/identifiers/{identifier}")
        {
            StatusCode::NOT_FOUND
        } else if route.path.ends_with("/duplicates/scan") {
            // A scan takes no input: an allowed caller compares what they may read (North
            // Dakota's demo network holds no duplicates, so nothing changes).
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return probe;
    }
    // A form with nothing but its CSRF token: an allowed caller is told what is missing.
    probe.ok = match route.path {
        "/sign-out" | "/sign-out/everywhere" | "/inbox/read" => StatusCode::SEE_OTHER,
        // No such notification.
        "/inbox/{id}/read" => StatusCode::NOT_FOUND,
        // Nothing to act on: the member has no account, the token does not exist.
        p if p.starts_with("/admin/accounts/") && !p.ends_with("/create") => StatusCode::NOT_FOUND,
        "/account/tokens/{id}/revoke" | "/account/security-keys/{id}/remove" => {
            StatusCode::NOT_FOUND
        }
        // A signed-in member may add a key (the browser gets the ceremony's options)…
        "/security-keys/register/start" => StatusCode::OK,
        // …and needs no key to sign in again: back to where they were going.
        "/security-keys/authenticate/start" => StatusCode::UNPROCESSABLE_ENTITY,
        "/security-keys/authenticate/finish" => StatusCode::SEE_OTHER,
        // A check of the audit chain, shown on the audit page.
        "/audit/verify" => StatusCode::OK,
        // No such outreach plan to record an activity of.
        "/task-forces/{tf}/outreach/{id}/activities" => StatusCode::NOT_FOUND,
        // No such referral to act on.
        "/referrals/{id}/{action}" => StatusCode::NOT_FOUND,
        // No such alert to act on.
        "/deconfliction/{id}/actions" => StatusCode::NOT_FOUND,
        // A scan for possible duplicates takes no input; no such pair to decide on.
        "/task-forces/{tf}/duplicates" => StatusCode::SEE_OTHER,
        "/task-forces/{tf}/duplicates/{id}/decision" => StatusCode::NOT_FOUND,
        // Nothing to act on: no such task, charge or team grant on the case.
        "/cases/{id}/tasks/{task}/status"
        | "/cases/{id}/charges/{charge}/stage"
        | "/cases/{id}/team/{grant}/revoke" => StatusCode::NOT_FOUND,
        // No such plan goal or case review.
        "/persons/{id}/goals/{goal}/status" => StatusCode::NOT_FOUND,
        p if p.starts_with("/reviews/{id}/") => StatusCode::NOT_FOUND,
        // No such operation or conflict.
        "/operations/{id}/exempt" | "/operations/conflicts/{id}/acknowledge" => {
            StatusCode::NOT_FOUND
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    probe
}

async fn send(site: &Site, caller: &Caller, route: &Route, probe: &Probe) -> Reply {
    let method: Method = route.method.parse().expect("a method");
    if route.is_api() {
        let headers: Vec<(&str, &str)> = probe
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        return site
            .api_as(caller, method, &probe.uri, probe.body.as_deref(), &headers)
            .await;
    }
    if method == Method::GET {
        return site.get_as(caller, &probe.uri).await;
    }
    if route.is_script() {
        let csrf = match caller {
            Caller::Session(s) => s.csrf.as_str(),
            _ => "",
        };
        return site
            .api_as(
                caller,
                Method::POST,
                &probe.uri,
                Some("{}"),
                &[("x-csrf-token", csrf)],
            )
            .await;
    }
    site.post_form_as(caller, &probe.uri, &[]).await
}

/// Whether the policy lets `principal` use a route that needs `(kind, action)` in their own
/// task force (a new task force belongs to none yet).
fn policy_allows(
    principal: &Principal,
    kind: ResourceKind,
    action: Action,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let resource = if kind == K::TaskForce && action == Create {
        Resource {
            task_force_id: None,
            ..Resource::in_task_force(kind, principal.task_force_id)
        }
    } else {
        Resource::in_task_force(kind, principal.task_force_id)
    };
    decide(principal, action, &resource, now).allowed
}

/// A route that ends the caller's session when used.
fn ends_session(route: &Route) -> bool {
    matches!(route.path, "/sign-out" | "/sign-out/everywhere")
}

#[tokio::test]
async fn every_route_but_the_public_ones_refuses_anonymous_and_half_signed_in_callers() {
    let site = Site::demo().await;
    let ids = ids(&site).await;
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    // Password given, second factor not yet.
    let pending = site
        .password_step(&investigator.email, Site::password_of(&investigator.email))
        .await;
    let pending = Caller::Session(pending);

    for route in ROUTES {
        let probe = probe(route, &ids);
        let what = format!("{} {}", route.method, probe.uri);
        let anonymous = send(&site, &Caller::Anonymous, route, &probe).await;
        match route.needs {
            Public => {
                assert!(
                    anonymous.status != StatusCode::FORBIDDEN
                        && anonymous.status != StatusCode::SEE_OTHER,
                    "{what} is public: {}",
                    anonymous.status
                );
                continue;
            }
            _ if route.answers_json() => {
                assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{what}");
                assert_eq!(anonymous.json()["error"], "unauthenticated", "{what}");
            }
            _ => {
                assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{what}");
                let next: String = form_urlencoded::byte_serialize(probe.uri.as_bytes()).collect();
                assert_eq!(
                    anonymous.header("location"),
                    format!("/sign-in?next={next}"),
                    "{what}"
                );
            }
        }

        if route.needs == Pending || ends_session(route) {
            continue;
        }
        // A session that owes its second factor may do nothing else.
        let half = send(&site, &pending, route, &probe).await;
        if route.answers_json() {
            assert_eq!(
                half.status,
                StatusCode::UNAUTHORIZED,
                "{what} (half signed in)"
            );
        } else {
            assert_eq!(
                half.status,
                StatusCode::SEE_OTHER,
                "{what} (half signed in)"
            );
            assert_eq!(
                half.header("location"),
                "/sign-in/second-factor",
                "{what} (half signed in)"
            );
        }
    }

    // The routes open to a half-signed-in session answer it.
    site.get_as(&pending, "/sign-in/second-factor")
        .await
        .expect(StatusCode::OK);
    let out = site
        .post_form_as(&pending, "/sign-out", &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/sign-in");
    site.get_as(&pending, "/sign-in/second-factor")
        .await
        .expect_sign_in();
}

/// One member per role, signed in (in North Dakota, acting only with that role where the demo
/// has such a member), with the principal the policy sees.
async fn members_by_role(site: &Site, roles: &[Role]) -> Vec<(Role, Principal, Session)> {
    let mut out = Vec::new();
    for role in roles {
        let member = site.member_for_role(NORTH_DAKOTA, *role).await;
        let session = site.sign_in_as(&member.email).await;
        let (_, principal) = site
            .app
            .session(&session.cookie, "test")
            .await
            .expect("session")
            .expect("a live session");
        assert!(principal.strong && principal.holds(*role));
        out.push((*role, principal, session));
    }
    out
}

/// Checks one answer against the policy; returns a line describing a mismatch.
fn check(
    route: &Route,
    probe: &Probe,
    role: Role,
    principal: &Principal,
    reply: &Reply,
    now: chrono::DateTime<chrono::Utc>,
    ids: &Ids,
) -> Option<String> {
    use taskforce_domain::access::{DataCategory, Label};
    use taskforce_domain::cases::CaseKind;
    let case_kinds = [K::Investigation, K::ServiceCase, K::Prosecution];
    let case = |kind, label: Label, category| Resource {
        kind,
        task_force_id: Some(ids.case.task_force_id),
        owner: Some(ids.case.owner_organization_id),
        owner_member: None,
        label,
        category,
        grants: &[],
        consents: &[],
        subjects: &[],
    };
    let allowed = match route.needs {
        Policy(kind, action) => policy_allows(principal, kind, action, now),
        AnyCase(action) => {
            let mut kinds = case_kinds.to_vec();
            if action == Read {
                kinds.push(K::Person);
            }
            taskforce_domain::access::Visibility::of(principal, action, &kinds, now).is_some()
        }
        NewCase => CaseKind::ALL.iter().any(|k| {
            k.held_by(principal.organization_kind)
                && policy_allows(principal, k.resource_kind(), Create, now)
        }),
        Case(action) => {
            decide(
                principal,
                action,
                &case(K::Investigation, ids.case.label, None),
                now,
            )
            .allowed
        }
        Person(action) => {
            decide(
                principal,
                action,
                &case(K::Person, ids.case.label, Some(DataCategory::Identity)),
                now,
            )
            .allowed
        }
        Consent(action) => {
            decide(
                principal,
                Read,
                &case(K::Person, ids.case.label, Some(DataCategory::Identity)),
                now,
            )
            .allowed
                && decide(
                    principal,
                    action,
                    &case(K::Consent, Label::Organization, None),
                    now,
                )
                .allowed
        }
        OfPerson(kind, action) => {
            decide(
                principal,
                Read,
                &case(K::Person, ids.case.label, Some(DataCategory::Identity)),
                now,
            )
            .allowed
                && policy_allows(principal, kind, action, now)
        }
        _ => true,
    };
    let ok = if allowed {
        reply.status == probe.ok
    } else {
        reply.status == StatusCode::FORBIDDEN
    };
    (!ok).then(|| {
        format!(
            "{:?} {} {}: policy {}, expected {}, got {}",
            role,
            route.method,
            probe.uri,
            if allowed { "allows" } else { "refuses" },
            if allowed {
                probe.ok
            } else {
                StatusCode::FORBIDDEN
            },
            reply.status
        )
    })
}

// The page matrix in two halves of the roles, so that each test stays short.
#[tokio::test]
async fn every_page_answers_the_first_roles_as_the_policy_decides() {
    page_matrix(&Role::ALL[..6]).await;
}

#[tokio::test]
async fn every_page_answers_the_other_roles_as_the_policy_decides() {
    page_matrix(&Role::ALL[6..]).await;
}

async fn page_matrix(roles: &[Role]) {
    let site = Site::demo().await;
    let ids = ids(&site).await;
    let before = snapshot(&site).await;
    let roles = members_by_role(&site, roles).await;
    let now = site.app.clock().now();
    let mut mismatches = Vec::new();
    let pages: Vec<&Route> = ROUTES
        .iter()
        .filter(|r| !r.is_api() && r.needs != Public)
        .collect();
    for (role, principal, session) in &roles {
        let caller = Caller::Session(session.clone());
        for route in pages.iter().filter(|r| !ends_session(r)) {
            let probe = probe(route, &ids);
            let reply = send(&site, &caller, route, &probe).await;
            mismatches.extend(check(route, &probe, *role, principal, &reply, now, &ids));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} answers differ from the policy:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(snapshot(&site).await, before, "the probes changed nothing");

    // Last, the two routes that end the session: every role may use them.
    for (role, _, session) in &roles {
        let caller = Caller::Session(session.clone());
        let out = site
            .post_form_as(&caller, "/sign-out/everywhere", &[])
            .await;
        assert_eq!(
            out.status,
            StatusCode::SEE_OTHER,
            "{role:?} signs out everywhere"
        );
        site.get_as(&caller, "/account").await.expect_sign_in();
        let again = Caller::Session(site.sign_in_as(&session.email).await);
        let out = site.post_form_as(&again, "/sign-out", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{role:?} signs out");
        site.get_as(&again, "/account").await.expect_sign_in();
    }
}

#[tokio::test]
async fn every_api_route_answers_each_role_as_the_policy_decides() {
    let site = Site::demo().await;
    let ids = ids(&site).await;
    let before = snapshot(&site).await;
    let now = site.app.clock().now();
    let mut mismatches = Vec::new();
    for role in Role::ALL {
        let member = site.member_for_role(NORTH_DAKOTA, *role).await;
        let principal = site.principal(&member.email).await;
        assert!(principal.holds(*role));
        let caller = site.token_for(&member.email, TokenScope::Write).await;
        for route in ROUTES.iter().filter(|r| r.is_api()) {
            let probe = probe(route, &ids);
            let reply = send(&site, &caller, route, &probe).await;
            mismatches.extend(check(route, &probe, *role, &principal, &reply, now, &ids));
            if reply.status == StatusCode::FORBIDDEN {
                assert_eq!(reply.json()["error"], "forbidden");
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} answers differ from the policy:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(snapshot(&site).await, before, "the probes changed nothing");
}

/// North Dakota's records and accounts, to show that probing changed none of them.
async fn snapshot(site: &Site) -> String {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let app = &site.app;
    let accounts: Vec<String> = app
        .access_review(&SYSTEM, tf)
        .await
        .expect("review")
        .iter()
        .map(|row| {
            let a = row.account.as_ref();
            format!(
                "{} {:?} {:?} {:?}",
                row.member.email,
                a.map(|a| a.disabled_at),
                a.map(|a| a.expires_at),
                a.map(|a| &a.password_hash)
            )
        })
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}",
        app.task_forces(&SYSTEM).await.expect("tfs"),
        app.regions(&SYSTEM, tf).await.expect("regions"),
        app.organizations(&SYSTEM, tf).await.expect("orgs"),
        app.members(&SYSTEM, tf).await.expect("members"),
        app.mous(&SYSTEM, tf).await.expect("mous"),
        app.awards(&SYSTEM, tf).await.expect("awards"),
        accounts.join("\n")
    )
}
