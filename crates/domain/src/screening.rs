//! The victim-identification screening instrument, kept as data (capability C2).
//!
//! A task force's instrument is a JSON document (questions in English and Spanish, each mapped
//! to a topic and to the indicators it counts toward, with a weight; thresholds per indicator).
//! The default ships in `data/screening-default.json`, written in the project's own words on the
//! topics of the Vera Institute's Trafficking Victim Identification Tool short form (migration
//! and country of origin, reason for moving, fraud, coercion, unfair labor practices, sexual
//! exploitation, isolation, physical harm); it does not reproduce that tool's text.
//!
//! A completed screening computes a sex-trafficking and a labor-trafficking indicator score and
//! SUGGESTS next steps. It never decides whether someone is a victim.

use crate::access::Label;
use crate::cases::TraffickingType;
use crate::ids::*;
use crate::intake::Language;
use crate::structure::{code_enum, Valid};
use crate::validation::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The default instrument, as shipped.
pub const DEFAULT_INSTRUMENT_JSON: &str = include_str!("../data/screening-default.json");

code_enum!(
    /// The topics of the instrument (those of the TVIT short form).
    Topic {
        Migration = "migration", "Migration and country of origin";
        ReasonForMoving = "reason_for_moving", "Reason for moving";
        Fraud = "fraud", "Fraud";
        Coercion = "coercion", "Coercion";
        UnfairLabor = "unfair_labor", "Unfair labor practices";
        SexualExploitation = "sexual_exploitation", "Sexual exploitation";
        Isolation = "isolation", "Isolation";
        PhysicalHarm = "physical_harm", "Physical harm";
    }
);

code_enum!(
    /// The indicators a question's "yes" counts toward.
    Indicator {
        Sex = "sex", "Sex trafficking indicators";
        Labor = "labor", "Labor trafficking indicators";
    }
);

code_enum!(
    /// An answer to one question.
    Answer {
        Yes = "yes", "Yes";
        No = "no", "No";
        Unsure = "unsure", "Not sure";
        Declined = "declined", "Prefers not to answer";
    }
);

impl Answer {
    pub fn spanish(self) -> &'static str {
        match self {
            Self::Yes => "Sí",
            Self::No => "No",
            Self::Unsure => "No está seguro/a",
            Self::Declined => "Prefiere no responder",
        }
    }
}

/// Text in each language the instrument is offered in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub en: String,
    pub es: String,
}

impl Bilingual {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::English => &self.en,
            Language::Spanish => &self.es,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable within the instrument (`q01`); answers are stored by it.
    pub id: String,
    pub topic: Topic,
    /// Asked only of people who moved to the United States from another country.
    #[serde(default)]
    pub migration: bool,
    /// The indicators a "yes" counts toward (none: context only).
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// What a "yes" adds to each of its indicators' scores (0 to 10).
    pub weight: u32,
    pub text: Bilingual,
}

/// Scores at or above which the suggestion is made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub sex: u32,
    pub labor: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub name: String,
    /// Said to the person before the first question, in their language.
    pub introduction: Bilingual,
    pub questions: Vec<Question>,
    pub thresholds: Thresholds,
}

/// The longest question or introduction text (characters).
const TEXT_MAX: usize = 1_000;
const QUESTIONS_MAX: usize = 200;

impl Instrument {
    /// Reads and checks an instrument; every problem names its place (`questions[3].text.es`).
    pub fn parse(json: &str) -> Result<Valid<Instrument>, Invalid> {
        let instrument: Instrument = match serde_json::from_str(json) {
            Ok(i) => i,
            Err(e) => {
                return Err(Invalid::one(
                    "instrument",
                    format!(
                        "is not a valid instrument (line {}, column {}): {e}",
                        e.line(),
                        e.column()
                    ),
                ))
            }
        };
        instrument.validate()
    }

    pub fn validate(self) -> Result<Valid<Instrument>, Invalid> {
        let mut invalid = Invalid::default();
        invalid.required_text("name", &self.name, 200);
        invalid.required_text("introduction.en", &self.introduction.en, TEXT_MAX);
        invalid.required_text("introduction.es", &self.introduction.es, TEXT_MAX);
        if self.questions.is_empty() {
            invalid.add("questions", "an instrument needs at least one question");
        }
        if self.questions.len() > QUESTIONS_MAX {
            invalid.add(
                "questions",
                format!("an instrument has at most {QUESTIONS_MAX} questions"),
            );
        }
        let mut ids = BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            let id = q.id.trim();
            if id.is_empty()
                || id.len() > 40
                || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                invalid.add(
                    format!("{at}.id"),
                    "must be 1 to 40 letters, digits or underscores",
                );
            } else if !ids.insert(id.to_owned()) {
                invalid.add(
                    format!("{at}.id"),
                    format!("{id} is used by another question"),
                );
            }
            invalid.required_text(&format!("{at}.text.en"), &q.text.en, TEXT_MAX);
            invalid.required_text(&format!("{at}.text.es"), &q.text.es, TEXT_MAX);
            if q.weight > 10 {
                invalid.add(format!("{at}.weight"), "must be 0 to 10");
            }
            if q.weight > 0 && q.indicators.is_empty() {
                invalid.add(
                    format!("{at}.indicators"),
                    "a weighted question counts toward at least one indicator",
                );
            }
        }
        let max = self.max_scores();
        if self.thresholds.sex == 0 || self.thresholds.sex > max.0 {
            invalid.add(
                "thresholds.sex",
                format!("must be 1 to {} (the most the questions can score)", max.0),
            );
        }
        if self.thresholds.labor == 0 || self.thresholds.labor > max.1 {
            invalid.add(
                "thresholds.labor",
                format!("must be 1 to {} (the most the questions can score)", max.1),
            );
        }
        invalid.finish(Valid(self))
    }

    /// The highest sex and labor scores the questions allow.
    pub fn max_scores(&self) -> (u32, u32) {
        self.questions.iter().fold((0, 0), |(s, l), q| {
            (
                s + if q.indicators.contains(&Indicator::Sex) {
                    q.weight
                } else {
                    0
                },
                l + if q.indicators.contains(&Indicator::Labor) {
                    q.weight
                } else {
                    0
                },
            )
        })
    }

    /// The shipped default.
    pub fn default_instrument() -> Result<Valid<Instrument>, Invalid> {
        Self::parse(DEFAULT_INSTRUMENT_JSON)
    }
}

/// What the screener records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScreeningInput {
    #[serde(default)]
    pub person_id: Option<PersonId>,
    #[serde(default)]
    pub tip_id: Option<TipId>,
    #[serde(default)]
    pub case_id: Option<CaseId>,
    #[serde(default)]
    pub language: Option<Language>,
    /// Whether the person moved to the United States from another country (migration
    /// questions are then asked).
    #[serde(default)]
    pub moved_from_abroad: bool,
    /// Answers by question id.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
}

/// The scores and the suggestion of a completed screening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreeningResult {
    pub sex_score: u32,
    pub labor_score: u32,
    pub sex_threshold: u32,
    pub labor_threshold: u32,
    pub unsure_or_declined: u32,
    /// Which indicators reached their threshold (none, sex, labor or both).
    pub indicated: Option<TraffickingType>,
    pub suggestions: Vec<String>,
}

/// Said on every screening page and result: the instrument suggests, people decide.
pub const NEVER_DECIDES: &str =
    "A screening result is a prompt for the next conversation, not a finding. \
It never decides whether someone is a survivor of trafficking; the people working with them do.";

/// Checks the answers against the instrument and scores them.
pub fn score(instrument: &Instrument, input: &ScreeningInput) -> Result<ScreeningResult, Invalid> {
    let mut invalid = Invalid::default();
    if input.person_id.is_none() && input.tip_id.is_none() && input.case_id.is_none() {
        invalid.add(
            "person_id",
            "a screening is kept with a person, a tip or a case; choose one",
        );
    }
    for id in input.answers.keys() {
        match instrument.questions.iter().find(|q| &q.id == id) {
            None => invalid.add(format!("answers.{id}"), "is not a question of this instrument"),
            Some(q) if q.migration && !input.moved_from_abroad => invalid.add(
                format!("answers.{id}"),
                "is a migration question; it is asked only of someone who moved from another country",
            ),
            Some(_) => {}
        }
    }
    let asked: Vec<&Question> = instrument
        .questions
        .iter()
        .filter(|q| !q.migration || input.moved_from_abroad)
        .collect();
    if input.answers.is_empty() {
        invalid.add(
            "answers",
            "answer at least one question (\"prefers not to answer\" counts)",
        );
    }
    let (mut sex, mut labor, mut unsure) = (0, 0, 0);
    for q in &asked {
        match input.answers.get(&q.id) {
            Some(Answer::Yes) => {
                if q.indicators.contains(&Indicator::Sex) {
                    sex += q.weight;
                }
                if q.indicators.contains(&Indicator::Labor) {
                    labor += q.weight;
                }
            }
            Some(Answer::Unsure | Answer::Declined) | None => unsure += 1,
            Some(Answer::No) => {}
        }
    }
    let t = &instrument.thresholds;
    let (s, l) = (sex >= t.sex, labor >= t.labor);
    let indicated = match (s, l) {
        (true, true) => Some(TraffickingType::Both),
        (true, false) => Some(TraffickingType::Sex),
        (false, true) => Some(TraffickingType::Labor),
        (false, false) => None,
    };
    let mut suggestions = Vec::new();
    if l {
        suggestions.push(format!(
            "Indicators of labor trafficking are at or above the threshold ({labor} of {}): consider a referral to a victim service provider and a full, trauma-informed interview.",
            t.labor
        ));
    }
    if s {
        suggestions.push(format!(
            "Indicators of sex trafficking are at or above the threshold ({sex} of {}): consider a referral to a victim service provider and a full, trauma-informed interview.",
            t.sex
        ));
    }
    if indicated.is_some() {
        suggestions.push(
            "If the person is in danger now, follow your agency's safety protocol first.".into(),
        );
    } else {
        suggestions.push("No indicator reached its threshold. This does not rule trafficking out: if concerns remain, keep the door open and offer services.".into());
    }
    if unsure > 0 {
        suggestions.push(format!(
            "{unsure} question(s) were unanswered, unsure or declined; a later conversation, once trust is built, may tell more."
        ));
    }
    invalid.finish(ScreeningResult {
        sex_score: sex,
        labor_score: labor,
        sex_threshold: t.sex,
        labor_threshold: t.labor,
        unsure_or_declined: unsure,
        indicated,
        suggestions,
    })
}

/// A stored screening as the reader may see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Screening {
    pub id: ScreeningId,
    pub task_force_id: TaskForceId,
    pub owner_organization_id: OrganizationId,
    /// Victim-confidential when a victim service provider screened; otherwise the organization's.
    pub label: Label,
    pub person_id: Option<PersonId>,
    pub tip_id: Option<TipId>,
    pub case_id: Option<CaseId>,
    pub language: Language,
    pub moved_from_abroad: bool,
    pub answers: BTreeMap<String, Answer>,
    pub result: ScreeningResult,
    pub instrument_name: String,
    pub screened_by: Option<MemberId>,
    pub screened_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_instrument_is_valid_with_sixteen_core_questions_and_migration_questions() {
        let instrument = Instrument::default_instrument()
            .expect("valid")
            .into_inner();
        let core = instrument.questions.iter().filter(|q| !q.migration).count();
        let migration = instrument.questions.iter().filter(|q| q.migration).count();
        assert_eq!(core, 16);
        assert!(migration >= 3);
        for topic in Topic::ALL {
            assert!(
                instrument.questions.iter().any(|q| q.topic == *topic),
                "{topic:?}"
            );
        }
        for q in &instrument.questions {
            assert!(!q.text.es.is_empty() && q.text.es != q.text.en, "{}", q.id);
        }
    }

    #[test]
    fn labor_answers_above_threshold_suggest_a_referral_and_never_decide() {
        let instrument = Instrument::default_instrument()
            .expect("valid")
            .into_inner();
        let mut input = ScreeningInput {
            tip_id: Some(TipId(uuid::Uuid::from_u128(1))),
            ..Default::default()
        };
        for q in instrument.questions.iter().filter(|q| !q.migration) {
            let yes = q.indicators == [Indicator::Labor] || q.topic == Topic::UnfairLabor;
            input
                .answers
                .insert(q.id.clone(), if yes { Answer::Yes } else { Answer::No });
        }
        let result = score(&instrument, &input).expect("scored");
        assert!(result.labor_score >= result.labor_threshold);
        assert_eq!(result.indicated, Some(TraffickingType::Labor));
        assert!(result.suggestions[0].contains("labor trafficking"));
        assert!(result.suggestions[0].contains("consider"));

        let none = ScreeningInput {
            answers: [("q01".to_owned(), Answer::No)].into(),
            ..input.clone()
        };
        let result = score(&instrument, &none).expect("scored");
        assert_eq!(result.indicated, None);
    }

    #[test]
    fn unknown_and_unasked_questions_are_named() {
        let instrument = Instrument::default_instrument()
            .expect("valid")
            .into_inner();
        let migration = instrument
            .questions
            .iter()
            .find(|q| q.migration)
            .expect("m");
        let input = ScreeningInput {
            answers: [
                ("nope".to_owned(), Answer::Yes),
                (migration.id.clone(), Answer::Yes),
            ]
            .into(),
            ..Default::default()
        };
        let err = score(&instrument, &input).expect_err("refused");
        assert!(err.message_for("answers.nope").is_some());
        assert!(err
            .message_for(&format!("answers.{}", migration.id))
            .is_some());
        assert!(err.message_for("person_id").is_some());
    }

    #[test]
    fn a_bad_instrument_names_each_problem() {
        let mut instrument = Instrument::default_instrument()
            .expect("valid")
            .into_inner();
        instrument.questions[1].id = instrument.questions[0].id.clone();
        instrument.questions[2].text.es = " ".into();
        instrument.thresholds.labor = 10_000;
        let err = instrument.validate().expect_err("refused");
        assert!(err.message_for("questions[1].id").is_some());
        assert!(err.message_for("questions[2].text.es").is_some());
        assert!(err.message_for("thresholds.labor").is_some());
        let err = Instrument::parse("{\"name\": 3}").expect_err("refused");
        assert!(err.message_for("instrument").is_some());
    }
}
