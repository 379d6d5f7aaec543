//! Pages of cases (C3): the list, the case page that shows the whole picture at a glance, the
//! forms that add its parts, persons, attachments and full-text search. What the reader may not
//! see is marked as withheld, never shown.

use super::structure::{
    crumbs, form_page, missing_version, outcome, respond, FormSpec, Notice, Outcome,
};
use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::forms::FormData;
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use taskforce_app::cases::{CaseView, SearchQuery, SearchResult, Shown};
use taskforce_app::AppError;
use taskforce_domain::access::Label;
use taskforce_domain::cases::*;
use taskforce_domain::search::SnippetPart;
use taskforce_domain::structure::{Member, Organization};
use taskforce_domain::*;
use taskforce_store::cases::CaseFilter;
use taskforce_store::search::SearchFilter;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<crate::AppState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases/new", get(new_case))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/edit", get(edit_case).post(update_case))
        .route("/cases/{id}/add/{part}", get(part_form).post(add_part))
        .route("/cases/{id}/tasks/{task}/status", post(task_status))
        .route("/cases/{id}/charges/{charge}/stage", post(charge_stage))
        .route("/cases/{id}/team/{grant}/revoke", post(revoke_grant))
        .route("/cases/{id}/attachments/{attachment}", get(download))
        .route("/persons/{id}", get(person_page))
        .route("/search", get(search))
}

/// The attachment upload, outside the 1 MiB body limit of every other route.
pub fn upload_routes() -> Router<crate::AppState> {
    Router::new()
        .route("/cases/{id}/attachments", get(upload_form).post(upload))
        // The multipart reader's own limit, raised to the largest file plus the form around it.
        .layer(axum::extract::DefaultBodyLimit::max(
            MAX_ATTACHMENT_BYTES + 64 * 1024,
        ))
}

fn case_href(id: CaseId) -> String {
    format!("/cases/{id}")
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

fn with_blank(mut options: Vec<(String, String)>, blank: &str) -> Vec<(String, String)> {
    options.insert(0, (String::new(), blank.to_owned()));
    options
}

fn label_options(labels: &[Label]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|l| (l.code().to_owned(), l.words().to_owned()))
        .collect()
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn opt(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

// -- list -------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ListQuery {
    kind: Option<String>,
    status: Option<String>,
    trafficking_type: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    filters: Vec<Field>,
    rows: Vec<Vec<Cell>>,
    total: i64,
    page: i64,
    pages: i64,
    query: String,
    can_create: bool,
}

const PAGE: i64 = 50;

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> PageResult {
    let tf = v.principal.task_force_id;
    let filter = CaseFilter {
        kind: q.kind.as_deref().and_then(CaseKind::from_code),
        status: q.status.as_deref().and_then(CaseStatus::from_code),
        trafficking_type: q
            .trafficking_type
            .as_deref()
            .and_then(TraffickingType::from_code),
        organization: None,
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
    };
    let page = q.page.unwrap_or(1).max(1);
    let (cases, total) = s
        .app
        .cases(&v.actor, tf, &filter, PAGE, (page - 1) * PAGE)
        .await?;
    let rows = cases
        .iter()
        .map(|c| {
            vec![
                Cell::link(c.reference.clone(), case_href(c.id)),
                Cell::text(c.title.clone()),
                Cell::text(c.kind.label()),
                Cell::text(c.status.label()),
                Cell::text(c.trafficking_type.label()),
                Cell::text(c.owner_organization_name.clone()),
                Cell::text(c.opened_on.format("%Y-%m-%d").to_string()),
            ]
        })
        .collect();
    let filters = vec![
        Field::new(
            "q",
            "Reference or title contains",
            "text",
            q.q.clone().unwrap_or_default(),
        ),
        Field::new("kind", "Kind", "select", q.kind.clone().unwrap_or_default()).options(
            with_blank(
                options(CaseKind::ALL, CaseKind::code, CaseKind::label),
                "Any kind",
            ),
        ),
        Field::new(
            "status",
            "Status",
            "select",
            q.status.clone().unwrap_or_default(),
        )
        .options(with_blank(
            options(CaseStatus::ALL, CaseStatus::code, CaseStatus::label),
            "Any status",
        )),
        Field::new(
            "trafficking_type",
            "Type",
            "select",
            q.trafficking_type.clone().unwrap_or_default(),
        )
        .options(with_blank(
            options(
                TraffickingType::ALL,
                TraffickingType::code,
                TraffickingType::label,
            ),
            "Any type",
        )),
    ];
    let query = serde_urlencoded_pairs(&[
        ("q", q.q.as_deref()),
        ("kind", q.kind.as_deref()),
        ("status", q.status.as_deref()),
        ("trafficking_type", q.trafficking_type.as_deref()),
    ]);
    let can_create = CaseKind::ALL.iter().any(|k| {
        k.held_by(v.principal.organization_kind)
            && super::structure::may(
                &v,
                taskforce_domain::access::Action::Create,
                k.resource_kind(),
                tf,
            )
    });
    Ok(render(&CasesPage {
        chrome: Chrome::new(
            &v,
            vec![Cell::link("Task forces", "/"), Cell::text("Cases")],
            q.saved.as_ref().map(|_| "Saved.".to_owned()),
        ),
        filters,
        rows,
        total,
        page,
        pages: ((total + PAGE - 1) / PAGE).max(1),
        query,
        can_create,
    }))
}

fn serde_urlencoded_pairs(pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.append_pair(k, v);
        }
    }
    out.finish()
}

// -- new and edit -----------------------------------------------------------------------------

fn case_input(form: &FormData, existing: Option<&Case>) -> Result<CaseInput, Invalid> {
    let mut invalid = Invalid::default();
    // A new case names its kind; an edited one keeps it.
    let kind = match existing {
        Some(case) => Some(case.kind),
        None => form.code("kind", CaseKind::from_code, &mut invalid),
    };
    let status = opt(form.text("status")).and_then(|t| {
        let s = CaseStatus::from_code(&t);
        if s.is_none() {
            invalid.add("status", "is not one of the choices offered");
        }
        s
    });
    let trafficking_type =
        opt(form.text("trafficking_type")).and_then(|t| TraffickingType::from_code(&t));
    let typology = form
        .optional_int("typology", &mut invalid)
        .and_then(|n| u8::try_from(n).ok());
    let lead_member_id = form.optional_id("lead_member_id", &mut invalid);
    invalid.finish(CaseInput {
        kind,
        title: form.text("title"),
        label: opt(form.text("label")),
        status,
        trafficking_type,
        typology,
        naics: form.text("naics"),
        county_fips: form.text("county_fips"),
        minors_involved: form.flag("minors_involved"),
        summary: form.text("summary"),
        lead_member_id,
        opened_on: opt(form.text("opened_on")),
        closed_on: opt(form.text("closed_on")),
        recruitment_place: form.text("recruitment_place"),
        recruitment_on: form.text("recruitment_on"),
        transit_place: form.text("transit_place"),
        exploitation_place: form.text("exploitation_place"),
        exploitation_from: form.text("exploitation_from"),
        exploitation_to: form.text("exploitation_to"),
    })
}

fn lossy_case(form: &FormData) -> CaseInput {
    CaseInput {
        kind: CaseKind::from_code(&form.text("kind")),
        title: form.text("title"),
        summary: form.text("summary"),
        naics: form.text("naics"),
        ..CaseInput::default()
    }
}

struct CaseChoices {
    typology: Vec<(u8, String, bool)>,
    members: Vec<Member>,
    counties: Vec<String>,
}

async fn case_choices(s: &AppState, v: &Viewer) -> Result<CaseChoices, PageError> {
    let tf = v.principal.task_force_id;
    let typology = s.app.typology(&v.actor, tf).await?;
    let members = s
        .app
        .members(&v.actor, tf)
        .await?
        .into_iter()
        .filter(|m| {
            m.memberships
                .iter()
                .any(|x| x.organization_id == v.principal.organization_id)
        })
        .collect();
    let counties = s.app.task_force(&v.actor, tf).await?.counties;
    Ok(CaseChoices {
        typology,
        members,
        counties,
    })
}

fn case_fields(
    v: &Viewer,
    input: &CaseInput,
    existing: Option<&Case>,
    choices: &CaseChoices,
) -> Vec<Field> {
    let kinds: Vec<CaseKind> = CaseKind::ALL
        .iter()
        .copied()
        .filter(|k| k.held_by(v.principal.organization_kind))
        .collect();
    let kind = input
        .kind
        .or(kinds.first().copied())
        .unwrap_or(CaseKind::Investigation);
    let mut fields = Vec::new();
    if existing.is_none() {
        fields.push(
            Field::new("kind", "Kind of case", "select", kind.code())
                .options(options(&kinds, CaseKind::code, CaseKind::label))
                .required(),
        );
    }
    fields.push(Field::new("title", "Title", "text", input.title.clone()).required().hint(
        "A working name that does not identify a survivor, such as \"Dairy farm labor, Wyoming County\".",
    ));
    fields.push(
        Field::new("label", "Who may see it", "select", input.label.clone().unwrap_or_else(|| kind.default_label().code().to_owned()))
            .options(label_options(labels_for(kind)))
            .hint("The default follows the task force's access rules; choose a stricter label when needed."),
    );
    fields.push(
        Field::new(
            "status",
            "Status",
            "select",
            input.status.unwrap_or(CaseStatus::Open).code(),
        )
        .options(options(
            CaseStatus::ALL,
            CaseStatus::code,
            CaseStatus::label,
        )),
    );
    fields.push(
        Field::new(
            "trafficking_type",
            "Type of trafficking",
            "select",
            input
                .trafficking_type
                .unwrap_or(TraffickingType::Unknown)
                .code(),
        )
        .options(options(
            TraffickingType::ALL,
            TraffickingType::code,
            TraffickingType::label,
        )),
    );
    let mut typology = vec![(String::new(), "Not yet known".to_owned())];
    typology.extend(
        choices
            .typology
            .iter()
            .filter(|(_, _, active)| *active)
            .map(|(n, name, _)| (n.to_string(), format!("{n}. {name}"))),
    );
    fields.push(
        Field::new(
            "typology",
            "Typology",
            "select",
            input.typology.map(|n| n.to_string()).unwrap_or_default(),
        )
        .options(typology),
    );
    fields.push(
        Field::new(
            "naics",
            "Industry (NAICS code)",
            "text",
            input.naics.clone(),
        )
        .hint("2 to 6 digits, such as 112120 for dairy cattle and milk production."),
    );
    let mut counties = vec![(String::new(), "Not recorded".to_owned())];
    counties.extend(choices.counties.iter().map(|f| {
        (
            f.clone(),
            taskforce_domain::reference::county(f).map_or_else(|| f.clone(), |c| c.name.clone()),
        )
    }));
    fields.push(
        Field::new("county_fips", "County", "select", input.county_fips.clone()).options(counties),
    );
    fields.push(Field::checked(
        "minors_involved",
        "Minors may be involved",
        input.minors_involved,
    ));
    let mut leads = vec![(String::new(), "No lead yet".to_owned())];
    leads.extend(
        choices
            .members
            .iter()
            .map(|m| (m.id.to_string(), m.name.clone())),
    );
    fields.push(
        Field::new(
            "lead_member_id",
            "Lead",
            "select",
            input
                .lead_member_id
                .map(|m| m.to_string())
                .unwrap_or_default(),
        )
        .options(leads),
    );
    fields.push(
        Field::new("summary", "Summary", "textarea", input.summary.clone())
            .hint("Stored encrypted. Shown only to those who may read this case."),
    );
    fields.push(
        Field::new(
            "opened_on",
            "Opened on",
            "date",
            input.opened_on.clone().unwrap_or_default(),
        )
        .hint("Today if left empty."),
    );
    if existing.is_some() {
        fields.push(Field::new(
            "closed_on",
            "Closed on",
            "date",
            input.closed_on.clone().unwrap_or_default(),
        ));
    }
    fields.push(Field::new(
        "recruitment_place",
        "Where recruitment happened",
        "text",
        input.recruitment_place.clone(),
    ));
    fields.push(Field::new(
        "recruitment_on",
        "When (YYYY, YYYY-MM or YYYY-MM-DD)",
        "text",
        input.recruitment_on.clone(),
    ));
    fields.push(Field::new(
        "transit_place",
        "Transit through",
        "text",
        input.transit_place.clone(),
    ));
    fields.push(Field::new(
        "exploitation_place",
        "Where exploitation happened",
        "text",
        input.exploitation_place.clone(),
    ));
    fields.push(Field::new(
        "exploitation_from",
        "Exploitation from (YYYY, YYYY-MM or YYYY-MM-DD)",
        "text",
        input.exploitation_from.clone(),
    ));
    fields.push(Field::new(
        "exploitation_to",
        "Exploitation until",
        "text",
        input.exploitation_to.clone(),
    ));
    fields
}

fn input_of(c: &Case) -> CaseInput {
    CaseInput {
        kind: Some(c.kind),
        title: c.title.clone(),
        label: Some(c.label.code().to_owned()),
        status: Some(c.status),
        trafficking_type: Some(c.trafficking_type),
        typology: c.typology,
        naics: c.naics.clone(),
        county_fips: c.county_fips.clone(),
        minors_involved: c.minors_involved,
        summary: c.summary.clone(),
        lead_member_id: c.lead_member_id,
        opened_on: Some(c.opened_on.format("%Y-%m-%d").to_string()),
        closed_on: c.closed_on.map(|d| d.format("%Y-%m-%d").to_string()),
        recruitment_place: c.recruitment_place.clone(),
        recruitment_on: c.recruitment_on.map(|d| d.to_string()).unwrap_or_default(),
        transit_place: c.transit_place.clone(),
        exploitation_place: c.exploitation_place.clone(),
        exploitation_from: c
            .exploitation_from
            .map(|d| d.to_string())
            .unwrap_or_default(),
        exploitation_to: c.exploitation_to.map(|d| d.to_string()).unwrap_or_default(),
    }
}

fn case_form(
    v: &Viewer,
    existing: Option<&Case>,
    input: &CaseInput,
    choices: &CaseChoices,
) -> FormPage {
    form_page(
        v,
        FormSpec {
            task_force: None,
            section: Some(("Cases", "/cases".into())),
            title: existing
                .map_or_else(|| "Open a case".into(), |c| format!("Edit {}", c.reference)),
            action: existing.map_or_else(|| "/cases".into(), |c| format!("/cases/{}/edit", c.id)),
            cancel: existing.map_or_else(|| "/cases".into(), |c| case_href(c.id)),
            version: existing.map(|c| c.version),
            fields: case_fields(v, input, existing, choices),
        },
    )
}

/// Refuses a member whose organization holds no kind of case their roles may open.
async fn require_new_case(s: &AppState, v: &Viewer) -> Result<(), PageError> {
    let tf = v.principal.task_force_id;
    let allowed = CaseKind::ALL.iter().any(|k| {
        k.held_by(v.principal.organization_kind)
            && super::structure::may(
                v,
                taskforce_domain::access::Action::Create,
                k.resource_kind(),
                tf,
            )
    });
    if allowed {
        return Ok(());
    }
    // Asked through the use case's gate, so that the refusal is audited.
    s.app
        .create_case(&v.actor, tf, CaseInput::default())
        .await
        .map(|_| ())?;
    Err(AppError::Forbidden("Your organization does not open cases.".into()).into())
}

/// Refuses what the case page would not offer (the use case asks the policy again).
fn require(view: &CaseView, allowed: bool) -> Result<(), PageError> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "You may read {} but not change it. Its holder can add you to its team.",
            view.case.reference
        ))
        .into())
    }
}

async fn new_case(State(s): State<AppState>, v: Viewer) -> PageResult {
    require_new_case(&s, &v).await?;
    let choices = case_choices(&s, &v).await?;
    Ok(render(&case_form(
        &v,
        None,
        &CaseInput::default(),
        &choices,
    )))
}

async fn create(
    State(s): State<AppState>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let choices = case_choices(&s, &v).await?;
    require_new_case(&s, &v).await?;
    let (input, result) = match case_input(&form, None) {
        Ok(input) => {
            let result = outcome(
                s.app
                    .create_case(&v.actor, v.principal.task_force_id, input.clone())
                    .await,
                |c| case_href(c.id),
            )?;
            (input, result)
        }
        Err(invalid) => (lossy_case(&form), Outcome::Refused(invalid)),
    };
    Ok(respond(result, || case_form(&v, None, &input, &choices)))
}

async fn edit_case(State(s): State<AppState>, v: Viewer, Ids(id, _): Ids<CaseId>) -> PageResult {
    let view = s
        .app
        .case_view(&v.actor, v.principal.task_force_id, id)
        .await?;
    require(&view, view.may_update)?;
    let choices = case_choices(&s, &v).await?;
    Ok(render(&case_form(
        &v,
        Some(&view.case),
        &input_of(&view.case),
        &choices,
    )))
}

async fn update_case(
    State(s): State<AppState>,
    Ids(id, _): Ids<CaseId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let view = s.app.case_view(&v.actor, tf, id).await?;
    let choices = case_choices(&s, &v).await?;
    let mut invalid = Invalid::default();
    let version = form.version(&mut invalid);
    require(&view, view.may_update)?;
    let (input, result) = match (case_input(&form, Some(&view.case)), version) {
        (Ok(input), Some(version)) if invalid.is_empty() => {
            let result = outcome(
                s.app
                    .update_case(&v.actor, tf, id, version, input.clone())
                    .await,
                |c| case_href(c.id),
            )?;
            (input, result)
        }
        (Ok(input), _) => (
            input,
            Outcome::Refused(if invalid.is_empty() {
                missing_version()
            } else {
                invalid
            }),
        ),
        (Err(more), _) => (input_of(&view.case), Outcome::Refused(more)),
    };
    Ok(respond(result, || {
        case_form(&v, Some(&view.case), &input, &choices)
    }))
}

// -- the case page ----------------------------------------------------------------------------

struct PersonLine {
    role: String,
    name: Option<Cell>,
    withheld: String,
}

struct NoteLine {
    id: String,
    label: String,
    author: String,
    when: String,
    body: Option<String>,
    withheld: String,
}

struct TaskLine {
    id: String,
    title: String,
    due: String,
    assignee: String,
    status: String,
    open: bool,
    version: i64,
}

struct LinkLine {
    kind: String,
    case: Option<Cell>,
    detail: String,
}

struct ChargeLine {
    id: String,
    defendant: String,
    statute: String,
    counts: i64,
    stage: String,
    stage_on: String,
    version: i64,
}

struct AttachmentLine {
    name: Option<Cell>,
    detail: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    csrf: String,
    id: String,
    reference: String,
    title: String,
    facts: Vec<Row>,
    summary: String,
    label: String,
    persons: Vec<PersonLine>,
    links: Vec<LinkLine>,
    tasks: Vec<TaskLine>,
    timeline: Vec<(String, String)>,
    notes: Vec<NoteLine>,
    attachments: Vec<AttachmentLine>,
    prosecution: bool,
    charges: Vec<ChargeLine>,
    stages: Vec<(String, String)>,
    court_events: Vec<(String, String, String, String)>,
    sentences: Vec<String>,
    relief: Vec<(String, String, String, String)>,
    team: Vec<(String, String, String)>,
    may_update: bool,
    may_share: bool,
}

fn withheld_words(label: Label, reason: &str) -> String {
    format!("{} — {reason}", label.words())
}

async fn case_page(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<CaseId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let view = s.app.case_view(&v.actor, tf, id).await?;
    let members = s.app.members(&v.actor, tf).await.unwrap_or_default();
    let organizations = s.app.organizations(&v.actor, tf).await.unwrap_or_default();
    Ok(render(&case_page_of(
        &v,
        view,
        &members,
        &organizations,
        notice.text(),
    )))
}

fn member_name(members: &[Member], id: Option<MemberId>) -> String {
    id.and_then(|id| members.iter().find(|m| m.id == id))
        .map(|m| m.name.clone())
        .unwrap_or_default()
}

fn case_page_of(
    v: &Viewer,
    view: CaseView,
    members: &[Member],
    organizations: &[Organization],
    notice: Option<String>,
) -> CasePage {
    let c = &view.case;
    let person_name = |pid: PersonId| {
        view.persons
            .iter()
            .find(|p| p.person_id == pid)
            .map(|p| match &p.person {
                Shown::Yes(person) => person.display_name(),
                Shown::Withheld { .. } => "A person you may not see".to_owned(),
            })
            .unwrap_or_default()
    };
    let typology = c
        .typology
        .and_then(|n| {
            DEFAULT_TYPOLOGY
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(m, name)| format!("{m}. {name}"))
        })
        .unwrap_or_default();
    let facts = vec![
        Row::text("Kind", c.kind.label()),
        Row::text("Status", c.status.label()),
        Row::text("Held by", view.owner.name.clone()),
        Row::text("Who may see it", c.label.words()),
        Row::text("Type of trafficking", c.trafficking_type.label()),
        Row::text("Typology", typology),
        Row::text("Industry (NAICS)", c.naics.clone()),
        Row::text(
            "County",
            taskforce_domain::reference::county(&c.county_fips)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
        ),
        Row::text(
            "Minors may be involved",
            if c.minors_involved { "Yes" } else { "No" },
        ),
        Row::text("Lead", member_name(members, c.lead_member_id)),
        Row::text("Opened", c.opened_on.format("%Y-%m-%d").to_string()),
        Row::text("Closed", date(c.closed_on)),
        Row::text(
            "Recruitment",
            [
                c.recruitment_place.clone(),
                c.recruitment_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        ),
        Row::text("Transit", c.transit_place.clone()),
        Row::text(
            "Exploitation",
            [
                c.exploitation_place.clone(),
                match (c.exploitation_from, c.exploitation_to) {
                    (Some(a), Some(b)) => format!("{a} to {b}"),
                    (Some(a), None) => format!("from {a}"),
                    (None, Some(b)) => format!("until {b}"),
                    _ => String::new(),
                },
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        ),
    ];
    let persons = view
        .persons
        .iter()
        .map(|p| match &p.person {
            Shown::Yes(person) => PersonLine {
                role: p.role.label().to_owned(),
                name: Some(Cell::link(
                    person.display_name(),
                    format!("/persons/{}", person.id),
                )),
                withheld: String::new(),
            },
            Shown::Withheld { label, reason } => PersonLine {
                role: p.role.label().to_owned(),
                name: None,
                withheld: withheld_words(*label, reason),
            },
        })
        .collect();
    let links = view
        .links
        .iter()
        .map(|l| match &l.case {
            Shown::Yes(other) => LinkLine {
                kind: l.kind.label().to_owned(),
                case: Some(Cell::link(
                    format!("{} · {}", other.reference, other.title),
                    case_href(other.id),
                )),
                detail: format!(
                    "{} · {}",
                    other.owner_organization_name,
                    other.status.label()
                ),
            },
            Shown::Withheld { label, reason } => LinkLine {
                kind: l.kind.label().to_owned(),
                case: None,
                detail: withheld_words(*label, reason),
            },
        })
        .collect();
    let tasks = view
        .tasks
        .iter()
        .map(|t| TaskLine {
            id: t.id.to_string(),
            title: t.title.clone(),
            due: date(t.due_on),
            assignee: member_name(members, t.assignee_member_id),
            status: t.status.label().to_owned(),
            open: t.status == TaskStatus::Open,
            version: t.version,
        })
        .collect();
    let notes = view
        .notes
        .iter()
        .map(|n| match n {
            Shown::Yes(note) => NoteLine {
                id: note.id.to_string(),
                label: note.label.words().to_owned(),
                author: note.author_name.clone(),
                when: note.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                body: Some(note.body.clone()),
                withheld: String::new(),
            },
            Shown::Withheld { label, reason } => NoteLine {
                id: String::new(),
                label: label.words().to_owned(),
                author: String::new(),
                when: String::new(),
                body: None,
                withheld: reason.to_string(),
            },
        })
        .collect();
    let attachments = view
        .attachments
        .iter()
        .map(|a| match a {
            Shown::Yes(a) => AttachmentLine {
                name: Some(Cell::link(
                    a.file_name.clone(),
                    format!("/cases/{}/attachments/{}", c.id, a.id),
                )),
                detail: format!(
                    "{} · {} KB · {}",
                    a.media_type,
                    (a.size_bytes + 1023) / 1024,
                    a.label.words()
                ),
            },
            Shown::Withheld { label, reason } => AttachmentLine {
                name: None,
                detail: withheld_words(*label, reason),
            },
        })
        .collect();
    let charges = view
        .charges
        .iter()
        .map(|ch| ChargeLine {
            id: ch.id.to_string(),
            defendant: person_name(ch.defendant_person_id),
            statute: ch.statute.clone(),
            counts: ch.counts,
            stage: ch.stage.code().to_owned(),
            stage_on: ch.stage_on.format("%Y-%m-%d").to_string(),
            version: ch.version,
        })
        .collect();
    let org_name = |id: Option<OrganizationId>| {
        id.and_then(|id| organizations.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
    };
    CasePage {
        chrome: Chrome::new(
            v,
            crumbs(None, vec![Cell::link("Cases", "/cases"), Cell::text(c.reference.clone())]),
            notice,
        ),
        csrf: v.session.csrf_token.clone(),
        id: c.id.to_string(),
        reference: c.reference.clone(),
        title: c.title.clone(),
        facts,
        summary: c.summary.clone(),
        label: c.label.words().to_owned(),
        persons,
        links,
        tasks,
        timeline: view
            .timeline
            .iter()
            .map(|t| (t.occurred_on.format("%Y-%m-%d").to_string(), t.description.clone()))
            .collect(),
        notes,
        attachments,
        prosecution: c.kind == CaseKind::Prosecution,
        charges,
        stages: options(ChargeStage::ALL, ChargeStage::code, ChargeStage::label),
        court_events: view
            .court_events
            .iter()
            .map(|e| (e.on.format("%Y-%m-%d").to_string(), e.kind.label().to_owned(), e.court.clone(), e.outcome.clone()))
            .collect(),
        sentences: view
            .sentences
            .iter()
            .map(|x| {
                format!(
                    "{}: {} months in custody, {} months supervised release, restitution ${}, imposed {}",
                    person_name(x.defendant_person_id),
                    x.custody_months,
                    x.supervised_release_months,
                    x.restitution_cents / 100,
                    x.imposed_on.format("%Y-%m-%d")
                )
            })
            .collect(),
        relief: view
            .relief
            .iter()
            .map(|r| (person_name(r.person_id), r.kind.label().to_owned(), r.requested_on.format("%Y-%m-%d").to_string(), format!("{}{}", r.outcome.label(), r.decided_on.map(|d| format!(" ({d})")).unwrap_or_default())))
            .collect(),
        team: view
            .team
            .iter()
            .map(|g| {
                let who = org_name(g.organization_id)
                    .or_else(|| g.member_id.map(|m| member_name(members, Some(m))))
                    .unwrap_or_default();
                (g.id.to_string(), who, g.until.map(|u| format!("until {u}")).unwrap_or_else(|| "no end date".into()))
            })
            .collect(),
        may_update: view.may_update,
        may_share: view.may_share,
    }
}

// -- parts of a case --------------------------------------------------------------------------

/// The parts added to a case through a form of their own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Note,
    Person,
    ExistingPerson,
    Task,
    Timeline,
    Link,
    Team,
    Charge,
    CourtEvent,
    Sentence,
    Relief,
}

impl Part {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "note" => Self::Note,
            "person" => Self::Person,
            "existing-person" => Self::ExistingPerson,
            "task" => Self::Task,
            "timeline" => Self::Timeline,
            "link" => Self::Link,
            "team" => Self::Team,
            "charge" => Self::Charge,
            "court-event" => Self::CourtEvent,
            "sentence" => Self::Sentence,
            "relief" => Self::Relief,
            _ => return None,
        })
    }

    fn title(self) -> &'static str {
        match self {
            Self::Note => "Add a note",
            Self::Person => "Add a person",
            Self::ExistingPerson => "Add a person already recorded",
            Self::Task => "Add a task",
            Self::Timeline => "Add to the timeline",
            Self::Link => "Link another case",
            Self::Team => "Add to the team",
            Self::Charge => "Add a charge",
            Self::CourtEvent => "Add a court event",
            Self::Sentence => "Record a sentence",
            Self::Relief => "Record an immigration relief request",
        }
    }
}

fn part_of(text: &str) -> Result<Part, PageError> {
    Part::parse(text).ok_or(PageError::from(AppError::NotFound))
}

async fn part_fields(
    s: &AppState,
    v: &Viewer,
    view: &CaseView,
    part: Part,
    form: &FormData,
) -> Result<Vec<Field>, PageError> {
    let tf = v.principal.task_force_id;
    let t = |name: &str| form.text(name);
    let persons_in = |role: PersonRole| -> Vec<(String, String)> {
        view.persons
            .iter()
            .filter(|p| p.role == role)
            .filter_map(|p| match &p.person {
                Shown::Yes(person) => Some((person.id.to_string(), person.display_name())),
                Shown::Withheld { .. } => None,
            })
            .collect()
    };
    Ok(match part {
        Part::Note => vec![
            Field::new(
                "label",
                "Who may read this note",
                "select",
                opt(t("label")).unwrap_or_else(|| view.case.label.code().to_owned()),
            )
            .options(label_options(&note_labels(view.case.kind))),
            Field::new("body", "Note", "textarea", t("body"))
                .required()
                .hint("Stored encrypted."),
        ],
        Part::Person => vec![
            Field::new("role", "Part in this case", "select", t("role"))
                .options(options(
                    PersonRole::ALL,
                    PersonRole::code,
                    PersonRole::label,
                ))
                .required(),
            Field::new("given_name", "Given name", "text", t("given_name")),
            Field::new("family_name", "Family name", "text", t("family_name")),
            Field::new("date_of_birth", "Date of birth", "text", t("date_of_birth"))
                .hint("YYYY-MM-DD, or YYYY-MM or YYYY when only part is known."),
            Field::new("sex", "Sex", "select", t("sex")).options(options(
                Sex::ALL,
                Sex::code,
                Sex::label,
            )),
            Field::new(
                "gender",
                "Gender",
                "select",
                opt(t("gender")).unwrap_or_else(|| "unknown".into()),
            )
            .options(options(Gender::ALL, Gender::code, Gender::label)),
            Field::new(
                "nationality",
                "Nationality (two-letter country codes, comma-separated)",
                "text",
                t("nationality"),
            ),
            Field::new(
                "languages",
                "Languages (comma-separated)",
                "text",
                t("languages"),
            ),
            Field::new(
                "trafficking_status",
                "Identification (for a survivor)",
                "select",
                t("trafficking_status"),
            )
            .options(with_blank(
                options(
                    TraffickingStatus::ALL,
                    TraffickingStatus::code,
                    TraffickingStatus::label,
                ),
                "Not recorded",
            )),
            Field::new("means_of_control", "Means of control", "checkboxes", "")
                .options(
                    MEANS_OF_CONTROL
                        .iter()
                        .map(|(c, w)| ((*c).to_owned(), (*w).to_owned()))
                        .collect(),
                )
                .values(form.all("means_of_control")),
            Field::new("vulnerabilities", "Vulnerabilities", "checkboxes", "")
                .options(
                    VULNERABILITIES
                        .iter()
                        .map(|(c, w)| ((*c).to_owned(), (*w).to_owned()))
                        .collect(),
                )
                .values(form.all("vulnerabilities")),
            Field::new(
                "perpetrator_role",
                "Role (for a suspect)",
                "select",
                t("perpetrator_role"),
            )
            .options(with_blank(
                options(
                    PerpetratorRole::ALL,
                    PerpetratorRole::code,
                    PerpetratorRole::label,
                ),
                "Not recorded",
            )),
        ],
        Part::ExistingPerson => vec![
            Field::new(
                "person_id",
                "Person's record number (from their page address)",
                "text",
                t("person_id"),
            )
            .required(),
            Field::new("role", "Part in this case", "select", t("role"))
                .options(options(
                    PersonRole::ALL,
                    PersonRole::code,
                    PersonRole::label,
                ))
                .required(),
        ],
        Part::Task => {
            let members = s.app.members(&v.actor, tf).await.unwrap_or_default();
            vec![
                Field::new("title", "Task", "text", t("title")).required(),
                Field::new("due_on", "Due on", "date", t("due_on")),
                Field::new(
                    "assignee_member_id",
                    "Assigned to",
                    "select",
                    t("assignee_member_id"),
                )
                .options(with_blank(
                    members
                        .iter()
                        .map(|m| (m.id.to_string(), m.name.clone()))
                        .collect(),
                    "Nobody yet",
                ))
                .hint("A member of the holding organization or of the case's team."),
            ]
        }
        Part::Timeline => vec![
            Field::new("occurred_on", "Date", "date", t("occurred_on")).required(),
            Field::new("description", "What happened", "textarea", t("description")).required(),
        ],
        Part::Link => vec![Field::new(
            "reference",
            "Reference of the other case",
            "text",
            t("reference"),
        )
        .required()
        .hint("Such as SVC-2026-0004. You can link only cases you may open.")],
        Part::Team => {
            let organizations = s.app.organizations(&v.actor, tf).await.unwrap_or_default();
            let members = s.app.members(&v.actor, tf).await.unwrap_or_default();
            vec![
                Field::new(
                    "organization_id",
                    "Organization",
                    "select",
                    t("organization_id"),
                )
                .options(with_blank(
                    organizations
                        .iter()
                        .filter(|o| o.id != view.case.owner_organization_id)
                        .map(|o| (o.id.to_string(), o.name.clone()))
                        .collect(),
                    "None",
                )),
                Field::new("member_id", "Or one member", "select", t("member_id")).options(
                    with_blank(
                        members
                            .iter()
                            .map(|m| (m.id.to_string(), m.name.clone()))
                            .collect(),
                        "None",
                    ),
                ),
                Field::new("until", "Until (inclusive)", "date", t("until")),
            ]
        }
        Part::Charge => {
            let statutes = s.app.statutes(&v.actor, tf).await?;
            vec![
                Field::new(
                    "defendant_person_id",
                    "Defendant",
                    "select",
                    t("defendant_person_id"),
                )
                .options(persons_in(PersonRole::Suspect))
                .required(),
                Field::new("statute", "Statute", "select", t("statute"))
                    .options(
                        statutes
                            .into_iter()
                            .map(|(c, title)| (c.clone(), format!("{c} — {title}")))
                            .collect(),
                    )
                    .required(),
                Field::new(
                    "counts",
                    "Counts",
                    "number",
                    opt(t("counts")).unwrap_or_else(|| "1".into()),
                ),
                Field::new("stage", "Stage", "select", t("stage")).options(options(
                    ChargeStage::ALL,
                    ChargeStage::code,
                    ChargeStage::label,
                )),
                Field::new("stage_on", "Date of this stage", "date", t("stage_on")),
            ]
        }
        Part::CourtEvent => vec![
            Field::new("kind", "Kind", "select", t("kind"))
                .options(options(
                    CourtEventKind::ALL,
                    CourtEventKind::code,
                    CourtEventKind::label,
                ))
                .required(),
            Field::new("on", "Date", "date", t("on")).required(),
            Field::new("court", "Court", "text", t("court")),
            Field::new("outcome", "Outcome", "textarea", t("outcome")),
        ],
        Part::Sentence => vec![
            Field::new(
                "defendant_person_id",
                "Defendant",
                "select",
                t("defendant_person_id"),
            )
            .options(persons_in(PersonRole::Suspect))
            .required(),
            Field::new("imposed_on", "Imposed on", "date", t("imposed_on")).required(),
            Field::new(
                "custody_months",
                "Custody (months)",
                "number",
                t("custody_months"),
            ),
            Field::new(
                "supervised_release_months",
                "Supervised release (months)",
                "number",
                t("supervised_release_months"),
            ),
            Field::new(
                "restitution_dollars",
                "Restitution (dollars)",
                "number",
                t("restitution_dollars"),
            ),
            Field::new("notes", "Notes", "textarea", t("notes")),
        ],
        Part::Relief => vec![
            Field::new("person_id", "Survivor", "select", t("person_id"))
                .options(persons_in(PersonRole::Victim))
                .required(),
            Field::new("kind", "Request", "select", t("kind"))
                .options(options(
                    ReliefKind::ALL,
                    ReliefKind::code,
                    ReliefKind::label,
                ))
                .required(),
            Field::new("requested_on", "Requested on", "date", t("requested_on")).required(),
            Field::new("outcome", "Outcome", "select", t("outcome")).options(options(
                ReliefOutcome::ALL,
                ReliefOutcome::code,
                ReliefOutcome::label,
            )),
            Field::new("decided_on", "Decided on", "date", t("decided_on")),
        ],
    })
}

fn part_page(
    v: &Viewer,
    view: &CaseView,
    part: Part,
    part_code: &str,
    fields: Vec<Field>,
) -> FormPage {
    let mut page = form_page(
        v,
        FormSpec {
            task_force: None,
            section: Some(("Cases", "/cases".into())),
            title: format!("{} · {}", part.title(), view.case.reference),
            action: format!("/cases/{}/add/{part_code}", view.case.id),
            cancel: case_href(view.case.id),
            version: None,
            fields,
        },
    );
    page.submit = "Save";
    page
}

async fn part_form(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, part_code)): Path<(String, String)>,
) -> PageResult {
    let id: CaseId = id
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let part = part_of(&part_code)?;
    let view = s
        .app
        .case_view(&v.actor, v.principal.task_force_id, id)
        .await?;
    require(
        &view,
        if part == Part::Team {
            view.may_share
        } else {
            view.may_update
        },
    )?;
    let fields = part_fields(&s, &v, &view, part, &FormData::parse(b"")).await?;
    Ok(render(&part_page(&v, &view, part, &part_code, fields)))
}

fn list_of(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

async fn add_part(
    State(s): State<AppState>,
    Path((id, part_code)): Path<(String, String)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let id: CaseId = id
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let part = part_of(&part_code)?;
    let tf = v.principal.task_force_id;
    let view = s.app.case_view(&v.actor, tf, id).await?;
    require(
        &view,
        if part == Part::Team {
            view.may_share
        } else {
            view.may_update
        },
    )?;
    let mut invalid = Invalid::default();
    let t = |name: &str| form.text(name);
    let result: Result<(), AppError> = match part {
        Part::Note => s
            .app
            .add_note(
                &v.actor,
                tf,
                id,
                NoteInput {
                    label: opt(t("label")),
                    body: t("body"),
                },
            )
            .await
            .map(|_| ()),
        Part::Person => {
            let role = form.code("role", PersonRole::from_code, &mut invalid);
            let input = PersonInput {
                given_name: t("given_name"),
                family_name: t("family_name"),
                date_of_birth: t("date_of_birth"),
                sex: Sex::from_code(&t("sex")),
                gender: Gender::from_code(&t("gender")),
                nationality: list_of(&t("nationality")),
                languages: list_of(&t("languages")),
                trafficking_status: TraffickingStatus::from_code(&t("trafficking_status")),
                means_of_control: form.all("means_of_control"),
                vulnerabilities: form.all("vulnerabilities"),
                perpetrator_role: PerpetratorRole::from_code(&t("perpetrator_role")),
                ..PersonInput::default()
            };
            match role {
                Some(role) if invalid.is_empty() => s
                    .app
                    .add_person(&v.actor, tf, id, role, input)
                    .await
                    .map(|_| ()),
                _ => Err(AppError::Invalid(std::mem::take(&mut invalid))),
            }
        }
        Part::ExistingPerson => {
            let role = form.code("role", PersonRole::from_code, &mut invalid);
            let person: Option<PersonId> = form.optional_id("person_id", &mut invalid);
            match (role, person) {
                (Some(role), Some(person)) if invalid.is_empty() => {
                    s.app
                        .add_existing_person(&v.actor, tf, id, person, role)
                        .await
                }
                _ => {
                    if invalid.is_empty() {
                        invalid.add("person_id", "is required");
                    }
                    Err(AppError::Invalid(std::mem::take(&mut invalid)))
                }
            }
        }
        Part::Task => {
            let assignee = form.optional_id("assignee_member_id", &mut invalid);
            let input = TaskInput {
                title: t("title"),
                due_on: opt(t("due_on")),
                assignee_member_id: assignee,
                status: None,
            };
            if invalid.is_empty() {
                s.app.add_task(&v.actor, tf, id, input).await.map(|_| ())
            } else {
                Err(AppError::Invalid(std::mem::take(&mut invalid)))
            }
        }
        Part::Timeline => {
            s.app
                .add_timeline_entry(
                    &v.actor,
                    tf,
                    id,
                    TimelineInput {
                        occurred_on: opt(t("occurred_on")),
                        description: t("description"),
                    },
                )
                .await
        }
        Part::Link => s
            .app
            .link_by_reference(&v.actor, tf, id, &t("reference"))
            .await
            .map_err(|e| match e {
                AppError::Invalid(invalid) => AppError::Invalid(Invalid {
                    errors: invalid
                        .errors
                        .into_iter()
                        .map(|mut f| {
                            f.field = "reference".into();
                            f
                        })
                        .collect(),
                }),
                other => other,
            }),
        Part::Team => {
            let input = TeamGrantInput {
                organization_id: form.optional_id("organization_id", &mut invalid),
                member_id: form.optional_id("member_id", &mut invalid),
                until: opt(t("until")),
            };
            if invalid.is_empty() {
                s.app.grant_team(&v.actor, tf, id, input).await.map(|_| ())
            } else {
                Err(AppError::Invalid(std::mem::take(&mut invalid)))
            }
        }
        Part::Charge => {
            let input = ChargeInput {
                defendant_person_id: form.optional_id("defendant_person_id", &mut invalid),
                statute: t("statute"),
                counts: form.optional_int("counts", &mut invalid),
                stage: ChargeStage::from_code(&t("stage")),
                stage_on: opt(t("stage_on")),
            };
            if invalid.is_empty() {
                s.app.add_charge(&v.actor, tf, id, input).await.map(|_| ())
            } else {
                Err(AppError::Invalid(std::mem::take(&mut invalid)))
            }
        }
        Part::CourtEvent => s
            .app
            .add_court_event(
                &v.actor,
                tf,
                id,
                CourtEventInput {
                    kind: CourtEventKind::from_code(&t("kind")),
                    on: opt(t("on")),
                    court: t("court"),
                    outcome: t("outcome"),
                },
            )
            .await
            .map(|_| ()),
        Part::Sentence => {
            let input = SentenceInput {
                defendant_person_id: form.optional_id("defendant_person_id", &mut invalid),
                imposed_on: opt(t("imposed_on")),
                custody_months: form
                    .optional_int("custody_months", &mut invalid)
                    .unwrap_or(0),
                supervised_release_months: form
                    .optional_int("supervised_release_months", &mut invalid)
                    .unwrap_or(0),
                restitution_cents: form
                    .optional_int("restitution_dollars", &mut invalid)
                    .unwrap_or(0)
                    .saturating_mul(100),
                fine_cents: 0,
                notes: t("notes"),
            };
            if invalid.is_empty() {
                s.app
                    .add_sentence(&v.actor, tf, id, input)
                    .await
                    .map(|_| ())
            } else {
                Err(AppError::Invalid(std::mem::take(&mut invalid)))
            }
        }
        Part::Relief => {
            let input = ReliefInput {
                person_id: form.optional_id("person_id", &mut invalid),
                kind: ReliefKind::from_code(&t("kind")),
                requested_on: opt(t("requested_on")),
                decided_on: opt(t("decided_on")),
                outcome: ReliefOutcome::from_code(&t("outcome")),
            };
            if invalid.is_empty() {
                s.app.add_relief(&v.actor, tf, id, input).await.map(|_| ())
            } else {
                Err(AppError::Invalid(std::mem::take(&mut invalid)))
            }
        }
    };
    let result = outcome(result, |_| case_href(id))?;
    let fields = part_fields(&s, &v, &view, part, &form).await?;
    Ok(respond(result, || {
        part_page(&v, &view, part, &part_code, fields)
    }))
}

/// A task marked done (or reopened) from the case page: the use case keeps its other fields.
async fn task_status(
    State(s): State<AppState>,
    Path((id, task)): Path<(String, String)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let id: CaseId = id
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let task: CaseTaskId = task
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let mut invalid = Invalid::default();
    let version = form.version(&mut invalid);
    let status = opt(form.text("status")).map(|t| TaskStatus::from_code(&t));
    if !invalid.is_empty() {
        return Err(AppError::Invalid(invalid).into());
    }
    s.app
        .set_task_status(
            &v.actor,
            v.principal.task_force_id,
            id,
            task,
            version,
            status,
        )
        .await?;
    Ok(Redirect::to(&format!("{}?saved=1", case_href(id))).into_response())
}

/// A charge moved to another stage from the case page: the use case keeps its other fields.
async fn charge_stage(
    State(s): State<AppState>,
    Path((id, charge)): Path<(String, String)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let id: CaseId = id
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let charge: ChargeId = charge
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let mut invalid = Invalid::default();
    let version = form.version(&mut invalid);
    let stage = opt(form.text("stage")).map(|t| ChargeStage::from_code(&t));
    if !invalid.is_empty() {
        return Err(AppError::Invalid(invalid).into());
    }
    s.app
        .set_charge_stage(
            &v.actor,
            v.principal.task_force_id,
            id,
            charge,
            version,
            stage,
        )
        .await?;
    Ok(Redirect::to(&format!("{}?saved=1", case_href(id))).into_response())
}

async fn revoke_grant(
    State(s): State<AppState>,
    Path((id, grant)): Path<(String, String)>,
    SignedForm { viewer: v, .. }: SignedForm,
) -> PageResult {
    let id: CaseId = id
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let grant: GrantId = grant
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    s.app
        .revoke_team_grant(&v.actor, v.principal.task_force_id, id, grant)
        .await?;
    Ok(Redirect::to(&format!("{}?saved=1", case_href(id))).into_response())
}

// -- attachments ------------------------------------------------------------------------------

async fn download(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, attachment)): Path<(String, String)>,
) -> PageResult {
    let id: CaseId = id
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let attachment: AttachmentId = attachment
        .parse()
        .map_err(|_| PageError::from(AppError::NotFound))?;
    let (meta, content) = s
        .app
        .attachment_content(&v.actor, v.principal.task_force_id, id, attachment)
        .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        meta.file_name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, meta.media_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        content,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    reference: String,
    labels: Vec<(String, String)>,
    current: String,
    error: Option<String>,
}

fn upload_page(v: &Viewer, view: &CaseView, error: Option<String>) -> UploadPage {
    UploadPage {
        chrome: Chrome::new(
            v,
            crumbs(
                None,
                vec![
                    Cell::link("Cases", "/cases"),
                    Cell::link(view.case.reference.clone(), case_href(view.case.id)),
                    Cell::text("Add a file"),
                ],
            ),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        id: view.case.id.to_string(),
        reference: view.case.reference.clone(),
        labels: label_options(&note_labels(view.case.kind)),
        current: view.case.label.code().to_owned(),
        error,
    }
}

async fn upload_form(State(s): State<AppState>, v: Viewer, Ids(id, _): Ids<CaseId>) -> PageResult {
    let view = s
        .app
        .case_view(&v.actor, v.principal.task_force_id, id)
        .await?;
    require(&view, view.may_update)?;
    Ok(render(&upload_page(&v, &view, None)))
}

/// A multipart upload: the CSRF token, the label and one file.
async fn upload(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<CaseId>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let view = s.app.case_view(&v.actor, tf, id).await?;
    require(&view, view.may_update)?;
    let Ok(mut multipart) = multipart else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&upload_page(
                &v,
                &view,
                Some("file: choose a file to add".into()),
            )),
        )
            .into_response());
    };
    let mut csrf = String::new();
    let mut label = String::new();
    let mut file: Option<(String, Bytes)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "label" => label = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(_) => {
                        return Err(AppError::Invalid(Invalid::one(
                            "file",
                            "is larger than 10 MB or could not be read",
                        ))
                        .into())
                    }
                }
            }
            _ => {}
        }
    }
    if !crate::auth::same(&csrf, &v.session.csrf_token) {
        return Ok((
            StatusCode::FORBIDDEN,
            "The form expired; reload the page and try again.",
        )
            .into_response());
    }
    let (name, bytes) = file.unwrap_or_default();
    match s
        .app
        .add_attachment(&v.actor, tf, id, &name, &bytes, opt(label).as_deref())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}?saved=1", case_href(id))).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let message = invalid
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&upload_page(&v, &view, Some(message))),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

// -- persons ----------------------------------------------------------------------------------

async fn person_page(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<PersonId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let p = s
        .app
        .person_view(&v.actor, v.principal.task_force_id, id)
        .await?;
    let person = &p.person;
    let words = |list: &[(&str, &str)], codes: &[String]| {
        codes
            .iter()
            .map(|c| Cell::text(words_for(list, c)))
            .collect::<Vec<_>>()
    };
    let mut rows = vec![
        Row::text(
            "Date of birth",
            person
                .date_of_birth
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        Row::text("Sex", person.sex.label()),
        Row::text("Gender", person.gender.label()),
        Row::text("Nationality", person.nationality.join(", ")),
        Row::text("Languages", person.languages.join(", ")),
        Row::text(
            "Identification",
            person
                .trafficking_status
                .map(|s| s.label())
                .unwrap_or_default(),
        ),
        Row::new(
            "Means of control",
            words(MEANS_OF_CONTROL, &person.means_of_control),
        ),
        Row::new(
            "Vulnerabilities",
            words(VULNERABILITIES, &person.vulnerabilities),
        ),
        Row::text(
            "Role (suspect)",
            person
                .perpetrator_role
                .map(|r| r.label())
                .unwrap_or_default(),
        ),
        Row::text("Who may see this person", person.label.words()),
        Row::new(
            "Entered on case",
            vec![Cell::link("Open the case", case_href(p.home_case_id))],
        ),
        Row::new(
            "Services and interview",
            vec![
                Cell::link(
                    "Services and service plan",
                    format!("/persons/{}/services", person.id),
                ),
                Cell::link(
                    "Interview record",
                    format!("/persons/{}/interview", person.id),
                ),
            ],
        ),
        Row::new(
            "Deconfliction",
            vec![Cell::link(
                "Deconfliction and do not disclose",
                format!("/persons/{id}/deconfliction"),
            )],
        ),
    ];
    if p.may_keep_consent {
        rows.push(Row::new(
            "Consent to share",
            vec![Cell::link(
                "Consents on record, and record a new one",
                format!("/persons/{}/consents", person.id),
            )],
        ));
    }
    rows.push(Row::new(
        "Identifiers",
        p.identifiers
            .iter()
            .map(|i| {
                Cell::text(format!(
                    "{}: {} (entered {})",
                    i.kind.label(),
                    i.value,
                    i.entered_at.format("%Y-%m-%d")
                ))
            })
            .collect(),
    ));
    // Referring: for the organization that holds the person (the referral checks consent).
    if person.owner_organization_id == v.principal.organization_id
        && taskforce_domain::access::decide(
            &v.principal,
            taskforce_domain::access::Action::Create,
            &taskforce_domain::access::Resource::in_task_force(
                taskforce_domain::access::ResourceKind::Referral,
                v.principal.task_force_id,
            ),
            v.now,
        )
        .allowed
    {
        rows.push(Row::new(
            "Referrals",
            vec![Cell::link(
                "Refer this person",
                format!("/referrals/new?person={}", person.id),
            )],
        ));
    }
    rows.extend(super::duplicates::person_row(&s, &v, id).await?);
    Ok(render(&DetailPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                None,
                vec![
                    Cell::link("Cases", "/cases"),
                    Cell::text(person.display_name()),
                ],
            ),
            notice.text(),
        ),
        title: person.display_name(),
        rows,
        edit: None,
    }))
}

// -- search -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct SearchParams {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    trafficking_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    filters: Vec<Field>,
    searched: bool,
    total: i64,
    results: Vec<SearchLine>,
    error: Option<String>,
}

struct SearchLine {
    title: Cell,
    kind: String,
    when: String,
    label: String,
    snippet: Vec<SnippetPart>,
}

fn search_line(r: SearchResult) -> SearchLine {
    SearchLine {
        title: Cell::link(r.title, r.link),
        kind: match r.doc_kind.as_str() {
            "case" => "Case".to_owned(),
            "person" => "Person".to_owned(),
            "note" => "Note".to_owned(),
            "tip" => "Tip".to_owned(),
            other => other.to_owned(),
        },
        when: r.occurred_on.format("%Y-%m-%d").to_string(),
        label: r.label.words().to_owned(),
        snippet: r.snippet,
    }
}

fn parse_day(
    text: &Option<String>,
    field: &str,
    invalid: &mut Invalid,
) -> Option<chrono::NaiveDate> {
    let text = text.as_deref().unwrap_or("").trim();
    if text.is_empty() {
        return None;
    }
    let parsed = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        invalid.add(field, "must be a date written YYYY-MM-DD");
    }
    parsed
}

async fn search(State(s): State<AppState>, v: Viewer, Query(q): Query<SearchParams>) -> PageResult {
    s.app
        .search_visibility(&v.actor, v.principal.task_force_id)
        .await?;
    let text = q.q.clone().unwrap_or_default();
    let mut invalid = Invalid::default();
    let filter = SearchFilter {
        doc_kinds: match q.kind.as_deref() {
            Some("case") => vec!["case"],
            Some("person") => vec!["person"],
            Some("note") => vec!["note"],
            Some("tip") => vec!["tip"],
            _ => Vec::new(),
        },
        status: q.status.clone().filter(|s| !s.is_empty()),
        trafficking_type: q.trafficking_type.clone().filter(|s| !s.is_empty()),
        organization: None,
        from: parse_day(&q.from, "from", &mut invalid),
        to: parse_day(&q.to, "to", &mut invalid),
    };
    let filters = vec![
        Field::new("kind", "Kind", "select", q.kind.clone().unwrap_or_default()).options(vec![
            (String::new(), "Everything".into()),
            ("case".into(), "Cases".into()),
            ("person".into(), "People".into()),
            ("note".into(), "Notes".into()),
            ("tip".into(), "Tips".into()),
        ]),
        Field::new(
            "status",
            "Case status",
            "select",
            q.status.clone().unwrap_or_default(),
        )
        .options(with_blank(
            options(CaseStatus::ALL, CaseStatus::code, CaseStatus::label),
            "Any status",
        )),
        Field::new(
            "trafficking_type",
            "Type",
            "select",
            q.trafficking_type.clone().unwrap_or_default(),
        )
        .options(with_blank(
            options(
                TraffickingType::ALL,
                TraffickingType::code,
                TraffickingType::label,
            ),
            "Any type",
        )),
        Field::new("from", "From", "date", q.from.clone().unwrap_or_default()),
        Field::new("to", "To", "date", q.to.clone().unwrap_or_default()),
    ];
    let (searched, total, results, error) = if text.trim().is_empty() {
        (false, 0, Vec::new(), None)
    } else if !invalid.is_empty() {
        (false, 0, Vec::new(), Some(invalid.to_string()))
    } else {
        match s
            .app
            .search(
                &v.actor,
                v.principal.task_force_id,
                &SearchQuery {
                    text: text.clone(),
                    filter,
                },
                50,
            )
            .await
        {
            Ok((results, total)) => (
                true,
                total,
                results.into_iter().map(search_line).collect(),
                None,
            ),
            Err(AppError::Invalid(invalid)) => (false, 0, Vec::new(), Some(invalid.to_string())),
            Err(other) => return Err(other.into()),
        }
    };
    Ok(render(&SearchPage {
        chrome: Chrome::new(
            &v,
            vec![Cell::link("Task forces", "/"), Cell::text("Search")],
            None,
        ),
        q: text,
        filters,
        searched,
        total,
        results,
        error,
    }))
}
