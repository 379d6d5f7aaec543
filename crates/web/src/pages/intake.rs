//! Intake pages: the public tip form and receipt-code additions (English and Spanish, no
//! sign-in, rate-limited per client address), the triage queue and a tip's page, partner tips,
//! hotline imports, screenings and the screening instrument.

use crate::auth::{self, SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::forms::FormData;
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use taskforce_app::intake::{FormCheck, ImportReport};
use taskforce_app::AppError;
use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
use taskforce_domain::cases::{CaseInput, TraffickingType};
use taskforce_domain::intake::*;
use taskforce_domain::reference;
use taskforce_domain::screening::{Answer, ScreeningInput, ScreeningResult, NEVER_DECIDES};
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tip", get(choose))
        .route("/tip/{tf}", get(public_form).post(public_submit))
        .route("/tip/add", get(add_form).post(add_submit))
        .route("/task-forces/{tf}/tips", get(queue).post(create_tip))
        .route("/task-forces/{tf}/tips/new", get(new_tip))
        .route(
            "/task-forces/{tf}/tips/import",
            get(import_form).post(import_submit),
        )
        .route("/task-forces/{tf}/tips/{id}", get(tip_page))
        .route("/task-forces/{tf}/tips/{id}/triage", post(triage))
        .route("/task-forces/{tf}/tips/{id}/merge", post(merge))
        .route("/task-forces/{tf}/tips/{id}/case", post(open_case))
        .route(
            "/task-forces/{tf}/tips/{id}/screening",
            get(screening_form).post(screening_submit),
        )
        .route(
            "/task-forces/{tf}/screening-instrument",
            get(instrument_form).post(instrument_submit),
        )
}

// -- words of the public pages ----------------------------------------------------------------

/// The public pages' words in one language. Calm, plain, trauma-informed: no blame, no
/// pressure, every field but the account optional.
pub struct Words {
    lang: &'static str,
    other_lang: &'static str,
    other_language: &'static str,
    language_nav: &'static str,
    site: &'static str,
    skip: &'static str,
    footer: &'static str,
    danger_title: &'static str,
    danger: &'static str,
    choose_title: &'static str,
    choose_intro: &'static str,
    none_online: &'static str,
    form_title: &'static str,
    form_intro: &'static str,
    not_accepting: &'static str,
    check_title: &'static str,
    honeypot: &'static str,
    send: &'static str,
    narrative: &'static str,
    narrative_hint: &'static str,
    place: &'static str,
    county: &'static str,
    county_unknown: &'static str,
    occurred: &'static str,
    occurred_hint: &'static str,
    kind: &'static str,
    kinds: [&'static str; 4],
    minors: &'static str,
    contact: &'static str,
    contact_hint: &'static str,
    thanks_title: &'static str,
    thanks: &'static str,
    code_title: &'static str,
    code_explain: &'static str,
    add_link: &'static str,
    add_title: &'static str,
    add_intro: &'static str,
    add_code: &'static str,
    add_text: &'static str,
    add_send: &'static str,
    added: &'static str,
    too_many: &'static str,
}

const EN: Words = Words {
    lang: "en",
    other_lang: "es",
    other_language: "Español",
    language_nav: "Language",
    site: "Share a concern about human trafficking",
    skip: "Skip to main content",
    footer: "You do not need to give your name. What you share goes only to the task force team that reviews tips.",
    danger_title: "If someone is in danger right now,",
    danger: "call 911. The National Human Trafficking Hotline answers day and night at 1-888-373-7888 (text 233733).",
    choose_title: "Share a concern",
    choose_intro: "Choose the task force for the area where this is happening. You do not need to sign in or give your name.",
    none_online: "No task force takes tips online here yet. Please call the hotline below.",
    form_title: "Tell us what you have seen or heard",
    form_intro: "Share as much or as little as you are comfortable with. Only the first box is needed. You do not need to give your name, and you can stop at any time.",
    not_accepting: "This task force cannot take tips online yet. Please call the hotline below.",
    check_title: "Please look at these parts again",
    honeypot: "Leave this box empty",
    send: "Send",
    narrative: "What is happening?",
    narrative_hint: "In your own words. It is fine if you are not sure whether it is trafficking.",
    place: "Where is it happening?",
    county: "County",
    county_unknown: "I am not sure",
    occurred: "When did it happen, or is it still happening?",
    occurred_hint: "For example: last weekend, every night, since the spring.",
    kind: "What kind of situation does it seem to be?",
    kinds: ["Not sure", "Forced or pressured sex work", "Forced or unfair work", "Both"],
    minors: "Someone under 18 may be involved",
    contact: "How could we reach you? (optional)",
    contact_hint: "Only if you want us to. A phone number or e-mail, and when it is safe to contact you.",
    thanks_title: "Thank you. We received what you shared.",
    thanks: "A member of the task force team will review it. Reaching out took care, and it matters.",
    code_title: "Your receipt code",
    code_explain: "Keep this code somewhere safe. It is shown only once. With it you can add more information later; nobody can use it to see what you wrote.",
    add_link: "Add information to something you already shared",
    add_title: "Add information",
    add_intro: "Enter the receipt code you were given and what you would like to add. For your safety, what you shared before is not shown here.",
    add_code: "Receipt code",
    add_text: "What would you like to add?",
    add_send: "Add",
    added: "Thank you. What you added was received and joined to what you shared before.",
    too_many: "Many forms were sent from this connection just now. Please wait a minute and try again.",
};

const ES: Words = Words {
    lang: "es",
    other_lang: "en",
    other_language: "English",
    language_nav: "Idioma",
    site: "Comparta una preocupación sobre la trata de personas",
    skip: "Ir al contenido principal",
    footer: "No necesita dar su nombre. Lo que comparta llega solo al equipo del grupo de trabajo que revisa los avisos.",
    danger_title: "Si alguien está en peligro ahora mismo,",
    danger: "llame al 911. La Línea Nacional contra la Trata de Personas responde día y noche al 1-888-373-7888 (mensaje de texto al 233733).",
    choose_title: "Comparta una preocupación",
    choose_intro: "Elija el grupo de trabajo de la zona donde esto ocurre. No necesita iniciar sesión ni dar su nombre.",
    none_online: "Aquí ningún grupo de trabajo recibe avisos en línea todavía. Por favor, llame a la línea de abajo.",
    form_title: "Cuéntenos lo que ha visto u oído",
    form_intro: "Comparta tanto o tan poco como le resulte cómodo. Solo la primera casilla es necesaria. No necesita dar su nombre y puede parar en cualquier momento.",
    not_accepting: "Este grupo de trabajo todavía no recibe avisos en línea. Por favor, llame a la línea de abajo.",
    check_title: "Por favor, revise estas partes",
    honeypot: "Deje esta casilla vacía",
    send: "Enviar",
    narrative: "¿Qué está pasando?",
    narrative_hint: "Con sus propias palabras. No importa si no está seguro/a de que sea trata.",
    place: "¿Dónde está pasando?",
    county: "Condado",
    county_unknown: "No estoy seguro/a",
    occurred: "¿Cuándo pasó, o sigue pasando?",
    occurred_hint: "Por ejemplo: el fin de semana pasado, cada noche, desde la primavera.",
    kind: "¿Qué tipo de situación parece ser?",
    kinds: ["No estoy seguro/a", "Trabajo sexual forzado o bajo presión", "Trabajo forzado o injusto", "Ambos"],
    minors: "Puede haber una persona menor de 18 años",
    contact: "¿Cómo podríamos comunicarnos con usted? (opcional)",
    contact_hint: "Solo si usted quiere. Un teléfono o correo, y cuándo es seguro comunicarse.",
    thanks_title: "Gracias. Recibimos lo que compartió.",
    thanks: "Una persona del equipo del grupo de trabajo lo revisará. Dar este paso requiere cuidado, y es importante.",
    code_title: "Su código de recibo",
    code_explain: "Guarde este código en un lugar seguro. Se muestra una sola vez. Con él puede agregar información más tarde; nadie puede usarlo para ver lo que escribió.",
    add_link: "Agregar información a algo que ya compartió",
    add_title: "Agregar información",
    add_intro: "Escriba el código de recibo que recibió y lo que quiera agregar. Por su seguridad, lo que compartió antes no se muestra aquí.",
    add_code: "Código de recibo",
    add_text: "¿Qué quiere agregar?",
    add_send: "Agregar",
    added: "Gracias. Lo que agregó fue recibido y unido a lo que compartió antes.",
    too_many: "Se enviaron muchos formularios desde esta conexión hace un momento. Por favor, espere un minuto e intente de nuevo.",
};

#[derive(Deserialize, Default)]
struct Lang {
    lang: Option<String>,
}

impl Lang {
    fn words(&self) -> &'static Words {
        match self.lang.as_deref() {
            Some("es") => &ES,
            _ => &EN,
        }
    }
}

fn other_href(path: &str, w: &Words) -> String {
    format!("{path}?lang={}", w.other_lang)
}

/// Public answers are never cached: a receipt code is shown once.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

// -- the public form --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "intake/choose.html")]
struct ChoosePage {
    w: &'static Words,
    other_href: String,
    task_forces: Vec<(String, String)>,
}

async fn choose(State(s): State<AppState>, Query(lang): Query<Lang>) -> PageResult {
    let w = lang.words();
    let task_forces = s
        .app
        .tip_task_forces()
        .await?
        .into_iter()
        .map(|(id, name)| (format!("/tip/{id}?lang={}", w.lang), name))
        .collect();
    Ok(no_store(render(&ChoosePage {
        w,
        other_href: other_href("/tip", w),
        task_forces,
    })))
}

#[derive(Template)]
#[template(path = "intake/tip_form.html")]
struct TipFormPage {
    w: &'static Words,
    other_href: String,
    tf: String,
    task_force: String,
    accepting: bool,
    token: String,
    fields: Vec<Field>,
    problems: Vec<Problem>,
}

fn public_fields(w: &Words, input: &TipInput, counties: &[String]) -> Vec<Field> {
    let mut county_options = vec![(String::new(), w.county_unknown.to_owned())];
    let mut named: Vec<(String, String)> = counties
        .iter()
        .map(|f| {
            (
                f.clone(),
                reference::county(f).map_or_else(|| f.clone(), |c| c.name.clone()),
            )
        })
        .collect();
    named.sort_by(|a, b| a.1.cmp(&b.1));
    county_options.extend(named);
    let kinds = [
        TraffickingType::Unknown,
        TraffickingType::Sex,
        TraffickingType::Labor,
        TraffickingType::Both,
    ];
    vec![
        Field::new("narrative", w.narrative, "textarea", &input.narrative)
            .required()
            .hint(w.narrative_hint),
        Field::new("place", w.place, "text", &input.place),
        Field::new("county_fips", w.county, "select", &input.county_fips).options(county_options),
        Field::new("occurred", w.occurred, "text", &input.occurred).hint(w.occurred_hint),
        Field::new(
            "trafficking_type",
            w.kind,
            "select",
            input.trafficking_type.map_or("unknown", |t| t.code()),
        )
        .options(
            kinds
                .iter()
                .zip(w.kinds)
                .map(|(k, label)| (k.code().to_owned(), label.to_owned()))
                .collect(),
        ),
        Field::checked("minors_possible", w.minors, input.minors_possible),
        Field::new("contact", w.contact, "textarea", &input.contact).hint(w.contact_hint),
    ]
}

fn problems_of(fields: &mut [Field], invalid: &Invalid) -> Vec<Problem> {
    let mut out = Vec::new();
    for error in &invalid.errors {
        let index = fields
            .iter()
            .position(|f| f.name == error.field)
            .unwrap_or(0);
        if let Some(field) = fields.get_mut(index) {
            field.error = Some(error.message.clone());
            out.push(Problem {
                anchor: format!("field-{}", field.name),
                label: field.label.clone(),
                message: error.message.clone(),
            });
        }
    }
    out
}

async fn public_form(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    Query(lang): Query<Lang>,
) -> PageResult {
    let w = lang.words();
    let form = s.app.public_tip_form(tf).await?;
    let fields = public_fields(w, &TipInput::default(), &form.counties);
    Ok(no_store(render(&TipFormPage {
        w,
        other_href: other_href(&format!("/tip/{tf}"), w),
        tf: tf.to_string(),
        task_force: form.task_force_name,
        accepting: form.accepting,
        token: form.token,
        fields,
        problems: Vec::new(),
    })))
}

fn public_input(form: &FormData) -> TipInput {
    TipInput {
        narrative: form.text("narrative"),
        place: form.text("place"),
        county_fips: form.text("county_fips"),
        occurred: form.text("occurred"),
        trafficking_type: TraffickingType::from_code(&form.text("trafficking_type")),
        minors_possible: form.flag("minors_possible"),
        contact: form.text("contact"),
        language: Language::from_code(&form.text("language")),
        ..Default::default()
    }
}

#[derive(Template)]
#[template(path = "intake/receipt.html")]
struct ReceiptPage {
    w: &'static Words,
    other_href: String,
    code: String,
}

async fn public_submit(
    State(s): State<AppState>,
    parts: Parts,
    Ids(tf, _): Ids<TaskForceId>,
    Query(lang): Query<Lang>,
    body: Bytes,
) -> PageResult {
    let w = lang.words();
    let form = FormData::parse(&body);
    let input = public_input(&form);
    let limited = auth::client_ip(&parts).is_some_and(|ip| !s.limits.allow_tip(ip));
    let outcome = if limited {
        Err(AppError::Invalid(Invalid::one("form", w.too_many)))
    } else {
        let check = FormCheck {
            token: form.text("form_token"),
            honeypot: form.text("website"),
        };
        s.app
            .submit_public_tip(tf, input.clone(), &check, &auth::source(&parts))
            .await
    };
    match outcome {
        Ok((_, code)) => Ok(no_store(render(&ReceiptPage {
            w,
            other_href: "/tip".into(),
            code,
        }))),
        Err(AppError::Invalid(invalid)) => {
            // A fresh token: the refused one may not be used again.
            let fresh = s.app.public_tip_form(tf).await?;
            let mut fields = public_fields(w, &input, &fresh.counties);
            let problems = problems_of(&mut fields, &invalid);
            let status = if limited {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(no_store(
                (
                    status,
                    render(&TipFormPage {
                        w,
                        other_href: other_href(&format!("/tip/{tf}"), w),
                        tf: tf.to_string(),
                        task_force: fresh.task_force_name,
                        accepting: fresh.accepting,
                        token: fresh.token,
                        fields,
                        problems,
                    }),
                )
                    .into_response(),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "intake/add.html")]
struct AddPage {
    w: &'static Words,
    other_href: String,
    done: bool,
    fields: Vec<Field>,
    problems: Vec<Problem>,
}

fn add_fields(w: &Words, code: &str, text: &str) -> Vec<Field> {
    vec![
        Field::new("code", w.add_code, "text", code).required(),
        Field::new("text", w.add_text, "textarea", text).required(),
    ]
}

async fn add_form(Query(lang): Query<Lang>) -> PageResult {
    let w = lang.words();
    Ok(no_store(render(&AddPage {
        w,
        other_href: other_href("/tip/add", w),
        done: false,
        fields: add_fields(w, "", ""),
        problems: Vec::new(),
    })))
}

async fn add_submit(
    State(s): State<AppState>,
    parts: Parts,
    Query(lang): Query<Lang>,
    body: Bytes,
) -> PageResult {
    let w = lang.words();
    let form = FormData::parse(&body);
    let (code, text) = (form.text("code"), form.text("text"));
    let limited = auth::client_ip(&parts).is_some_and(|ip| !s.limits.allow_tip(ip));
    let outcome = if limited {
        Err(AppError::Invalid(Invalid::one("code", w.too_many)))
    } else {
        s.app
            .add_to_tip_by_receipt(&code, &text, &auth::source(&parts))
            .await
    };
    match outcome {
        Ok(()) => Ok(no_store(render(&AddPage {
            w,
            other_href: other_href("/tip/add", w),
            done: true,
            fields: Vec::new(),
            problems: Vec::new(),
        }))),
        Err(AppError::Invalid(invalid)) => {
            let mut fields = add_fields(w, &code, &text);
            let problems = problems_of(&mut fields, &invalid);
            let status = if limited {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(no_store(
                (
                    status,
                    render(&AddPage {
                        w,
                        other_href: other_href("/tip/add", w),
                        done: false,
                        fields,
                        problems,
                    }),
                )
                    .into_response(),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

// -- members' pages ---------------------------------------------------------------------------

fn tips_href(tf: TaskForceId) -> String {
    format!("/task-forces/{tf}/tips")
}

fn crumbs(tf: TaskForceId, more: Vec<Cell>) -> Vec<Cell> {
    let mut out = vec![
        Cell::link("Task forces", "/"),
        Cell::link("Task force", format!("/task-forces/{tf}")),
    ];
    out.extend(more);
    out
}

fn may(v: &Viewer, action: Action, kind: ResourceKind, tf: TaskForceId) -> bool {
    decide(
        &v.principal,
        action,
        &Resource::in_task_force(kind, tf),
        v.now,
    )
    .allowed
}

/// Asks the policy through the use cases' gate (which audits a denial) before showing a form.
async fn require(
    s: &AppState,
    v: &Viewer,
    action: Action,
    kind: ResourceKind,
    tf: TaskForceId,
) -> Result<(), PageError> {
    s.app
        .authorize(&v.actor, action, &Resource::in_task_force(kind, tf), "")
        .await?;
    Ok(())
}

fn age(received: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - received).num_minutes().max(0);
    match minutes {
        0..=59 => format!("{minutes} min"),
        60..=2879 => format!("{} h", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    }
}

fn county_name(fips: &str) -> String {
    reference::county(fips).map_or_else(|| fips.to_owned(), |c| c.name.clone())
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    all: Option<String>,
    saved: Option<String>,
}

async fn queue(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let all = q.all.is_some();
    let list = s.app.tips(&v.actor, tf, all).await?;
    let rows = list
        .tips
        .iter()
        .map(|t| {
            let link = Cell::link(t.reference.clone(), format!("{}/{}", tips_href(tf), t.id));
            if list.triage {
                vec![
                    link,
                    Cell::text(age(t.received_at, v.now)),
                    Cell::text(t.source.label()),
                    Cell::text(t.trafficking_type.label()),
                    Cell::text(if t.minors_possible { "Yes" } else { "" }),
                    Cell::text(county_name(&t.county_fips)),
                    Cell::text(t.status.label()),
                    Cell::text(if t.assigned_member_id.is_some() {
                        "Assigned"
                    } else {
                        "Unassigned"
                    }),
                ]
            } else {
                vec![
                    link,
                    Cell::text(t.received_at.format("%Y-%m-%d").to_string()),
                    Cell::text(t.status.label()),
                ]
            }
        })
        .collect();
    let (title, intro, headers): (&str, String, Vec<&'static str>) = if list.triage {
        (
            if all {
                "All tips routed to your organization"
            } else {
                "Tips to triage"
            },
            if all {
                "Every tip routed to your organization, newest first.".into()
            } else {
                "New and in-review tips routed to your organization, oldest first.".into()
            },
            vec![
                "Tip",
                "Age",
                "Source",
                "Suspected type",
                "Minors",
                "County",
                "Status",
                "Assigned",
            ],
        )
    } else {
        (
            "Tips you submitted",
            "Where each tip you submitted stands. Its content is held by the organization it was routed to.".into(),
            vec!["Tip", "Received", "Status"],
        )
    };
    let new = may(&v, Action::Create, ResourceKind::Tip, tf)
        .then(|| Cell::link("Submit a tip", format!("{}/new", tips_href(tf))));
    let page = TablePage {
        chrome: Chrome::new(
            &v,
            crumbs(tf, vec![Cell::text(title)]),
            q.saved.map(|_| "Saved.".to_owned()),
        ),
        title: title.into(),
        intro,
        headers,
        rows,
        empty: "No tips here.",
        new,
    };
    Ok(render(&page))
}

fn partner_fields(input: &TipInput, counties: &[String]) -> Vec<Field> {
    let mut fields = public_fields(&EN, input, counties);
    fields[0].label = "What was observed or reported".into();
    fields.push(Field::new(
        "naics",
        "Industry (NAICS code, optional)",
        "text",
        &input.naics,
    ));
    fields
}

fn tip_form_page(v: &Viewer, tf: TaskForceId, input: &TipInput, counties: &[String]) -> FormPage {
    FormPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                vec![
                    Cell::link("Tips", tips_href(tf)),
                    Cell::text("Submit a tip"),
                ],
            ),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        title: "Submit a tip".into(),
        action: tips_href(tf),
        cancel: tips_href(tf),
        submit: "Create",
        version: None,
        fields: partner_fields(input, counties),
        problems: Vec::new(),
    }
}

async fn new_tip(State(s): State<AppState>, v: Viewer, Ids(tf, _): Ids<TaskForceId>) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Tip, tf).await?;
    let t = s.app.public_tip_form(tf).await?;
    Ok(render(&tip_form_page(
        &v,
        tf,
        &TipInput::default(),
        &t.counties,
    )))
}

async fn create_tip(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Create, ResourceKind::Tip, tf).await?;
    let mut input = public_input(&f.form);
    input.naics = f.form.text("naics");
    match s.app.submit_partner_tip(&v.actor, tf, input.clone()).await {
        Ok(tip) => {
            Ok(Redirect::to(&format!("{}/{}?saved=1", tips_href(tf), tip.id)).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let t = s.app.public_tip_form(tf).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&tip_form_page(v, tf, &input, &t.counties).with_errors(&invalid)),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "intake/tip.html")]
struct TipPage {
    chrome: Chrome,
    title: String,
    rows: Vec<Row>,
    content: bool,
    narrative: String,
    additions: Vec<(String, String)>,
    screenings: Vec<String>,
    may_screen: bool,
    may_update: bool,
    open: bool,
    reopen: bool,
    merged: bool,
    base: String,
    csrf: String,
    version: i64,
    reference: String,
    assignees: Vec<(String, String, bool)>,
    reasons: Vec<(String, String)>,
    merge_targets: Vec<(String, String)>,
}

fn screening_line(s: &taskforce_domain::screening::Screening) -> String {
    let r = &s.result;
    format!(
        "{}: sex trafficking indicators {} (threshold {}), labor trafficking indicators {} (threshold {}). {}",
        s.screened_at.format("%Y-%m-%d"),
        r.sex_score,
        r.sex_threshold,
        r.labor_score,
        r.labor_threshold,
        r.suggestions.first().cloned().unwrap_or_default()
    )
}

#[derive(Deserialize, Default)]
struct Saved {
    saved: Option<String>,
}

async fn tip_page(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, TipId)>,
    Query(saved): Query<Saved>,
) -> PageResult {
    let view = s.app.tip(&v.actor, tf, id).await?;
    let t = &view.tip;
    let mut rows = vec![
        Row::text("Status", t.status.label()),
        Row::text(
            "Received",
            t.received_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        Row::text("Source", t.source.label()),
    ];
    if view.content {
        rows.extend([
            Row::text("Where", t.place.clone()),
            Row::text(
                "County",
                if t.county_fips.is_empty() {
                    String::new()
                } else {
                    county_name(&t.county_fips)
                },
            ),
            Row::text("When", t.occurred.clone()),
            Row::text("Suspected type", t.trafficking_type.label()),
            Row::text("Industry (NAICS)", t.naics.clone()),
            Row::text(
                "Minors possibly involved",
                if t.minors_possible { "Yes" } else { "No" },
            ),
            Row::text("Contact (given by the tipster)", t.contact.clone()),
            Row::text("Language", t.language.label()),
            Row::text("Hotline reference", t.external_reference.clone()),
        ]);
        if let Some(reason) = t.close_reason {
            rows.push(Row::text(
                "Closed because",
                format!("{} {}", reason.label(), t.close_note),
            ));
        }
        if let Some(into) = t.merged_into {
            rows.push(Row::new(
                "Merged into",
                vec![Cell::link(
                    "the surviving tip",
                    format!("{}/{into}", tips_href(tf)),
                )],
            ));
        }
        if let Some(case) = t.case_id {
            rows.push(Row::new(
                "Case",
                vec![Cell::link("Open the case", format!("/cases/{case}"))],
            ));
        }
    }
    let (assignees, merge_targets) = if view.may_update && t.status.is_open() {
        let members = s.app.tip_assignees(&v.actor, tf, t).await?;
        let assignees = members
            .into_iter()
            .map(|(m, name)| (m.to_string(), name, t.assigned_member_id == Some(m)))
            .collect();
        let others = s.app.tips(&v.actor, tf, false).await?;
        let targets = others
            .tips
            .into_iter()
            .filter(|o| o.id != t.id)
            .map(|o| {
                (
                    o.id.to_string(),
                    format!("{} ({})", o.reference, o.received_at.format("%Y-%m-%d")),
                )
            })
            .collect();
        (assignees, targets)
    } else {
        (Vec::new(), Vec::new())
    };
    let page = TipPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                tf,
                vec![
                    Cell::link("Tips", tips_href(tf)),
                    Cell::text(t.reference.clone()),
                ],
            ),
            saved.saved.map(|_| "Saved.".to_owned()),
        ),
        title: format!("Tip {}", t.reference),
        rows,
        content: view.content,
        narrative: t.narrative.clone(),
        additions: view
            .additions
            .iter()
            .map(|a| {
                let how = if a.source == "merge" {
                    "From a merged tip"
                } else {
                    "Added by the tipster"
                };
                (
                    format!("{} · {}", a.added_at.format("%Y-%m-%d %H:%M"), how),
                    a.text.clone(),
                )
            })
            .collect(),
        screenings: view.screenings.iter().map(screening_line).collect(),
        may_screen: view.content && may(&v, Action::Create, ResourceKind::Screening, tf),
        may_update: view.may_update,
        open: t.status.is_open(),
        reopen: matches!(t.status, TipStatus::Closed | TipStatus::Merged),
        merged: t.status == TipStatus::Merged,
        base: format!("{}/{}", tips_href(tf), t.id),
        csrf: v.session.csrf_token.clone(),
        version: t.version,
        reference: t.reference.clone(),
        assignees,
        reasons: CloseReason::ALL
            .iter()
            .map(|r| (r.code().to_owned(), r.label().to_owned()))
            .collect(),
        merge_targets,
    };
    Ok(render(&page))
}

/// A triage form's outcome: back to the tip, or the refusal as a page naming the field.
fn after(tf: TaskForceId, id: TipId, result: Result<(), AppError>) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{}/{id}?saved=1", tips_href(tf))).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page = ErrorPage::new("Please check the form", invalid.to_string());
            page.back = format!("{}/{id}", tips_href(tf));
            page.back_text = "Back to the tip".into();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Conflict) => {
            let mut page =
                ErrorPage::new("Changed by someone else", AppError::Conflict.to_string());
            page.back = format!("{}/{id}", tips_href(tf));
            page.back_text = "Back to the tip".into();
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

fn version_of(form: &FormData) -> Result<i64, AppError> {
    let mut invalid = Invalid::default();
    match form.version(&mut invalid) {
        Some(v) if invalid.is_empty() => Ok(v),
        _ => Err(AppError::Invalid(Invalid::one(
            "version",
            "the form is missing the record's version; reload the page and try again",
        ))),
    }
}

async fn triage(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, TipId)>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Update, ResourceKind::Tip, tf).await?;
    let result = async {
        let version = version_of(&f.form)?;
        let mut invalid = Invalid::default();
        let input = match f.form.text("action").as_str() {
            "assign" => TriageInput::Assign {
                member_id: f.form.optional_id("member_id", &mut invalid),
            },
            "close" => TriageInput::Close {
                reason: CloseReason::from_code(&f.form.text("reason")),
                note: f.form.text("note"),
            },
            "reopen" => TriageInput::Reopen,
            _ => {
                return Err(AppError::Invalid(Invalid::one(
                    "action",
                    "choose assign, close or reopen",
                )))
            }
        };
        invalid.finish(())?;
        s.app
            .triage_tip(&v.actor, tf, id, version, input)
            .await
            .map(|_| ())
    }
    .await;
    after(tf, id, result)
}

async fn merge(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, TipId)>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Update, ResourceKind::Tip, tf).await?;
    let result = async {
        let version = version_of(&f.form)?;
        let mut invalid = Invalid::default();
        let into: Option<TipId> = f.form.optional_id("into", &mut invalid);
        invalid.finish(())?;
        let into = into.ok_or_else(|| {
            AppError::Invalid(Invalid::one("into", "choose the tip to merge into"))
        })?;
        s.app
            .merge_tip(&v.actor, tf, id, version, into)
            .await
            .map(|_| ())
    }
    .await;
    after(tf, id, result)
}

async fn open_case(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, TipId)>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Update, ResourceKind::Tip, tf).await?;
    let version = match version_of(&f.form) {
        Ok(version) => version,
        Err(e) => return after(tf, id, Err(e)),
    };
    let input = CaseInput {
        title: f.form.text("title"),
        ..Default::default()
    };
    match s
        .app
        .open_case_from_tip(&v.actor, tf, id, version, input)
        .await
    {
        Ok((_, case)) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(e) => after(tf, id, Err(e)),
    }
}

// -- screenings -------------------------------------------------------------------------------

struct QuestionView {
    id: String,
    text: String,
    other: String,
    other_lang: &'static str,
    topic: &'static str,
    migration: bool,
    value: String,
}

#[derive(Template)]
#[template(path = "intake/screening.html")]
struct ScreeningPage {
    chrome: Chrome,
    title: String,
    never_decides: &'static str,
    introduction: String,
    problems: Vec<String>,
    result: Option<ScreeningResult>,
    action: String,
    back: String,
    csrf: String,
    spanish: bool,
    moved: bool,
    questions: Vec<QuestionView>,
    answers: Vec<(&'static str, &'static str)>,
}

async fn screening_page(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
    id: TipId,
    input: &ScreeningInput,
    problems: Vec<String>,
    result: Option<ScreeningResult>,
) -> Result<ScreeningPage, PageError> {
    let instrument = s.app.screening_instrument(&v.actor, tf).await?.instrument;
    let language = input.language.unwrap_or(Language::English);
    let other = match language {
        Language::English => Language::Spanish,
        Language::Spanish => Language::English,
    };
    let questions = instrument
        .questions
        .iter()
        .map(|q| QuestionView {
            id: q.id.clone(),
            text: q.text.get(language).to_owned(),
            other: q.text.get(other).to_owned(),
            other_lang: other.code(),
            topic: q.topic.label(),
            migration: q.migration,
            value: input
                .answers
                .get(&q.id)
                .map(|a| a.code().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let base = format!("{}/{id}", tips_href(tf));
    Ok(ScreeningPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                vec![
                    Cell::link("Tips", tips_href(tf)),
                    Cell::link("Tip", base.clone()),
                    Cell::text("Screening"),
                ],
            ),
            None,
        ),
        title: "Screening".into(),
        never_decides: NEVER_DECIDES,
        introduction: instrument.introduction.get(language).to_owned(),
        problems,
        result,
        action: format!("{base}/screening"),
        back: base,
        csrf: v.session.csrf_token.clone(),
        spanish: language == Language::Spanish,
        moved: input.moved_from_abroad,
        questions,
        answers: Answer::ALL.iter().map(|a| (a.code(), a.label())).collect(),
    })
}

#[derive(Deserialize, Default)]
struct ScreeningQuery {
    lang: Option<String>,
}

async fn screening_form(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, TipId)>,
    Query(q): Query<ScreeningQuery>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Screening, tf).await?;
    // The tip must be one the screener may read.
    s.app.tip(&v.actor, tf, id).await?;
    let input = ScreeningInput {
        tip_id: Some(id),
        language: q.lang.as_deref().and_then(Language::from_code),
        ..Default::default()
    };
    Ok(render(
        &screening_page(&s, &v, tf, id, &input, Vec::new(), None).await?,
    ))
}

async fn screening_submit(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, TipId)>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Create, ResourceKind::Screening, tf).await?;
    let mut answers = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, value) in f.form.pairs() {
        if let Some(qid) = name.strip_prefix("answer.") {
            match Answer::from_code(value) {
                Some(a) => {
                    answers.insert(qid.to_owned(), a);
                }
                None => problems.push(format!("{qid}: is not one of the answers offered")),
            }
        }
    }
    let input = ScreeningInput {
        tip_id: Some(id),
        language: Language::from_code(&f.form.text("language")),
        moved_from_abroad: f.form.flag("moved_from_abroad"),
        answers,
        ..Default::default()
    };
    if problems.is_empty() {
        match s.app.record_screening(&v.actor, tf, input.clone()).await {
            Ok(stored) => {
                let page =
                    screening_page(&s, v, tf, id, &input, Vec::new(), Some(stored.result)).await?;
                return Ok(render(&page));
            }
            Err(AppError::Invalid(invalid)) => {
                problems.extend(
                    invalid
                        .errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message)),
                );
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = screening_page(&s, v, tf, id, &input, problems, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

// -- imports ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "intake/import.html")]
struct ImportPage {
    chrome: Chrome,
    action: String,
    csrf: String,
    file: String,
    map: String,
    fields: String,
    summary: Option<String>,
    problems: Vec<RowProblem>,
}

fn import_page(v: &Viewer, tf: TaskForceId, file: String, map: String) -> ImportPage {
    ImportPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                vec![Cell::link("Tips", tips_href(tf)), Cell::text("Import")],
            ),
            None,
        ),
        action: format!("{}/import", tips_href(tf)),
        csrf: v.session.csrf_token.clone(),
        file,
        map,
        fields: IMPORT_FIELDS
            .iter()
            .map(|(f, _)| *f)
            .collect::<Vec<_>>()
            .join(", "),
        summary: None,
        problems: Vec::new(),
    }
}

async fn import_form(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Tip, tf).await?;
    Ok(render(&import_page(&v, tf, String::new(), String::new())))
}

async fn import_submit(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Create, ResourceKind::Tip, tf).await?;
    let (file, map) = (f.form.text("file"), f.form.text("map"));
    let dry_run = f.form.text("mode") != "import";
    let mut page = import_page(v, tf, file.clone(), map.clone());
    let pairs: Vec<String> = map.lines().map(str::to_owned).collect();
    let outcome = match ImportMapping::parse(&pairs) {
        Ok(mapping) => {
            s.app
                .import_tips(&v.actor, tf, file.as_bytes(), &mapping, dry_run)
                .await
        }
        Err(invalid) => Err(AppError::Invalid(invalid)),
    };
    match outcome {
        Ok(ImportReport {
            accepted,
            problems,
            committed,
        }) => {
            let refused = !problems.is_empty();
            page.summary = Some(if committed {
                format!("Imported {accepted} tips.")
            } else if refused {
                format!("{accepted} rows are ready, {} problem(s) must be fixed first. Nothing was imported.", problems.len())
            } else {
                format!("All {accepted} rows are ready to import. Nothing was imported yet (this was a check).")
            });
            page.problems = problems;
            let status = if refused {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            Ok((status, render(&page)).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            page.problems = invalid
                .errors
                .iter()
                .map(|e| RowProblem {
                    line: 0,
                    field: e.field.clone(),
                    reason: e.message.clone(),
                })
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

// -- the instrument ---------------------------------------------------------------------------

async fn instrument_page(s: &AppState, v: &Viewer, tf: TaskForceId) -> Result<FormPage, PageError> {
    let view = s.app.screening_instrument(&v.actor, tf).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let mut options = vec![(
        String::new(),
        "The lead law enforcement agency (default rule)".to_owned(),
    )];
    options.extend(
        organizations
            .iter()
            .filter(|o| o.active)
            .map(|o| (o.id.to_string(), o.name.clone())),
    );
    let routed = view
        .routed_to
        .and_then(|id| organizations.iter().find(|o| o.id == id))
        .map_or_else(
            || "nobody yet: public tips are refused".to_owned(),
            |o| o.name.clone(),
        );
    Ok(FormPage {
        chrome: Chrome::new(v, crumbs(tf, vec![Cell::text("Screening instrument and intake")]), None),
        csrf: v.session.csrf_token.clone(),
        title: "Screening instrument and intake".into(),
        action: format!("/task-forces/{tf}/screening-instrument"),
        cancel: format!("/task-forces/{tf}"),
        submit: "Save changes",
        version: Some(view.version),
        fields: vec![
            Field::new(
                "intake_organization_id",
                "Organization public tips are routed to",
                "select",
                view.intake_organization_id.map(|o| o.to_string()).unwrap_or_default(),
            )
            .options(options)
            .hint(format!("Public and imported tips go here now: {routed}.")),
            Field::new("instrument", "Screening instrument (JSON)", "textarea", if view.is_default { String::new() } else { view.json })
                .hint("Questions in English and Spanish, each with a topic, the indicators a \"yes\" counts toward and a weight; thresholds for sex and labor indicators. Leave empty to use the shipped default. A screening suggests; it never decides."),
        ],
        problems: Vec::new(),
    })
}

async fn instrument_form(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    Ok(render(&instrument_page(&s, &v, tf).await?))
}

async fn instrument_submit(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    require(&s, v, Action::Update, ResourceKind::ScreeningInstrument, tf).await?;
    let mut invalid = Invalid::default();
    let version = f.form.version(&mut invalid);
    let org: Option<OrganizationId> = f.form.optional_id("intake_organization_id", &mut invalid);
    let result = match (version, invalid.is_empty()) {
        (Some(version), true) => {
            let json = f.form.text("instrument");
            s.app
                .set_intake_settings(&v.actor, tf, version, Some(&json), org)
                .await
                .map(|_| ())
        }
        (None, true) => Err(AppError::Invalid(Invalid::one(
            "version",
            "the form is missing the record's version; reload the page and try again",
        ))),
        _ => Err(AppError::Invalid(invalid)),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/task-forces/{tf}/screening-instrument")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            // The instrument's own problems name their place in the JSON.
            let invalid = Invalid {
                errors: invalid
                    .errors
                    .into_iter()
                    .map(|e| match e.field.as_str() {
                        "version" | "intake_organization_id" | "instrument" => e,
                        place => FieldError {
                            message: format!("{place} {}", e.message),
                            field: "instrument".into(),
                        },
                    })
                    .collect(),
            };
            let mut page = instrument_page(&s, v, tf).await?;
            if let Some(field) = page.fields.get_mut(1) {
                field.value = f.form.text("instrument");
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page.with_errors(&invalid)),
            )
                .into_response())
        }
        Err(AppError::Conflict) => Err(PageError::from(AppError::Conflict)),
        Err(other) => Err(other.into()),
    }
}
