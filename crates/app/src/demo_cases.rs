//! The demo caseload: for each demo task force, a few hundred SYNTHETIC cases across the whole
//! typology, written by the demo members themselves through the same use cases as real work,
//! so every row passed the policy, was sealed with the organization's data key and indexed as
//! keyed tokens.
//!
//! A "matter" is one situation of trafficking: law enforcement opens an investigation, a victim
//! service provider usually holds a service case for the same survivors, and older matters have
//! reached a prosecutor's office, which the investigating agency puts on its team. The cases are
//! linked to one another; each reader sees a linked case they may not open as withheld.
//!
//! Every person, business, phone number, plate and handle here is invented (phone numbers are in
//! the 555-01xx range reserved for fiction). The words follow trauma-informed practice: people
//! are survivors, not "victims" in advocates' notes; choices are theirs; no detail is lurid.

use crate::{Actor, App, AppError, Result};
use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use taskforce_domain::access::{Label, Principal};
use taskforce_domain::cases::*;
use taskforce_domain::structure::*;
use taskforce_domain::*;

/// Links between an investigation and a service case are made by the demo builder itself: no
/// member may read both (a service case opens to law enforcement only under the survivor's
/// consent), which is also how the product shows them: withheld to whoever may not open them.
const SYSTEM: Actor = Actor::System("demo");

/// Matters per task force; each is an investigation, and most also a service case and, when
/// old enough, a prosecution (about 2.3 cases a matter).
pub const MATTERS_PER_TASK_FORCE: usize = 90;

/// One type of the Polaris typology as the demo writes it.
struct Industry {
    typology: u8,
    kind: TraffickingType,
    naics: &'static str,
    /// A short title, e.g. "Dairy farm labor".
    title: &'static str,
    /// Where the work happened, in a phrase: "on a dairy farm".
    setting: &'static str,
    exploitation: &'static str,
    /// Nouns for an invented business of the kind.
    business: &'static [&'static str],
}

const fn industry(
    typology: u8,
    kind: TraffickingType,
    naics: &'static str,
    title: &'static str,
    setting: &'static str,
    exploitation: &'static str,
    business: &'static [&'static str],
) -> Industry {
    Industry {
        typology,
        kind,
        naics,
        title,
        setting,
        exploitation,
        business,
    }
}

use TraffickingType as TT;

#[rustfmt::skip]
const INDUSTRIES: [Industry; 25] = [
    industry(1, TT::Sex, "812990", "Escort service", "through an escort service advertised online", "sexual_exploitation", &["Companions", "Elite Dates"]),
    industry(2, TT::Sex, "812199", "Illicit massage business", "in a massage business open late into the night", "sexual_exploitation", &["Day Spa", "Wellness Massage"]),
    industry(3, TT::Sex, "812990", "Outdoor solicitation", "on a stretch of road near truck stops and motels", "sexual_exploitation", &["Motor Lodge"]),
    industry(4, TT::Sex, "531110", "Residential commercial sex", "in rented apartments moved every few weeks", "sexual_exploitation", &["Property Rentals"]),
    industry(5, TT::Labor, "814110", "Domestic work", "as a live-in housekeeper and nanny", "domestic_servitude", &["Household Staffing"]),
    industry(6, TT::Both, "722410", "Bar and cantina", "in a bar that required workers to drink with customers", "sexual_exploitation", &["Cantina", "Lounge"]),
    industry(7, TT::Sex, "512110", "Pornography production", "in recorded content sold online", "sexual_exploitation", &["Media Productions"]),
    industry(8, TT::Labor, "454390", "Traveling sales crew", "on a magazine sales crew moving between states", "forced_labour", &["Sales Crew", "Subscriptions"]),
    industry(9, TT::Labor, "722511", "Restaurant labor", "in restaurant kitchens, seven days a week", "forced_labour", &["Buffet", "Grill"]),
    industry(10, TT::Labor, "812990", "Forced peddling", "selling candy door to door and at intersections", "forced_begging", &["Youth Enterprises"]),
    industry(11, TT::Labor, "112120", "Dairy farm labor", "on a dairy farm, milking in twelve-hour shifts", "forced_labour", &["Dairy Farm", "Family Farms"]),
    industry(12, TT::Sex, "812990", "Personal sexual servitude", "in a private home, under the control of one man", "forced_marriage", &["Marriage Introductions"]),
    industry(13, TT::Labor, "812113", "Nail salon labor", "in a nail salon, paid far below what was promised", "forced_labour", &["Nails", "Beauty Bar"]),
    industry(14, TT::Labor, "236118", "Construction labor", "on residential construction sites", "forced_labour", &["Construction", "Builders"]),
    industry(15, TT::Labor, "721110", "Hotel housekeeping", "cleaning hotel rooms through a labor contractor", "forced_labour", &["Staffing Services", "Hospitality Group"]),
    industry(16, TT::Labor, "561730", "Landscaping labor", "on landscaping crews under a seasonal work visa", "forced_labour", &["Landscaping", "Lawn and Garden"]),
    industry(17, TT::Labor, "424990", "Forced criminal activity", "made to sell drugs to repay a debt", "forced_criminality", &["Distributors"]),
    industry(18, TT::Labor, "711190", "Arts and entertainment", "in a touring dance troupe", "forced_labour", &["Performing Arts"]),
    industry(19, TT::Labor, "561720", "Commercial cleaning", "cleaning office buildings overnight", "forced_labour", &["Cleaning Co.", "Janitorial"]),
    industry(20, TT::Labor, "311612", "Meat processing", "in a meat-processing plant through a staffing agency", "forced_labour", &["Processing", "Packers"]),
    industry(21, TT::Sex, "519290", "Remote interactive sexual acts", "in live-streamed video, from a rented room", "sexual_exploitation", &["Cam Studio"]),
    industry(22, TT::Labor, "713990", "Carnival labor", "setting up and running carnival rides across the state", "forced_labour", &["Amusements", "Shows"]),
    industry(23, TT::Labor, "113310", "Logging crew", "on a logging crew housed in trailers", "forced_labour", &["Timber", "Logging"]),
    industry(24, TT::Labor, "623110", "Health care labor", "as a nursing-home aide recruited abroad", "forced_labour", &["Care Staffing", "Senior Living"]),
    industry(25, TT::Labor, "713940", "Recreational facility", "at a fitness club and its summer camp", "forced_labour", &["Sports Club", "Recreation"]),
];

/// What each task force sees most (from its description): the types a matter leans to.
const FOCUS: [&[u8]; 4] = [
    &[11, 11, 11, 20, 5, 9, 1], // Western New York: agriculture, dairy farms above all
    &[14, 15, 1, 3, 23, 9, 19], // North Dakota: the oil fields' camps, hotels and roads
    &[1, 2, 3, 21, 9, 13, 4],   // Cook County: commercial sex and restaurants
    &[11, 16, 2, 15, 5, 13, 6], // Palm Beach County: agriculture, spas and hospitality
];

/// Area codes of the task forces (for U.S. numbers in the fictional 555-01xx range).
const AREA_CODES: [&str; 4] = ["716", "701", "312", "561"];

const GIVEN: &[&str] = &[
    "Ana",
    "Mateo",
    "Lucia",
    "Jorge",
    "Esperanza",
    "Oksana",
    "Dmytro",
    "Maribel",
    "Tomas",
    "Ji-woo",
    "Aaliyah",
    "Destiny",
    "Brianna",
    "Kayla",
    "Jasmine",
    "Tyler",
    "Marisol",
    "Luis",
    "Nicolas",
    "Ama",
    "Kofi",
    "Grace",
    "Joy",
    "Mercy",
    "Rahel",
    "Selam",
    "Lan",
    "Minh",
    "Rizal",
    "Marites",
    "Joel",
    "Keisha",
    "Crystal",
    "Amber",
    "Hector",
    "Alma",
    "Yesenia",
    "Wilmer",
    "Darius",
    "Ivy",
    "Nalani",
    "Irina",
    "Bogdan",
    "Chenoa",
    "Sienna",
    "Noor",
    "Tariq",
    "Amara",
];
const FAMILY: &[&str] = &[
    "Alvarado",
    "Bautista",
    "Cruz",
    "Dominguez",
    "Estrada",
    "Flores",
    "Guzman",
    "Herrera",
    "Ibarra",
    "Jimenez",
    "Kovalenko",
    "Lopez",
    "Mendoza",
    "Navarro",
    "Ortega",
    "Perez",
    "Quispe",
    "Reyes",
    "Santos",
    "Torres",
    "Umana",
    "Vargas",
    "Whitfield",
    "Young",
    "Zamora",
    "Mensah",
    "Owusu",
    "Tesfaye",
    "Haile",
    "Tran",
    "Pham",
    "Dela Cruz",
    "Ramos",
    "Hollis",
    "Brooks",
    "Carter",
    "Dawson",
    "Ellison",
    "Fischer",
    "Grant",
    "Holt",
    "Ivanova",
    "Shevchenko",
];
const BUSINESS_ADJECTIVES: &[&str] = &[
    "Sunrise",
    "Golden",
    "Prairie",
    "Lakeshore",
    "Silver",
    "Evergreen",
    "Harbor",
    "North Star",
    "Blue Ridge",
    "Maple",
    "Crescent",
    "Riverside",
    "Summit",
    "Pinecrest",
    "Bayview",
];
const LANGUAGES: &[(&str, &str)] = &[
    ("MX", "Spanish"),
    ("GT", "K'iche'"),
    ("HN", "Spanish"),
    ("PH", "Tagalog"),
    ("UA", "Ukrainian"),
    ("GH", "Twi"),
    ("ER", "Tigrinya"),
    ("VN", "Vietnamese"),
    ("CN", "Mandarin"),
    ("US", "English"),
];

/// The staff of one organization who do its casework, as the principals they sign in as.
struct Staff {
    organization: Organization,
    workers: Vec<Actor>,
}

impl Staff {
    fn pick(&self, rng: &mut ChaCha8Rng) -> Result<Actor> {
        self.workers
            .choose(rng)
            .cloned()
            .ok_or_else(|| AppError::Internal("a demo organization has no caseworkers".into()))
    }
}

pub(crate) fn principal(member: &Member, organization: &Organization, roles: Vec<Role>) -> Actor {
    Actor::Member(Principal {
        member_id: member.id,
        name: member.name.clone(),
        email: member.email.clone(),
        task_force_id: member.task_force_id,
        organization_id: organization.id,
        organization_name: organization.name.clone(),
        organization_kind: organization.kind,
        roles,
        strong: true,
        source: "demo".into(),
    })
}

fn staff_of(
    organizations: &[Organization],
    members: &[Member],
    held: impl Fn(OrganizationKind) -> bool,
    role: Role,
) -> Vec<Staff> {
    organizations
        .iter()
        .filter(|o| held(o.kind))
        .map(|o| Staff {
            organization: o.clone(),
            workers: members
                .iter()
                .filter_map(|m| {
                    let membership = m
                        .memberships
                        .iter()
                        .find(|s| s.organization_id == o.id && s.roles.contains(&role))?;
                    Some(principal(m, o, membership.roles.clone()))
                })
                .collect(),
        })
        .filter(|s| !s.workers.is_empty())
        .collect()
}

fn member_id(actor: &Actor) -> Option<MemberId> {
    actor.principal().map(|p| p.member_id)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// How many of each were written, for the command line.
#[derive(Debug, Default, Clone, Copy)]
pub struct CaseloadSummary {
    pub cases: usize,
    pub persons: usize,
    pub notes: usize,
}

/// A survivor or suspect as first recorded on the investigation.
struct Someone {
    given: &'static str,
    family: &'static str,
    input: PersonInput,
}

struct Writer<'a> {
    app: &'a App,
    tf: &'a TaskForce,
    index: usize,
    rng: ChaCha8Rng,
    today: NaiveDate,
    counties: Vec<(String, String)>,
    summary: CaseloadSummary,
    used_names: std::collections::BTreeSet<(&'static str, &'static str)>,
}

/// Writes the caseload of the `index`-th demo task force.
pub(crate) async fn seed_caseload(
    app: &App,
    tf: &TaskForce,
    index: usize,
) -> Result<CaseloadSummary> {
    let organizations = app.organizations(&SYSTEM, tf.id).await?;
    let members = app.members(&SYSTEM, tf.id).await?;
    let agencies = staff_of(
        &organizations,
        &members,
        OrganizationKind::is_law_enforcement,
        Role::Investigator,
    );
    let providers = staff_of(
        &organizations,
        &members,
        |k| k == OrganizationKind::VictimServiceProvider,
        Role::Advocate,
    );
    let offices = staff_of(
        &organizations,
        &members,
        |k| {
            matches!(
                k,
                OrganizationKind::FederalProsecutor | OrganizationKind::StateProsecutor
            )
        },
        Role::Prosecutor,
    );
    if agencies.is_empty() || providers.is_empty() || offices.is_empty() {
        return Err(AppError::Internal(
            "the demo caseload needs an agency, a provider and a prosecutor's office".into(),
        ));
    }
    let mut seed = crate::demo::DEMO_SEED;
    seed[31] = seed[31].wrapping_add(u8::try_from(index).unwrap_or(0).wrapping_add(1));
    let mut writer = Writer {
        app,
        tf,
        index,
        rng: ChaCha8Rng::from_seed(seed),
        today: app.clock().now().date_naive(),
        counties: tf
            .counties
            .iter()
            .filter_map(|fips| {
                taskforce_domain::reference::county(fips).map(|c| (c.fips.clone(), c.name.clone()))
            })
            .collect(),
        summary: CaseloadSummary::default(),
        used_names: Default::default(),
    };
    for matter in 0..MATTERS_PER_TASK_FORCE {
        writer
            .matter(matter, &agencies, &providers, &offices)
            .await?;
    }
    Ok(writer.summary)
}

impl Writer<'_> {
    fn industry(&mut self, matter: usize) -> &'static Industry {
        // The first 25 matters cover the whole typology; the rest lean to the task force's focus.
        let number = if matter < INDUSTRIES.len() {
            INDUSTRIES[matter].typology
        } else if self.rng.gen_bool(0.55) {
            FOCUS[self.index % FOCUS.len()]
                .choose(&mut self.rng)
                .copied()
                .unwrap_or(11)
        } else {
            self.rng.gen_range(1..=25)
        };
        INDUSTRIES
            .iter()
            .find(|i| i.typology == number)
            .unwrap_or(&INDUSTRIES[10])
    }

    fn name(&mut self) -> (&'static str, &'static str) {
        for _ in 0..50 {
            let given = GIVEN.choose(&mut self.rng).copied().unwrap_or("Alex");
            let family = FAMILY.choose(&mut self.rng).copied().unwrap_or("Rivera");
            if self.used_names.insert((given, family)) {
                return (given, family);
            }
        }
        (
            GIVEN.choose(&mut self.rng).copied().unwrap_or("Alex"),
            FAMILY.choose(&mut self.rng).copied().unwrap_or("Rivera"),
        )
    }

    fn us_phone(&mut self) -> String {
        format!(
            "({}) 555-01{:02}",
            AREA_CODES[self.index % AREA_CODES.len()],
            self.rng.gen_range(0..100)
        )
    }

    fn birth_date(&mut self, minor: bool) -> String {
        let year = self.today.year()
            - if minor {
                self.rng.gen_range(14..=16)
            } else {
                self.rng.gen_range(19..=58)
            };
        if self.rng.gen_bool(0.3) {
            year.to_string()
        } else {
            format!("{year}-{:02}", self.rng.gen_range(1..=12))
        }
    }

    fn survivor(&mut self, industry: &Industry, minor: bool) -> Someone {
        let (given, family) = self.name();
        let foreign = industry.kind != TT::Sex && self.rng.gen_bool(0.7) || self.rng.gen_bool(0.1);
        let (country, language) = if foreign {
            *LANGUAGES[..LANGUAGES.len() - 1]
                .choose(&mut self.rng)
                .unwrap_or(&LANGUAGES[0])
        } else {
            ("US", "English")
        };
        let feminine = match industry.kind {
            TT::Sex => self.rng.gen_bool(0.85),
            _ => self.rng.gen_bool(0.35),
        };
        let (sex, gender) = match (feminine, self.rng.gen_range(0..20)) {
            (_, 0) => (Sex::Unknown, Gender::NonConforming),
            (true, 1) => (Sex::Male, Gender::TransgenderFeminine),
            (true, _) => (Sex::Female, Gender::Feminine),
            (false, _) => (Sex::Male, Gender::Masculine),
        };
        let mut control = vec!["threats", "isolation"];
        match industry.kind {
            TT::Labor => control.extend(["wages_withheld", "debt_bondage", "documents_withheld"]),
            TT::Sex | TT::Both => {
                control.extend(["emotional_abuse", "substances", "physical_violence"])
            }
            TraffickingType::Unknown => {}
        }
        if foreign {
            control.push("immigration_threats");
        }
        control.shuffle(&mut self.rng);
        control.truncate(self.rng.gen_range(2..=4));
        let mut vulnerabilities = vec!["economic_hardship"];
        if foreign {
            vulnerabilities.extend(["migration_status", "language"]);
        }
        if minor {
            vulnerabilities.extend(["runaway_homeless_youth", "child_welfare"]);
        } else if self.rng.gen_bool(0.3) {
            vulnerabilities.push("housing_instability");
        }
        let recruitment = match (industry.kind, minor) {
            (TT::Sex, true) => "online",
            (TT::Sex, false) => ["intimate_partner", "online", "job_offer"]
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("other"),
            _ if foreign => "migration_help",
            _ => "job_offer",
        };
        let mut exploitation = vec![industry.exploitation.to_owned()];
        if minor && industry.kind != TT::Sex {
            exploitation.push("child_labour".into());
        }
        Someone {
            given,
            family,
            input: PersonInput {
                given_name: given.into(),
                family_name: family.into(),
                date_of_birth: self.birth_date(minor),
                sex: Some(sex),
                gender: Some(gender),
                nationality: vec![country.into()],
                languages: vec![language.into()],
                trafficking_status: Some(if self.rng.gen_bool(0.6) {
                    TraffickingStatus::Confirmed
                } else {
                    TraffickingStatus::Possible
                }),
                recruitment: vec![recruitment.into()],
                means_of_control: control.into_iter().map(str::to_owned).collect(),
                exploitation_types: exploitation,
                exploitation_naics: industry.naics.into(),
                vulnerabilities: vulnerabilities.into_iter().map(str::to_owned).collect(),
                perpetrator_role: None,
            },
        }
    }

    fn suspect(&mut self, industry: &Industry, first: bool) -> Someone {
        let (given, family) = self.name();
        let role = if first {
            PerpetratorRole::Exploiter
        } else if industry.kind == TT::Sex && self.rng.gen_bool(0.3) {
            PerpetratorRole::Buyer
        } else {
            *[PerpetratorRole::Recruiter, PerpetratorRole::Transporter]
                .choose(&mut self.rng)
                .unwrap_or(&PerpetratorRole::Recruiter)
        };
        Someone {
            given,
            family,
            input: PersonInput {
                given_name: given.into(),
                family_name: family.into(),
                date_of_birth: self.birth_date(false),
                sex: Some(if self.rng.gen_bool(0.75) {
                    Sex::Male
                } else {
                    Sex::Female
                }),
                perpetrator_role: Some(role),
                nationality: vec![if industry.kind == TT::Labor && self.rng.gen_bool(0.4) {
                    "MX".into()
                } else {
                    "US".into()
                }],
                ..PersonInput::default()
            },
        }
    }

    /// A date `days_ago` before today, never in the future.
    fn ago(&self, days_ago: i64) -> NaiveDate {
        self.today - Duration::days(days_ago.max(0))
    }

    async fn matter(
        &mut self,
        matter: usize,
        agencies: &[Staff],
        providers: &[Staff],
        offices: &[Staff],
    ) -> Result<()> {
        let app = self.app;
        let tf = self.tf.id;
        let industry = self.industry(matter);
        let minors = match matter {
            0 => true,
            1 => false,
            _ => match industry.kind {
                TT::Sex => self.rng.gen_bool(0.35),
                TT::Both => self.rng.gen_bool(0.2),
                _ => self.rng.gen_bool(0.08),
            },
        };
        let agency = agencies
            .choose(&mut self.rng)
            .ok_or_else(|| AppError::Internal("no agency".into()))?;
        let investigator = agency.pick(&mut self.rng)?;
        let age = self.rng.gen_range(10..1100);
        let opened = self.ago(age);
        let (county_fips, county_name) = self
            .counties
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_default();
        let business = format!(
            "{} {}",
            BUSINESS_ADJECTIVES
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("Summit"),
            industry
                .business
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("LLC")
        );
        let (inv_status, inv_closed) = self.status(age);
        let place = if county_name.is_empty() {
            self.tf.state.clone()
        } else {
            county_name.clone()
        };
        let survivors_count = self.rng.gen_range(1..=3);
        let survivors: Vec<Someone> = (0..survivors_count)
            .map(|i| {
                let minor = minors && (i == 0 || self.rng.gen_bool(0.5));
                self.survivor(industry, minor)
            })
            .collect();
        let suspects: Vec<Someone> = (0..self.rng.gen_range(1..=2))
            .map(|i| self.suspect(industry, i == 0))
            .collect();
        let kind_words = match industry.kind {
            TT::Sex => "sex trafficking",
            TT::Labor => "labor trafficking",
            _ => "sex and labor trafficking",
        };
        let minors_words = if minors {
            " At least one of the young people is under 18."
        } else {
            ""
        };
        let investigation = app
            .create_case(
                &investigator,
                tf,
                CaseInput {
                    kind: Some(CaseKind::Investigation),
                    title: format!("{} — {place}", industry.title),
                    status: Some(inv_status),
                    trafficking_type: Some(industry.kind),
                    typology: Some(industry.typology),
                    naics: industry.naics.into(),
                    county_fips: county_fips.clone(),
                    minors_involved: minors,
                    summary: format!(
                        "A tip reported {} people working {} in {place}, connected to {business}. \
                         The situation suggests {kind_words}: {}.{minors_words} The agency opened an \
                         investigation and offered every person a referral to an advocate.",
                        survivors.len(),
                        industry.setting,
                        words_for(MEANS_OF_CONTROL, &survivors[0].input.means_of_control[0])
                            .to_lowercase(),
                    ),
                    lead_member_id: member_id(&investigator),
                    opened_on: Some(day(opened)),
                    closed_on: inv_closed.map(|d| day(self.ago(d))),
                    recruitment_place: if survivors[0].input.nationality[0] == "US" {
                        place.clone()
                    } else {
                        survivors[0].input.nationality[0].clone()
                    },
                    exploitation_place: format!("{business}, {place}"),
                    exploitation_from: opened.year().to_string(),
                    ..CaseInput::default()
                },
            )
            .await?;
        self.summary.cases += 1;

        // People in the investigation, with what the agency found about them.
        let mut investigation_survivors = Vec::new();
        for someone in &survivors {
            let person = app
                .add_person(
                    &investigator,
                    tf,
                    investigation.id,
                    PersonRole::Victim,
                    someone.input.clone(),
                )
                .await?;
            if self.rng.gen_bool(0.6) {
                let phone = self.us_phone();
                self.identifier(&investigator, person.id, IdentifierKind::Phone, phone)
                    .await?;
            }
            investigation_survivors.push(person);
        }
        self.summary.persons += survivors.len();
        let mut defendants = Vec::new();
        let state = self.tf.state.clone();
        for (i, someone) in suspects.iter().enumerate() {
            let person = app
                .add_person(
                    &investigator,
                    tf,
                    investigation.id,
                    PersonRole::Suspect,
                    someone.input.clone(),
                )
                .await?;
            let phone = if self.rng.gen_bool(0.25) {
                format!("+52 55 5010 {:04}", self.rng.gen_range(0..10_000))
            } else {
                self.us_phone()
            };
            self.identifier(&investigator, person.id, IdentifierKind::Phone, phone)
                .await?;
            let email = format!(
                "{}.{}{}@mail.example",
                someone.given.to_lowercase(),
                someone.family.to_lowercase().replace(' ', ""),
                self.rng.gen_range(10..99)
            );
            self.identifier(&investigator, person.id, IdentifierKind::Email, email)
                .await?;
            if i == 0 {
                let plate = format!(
                    "{state} {}{}{}{:04}",
                    self.letter(),
                    self.letter(),
                    self.letter(),
                    self.rng.gen_range(0..10_000)
                );
                self.identifier(&investigator, person.id, IdentifierKind::Vehicle, plate)
                    .await?;
                self.identifier(
                    &investigator,
                    person.id,
                    IdentifierKind::Business,
                    business.clone(),
                )
                .await?;
            }
            if industry.kind != TT::Labor || self.rng.gen_bool(0.3) {
                let handle = format!(
                    "@{}_{}{}",
                    BUSINESS_ADJECTIVES
                        .choose(&mut self.rng)
                        .copied()
                        .unwrap_or("blue")
                        .to_lowercase()
                        .replace(' ', ""),
                    ["jobs", "work", "model", "travel", "vip"]
                        .choose(&mut self.rng)
                        .copied()
                        .unwrap_or("jobs"),
                    self.rng.gen_range(1..99)
                );
                self.identifier(&investigator, person.id, IdentifierKind::Social, handle)
                    .await?;
            }
            defendants.push(person);
        }
        self.summary.persons += suspects.len();
        if self.rng.gen_bool(0.4) {
            let (given, family) = self.name();
            app.add_person(
                &investigator,
                tf,
                investigation.id,
                PersonRole::Witness,
                PersonInput {
                    given_name: given.into(),
                    family_name: family.into(),
                    ..PersonInput::default()
                },
            )
            .await?;
            self.summary.persons += 1;
        }

        let first = &survivors[0];
        let language = first.input.languages[0].clone();
        let control = first
            .input
            .means_of_control
            .iter()
            .take(2)
            .map(|c| words_for(MEANS_OF_CONTROL, c).to_lowercase())
            .collect::<Vec<_>>()
            .join(" and ");
        let suspect_name = format!("{} {}", suspects[0].given, suspects[0].family);
        let g = first.given;
        let investigator_notes = [
            format!(
                "Interview with {g} at the agency's soft interview room, with a {language} interpreter \
                 present and an advocate there at {g}'s request. {g} described {control}. The interview \
                 stopped when {g} asked for a break; the next one will be scheduled at {g}'s pace."
            ),
            format!(
                "Records from {business} requested by subpoena. {suspect_name} is the contact on the lease \
                 and on the payment account; the phone number {g} gave matches the one in the online \
                 advertisements."
            ),
            format!(
                "Surveillance near {business} on two evenings: a van dropped workers off before 5 a.m. \
                 and collected them after dark. Plate noted on {suspect_name}'s record."
            ),
            format!(
                "A former bookkeeper of {business} (witness) said pay went to {suspect_name} in cash \
                 and never reached the workers; willing to speak again with counsel present."
            ),
        ];
        let mut notes: Vec<&String> = investigator_notes.iter().collect();
        notes.shuffle(&mut self.rng);
        for body in notes.into_iter().take(self.rng.gen_range(1..=3)) {
            self.note(
                &investigator,
                investigation.id,
                Label::LawEnforcementSensitive,
                body,
            )
            .await?;
        }
        self.note(
            &investigator,
            investigation.id,
            Label::TaskForce,
            &format!(
                "Deconfliction checked on {suspect_name}'s phone and vehicle: no other agency reports an \
                 open matter. Task force partners: contact the case agent before any approach."
            ),
        )
        .await?;
        let investigation_tasks = [
            format!("Arrange a {language} interpreter for {g}'s follow-up interview"),
            format!("Serve the records subpoena on {business}"),
            "Check the vehicle registration and insurance records".to_owned(),
            "Request bank records for the payment account".to_owned(),
        ];
        for (i, title) in investigation_tasks
            .iter()
            .take(self.rng.gen_range(1..=3))
            .enumerate()
        {
            let done = inv_status.is_closed() || (i == 0 && age > 90);
            self.task(&investigator, investigation.id, title, age, done)
                .await?;
        }
        let foreign_survivor = investigation_survivors
            .iter()
            .zip(&survivors)
            .find(|(_, s)| s.input.nationality[0] != "US")
            .map(|(p, _)| p.id);
        if let (Some(survivor), true) = (foreign_survivor, age > 45) {
            let federal = agency.organization.kind == OrganizationKind::FederalLawEnforcement;
            let kind = if federal && self.rng.gen_bool(0.6) {
                ReliefKind::ContinuedPresence
            } else {
                ReliefKind::TVisaDeclaration
            };
            let requested = age - self.rng.gen_range(10..=age.min(40));
            let decided = age > 200;
            app.add_relief(
                &investigator,
                tf,
                investigation.id,
                ReliefInput {
                    person_id: Some(survivor),
                    kind: Some(kind),
                    requested_on: Some(day(self.ago(requested))),
                    decided_on: decided.then(|| day(self.ago(requested - 60))),
                    outcome: Some(if decided {
                        ReliefOutcome::Granted
                    } else {
                        ReliefOutcome::Pending
                    }),
                },
            )
            .await?;
        }

        // The survivors' own advocate, who keeps a record law enforcement does not see.
        let service_case = if minors || self.rng.gen_bool(0.8) {
            let provider = providers
                .choose(&mut self.rng)
                .ok_or_else(|| AppError::Internal("no provider".into()))?;
            let advocate = provider.pick(&mut self.rng)?;
            let svc_age = (age - self.rng.gen_range(0..=10)).max(1);
            let (status, closed) = self.status(svc_age);
            let case = app
                .create_case(
                    &advocate,
                    tf,
                    CaseInput {
                        kind: Some(CaseKind::ServiceCase),
                        title: format!("Services for {g} and family"),
                        status: Some(status),
                        trafficking_type: Some(industry.kind),
                        typology: Some(industry.typology),
                        county_fips: county_fips.clone(),
                        minors_involved: minors,
                        summary: format!(
                            "Referred by law enforcement after the {} matter. Goals set with {g}: safe \
                             housing, health care, and {}.",
                            industry.title.to_lowercase(),
                            if minors {
                                "staying in school with the guardian's support"
                            } else {
                                "work that pays what was promised"
                            }
                        ),
                        lead_member_id: member_id(&advocate),
                        opened_on: Some(day(self.ago(svc_age))),
                        closed_on: closed.map(|d| day(self.ago(d))),
                        ..CaseInput::default()
                    },
                )
                .await?;
            self.summary.cases += 1;
            for someone in survivors.iter().take(2) {
                let person = app
                    .add_person(
                        &advocate,
                        tf,
                        case.id,
                        PersonRole::Victim,
                        someone.input.clone(),
                    )
                    .await?;
                self.summary.persons += 1;
                let phone = self.us_phone();
                self.identifier(&advocate, person.id, IdentifierKind::Phone, phone)
                    .await?;
                if self.rng.gen_bool(0.5) {
                    let email = format!(
                        "{}{}@mail.example",
                        someone.given.to_lowercase(),
                        self.rng.gen_range(100..999)
                    );
                    self.identifier(&advocate, person.id, IdentifierKind::Email, email)
                        .await?;
                }
            }
            let advocate_notes = [
                format!(
                    "Met {g} at the drop-in center. {g} chose to talk about housing first; we completed \
                     the emergency shelter intake together. Safety plan reviewed and {g} kept a copy."
                ),
                format!(
                    "Went with {g} to a medical appointment. {g} asked for a {language} interpreter at \
                     future appointments; arranged with the clinic."
                ),
                format!(
                    "{g} said they are not ready to speak with law enforcement again this month. We \
                     respect that choice; reminded {g} that services never depend on cooperating."
                ),
                format!(
                    "Helped {g} apply for public benefits and a replacement identity document. Next \
                     check-in by phone at the time {g} prefers."
                ),
                if minors {
                    format!(
                        "Planned the forensic interview with the child advocacy center; {g}'s guardian \
                         joined the call. {g} is back in school this week and likes the art class."
                    )
                } else {
                    format!(
                        "Connected {g} with immigration legal services and a job-training program; {g} \
                         starts a paid placement next month."
                    )
                },
            ];
            let mut notes: Vec<&String> = advocate_notes.iter().collect();
            notes.shuffle(&mut self.rng);
            for body in notes.into_iter().take(self.rng.gen_range(2..=3)) {
                self.note(&advocate, case.id, Label::VictimConfidential, body)
                    .await?;
            }
            for (i, title) in [
                format!("Follow up on {g}'s housing application"),
                format!("Confirm the interpreter for {g}'s next appointment"),
            ]
            .iter()
            .take(self.rng.gen_range(1..=2))
            .enumerate()
            {
                self.task(
                    &advocate,
                    case.id,
                    title,
                    svc_age,
                    status.is_closed() || i > 0 && svc_age > 120,
                )
                .await?;
            }
            // The two cases are about the same people: linked by the demo builder (see SYSTEM).
            app.link_cases(&SYSTEM, tf, investigation.id, case.id)
                .await?;
            Some((case, provider, advocate))
        } else {
            None
        };

        // Older matters reached a prosecutor's office.
        if age > 150 && (matter < 12 || self.rng.gen_bool(0.5)) {
            let federal_first = industry.kind == TT::Labor
                || agency.organization.kind == OrganizationKind::FederalLawEnforcement;
            let office = offices
                .iter()
                .find(|o| {
                    (o.organization.kind == OrganizationKind::FederalProsecutor) == federal_first
                })
                .or_else(|| offices.first())
                .ok_or_else(|| AppError::Internal("no office".into()))?;
            let prosecutor = office.pick(&mut self.rng)?;
            // The agency puts the office on its investigation's team.
            app.grant_team(
                &investigator,
                tf,
                investigation.id,
                TeamGrantInput {
                    organization_id: Some(office.organization.id),
                    ..TeamGrantInput::default()
                },
            )
            .await?;
            let prs_age = age - self.rng.gen_range(60..=age.clamp(61, 140));
            let prs_age = prs_age.max(20);
            let (status, closed) = self.status(prs_age);
            let prosecution = app
                .create_case(
                    &prosecutor,
                    tf,
                    CaseInput {
                        kind: Some(CaseKind::Prosecution),
                        title: format!("United States / State v. {}", suspects[0].family).replace(
                            "United States / State",
                            if office.organization.kind == OrganizationKind::FederalProsecutor {
                                "United States"
                            } else {
                                "State"
                            },
                        ),
                        status: Some(status),
                        trafficking_type: Some(industry.kind),
                        typology: Some(industry.typology),
                        county_fips: county_fips.clone(),
                        minors_involved: minors,
                        summary: format!(
                            "Referred by {} after its investigation of {business}.",
                            agency.organization.name
                        ),
                        lead_member_id: member_id(&prosecutor),
                        opened_on: Some(day(self.ago(prs_age))),
                        closed_on: closed.map(|d| day(self.ago(d))),
                        ..CaseInput::default()
                    },
                )
                .await?;
            self.summary.cases += 1;
            let mut team = vec![agency.organization.id];
            if let Some((_, provider, _)) = &service_case {
                team.push(provider.organization.id);
            }
            for organization in team {
                app.grant_team(
                    &prosecutor,
                    tf,
                    prosecution.id,
                    TeamGrantInput {
                        organization_id: Some(organization),
                        ..TeamGrantInput::default()
                    },
                )
                .await?;
            }
            for defendant in &defendants {
                app.add_existing_person(
                    &prosecutor,
                    tf,
                    prosecution.id,
                    defendant.id,
                    PersonRole::Suspect,
                )
                .await?;
            }
            app.add_existing_person(
                &prosecutor,
                tf,
                prosecution.id,
                investigation_survivors[0].id,
                PersonRole::Victim,
            )
            .await?;
            app.link_cases(&prosecutor, tf, prosecution.id, investigation.id)
                .await?;
            if let Some((case, _, advocate)) = &service_case {
                app.link_cases(advocate, tf, case.id, prosecution.id)
                    .await?;
            }
            self.prosecute(
                &prosecutor,
                prosecution.id,
                industry,
                minors,
                prs_age,
                &defendants,
                &office.organization,
            )
            .await?;
            self.note(
                &prosecutor,
                prosecution.id,
                Label::Organization,
                &format!(
                    "The victim-witness coordinator will meet {g} together with the advocate before any \
                     court date, and will explain each step in {language}."
                ),
            )
            .await?;
            if self.rng.gen_bool(0.5) {
                self.note(
                    &prosecutor,
                    prosecution.id,
                    Label::LawEnforcementSensitive,
                    &format!(
                        "Cooperating witness interview summary filed under seal; share only with the \
                         investigating agency. Defense counsel for {suspect_name} has asked about a plea."
                    ),
                )
                .await?;
            }
            if foreign_survivor.is_some() && self.rng.gen_bool(0.5) {
                let requested = (prs_age - 15).max(1);
                app.add_relief(
                    &prosecutor,
                    tf,
                    prosecution.id,
                    ReliefInput {
                        person_id: Some(investigation_survivors[0].id),
                        kind: Some(ReliefKind::UVisaCertification),
                        requested_on: Some(day(self.ago(requested))),
                        decided_on: None,
                        outcome: Some(ReliefOutcome::Pending),
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    fn letter(&mut self) -> char {
        char::from(b'A' + self.rng.gen_range(0..26u8))
    }

    /// A case's status and, when closed, how many days ago.
    fn status(&mut self, age: i64) -> (CaseStatus, Option<i64>) {
        if age > 540 && self.rng.gen_bool(0.6) {
            let closed = (age - self.rng.gen_range(30..300)).max(1);
            (CaseStatus::Closed, Some(closed))
        } else if age > 60 {
            let status = *[CaseStatus::Active, CaseStatus::Active, CaseStatus::FollowUp]
                .choose(&mut self.rng)
                .unwrap_or(&CaseStatus::Active);
            (status, None)
        } else {
            (CaseStatus::Open, None)
        }
    }

    async fn identifier(
        &mut self,
        actor: &Actor,
        person: PersonId,
        kind: IdentifierKind,
        value: String,
    ) -> Result<()> {
        self.app
            .add_identifier(
                actor,
                self.tf.id,
                person,
                IdentifierInput {
                    kind: Some(kind),
                    value,
                },
            )
            .await?;
        Ok(())
    }

    async fn note(&mut self, actor: &Actor, case: CaseId, label: Label, body: &str) -> Result<()> {
        self.app
            .add_note(
                actor,
                self.tf.id,
                case,
                NoteInput {
                    label: Some(label.code().to_owned()),
                    body: body.to_owned(),
                },
            )
            .await?;
        self.summary.notes += 1;
        Ok(())
    }

    async fn task(
        &mut self,
        actor: &Actor,
        case: CaseId,
        title: &str,
        age: i64,
        done: bool,
    ) -> Result<()> {
        let due = self.today + Duration::days(self.rng.gen_range(-20..30)).min(Duration::days(age));
        self.app
            .add_task(
                actor,
                self.tf.id,
                case,
                TaskInput {
                    title: title.to_owned(),
                    due_on: Some(day(due)),
                    assignee_member_id: member_id(actor),
                    status: Some(if done {
                        TaskStatus::Done
                    } else {
                        TaskStatus::Open
                    }),
                },
            )
            .await?;
        Ok(())
    }

    /// Charges at the stage the prosecution's age suggests, and its court dates so far (and the
    /// next one, when it is still open).
    #[allow(clippy::too_many_arguments)] // one matter's parts, named at the call site
    async fn prosecute(
        &mut self,
        prosecutor: &Actor,
        case: CaseId,
        industry: &Industry,
        minors: bool,
        age: i64,
        defendants: &[Person],
        office: &Organization,
    ) -> Result<()> {
        let app = self.app;
        let tf = self.tf.id;
        let statutes: &[&str] = match (industry.kind, minors) {
            (TT::Sex, _) => &["18 U.S.C. 1591", "18 U.S.C. 1594"],
            (TT::Both, _) => &["18 U.S.C. 1591", "18 U.S.C. 1589"],
            (_, _) => &[
                "18 U.S.C. 1589",
                "18 U.S.C. 1590",
                "18 U.S.C. 1592",
                "18 U.S.C. 1584",
                "18 U.S.C. 1581",
            ],
        };
        let stage = if age > 500 {
            *[
                ChargeStage::Convicted,
                ChargeStage::Pleaded,
                ChargeStage::Pleaded,
                ChargeStage::Acquitted,
                ChargeStage::Dismissed,
            ]
            .choose(&mut self.rng)
            .unwrap_or(&ChargeStage::Pleaded)
        } else if age > 250 {
            *[
                ChargeStage::Charged,
                ChargeStage::Amended,
                ChargeStage::Pleaded,
            ]
            .choose(&mut self.rng)
            .unwrap_or(&ChargeStage::Charged)
        } else {
            ChargeStage::Charged
        };
        for defendant in defendants {
            let count = self.rng.gen_range(1..=2);
            for statute in statutes.choose_multiple(&mut self.rng, count) {
                app.add_charge(
                    prosecutor,
                    tf,
                    case,
                    ChargeInput {
                        defendant_person_id: Some(defendant.id),
                        statute: (*statute).to_owned(),
                        counts: Some(self.rng.gen_range(1..=4)),
                        stage: Some(stage),
                        stage_on: Some(day(self.ago(if stage == ChargeStage::Charged {
                            age - 5
                        } else {
                            age / 3
                        }))),
                    },
                )
                .await?;
            }
        }
        let court = if office.kind == OrganizationKind::FederalProsecutor {
            format!("U.S. District Court ({})", self.tf.state)
        } else {
            format!("{} State Court", self.tf.state)
        };
        let mut events = vec![
            (
                CourtEventKind::InitialAppearance,
                age - 7,
                "Released on conditions; no contact with any witness",
            ),
            (CourtEventKind::Indictment, age - 30, "Indictment returned"),
            (
                CourtEventKind::Arraignment,
                age - 40,
                "Plea of not guilty entered",
            ),
        ];
        match stage {
            ChargeStage::Pleaded | ChargeStage::Convicted => {
                events.push((CourtEventKind::PleaHearing, age / 2, "Plea accepted"));
                events.push((
                    CourtEventKind::Sentencing,
                    age / 4,
                    "Sentence imposed; restitution ordered",
                ));
            }
            ChargeStage::Acquitted => {
                events.push((CourtEventKind::Trial, age / 3, "Verdict: not guilty"))
            }
            ChargeStage::Dismissed => events.push((
                CourtEventKind::Hearing,
                age / 3,
                "Charges dismissed on motion",
            )),
            ChargeStage::Charged | ChargeStage::Amended => events.push((
                CourtEventKind::Hearing,
                -self.rng.gen_range(7..60),
                "Status conference scheduled",
            )),
        }
        for (kind, days_ago, outcome) in events {
            let on = self.today - Duration::days(days_ago.max(-90));
            app.add_court_event(
                prosecutor,
                tf,
                case,
                CourtEventInput {
                    kind: Some(kind),
                    on: Some(day(on)),
                    court: court.clone(),
                    outcome: if days_ago < 0 {
                        String::new()
                    } else {
                        outcome.to_owned()
                    },
                },
            )
            .await?;
        }
        Ok(())
    }
}
