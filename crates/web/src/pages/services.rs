//! Pages of a person's services and service plan, their one shared interview record, and case
//! reviews (multidisciplinary team meetings). What the reader may not see is marked withheld
//! with its reason, never shown; each agenda case is shown only as its own policy allows.

use super::structure::{crumbs, Notice};
use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::forms::FormData;
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use taskforce_app::cases::Shown;
use taskforce_app::AppError;
use taskforce_domain::access::{Action, Label};
use taskforce_domain::cases::TaskInput;
use taskforce_domain::services::*;
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/services", get(services).post(record_service))
        .route("/persons/{id}/goals", post(add_goal))
        .route("/persons/{id}/goals/{goal}/status", post(goal_status))
        .route(
            "/persons/{id}/interview",
            get(interview).post(record_interview),
        )
        .route("/reviews", get(reviews).post(create_review))
        .route("/reviews/new", get(new_review))
        .route("/reviews/{id}", get(review))
        .route("/reviews/{id}/attendance", post(attendance))
        .route("/reviews/{id}/agenda", post(add_agenda_case))
        .route("/reviews/{id}/decisions", post(record_decision))
        .route("/reviews/{id}/actions", post(add_action))
}

/// A form shown inside a page (its errors come back on a form page of its own).
pub struct InlineForm {
    pub id: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub action: String,
    pub submit: &'static str,
    pub version: Option<i64>,
    pub fields: Vec<Field>,
}

fn withheld(label: Label, reason: &str) -> String {
    format!("Withheld ({}): {reason}", label.words())
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A refused form again, on a page of its own, with each error beside its field (422).
#[allow(clippy::too_many_arguments)]
fn refused(
    v: &Viewer,
    back: Cell,
    title: &str,
    action: String,
    submit: &'static str,
    version: Option<i64>,
    fields: Vec<Field>,
    invalid: &Invalid,
) -> Response {
    let cancel = back.href.clone().unwrap_or_default();
    let page = FormPage {
        chrome: Chrome::new(v, crumbs(None, vec![back, Cell::text(title)]), None),
        csrf: v.session.csrf_token.clone(),
        title: title.to_owned(),
        action,
        cancel,
        submit,
        version,
        fields,
        problems: Vec::new(),
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&page.with_errors(invalid)),
    )
        .into_response()
}

// -- services and the service plan ---------------------------------------------------------

#[derive(Template)]
#[template(path = "services/services.html")]
struct ServicesPage {
    chrome: Chrome,
    csrf: String,
    title: String,
    person_href: String,
    services: Vec<ServiceLine>,
    goals: Vec<GoalLine>,
    forms: Vec<InlineForm>,
}

struct ServiceLine {
    withheld: Option<String>,
    category: String,
    dates: String,
    provider: String,
    amount: String,
    outcome: String,
    holder: String,
}

struct GoalLine {
    withheld: Option<String>,
    id: String,
    goal: String,
    category: String,
    target: String,
    status: String,
    holder: String,
    /// (action, version, current status code) when the reader's organization set it.
    change: Option<(String, i64, String)>,
}

fn category_options(list: &[ServiceCategory], blank: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), blank.to_owned())];
    out.extend(
        list.iter()
            .filter(|c| c.active)
            .map(|c| (c.code.clone(), c.words.clone())),
    );
    out
}

fn service_fields(input: &ServiceInput, list: &[ServiceCategory]) -> Vec<Field> {
    vec![
        Field::new("category", "Service", "select", input.category.clone())
            .required()
            .options(category_options(list, "Choose a service")),
        Field::new("started_on", "Started on", "date", input.started_on.clone()).required(),
        Field::new("ended_on", "Ended on", "date", input.ended_on.clone())
            .hint("Leave empty while it goes on."),
        Field::new("provider", "Provided by", "text", input.provider.clone())
            .required()
            .hint("Your organization, or the partner who delivered it."),
        Field::new("units", "Units", "number", input.units.clone()),
        Field::new("unit", "Unit", "text", input.unit.clone())
            .hint("What a unit is: nights, sessions, rides."),
        Field::new(
            "amount",
            "Amount spent (dollars)",
            "text",
            input.amount.clone(),
        ),
        Field::new("outcome", "Outcome", "select", input.outcome.clone()).options(
            ServiceOutcome::ALL
                .iter()
                .map(|o| (o.code().to_owned(), o.label().to_owned()))
                .collect(),
        ),
    ]
}

fn goal_fields(input: &GoalInput, list: &[ServiceCategory]) -> Vec<Field> {
    vec![
        Field::new("goal", "Goal", "textarea", input.goal.clone())
            .required()
            .hint("In the survivor's own words where possible."),
        Field::new(
            "goal_category",
            "Service it is about",
            "select",
            input.category.clone(),
        )
        .options(category_options(list, "None in particular")),
        Field::new("target_on", "Target date", "date", input.target_on.clone()),
    ]
}

async fn services(
    axum::extract::State(s): axum::extract::State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<PersonId>,
    axum::extract::Query(notice): axum::extract::Query<Notice>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let view = s.app.services_of(&v.actor, tf, id).await?;
    let holder = |org: &OrganizationId| view.holders.get(org).cloned().unwrap_or_default();
    let me = v.principal.organization_id;
    let services = view
        .services
        .iter()
        .map(|shown| match shown {
            Shown::Yes(sv) => ServiceLine {
                withheld: None,
                category: category_words(&view.categories, &sv.category),
                dates: match sv.ended_on {
                    Some(end) => format!("{} to {}", sv.started_on, end),
                    None => format!("since {}", sv.started_on),
                },
                provider: sv.provider.clone(),
                amount: [
                    sv.units.map(|u| format!("{u} {}", sv.unit)),
                    sv.amount_cents.map(dollars),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
                outcome: sv.outcome.label().to_owned(),
                holder: holder(&sv.holder_organization_id),
            },
            Shown::Withheld { label, reason } => ServiceLine {
                withheld: Some(withheld(*label, reason)),
                category: String::new(),
                dates: String::new(),
                provider: String::new(),
                amount: String::new(),
                outcome: String::new(),
                holder: String::new(),
            },
        })
        .collect();
    let goals = view
        .goals
        .iter()
        .map(|shown| match shown {
            Shown::Yes(g) => GoalLine {
                withheld: None,
                id: g.id.to_string(),
                goal: g.goal.clone(),
                category: g
                    .category
                    .as_deref()
                    .map(|c| category_words(&view.categories, c))
                    .unwrap_or_default(),
                target: day(g.target_on),
                status: g.status.label().to_owned(),
                holder: holder(&g.holder_organization_id),
                change: (g.holder_organization_id == me && view.may_record).then(|| {
                    (
                        format!("/persons/{id}/goals/{}/status", g.id),
                        g.version,
                        g.status.code().to_owned(),
                    )
                }),
            },
            Shown::Withheld { label, reason } => GoalLine {
                withheld: Some(withheld(*label, reason)),
                id: String::new(),
                goal: String::new(),
                category: String::new(),
                target: String::new(),
                status: String::new(),
                holder: String::new(),
                change: None,
            },
        })
        .collect();
    let forms = if view.may_record {
        vec![
            InlineForm {
                id: "record-service",
                title: "Record a service",
                intro: "Services never depend on a survivor's consent to share.",
                action: format!("/persons/{id}/services"),
                submit: "Record the service",
                version: None,
                fields: service_fields(&ServiceInput::default(), &view.categories),
            },
            InlineForm {
                id: "add-goal",
                title: "Add a goal to the service plan",
                intro: "",
                action: format!("/persons/{id}/goals"),
                submit: "Add the goal",
                version: None,
                fields: goal_fields(&GoalInput::default(), &view.categories),
            },
        ]
    } else {
        Vec::new()
    };
    Ok(render(&ServicesPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                None,
                vec![
                    Cell::link(view.person_name.clone(), format!("/persons/{id}")),
                    Cell::text("Services and plan"),
                ],
            ),
            notice.text(),
        ),
        csrf: v.session.csrf_token.clone(),
        title: format!("Services and plan: {}", view.person_name),
        person_href: format!("/persons/{id}"),
        services,
        goals,
        forms,
    }))
}

fn service_input(form: &FormData) -> ServiceInput {
    ServiceInput {
        category: form.text("category"),
        started_on: form.text("started_on"),
        ended_on: form.text("ended_on"),
        provider: form.text("provider"),
        units: form.text("units"),
        unit: form.text("unit"),
        amount: form.text("amount"),
        outcome: form.text("outcome"),
    }
}

async fn record_service(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<PersonId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let input = service_input(&form);
    match s.app.record_service(&v.actor, tf, id, input.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}/services?saved=1")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let list = s.app.service_categories(&v.actor, tf).await?;
            Ok(refused(
                &v,
                Cell::link("Services and plan", format!("/persons/{id}/services")),
                "Record a service",
                format!("/persons/{id}/services"),
                "Record the service",
                None,
                service_fields(&input, &list),
                &invalid,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_goal(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<PersonId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let input = GoalInput {
        goal: form.text("goal"),
        category: form.text("goal_category"),
        target_on: form.text("target_on"),
        status: form.text("status"),
    };
    match s
        .app
        .add_service_goal(&v.actor, tf, id, input.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}/services?saved=1")).into_response()),
        Err(AppError::Invalid(mut invalid)) => {
            for e in &mut invalid.errors {
                if e.field == "category" {
                    e.field = "goal_category".into();
                }
            }
            let list = s.app.service_categories(&v.actor, tf).await?;
            Ok(refused(
                &v,
                Cell::link("Services and plan", format!("/persons/{id}/services")),
                "Add a goal to the service plan",
                format!("/persons/{id}/goals"),
                "Add the goal",
                None,
                goal_fields(&input, &list),
                &invalid,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn goal_status(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids((id, goal), _): Ids<(PersonId, ServiceGoalId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    // A missing or unreadable version is named by the use case, after it asks the policy.
    let version = form.version(&mut Invalid::default());
    s.app
        .set_goal_status(
            &v.actor,
            v.principal.task_force_id,
            id,
            goal,
            version,
            &form.text("status"),
        )
        .await?;
    Ok(Redirect::to(&format!("/persons/{id}/services?saved=1")).into_response())
}

// -- the interview record --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "services/interview.html")]
struct InterviewPage {
    chrome: Chrome,
    csrf: String,
    title: String,
    person_href: String,
    facts: Vec<Row>,
    withheld: Option<String>,
    recorded: bool,
    forms: Vec<InlineForm>,
}

fn interview_fields(input: &InterviewInput) -> Vec<Field> {
    vec![
        Field::new(
            "interviewed_by",
            "Interviewed by",
            "text",
            input.interviewed_by.clone(),
        )
        .required()
        .hint("Names and agencies of those who interviewed."),
        Field::new(
            "interviewed_on",
            "Date",
            "date",
            input.interviewed_on.clone(),
        )
        .required(),
        Field::new("place", "Where", "text", input.place.clone()),
        Field::new("language", "Language", "text", input.language.clone()).required(),
        Field::new(
            "interpreter",
            "Interpreter",
            "text",
            input.interpreter.clone(),
        )
        .hint("Name and agency, or leave empty when none was needed."),
        Field::new(
            "recording_reference",
            "Recording reference",
            "text",
            input.recording_reference.clone(),
        )
        .hint("Where the recording is kept (evidence or file number), never the recording itself."),
        Field::new("notes", "Notes", "textarea", input.notes.clone())
            .hint("What was covered, so that the survivor is not asked again for the same facts."),
    ]
}

fn interview_input(form: &FormData) -> InterviewInput {
    InterviewInput {
        interviewed_by: form.text("interviewed_by"),
        interviewed_on: form.text("interviewed_on"),
        place: form.text("place"),
        language: form.text("language"),
        interpreter: form.text("interpreter"),
        recording_reference: form.text("recording_reference"),
        notes: form.text("notes"),
    }
}

async fn interview(
    axum::extract::State(s): axum::extract::State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<PersonId>,
    axum::extract::Query(notice): axum::extract::Query<Notice>,
) -> PageResult {
    let view = s
        .app
        .interview_of(&v.actor, v.principal.task_force_id, id)
        .await?;
    let (facts, withheld_text, recorded, form) = match &view.interview {
        None => (
            Vec::new(),
            None,
            false,
            view.may_record.then(|| InlineForm {
                id: "record-interview",
                title: "Record the interview",
                intro: "One record per survivor, shared with partners only under their consent.",
                action: format!("/persons/{id}/interview"),
                submit: "Record the interview",
                version: None,
                fields: interview_fields(&InterviewInput::default()),
            }),
        ),
        Some(Shown::Withheld { label, reason }) => {
            (Vec::new(), Some(withheld(*label, reason)), true, None)
        }
        Some(Shown::Yes(i)) => (
            vec![
                Row::text("Interviewed by", i.interviewed_by.clone()),
                Row::text("Organization", view.holder_name.clone()),
                Row::text("Date", i.interviewed_on.to_string()),
                Row::text("Where", i.place.clone()),
                Row::text("Language", i.language.clone()),
                Row::text(
                    "Interpreter",
                    if i.interpreter.is_empty() {
                        "None".to_owned()
                    } else {
                        i.interpreter.clone()
                    },
                ),
                Row::text("Recording reference", i.recording_reference.clone()),
                Row::text("Notes", i.notes.clone()),
                Row::text("Who may see this", i.label.words()),
            ],
            None,
            true,
            view.may_record.then(|| InlineForm {
                id: "change-interview",
                title: "Correct the interview record",
                intro: "",
                action: format!("/persons/{id}/interview"),
                submit: "Save the changes",
                version: Some(i.version),
                fields: interview_fields(&InterviewInput {
                    interviewed_by: i.interviewed_by.clone(),
                    interviewed_on: i.interviewed_on.to_string(),
                    place: i.place.clone(),
                    language: i.language.clone(),
                    interpreter: i.interpreter.clone(),
                    recording_reference: i.recording_reference.clone(),
                    notes: i.notes.clone(),
                }),
            }),
        ),
    };
    Ok(render(&InterviewPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                None,
                vec![
                    Cell::link(view.person_name.clone(), format!("/persons/{id}")),
                    Cell::text("Interview record"),
                ],
            ),
            notice.text(),
        ),
        csrf: v.session.csrf_token.clone(),
        title: format!("Interview record: {}", view.person_name),
        person_href: format!("/persons/{id}"),
        facts,
        withheld: withheld_text,
        recorded,
        forms: form.into_iter().collect(),
    }))
}

async fn record_interview(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<PersonId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let version = form.version(&mut Invalid::default());
    let input = interview_input(&form);
    match s
        .app
        .record_interview(
            &v.actor,
            v.principal.task_force_id,
            id,
            version,
            input.clone(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}/interview?saved=1")).into_response()),
        Err(AppError::Invalid(invalid)) => Ok(refused(
            &v,
            Cell::link("Interview record", format!("/persons/{id}/interview")),
            "Record the interview",
            format!("/persons/{id}/interview"),
            "Save the interview",
            version,
            interview_fields(&input),
            &invalid,
        )),
        Err(e) => Err(e.into()),
    }
}

// -- case reviews ----------------------------------------------------------------------------

fn reviews_crumb() -> Cell {
    Cell::link("Case reviews", "/reviews")
}

async fn reviews(
    axum::extract::State(s): axum::extract::State<AppState>,
    v: Viewer,
    axum::extract::Query(notice): axum::extract::Query<Notice>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let list = s.app.case_reviews(&v.actor, tf).await?;
    let today = v.now.date_naive();
    let rows = list
        .iter()
        .map(|(r, items)| {
            vec![
                Cell::link(r.title.clone(), format!("/reviews/{}", r.id)),
                Cell::text(format!("{} {}", r.held_on, r.starts_at).trim().to_owned()),
                Cell::text(if r.held_on < today {
                    "Held"
                } else {
                    "Upcoming"
                }),
                Cell::text(r.place.clone()),
                Cell::text(items.to_string()),
            ]
        })
        .collect();
    let may_create = decide_here(&v, Action::Create);
    Ok(render(&TablePage {
        chrome: Chrome::new(
            &v,
            crumbs(None, vec![Cell::text("Case reviews")]),
            notice.text(),
        ),
        title: "Case reviews".into(),
        intro: "Multidisciplinary team meetings: each member sees only the parts of each case on the agenda they may read.".into(),
        headers: vec!["Meeting", "When", "Held or upcoming", "Where", "Cases on the agenda"],
        rows,
        empty: "No case reviews yet.",
        new: may_create.then(|| Cell::link("Schedule a case review", "/reviews/new")),
    }))
}

/// Whether the viewer's role may `action` case reviews (to offer the buttons; the use cases
/// ask the policy again).
fn decide_here(v: &Viewer, action: Action) -> bool {
    taskforce_domain::access::decide(
        &v.principal,
        action,
        &taskforce_domain::access::Resource::in_task_force(
            taskforce_domain::access::ResourceKind::CaseReview,
            v.principal.task_force_id,
        ),
        v.now,
    )
    .allowed
}

fn review_fields(input: &CaseReviewInput, members: &[(MemberId, String)]) -> Vec<Field> {
    let options: Vec<(String, String)> = members
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    vec![
        Field::new("title", "Title", "text", input.title.clone()).required(),
        Field::new("held_on", "Date", "date", input.held_on.clone()).required(),
        Field::new("starts_at", "Starts at", "time", input.starts_at.clone()),
        Field::new("place", "Where", "text", input.place.clone()),
        Field::new("attendees", "Attendees", "checkboxes", "")
            .options(options)
            .values(input.attendees.clone())
            .hint("Each is told of the meeting in their inbox, without its content."),
    ]
}

async fn new_review(
    axum::extract::State(s): axum::extract::State<AppState>,
    v: Viewer,
) -> PageResult {
    let tf = v.principal.task_force_id;
    if !decide_here(&v, Action::Create) {
        return Err(AppError::Forbidden(
            "Your role does not include this. Ask your task force coordinator if you need it."
                .into(),
        )
        .into());
    }
    let members = s.app.review_members(&v.actor, tf).await?;
    Ok(render(&FormPage {
        chrome: Chrome::new(
            &v,
            crumbs(None, vec![reviews_crumb(), Cell::text("New case review")]),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        title: "Schedule a case review".into(),
        action: "/reviews".into(),
        cancel: "/reviews".into(),
        submit: "Schedule the review",
        version: None,
        fields: review_fields(&CaseReviewInput::default(), &members),
        problems: Vec::new(),
    }))
}

async fn create_review(
    axum::extract::State(s): axum::extract::State<AppState>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let input = CaseReviewInput {
        title: form.text("title"),
        held_on: form.text("held_on"),
        starts_at: form.text("starts_at"),
        place: form.text("place"),
        attendees: form.all("attendees"),
        attended: Vec::new(),
    };
    match s.app.create_case_review(&v.actor, tf, input.clone()).await {
        Ok(r) => Ok(Redirect::to(&format!("/reviews/{}?saved=1", r.id)).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let members = s.app.review_members(&v.actor, tf).await?;
            Ok(refused(
                &v,
                reviews_crumb(),
                "Schedule a case review",
                "/reviews".into(),
                "Schedule the review",
                None,
                review_fields(&input, &members),
                &invalid,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "services/review.html")]
struct ReviewPage {
    chrome: Chrome,
    csrf: String,
    title: String,
    facts: Vec<Row>,
    agenda: Vec<AgendaLine>,
    forms: Vec<InlineForm>,
}

struct AgendaLine {
    position: i64,
    withheld: Option<String>,
    case: Cell,
    holder: String,
    status: String,
    decision: String,
    decided: String,
    actions: Vec<String>,
}

fn agenda_fields(reference: &str) -> Vec<Field> {
    vec![
        Field::new("case_reference", "Case reference", "text", reference)
            .required()
            .hint("Only a case you may read can be put on the agenda."),
    ]
}

fn decision_fields(items: &[(String, String)], item: &str, decision: &str) -> Vec<Field> {
    vec![
        Field::new("item", "Case", "select", item)
            .required()
            .options(items.to_vec()),
        Field::new("decision", "Decision", "textarea", decision)
            .required()
            .hint("Shown only to those who may read the case."),
    ]
}

fn action_fields(
    items: &[(String, String)],
    members: &[(MemberId, String)],
    form: Option<&FormData>,
) -> Vec<Field> {
    let text = |name: &str| form.map(|f| f.text(name)).unwrap_or_default();
    let mut people = vec![(String::new(), "Nobody yet".to_owned())];
    people.extend(members.iter().map(|(id, n)| (id.to_string(), n.clone())));
    vec![
        Field::new("action_item", "Case", "select", text("action_item"))
            .required()
            .options(items.to_vec()),
        Field::new("title", "What is to be done", "text", text("title")).required(),
        Field::new("due_on", "Due on", "date", text("due_on")),
        Field::new(
            "assignee_member_id",
            "Assigned to",
            "select",
            text("assignee_member_id"),
        )
        .options(people)
        .hint("They are told in their inbox; the task goes on the case."),
    ]
}

async fn review(
    axum::extract::State(s): axum::extract::State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<CaseReviewId>,
    axum::extract::Query(notice): axum::extract::Query<Notice>,
) -> PageResult {
    let view = s
        .app
        .case_review(&v.actor, v.principal.task_force_id, id)
        .await?;
    let r = &view.review;
    let member_name = |m: Option<MemberId>| {
        m.and_then(|m| view.members.iter().find(|(id, _)| *id == m))
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let mut readable = Vec::new();
    let mut updatable = Vec::new();
    let agenda = view
        .agenda
        .iter()
        .map(|entry| match &entry.case {
            Shown::Yes(c) => {
                let option = (
                    entry.item_id.to_string(),
                    format!("{} {}", c.reference, c.title),
                );
                if c.may_update_case {
                    updatable.push(option.clone());
                }
                readable.push(option);
                AgendaLine {
                    position: entry.position,
                    withheld: None,
                    case: Cell::link(
                        format!("{}: {}", c.reference, c.title),
                        format!("/cases/{}", c.case_id),
                    ),
                    holder: c.holder_name.clone(),
                    status: c.status.label().to_owned(),
                    decision: c.decision.clone(),
                    decided: c
                        .decided_at
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    actions: c
                        .actions
                        .iter()
                        .map(|t| {
                            let who = member_name(t.assignee_member_id);
                            let mut line = format!("{} ({})", t.title, t.status.label());
                            if !who.is_empty() {
                                line.push_str(&format!(", assigned to {who}"));
                            }
                            if let Some(due) = t.due_on {
                                line.push_str(&format!(", due {due}"));
                            }
                            line
                        })
                        .collect(),
                }
            }
            Shown::Withheld { label, reason } => AgendaLine {
                position: entry.position,
                withheld: Some(withheld(*label, reason)),
                case: Cell::text(""),
                holder: String::new(),
                status: String::new(),
                decision: String::new(),
                decided: String::new(),
                actions: Vec::new(),
            },
        })
        .collect();
    let attendees = |attended: bool| -> Vec<Cell> {
        r.attendees
            .iter()
            .filter(|a| !attended || a.attended)
            .map(|a| Cell::text(a.name.clone()))
            .collect()
    };
    let facts = vec![
        Row::text("Date", r.held_on.to_string()),
        Row::text("Starts at", r.starts_at.clone()),
        Row::text("Where", r.place.clone()),
        Row::new("Attendees", attendees(false)),
        Row::new("Attended", attendees(true)),
    ];
    let mut forms = Vec::new();
    if view.may_update {
        forms.push(InlineForm {
            id: "agenda",
            title: "Put a case on the agenda",
            intro: "",
            action: format!("/reviews/{id}/agenda"),
            submit: "Add to the agenda",
            version: None,
            fields: agenda_fields(""),
        });
        if !readable.is_empty() {
            forms.push(InlineForm {
                id: "decision",
                title: "Record a decision",
                intro: "",
                action: format!("/reviews/{id}/decisions"),
                submit: "Record the decision",
                version: None,
                fields: decision_fields(&readable, "", ""),
            });
        }
        if !updatable.is_empty() {
            forms.push(InlineForm {
                id: "action",
                title: "Add an action item",
                intro: "An action item becomes a task on the case.",
                action: format!("/reviews/{id}/actions"),
                submit: "Add the action item",
                version: None,
                fields: action_fields(&updatable, &view.members, None),
            });
        }
        if !r.attendees.is_empty() {
            forms.push(InlineForm {
                id: "attendance",
                title: "Record attendance",
                intro: "",
                action: format!("/reviews/{id}/attendance"),
                submit: "Save attendance",
                version: Some(r.version),
                fields: vec![Field::new("attended", "Who attended", "checkboxes", "")
                    .options(
                        r.attendees
                            .iter()
                            .map(|a| (a.member_id.to_string(), a.name.clone()))
                            .collect(),
                    )
                    .values(
                        r.attendees
                            .iter()
                            .filter(|a| a.attended)
                            .map(|a| a.member_id.to_string())
                            .collect(),
                    )],
            });
        }
    }
    Ok(render(&ReviewPage {
        chrome: Chrome::new(
            &v,
            crumbs(None, vec![reviews_crumb(), Cell::text(r.title.clone())]),
            notice.text(),
        ),
        csrf: v.session.csrf_token.clone(),
        title: r.title.clone(),
        facts,
        agenda,
        forms,
    }))
}

fn review_crumb(id: CaseReviewId) -> Cell {
    Cell::link("Case review", format!("/reviews/{id}"))
}

async fn attendance(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<CaseReviewId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let version = form.version(&mut Invalid::default());
    s.app
        .set_review_attendance(
            &v.actor,
            v.principal.task_force_id,
            id,
            version,
            &form.all("attended"),
        )
        .await?;
    Ok(Redirect::to(&format!("/reviews/{id}?saved=1")).into_response())
}

async fn add_agenda_case(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<CaseReviewId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let reference = form.text("case_reference");
    match s
        .app
        .add_review_case(&v.actor, v.principal.task_force_id, id, &reference)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/{id}?saved=1")).into_response()),
        Err(AppError::Invalid(invalid)) => Ok(refused(
            &v,
            review_crumb(id),
            "Put a case on the agenda",
            format!("/reviews/{id}/agenda"),
            "Add to the agenda",
            None,
            agenda_fields(&reference),
            &invalid,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The agenda items the viewer may read (and, for action items, update) as choices.
async fn item_choices(
    s: &AppState,
    v: &Viewer,
    id: CaseReviewId,
    updatable: bool,
) -> Result<(Vec<(String, String)>, Vec<(MemberId, String)>), PageError> {
    let view = s
        .app
        .case_review(&v.actor, v.principal.task_force_id, id)
        .await?;
    let items = view
        .agenda
        .iter()
        .filter_map(|e| match &e.case {
            Shown::Yes(c) if !updatable || c.may_update_case => Some((
                e.item_id.to_string(),
                format!("{} {}", c.reference, c.title),
            )),
            _ => None,
        })
        .collect();
    Ok((items, view.members))
}

fn item_of(form: &FormData, name: &str) -> Option<ReviewItemId> {
    form.text(name)
        .trim()
        .parse::<uuid::Uuid>()
        .ok()
        .map(ReviewItemId)
}

async fn record_decision(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<CaseReviewId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let result = s
        .app
        .record_review_decision(
            &v.actor,
            tf,
            id,
            item_of(&form, "item"),
            &form.text("decision"),
        )
        .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/reviews/{id}?saved=1")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let (items, _) = item_choices(&s, &v, id, false).await?;
            Ok(refused(
                &v,
                review_crumb(id),
                "Record a decision",
                format!("/reviews/{id}/decisions"),
                "Record the decision",
                None,
                decision_fields(&items, &form.text("item"), &form.text("decision")),
                &invalid,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_action(
    axum::extract::State(s): axum::extract::State<AppState>,
    Ids(id, _): Ids<CaseReviewId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let mut invalid = Invalid::default();
    let assignee = form.optional_id::<uuid::Uuid>("assignee_member_id", &mut invalid);
    let due = form.text("due_on");
    let input = TaskInput {
        title: form.text("title"),
        due_on: (!due.trim().is_empty()).then_some(due),
        assignee_member_id: assignee.map(MemberId),
        status: None,
    };
    let result = if invalid.is_empty() {
        s.app
            .add_review_action(&v.actor, tf, id, item_of(&form, "action_item"), input)
            .await
            .map(|_| ())
    } else {
        Err(AppError::Invalid(invalid))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/reviews/{id}?saved=1")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let (items, members) = item_choices(&s, &v, id, true).await?;
            Ok(refused(
                &v,
                review_crumb(id),
                "Add an action item",
                format!("/reviews/{id}/actions"),
                "Add the action item",
                None,
                action_fields(&items, &members, Some(&form)),
                &invalid,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
