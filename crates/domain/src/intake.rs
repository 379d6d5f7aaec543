//! Identification and intake (capability C2): tips from the public form, from partners and from
//! hotline exports; their triage (assignment, merging duplicates, closing with a reason, opening
//! a case); and the file format of hotline imports.
//!
//! A tip is labelled `organization` and held by the organization it is routed to
//! (ACCESS-MODEL.md). Its narrative and the tipster's contact details are stored only encrypted;
//! the types here carry the plaintext the reader was allowed to see.

use crate::access::Label;
use crate::cases::TraffickingType;
use crate::ids::*;
use crate::reference;
use crate::structure::{code_enum, max_len, Valid};
use crate::validation::Invalid;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The longest narrative or added text accepted (characters).
pub const NARRATIVE_MAX: usize = 20_000;
/// The longest contact details accepted (characters).
pub const CONTACT_MAX: usize = 500;
/// Tips are labelled for the organization they are routed to.
pub const TIP_LABEL: Label = Label::Organization;

code_enum!(
    /// Where a tip stands in triage.
    TipStatus {
        New = "new", "New";
        InReview = "in_review", "In review";
        CaseOpened = "case_opened", "Case opened";
        Merged = "merged", "Merged into another tip";
        Closed = "closed", "Closed";
    }
);

impl TipStatus {
    /// Still waiting for a decision (shown in the triage queue).
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::InReview)
    }
}

code_enum!(
    /// How a tip reached the task force.
    TipSource {
        PublicForm = "public_form", "Public tip form";
        Partner = "partner", "Partner organization";
        HotlineImport = "hotline_import", "Hotline export";
    }
);

code_enum!(
    /// Why a tip was closed without a case (the list a triage team chooses from).
    CloseReason {
        NoIndicators = "no_indicators", "No indicators of trafficking found";
        InsufficientInformation = "insufficient_information", "Not enough information to act on";
        OutsideJurisdiction = "outside_jurisdiction", "Outside the task force's jurisdiction";
        ReferredElsewhere = "referred_elsewhere", "Referred to another agency or service";
        ExistingCase = "existing_case", "Already part of an existing case";
        NotGenuine = "not_genuine", "Not a genuine report (test or spam)";
    }
);

code_enum!(
    /// The languages the public form is offered in.
    Language {
        English = "en", "English";
        Spanish = "es", "Español";
    }
);

/// A tip as the reader may see it. `narrative` and `contact` are empty when the reader may see
/// the tip's status only (the partner who submitted it).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tip {
    pub id: TipId,
    pub task_force_id: TaskForceId,
    /// `TIP-2026-0001`: unique in the task force.
    pub reference: String,
    /// The organization the tip is routed to (its holder).
    pub routed_organization_id: OrganizationId,
    pub label: Label,
    pub source: TipSource,
    pub status: TipStatus,
    pub submitted_by_member_id: Option<MemberId>,
    pub submitted_by_organization_id: Option<OrganizationId>,
    pub received_at: DateTime<Utc>,
    pub language: Language,
    pub place: String,
    pub county_fips: String,
    /// When it happened, in the tipster's words ("last summer", "every weekend").
    pub occurred: String,
    pub occurred_on: Option<NaiveDate>,
    pub trafficking_type: TraffickingType,
    pub naics: String,
    pub typology: Option<u8>,
    pub minors_possible: bool,
    pub narrative: String,
    pub contact: String,
    pub has_contact: bool,
    pub assigned_member_id: Option<MemberId>,
    pub merged_into: Option<TipId>,
    pub case_id: Option<CaseId>,
    pub close_reason: Option<CloseReason>,
    pub close_note: String,
    /// The hotline's own reference of an imported tip.
    pub external_reference: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a tipster (or a partner, or an import row) gives.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TipInput {
    pub narrative: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub county_fips: String,
    #[serde(default)]
    pub occurred: String,
    /// `YYYY-MM-DD`, when known.
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub trafficking_type: Option<TraffickingType>,
    #[serde(default)]
    pub naics: String,
    #[serde(default)]
    pub typology: Option<u8>,
    #[serde(default)]
    pub minors_possible: bool,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    pub external_reference: String,
}

/// A tip input that passed its checks.
#[derive(Clone, Debug, PartialEq)]
pub struct TipFields {
    pub narrative: String,
    pub place: String,
    pub county_fips: String,
    pub occurred: String,
    pub occurred_on: Option<NaiveDate>,
    pub trafficking_type: TraffickingType,
    pub naics: String,
    pub typology: Option<u8>,
    pub minors_possible: bool,
    pub contact: String,
    pub language: Language,
    pub external_reference: String,
}

/// What a tip is checked against.
pub struct TipContext<'a> {
    pub counties: &'a [String],
    pub typology: &'a [u8],
    pub today: NaiveDate,
}

impl TipInput {
    pub fn validate(self, context: &TipContext<'_>) -> Result<Valid<TipFields>, Invalid> {
        let mut invalid = Invalid::default();
        let narrative = invalid.required_text("narrative", &self.narrative, NARRATIVE_MAX);
        let place = invalid.optional_text("place", &self.place, max_len());
        let county_fips = self.county_fips.trim().to_owned();
        if !county_fips.is_empty() && !context.counties.contains(&county_fips) {
            invalid.add("county_fips", "must be a county of this task force");
        }
        let occurred = invalid.optional_text("occurred", &self.occurred, max_len());
        let occurred_on = match self.occurred_on.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) if date > context.today => {
                    invalid.add("occurred_on", "must not be in the future");
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    invalid.add("occurred_on", "must be a date written YYYY-MM-DD");
                    None
                }
            },
        };
        let naics = self.naics.trim().to_owned();
        if !naics.is_empty()
            && (!(2..=6).contains(&naics.len()) || !naics.bytes().all(|b| b.is_ascii_digit()))
        {
            invalid.add("naics", "must be a NAICS code of 2 to 6 digits");
        }
        if let Some(number) = self.typology {
            if !context.typology.contains(&number) {
                invalid.add("typology", "must be a type of the task force's typology");
            }
        }
        let contact = invalid.optional_text("contact", &self.contact, CONTACT_MAX);
        let external_reference =
            invalid.optional_text("external_reference", &self.external_reference, max_len());
        invalid.finish(Valid(TipFields {
            narrative,
            place,
            county_fips,
            occurred,
            occurred_on,
            trafficking_type: self.trafficking_type.unwrap_or(TraffickingType::Unknown),
            naics,
            typology: self.typology,
            minors_possible: self.minors_possible,
            contact,
            language: self.language.unwrap_or(Language::English),
            external_reference,
        }))
    }
}

/// More information added to a tip later (by its receipt code, or by the triage team).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TipAddition {
    pub tip_id: TipId,
    pub added_at: DateTime<Utc>,
    /// `receipt` (the tipster, by their code), `merge` (the text of a merged tip).
    pub source: String,
    pub text: String,
}

/// Checks text added to a tip.
pub fn validate_addition(text: &str) -> Result<String, Invalid> {
    let mut invalid = Invalid::default();
    let text = invalid.required_text("text", text, NARRATIVE_MAX);
    invalid.finish(text)
}

/// Triage actions on a tip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriageInput {
    /// Assign to a member of the holding organization (none: unassign).
    Assign { member_id: Option<MemberId> },
    /// Close with a reason from the list, and a note.
    Close {
        reason: Option<CloseReason>,
        #[serde(default)]
        note: String,
    },
    /// Reopen a closed or merged tip (a merge is undone; both texts stay on the surviving tip's
    /// history).
    Reopen,
}

// ---------------------------------------------------------------------------------------------
// Receipt codes

/// The alphabet of receipt codes: no 0/O, 1/I/L, so a code read aloud or copied by hand survives.
const RECEIPT_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a receipt code (16 x log2(31) = about 79 bits).
pub const RECEIPT_LEN: usize = 16;

/// A receipt code from random bytes (one byte per character; rejection keeps it unbiased enough
/// for 31 symbols: each byte is reduced modulo 31 from the largest multiple, 248).
pub fn receipt_code(random: &[u8]) -> Option<String> {
    let mut out = String::new();
    for b in random.iter().copied().filter(|b| *b < 248) {
        if out.chars().filter(|c| *c != '-').count() == RECEIPT_LEN {
            break;
        }
        if !out.is_empty() && out.chars().filter(|c| *c != '-').count() % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(
            RECEIPT_ALPHABET[usize::from(b) % RECEIPT_ALPHABET.len()],
        ));
    }
    (out.chars().filter(|c| *c != '-').count() == RECEIPT_LEN).then_some(out)
}

/// The stored form of a receipt code: SHA-256 of its characters, upper-cased, without spaces or
/// dashes. `None` when the text cannot be a receipt code.
pub fn receipt_hash(code: &str) -> Option<String> {
    let normal: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let ok = normal.len() == RECEIPT_LEN && normal.bytes().all(|b| RECEIPT_ALPHABET.contains(&b));
    ok.then(|| hex::encode(Sha256::digest(format!("tip-receipt:{normal}").as_bytes())))
}

// ---------------------------------------------------------------------------------------------
// Routing

/// The organization public tips of a task force are routed to: the one the coordinator named
/// as the intake organization, if it is still active; otherwise the lead law enforcement
/// agency, taken as the earliest-added active law enforcement organization (federal, state or
/// local); otherwise none (the public form then says tips cannot be taken online).
pub fn intake_organization(
    configured: Option<OrganizationId>,
    organizations: &[crate::structure::Organization],
) -> Option<OrganizationId> {
    if let Some(id) = configured {
        if organizations.iter().any(|o| o.id == id && o.active) {
            return Some(id);
        }
    }
    organizations
        .iter()
        .filter(|o| o.active && o.kind.is_law_enforcement())
        .min_by_key(|o| (o.created_at, o.id))
        .map(|o| o.id)
}

// ---------------------------------------------------------------------------------------------
// Hotline imports

/// The tip fields a hotline export's columns can be mapped to.
pub const IMPORT_FIELDS: &[(&str, &str)] = &[
    ("narrative", "What was reported (required)"),
    (
        "received_at",
        "When the hotline received it (YYYY-MM-DD or YYYY-MM-DD HH:MM)",
    ),
    ("place", "Where (free text)"),
    ("county", "County (FIPS code or county name)"),
    ("occurred", "When it happened (free text)"),
    ("occurred_on", "Date it happened (YYYY-MM-DD)"),
    (
        "trafficking_type",
        "Suspected trafficking type (sex, labor, both, unknown)",
    ),
    ("naics", "Industry (NAICS code)"),
    ("minors", "Minors possibly involved (yes/no)"),
    ("contact", "Contact details of the caller"),
    ("external_reference", "The hotline's reference number"),
];

/// A column mapping: `column=field` pairs (the column named as in the file's header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportMapping(pub Vec<(String, String)>);

impl ImportMapping {
    /// Reads `column=field` pairs; names the pair that is malformed or maps to an unknown field.
    pub fn parse(pairs: &[String]) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let mut out: Vec<(String, String)> = Vec::new();
        for (i, pair) in pairs.iter().enumerate() {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let Some((column, field)) = pair.rsplit_once('=') else {
                invalid.add(format!("map[{i}]"), "must be written column=field");
                continue;
            };
            let (column, field) = (column.trim(), field.trim());
            if !IMPORT_FIELDS.iter().any(|(f, _)| *f == field) {
                invalid.add(
                    format!("map[{i}]"),
                    format!(
                        "{field:?} is not a tip field; use one of {}",
                        IMPORT_FIELDS
                            .iter()
                            .map(|(f, _)| *f)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            } else if out.iter().any(|(_, f)| f == field) {
                invalid.add(format!("map[{i}]"), format!("{field} is mapped twice"));
            } else {
                out.push((column.to_owned(), field.to_owned()));
            }
        }
        if invalid.is_empty() && !out.iter().any(|(_, f)| f == "narrative") {
            invalid.add("map", "map a column to narrative (the text of the report)");
        }
        invalid.finish(Self(out))
    }
}

/// One row of an import that passed its checks.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    pub received_at: Option<DateTime<Utc>>,
    pub tip: Valid<TipFields>,
}

/// A refused row: its line, the field and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowProblem {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

/// The outcome of reading a whole file: every row, or every problem.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportCheck {
    pub rows: Vec<ImportRow>,
    pub problems: Vec<RowProblem>,
}

/// The most rows one import takes.
pub const IMPORT_MAX_ROWS: usize = 100_000;

fn parse_received(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn county_of(text: &str, counties: &[String]) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    if counties.iter().any(|c| c == text) {
        return Ok(text.to_owned());
    }
    let wanted = text.to_lowercase();
    let wanted = wanted.trim_end_matches(" county").trim();
    counties
        .iter()
        .find(|fips| {
            reference::county(fips).is_some_and(|c| {
                let name = c.name.to_lowercase();
                name == wanted || name.trim_end_matches(" county").trim() == wanted
            })
        })
        .cloned()
        .ok_or_else(|| "is not a county of this task force (give its FIPS code or name)".into())
}

/// Reads a hotline export (CSV with a header row) through `mapping`, checking every row against
/// `context`. Nothing is refused silently: each bad row is named by line, field and reason.
pub fn check_import(data: &[u8], mapping: &ImportMapping, context: &TipContext<'_>) -> ImportCheck {
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Err(e) => {
            problems.push(RowProblem {
                line: 1,
                field: "header".into(),
                reason: format!("the header row cannot be read: {e}"),
            });
            return ImportCheck { rows, problems };
        }
    };
    let mut columns: Vec<(usize, &str)> = Vec::new();
    for (column, field) in &mapping.0 {
        match headers.iter().position(|h| h.eq_ignore_ascii_case(column)) {
            Some(i) => columns.push((i, field.as_str())),
            None => problems.push(RowProblem {
                line: 1,
                field: field.clone(),
                reason: format!("the file has no column {column:?}"),
            }),
        }
    }
    if !problems.is_empty() {
        return ImportCheck { rows, problems };
    }
    for (n, record) in reader.records().enumerate() {
        if n >= IMPORT_MAX_ROWS {
            problems.push(RowProblem {
                line: record
                    .as_ref()
                    .ok()
                    .and_then(|r| r.position())
                    .map_or(0, |p| p.line()),
                field: "file".into(),
                reason: format!("an import takes at most {IMPORT_MAX_ROWS} rows; split the file"),
            });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(RowProblem {
                    line,
                    field: "row".into(),
                    reason: format!("cannot be read as CSV: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let value = |field: &str| -> String {
            columns
                .iter()
                .find(|(_, f)| *f == field)
                .and_then(|(i, _)| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let mut row_problems: Vec<(String, String)> = Vec::new();
        let received_at = match value("received_at").trim() {
            "" => None,
            text => match parse_received(text) {
                Some(t) => Some(t),
                None => {
                    row_problems.push((
                        "received_at".into(),
                        "must be a date (YYYY-MM-DD) or date and time (YYYY-MM-DD HH:MM)".into(),
                    ));
                    None
                }
            },
        };
        if received_at.is_some_and(|t| t.date_naive() > context.today) {
            row_problems.push(("received_at".into(), "must not be in the future".into()));
        }
        let county_fips = match county_of(&value("county"), context.counties) {
            Ok(c) => c,
            Err(reason) => {
                row_problems.push(("county".into(), reason));
                String::new()
            }
        };
        let trafficking_type = match value("trafficking_type").trim().to_lowercase().as_str() {
            "" => None,
            "sex" | "sex trafficking" => Some(TraffickingType::Sex),
            "labor" | "labour" | "labor trafficking" => Some(TraffickingType::Labor),
            "both" | "sex and labor" => Some(TraffickingType::Both),
            "unknown" | "not known" => Some(TraffickingType::Unknown),
            _ => {
                row_problems.push((
                    "trafficking_type".into(),
                    "must be sex, labor, both or unknown".into(),
                ));
                None
            }
        };
        let minors_possible = match value("minors").trim().to_lowercase().as_str() {
            "" | "no" | "n" | "false" | "0" => false,
            "yes" | "y" | "true" | "1" => true,
            _ => {
                row_problems.push(("minors".into(), "must be yes or no".into()));
                false
            }
        };
        let input = TipInput {
            narrative: value("narrative"),
            place: value("place"),
            county_fips,
            occurred: value("occurred"),
            occurred_on: value("occurred_on"),
            trafficking_type,
            naics: value("naics"),
            typology: None,
            minors_possible,
            contact: value("contact"),
            language: None,
            external_reference: value("external_reference"),
        };
        match input.validate(context) {
            Ok(tip) if row_problems.is_empty() => rows.push(ImportRow {
                line,
                received_at,
                tip,
            }),
            Ok(_) => {}
            Err(invalid) => row_problems.extend(
                invalid
                    .errors
                    .into_iter()
                    .map(|e| (e.field.replace("county_fips", "county"), e.message)),
            ),
        }
        problems.extend(row_problems.into_iter().map(|(field, reason)| RowProblem {
            line,
            field,
            reason,
        }));
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(RowProblem {
            line: 1,
            field: "file".into(),
            reason: "the file has no rows under its header".into(),
        });
    }
    ImportCheck { rows, problems }
}

#[cfg(test)]
mod tests;
