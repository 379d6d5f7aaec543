//! Pages of referrals (C4) and the navigator network (C7): the inbox, outbox and regional
//! queue, the referral form, a referral's page with its history and actions, the navigator's
//! regions and the statewide dashboard with the SLA hours.

use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::forms::FormData;
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use taskforce_app::cases::Shown;
use taskforce_app::referrals::{ReferralSummary, ReferralView, RegionStats, Tab};
use taskforce_app::AppError;
use taskforce_domain::access::{decide, Action, DataCategory, Resource, ResourceKind};
use taskforce_domain::referrals::*;
use taskforce_domain::structure::OrganizationKind;
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/referrals", get(list).post(create))
        .route("/referrals/new", get(new_referral))
        .route("/referrals/{id}", get(page))
        .route("/referrals/{id}/{action}", post(act))
        .route("/navigator", get(navigator))
        .route("/task-forces/{tf}/referrals/dashboard", get(dashboard))
        .route("/task-forces/{tf}/referrals/sla", post(set_sla))
}

fn may(v: &Viewer, kind: ResourceKind, action: Action) -> bool {
    decide(
        &v.principal,
        action,
        &Resource::in_task_force(kind, v.principal.task_force_id),
        v.now,
    )
    .allowed
}

fn person_cell(s: &ReferralSummary) -> String {
    match &s.person {
        Shown::Yes(name) => name.clone(),
        Shown::Withheld { .. } => "Withheld".to_owned(),
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn status_text(s: &ReferralSummary) -> String {
    if s.overdue {
        format!("{} (overdue)", s.referral.status.label())
    } else {
        s.referral.status.label().to_owned()
    }
}

fn needs_text(needs: &[String]) -> String {
    needs
        .iter()
        .map(|n| service_words(n).to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

// -- lists --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "referrals/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub tabs: Vec<(Cell, bool)>,
    pub title: String,
    pub intro: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub all_link: Cell,
    pub can_send: bool,
}

#[derive(Deserialize, Default)]
struct ListParams {
    tab: Option<String>,
    all: Option<String>,
}

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<ListParams>) -> PageResult {
    let tf = v.principal.task_force_id;
    let navigator = v
        .principal
        .holds(taskforce_domain::structure::Role::Navigator);
    let community = v.principal.organization_kind == OrganizationKind::CommunityPartner;
    let default = if navigator {
        Tab::Queue
    } else if community {
        Tab::Outbox
    } else {
        Tab::Inbox
    };
    let tab = q.tab.as_deref().and_then(Tab::from_code).unwrap_or(default);
    let all = q.all.is_some();
    let items = s.app.referrals(&v.actor, tf, tab, !all).await?;
    let code = |t: Tab| match t {
        Tab::Inbox => "inbox",
        Tab::Outbox => "outbox",
        Tab::Queue => "queue",
    };
    let mut tabs = Vec::new();
    if !community {
        tabs.push((
            Cell::link("Inbox", "/referrals?tab=inbox"),
            tab == Tab::Inbox,
        ));
    }
    tabs.push((
        Cell::link("Sent", "/referrals?tab=outbox"),
        tab == Tab::Outbox,
    ));
    if navigator {
        tabs.push((
            Cell::link("Region queue", "/referrals?tab=queue"),
            tab == Tab::Queue,
        ));
    }
    let rows = items
        .iter()
        .map(|i| {
            let r = &i.referral;
            vec![
                Cell::link(when(r.sent_at), format!("/referrals/{}", r.id)),
                Cell::text(person_cell(i)),
                Cell::text(needs_text(&r.needs)),
                Cell::text(r.urgency.label()),
                Cell::text(i.sender.clone()),
                Cell::text(if i.recipient.is_empty() {
                    format!("{} (to be routed)", i.region)
                } else {
                    i.recipient.clone()
                }),
                Cell::text(status_text(i)),
                Cell::text(when(r.due_at)),
            ]
        })
        .collect();
    let (title, intro) = match tab {
        Tab::Inbox => (
            "Referrals to your organization",
            "Referrals sent or routed to your organization. Accept or decline each before its deadline.",
        ),
        Tab::Outbox => (
            "Referrals you sent",
            "Referrals your organization sent, where each stands, and how it ended.",
        ),
        Tab::Queue => (
            "Your region's queue",
            "Referrals sent to the regions you navigate: route each to a partner the survivor's consent covers.",
        ),
    };
    let page = ListPage {
        chrome: Chrome::new(&v, vec![Cell::text("Referrals")], None),
        tabs,
        title: title.into(),
        intro: intro.into(),
        headers: vec![
            "Sent",
            "Person",
            "Needs",
            "Urgency",
            "From",
            "To",
            "Status",
            "Accept by",
        ],
        rows,
        all_link: if all {
            Cell::link(
                "Show open referrals only",
                format!("/referrals?tab={}", code(tab)),
            )
        } else {
            Cell::link(
                "Show closed referrals too",
                format!("/referrals?tab={}&all=1", code(tab)),
            )
        },
        can_send: community && may(&v, ResourceKind::Referral, Action::Create),
    };
    Ok(render(&page))
}

// -- the form -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct NewParams {
    person: Option<String>,
}

fn input_of(form: &FormData) -> ReferralInput {
    ReferralInput {
        person_id: form.text("person_id"),
        to: form.text("to"),
        organization_id: form.text("organization_id"),
        region_id: form.text("region_id"),
        needs: form.all("needs"),
        urgency: form.text("urgency"),
        categories: form.all("categories"),
        details: form.text("details"),
        attested: form.flag("attested"),
    }
}

async fn form_page(
    s: &AppState,
    v: &Viewer,
    input: &ReferralInput,
    invalid: Option<&Invalid>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let person: Option<PersonId> = input.person_id.parse().ok();
    let choices = s.app.referral_choices(&v.actor, tf, person).await?;
    let community = v.principal.organization_kind == OrganizationKind::CommunityPartner;
    let mut fields = Vec::new();
    if !community {
        let options = match (&choices.person, person) {
            (Some(name), Some(id)) => vec![(id.to_string(), name.clone())],
            _ => vec![(
                String::new(),
                "Open a person's page and choose Refer".to_owned(),
            )],
        };
        fields.push(
            Field::new(
                "person_id",
                "Person referred",
                "select",
                input.person_id.clone(),
            )
            .required()
            .options(options),
        );
    }
    fields.push(
        Field::new("to", "Send to", "select", input.to.clone())
            .required()
            .options(vec![
                ("organization".into(), "A partner organization".into()),
                (
                    "region".into(),
                    "A region (its navigator routes it to a local partner)".into(),
                ),
            ]),
    );
    let mut orgs = vec![(String::new(), "Choose an organization".to_owned())];
    orgs.extend(choices.organizations.iter().map(|o| {
        let covered = if community || choices.covered.contains(&o.id) {
            ""
        } else {
            " (no consent in force names it)"
        };
        (o.id.to_string(), format!("{}{covered}", o.name))
    }));
    fields.push(
        Field::new(
            "organization_id",
            "Partner organization",
            "select",
            input.organization_id.clone(),
        )
        .hint("When sending to an organization.")
        .options(orgs),
    );
    let mut regions = vec![(String::new(), "Choose a region".to_owned())];
    regions.extend(
        choices
            .regions
            .iter()
            .map(|g| (g.id.to_string(), g.name.clone())),
    );
    fields.push(
        Field::new("region_id", "Region", "select", input.region_id.clone())
            .hint("When sending to a region.")
            .options(regions),
    );
    fields.push(
        Field::new("needs", "Services needed", "checkboxes", "")
            .required()
            .values(input.needs.clone())
            .options(
                SERVICE_CATEGORIES
                    .iter()
                    .map(|(c, w)| ((*c).to_owned(), (*w).to_owned()))
                    .collect(),
            ),
    );
    fields.push(
        Field::new("urgency", "Urgency", "select", input.urgency.clone())
            .required()
            .options(
                Urgency::ALL
                    .iter()
                    .map(|u| (u.code().to_owned(), u.label().to_owned()))
                    .collect(),
            ),
    );
    if !community {
        fields.push(
            Field::new("categories", "Information shared", "checkboxes", "")
                .required()
                .hint("Only what the survivor's consent covers for the recipient. Services never depend on consent.")
                .values(input.categories.clone())
                .options(
                    DataCategory::ALL
                        .iter()
                        .filter(|c| **c != DataCategory::Counting)
                        .map(|c| (c.code().to_owned(), c.words().to_owned()))
                        .collect(),
                ),
        );
    }
    fields.push(
        Field::new(
            "details",
            if community {
                "Who the person is and how to reach them"
            } else {
                "What the recipient should know"
            },
            "textarea",
            input.details.clone(),
        )
        .hint("Only what the person agreed to share."),
    );
    if community {
        fields.push(Field::checked(
            "attested",
            "The person agreed to be referred and to what is shared here",
            input.attested,
        ));
    }
    let page = FormPage {
        chrome: Chrome::new(
            v,
            vec![
                Cell::link("Referrals", "/referrals"),
                Cell::text("New referral"),
            ],
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        title: match &choices.person {
            Some(name) => format!("Refer {name}"),
            None => "New referral".into(),
        },
        action: "/referrals".into(),
        cancel: "/referrals".into(),
        submit: "Send the referral",
        version: None,
        fields,
        problems: Vec::new(),
    };
    Ok(match invalid {
        Some(invalid) => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            render(&page.with_errors(invalid)),
        )
            .into_response(),
        None => render(&page),
    })
}

async fn new_referral(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<NewParams>,
) -> PageResult {
    let input = ReferralInput {
        person_id: q.person.unwrap_or_default(),
        to: "organization".into(),
        urgency: "routine".into(),
        categories: vec!["identity".into(), "contact".into()],
        ..Default::default()
    };
    form_page(&s, &v, &input, None).await
}

async fn create(
    State(s): State<AppState>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let input = input_of(&form);
    match s
        .app
        .send_referral(&v.actor, v.principal.task_force_id, input.clone())
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/referrals/{}?sent=1", r.id)).into_response()),
        Err(AppError::Invalid(invalid)) => form_page(&s, &v, &input, Some(&invalid)).await,
        Err(e) => Err(e.into()),
    }
}

// -- one referral -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "referrals/referral.html")]
pub struct ReferralPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub title: String,
    pub rows: Vec<Row>,
    pub details: Option<String>,
    pub details_withheld: Option<String>,
    pub events: Vec<(String, String, String, String, String)>,
    pub version: i64,
    pub base: String,
    pub actions: Vec<ActionForm>,
    pub problems: Vec<String>,
}

/// One action's form on a referral's page.
pub struct ActionForm {
    pub code: &'static str,
    pub button: &'static str,
    pub note: Option<(&'static str, bool)>,
    /// For completing: the outcomes.
    pub outcomes: Vec<(String, String)>,
    /// For routing: (id, name and coverage, enabled).
    pub partners: Vec<(String, String, bool)>,
}

fn action_form(a: ReferralAction, view: &ReferralView) -> ActionForm {
    use ReferralAction as A;
    let (button, note) = match a {
        A::Route => (
            "Route to this partner",
            Some(("Note to the partner (optional)", false)),
        ),
        A::Receive => ("Mark received", None),
        A::Accept => ("Accept the referral", Some(("Note (optional)", false))),
        A::Decline => ("Decline", Some(("Why you decline", true))),
        A::AskInfo => (
            "Ask for more information",
            Some(("What you need to know", true)),
        ),
        A::Answer => ("Send the answer", Some(("Your answer", true))),
        A::Complete => (
            "Complete with this outcome",
            Some(("Outcome note (optional)", false)),
        ),
        A::Withdraw => ("Withdraw the referral", Some(("Why you withdraw it", true))),
        A::Send | A::SlaBreach => ("", None),
    };
    ActionForm {
        code: a.code(),
        button,
        note,
        outcomes: if a == A::Complete {
            ReferralOutcome::ALL
                .iter()
                .map(|o| (o.code().to_owned(), o.label().to_owned()))
                .collect()
        } else {
            Vec::new()
        },
        partners: if a == A::Route {
            view.partners
                .iter()
                .map(|c| {
                    let mut text = c.organization.name.clone();
                    if c.local {
                        text.push_str(" (local partner)");
                    }
                    if let Some(why) = &c.not_covered {
                        text.push_str(&format!(" — not covered: {why}"));
                    }
                    (c.organization.id.to_string(), text, c.not_covered.is_none())
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

async fn referral_page(
    s: &AppState,
    v: &Viewer,
    id: ReferralId,
    notice: Option<String>,
    invalid: Option<&Invalid>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let view = s.app.referral(&v.actor, tf, id).await?;
    let sm = &view.summary;
    let r = &sm.referral;
    let mut rows = vec![
        Row::text(
            "Person",
            match &sm.person {
                Shown::Yes(name) => name.clone(),
                Shown::Withheld { reason, .. } => format!("Withheld: {reason}"),
            },
        ),
        Row::text("Status", status_text(sm)),
        Row::text("Urgency", r.urgency.label()),
        Row::text("Services needed", needs_text(&r.needs)),
        Row::text(
            "Information shared",
            r.categories
                .iter()
                .map(|c| c.words())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Row::text("From", sm.sender.clone()),
        Row::text("Region", sm.region.clone()),
        Row::text(
            "To",
            if sm.recipient.is_empty() {
                "Not routed yet".to_owned()
            } else {
                sm.recipient.clone()
            },
        ),
        Row::text("Sent", when(r.sent_at)),
        Row::text("Accept or decline by", when(r.due_at)),
    ];
    if let Some(person) = r.person_id {
        if matches!(sm.person, Shown::Yes(_)) {
            rows[0] = Row::new(
                "Person",
                vec![Cell::link(person_cell(sm), format!("/persons/{person}"))],
            );
        }
    }
    if r.person_id.is_none() {
        rows.push(Row::text(
            "Person's agreement",
            if r.attested {
                "The community partner confirmed the person agreed"
            } else {
                ""
            },
        ));
    }
    if !r.status_reason.is_empty() {
        rows.push(Row::text(
            match r.status {
                ReferralStatus::NeedsInfo => "Information asked for",
                ReferralStatus::Withdrawn => "Why it was withdrawn",
                _ => "Reason given",
            },
            r.status_reason.clone(),
        ));
    }
    if let Some(outcome) = r.outcome {
        rows.push(Row::text("Outcome", outcome.label()));
        rows.push(Row::text("Outcome note", r.outcome_note.clone()));
    }
    let (details, details_withheld) = match &view.details {
        Shown::Yes(text) => (Some(text.clone()), None),
        Shown::Withheld { reason, .. } => (None, Some((*reason).to_owned())),
    };
    let page = ReferralPage {
        chrome: Chrome::new(
            v,
            vec![
                Cell::link("Referrals", "/referrals"),
                Cell::text("Referral"),
            ],
            notice,
        ),
        csrf: v.session.csrf_token.clone(),
        title: format!("Referral sent {}", r.sent_at.format("%Y-%m-%d")),
        rows,
        details,
        details_withheld,
        events: view
            .events
            .iter()
            .map(|e| {
                (
                    when(e.at),
                    e.action.label().to_owned(),
                    if e.member_name.is_empty() {
                        "Taskforce (automatic)".to_owned()
                    } else {
                        e.member_name.clone()
                    },
                    e.status.label().to_owned(),
                    e.detail.clone(),
                )
            })
            .collect(),
        version: r.version,
        base: format!("/referrals/{}", r.id),
        actions: view
            .actions
            .iter()
            .map(|a| action_form(*a, &view))
            .collect(),
        problems: invalid
            .map(|i| {
                i.errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field.replace('_', " "), e.message))
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(match invalid {
        Some(_) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
        None => render(&page),
    })
}

#[derive(Deserialize, Default)]
struct PageParams {
    sent: Option<String>,
    done: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<ReferralId>,
    Query(q): Query<PageParams>,
) -> PageResult {
    let notice = if q.sent.is_some() {
        Some("The referral was sent.".to_owned())
    } else {
        q.done.map(|_| "Saved.".to_owned())
    };
    referral_page(&s, &v, id, notice, None).await
}

async fn act(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let Ok(id) = id.parse::<ReferralId>() else {
        return Err(PageError(crate::error::Problem::NotFound));
    };
    let mut invalid = Invalid::default();
    let version = form.version(&mut invalid);
    let input = ReferralActionInput {
        action: action.replace('-', "_"),
        organization_id: form.text("organization_id"),
        note: form.text("note"),
        outcome: form.text("outcome"),
        version,
    };
    match s
        .app
        .act_on_referral(&v.actor, v.principal.task_force_id, id, input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}?done=1")).into_response()),
        Err(AppError::Invalid(invalid)) => referral_page(&s, &v, id, None, Some(&invalid)).await,
        Err(e) => Err(e.into()),
    }
}

// -- navigators and the dashboard ---------------------------------------------------------------

/// One region's counts as table cells.
pub struct StatsRow {
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub statuses: String,
    pub oldest: String,
    pub breached: i64,
    pub outcomes: String,
}

fn stats_row(s: &RegionStats) -> StatsRow {
    StatsRow {
        name: s.name.clone(),
        total: s.total,
        open: s.open,
        statuses: s
            .by_status
            .iter()
            .map(|(st, n)| format!("{}: {n}", st.label()))
            .collect::<Vec<_>>()
            .join(", "),
        oldest: s
            .oldest_open_hours
            .map(|h| {
                if h >= 48 {
                    format!("{} days", h / 24)
                } else {
                    format!("{h} hours")
                }
            })
            .unwrap_or_else(|| "None open".into()),
        breached: s.breached,
        outcomes: s
            .outcomes
            .iter()
            .map(|(o, n)| format!("{}: {n}", o.label()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A navigator's region on their page.
pub struct RegionBlock {
    pub name: String,
    pub stats: StatsRow,
    pub queue: Vec<Vec<Cell>>,
    pub partners: Vec<String>,
}

#[derive(Template)]
#[template(path = "referrals/navigator.html")]
pub struct NavigatorPage {
    pub chrome: Chrome,
    pub regions: Vec<RegionBlock>,
    pub dashboard: Option<String>,
}

async fn navigator(State(s): State<AppState>, v: Viewer) -> PageResult {
    let tf = v.principal.task_force_id;
    let regions = s.app.navigator_regions(&v.actor, tf).await?;
    let page = NavigatorPage {
        chrome: Chrome::new(&v, vec![Cell::text("Navigator")], None),
        regions: regions
            .iter()
            .map(|g| RegionBlock {
                name: g.region.name.clone(),
                stats: stats_row(&g.stats),
                queue: g
                    .queue
                    .iter()
                    .map(|i| {
                        let r = &i.referral;
                        vec![
                            Cell::link(when(r.sent_at), format!("/referrals/{}", r.id)),
                            Cell::text(needs_text(&r.needs)),
                            Cell::text(r.urgency.label()),
                            Cell::text(i.sender.clone()),
                            Cell::text(if i.recipient.is_empty() {
                                "To be routed".to_owned()
                            } else {
                                i.recipient.clone()
                            }),
                            Cell::text(status_text(i)),
                            Cell::text(format!("{} hours", r.age_hours(v.now))),
                        ]
                    })
                    .collect(),
                partners: g.partners.iter().map(|o| o.name.clone()).collect(),
            })
            .collect(),
        dashboard: may(&v, ResourceKind::ReferralReport, Action::Read)
            .then(|| format!("/task-forces/{tf}/referrals/dashboard")),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "referrals/dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub rows: Vec<StatsRow>,
    pub totals: (i64, i64, i64),
    pub sla: (String, String, String),
    pub can_configure: bool,
    pub action: String,
    pub problems: Vec<String>,
}

async fn dashboard_page(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
    sla_input: Option<(String, String, String)>,
    invalid: Option<&Invalid>,
) -> PageResult {
    let stats = s.app.referral_dashboard(&v.actor, tf).await?;
    let sla = s.app.referral_sla(tf).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let page = DashboardPage {
        chrome: Chrome::new(
            v,
            vec![
                Cell::link(t.name.clone(), format!("/task-forces/{tf}")),
                Cell::text("Referrals across regions"),
            ],
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        totals: (
            stats.iter().map(|s| s.open).sum(),
            stats.iter().map(|s| s.breached).sum(),
            stats.iter().map(|s| s.total).sum(),
        ),
        rows: stats.iter().map(stats_row).collect(),
        sla: sla_input.unwrap_or_else(|| {
            (
                sla.emergency.to_string(),
                sla.urgent.to_string(),
                sla.routine.to_string(),
            )
        }),
        can_configure: decide(
            &v.principal,
            Action::Update,
            &Resource::in_task_force(ResourceKind::TaskForce, tf),
            v.now,
        )
        .allowed,
        action: format!("/task-forces/{tf}/referrals/sla"),
        problems: invalid
            .map(|i| {
                i.errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(match invalid {
        Some(_) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
        None => render(&page),
    })
}

async fn dashboard(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    dashboard_page(&s, &v, tf, None, None).await
}

async fn set_sla(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let text = (
        form.text("emergency"),
        form.text("urgent"),
        form.text("routine"),
    );
    // An unreadable number is refused by the range check, naming its field.
    let hours = SlaHours {
        emergency: text.0.trim().parse().unwrap_or(0),
        urgent: text.1.trim().parse().unwrap_or(0),
        routine: text.2.trim().parse().unwrap_or(0),
    };
    match s.app.set_referral_sla(&v.actor, tf, hours).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/task-forces/{tf}/referrals/dashboard")).into_response())
        }
        // An administrator keeps the configuration without reading the dashboard.
        Err(AppError::Invalid(invalid)) if !may(&v, ResourceKind::ReferralReport, Action::Read) => {
            Err(PageError(crate::error::Problem::Invalid(invalid)))
        }
        Err(AppError::Invalid(invalid)) => {
            dashboard_page(&s, &v, tf, Some(text), Some(&invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}
