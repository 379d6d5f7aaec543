//! The demo network: four task forces modeled on the program's spotlight sites, built through
//! the same use cases as real data (so every demo row passed validation). Deterministic: the same
//! seed and the same clock give the same ids and the same data.
//!
//! All people are invented. Agency names are those of public bodies of the kind each site works
//! with; nothing here describes their real staff or work.

use crate::{Actor, App, AppError, FixedClock, Result};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::Store;

/// The demo builder acts as the system (it is the operator's own command).
const DEMO: Actor = Actor::System("demo");

/// The password of every demo account (demo only: a real installation gives each person their own).
pub const DEMO_PASSWORD: &str = "lantern-orchard-quarry-demo";

/// The seed of the demo network.
pub const DEMO_SEED: [u8; 32] = *b"taskforce demo network, seed 001";

/// The instant at which the demo data is recorded.
pub fn demo_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 12, 15, 0, 0)
        .single()
        .unwrap_or_default()
}

/// An [`App`] whose clock and random source make the demo reproducible.
pub fn demo_app(store: Store) -> App {
    App::new(store, Arc::new(FixedClock::new(demo_epoch())), DEMO_SEED)
}

/// The same, holding the master keys the demo's sensitive text is sealed with; without keys the
/// demo has its network but no caseload (see [`crate::demo_cases`]).
pub fn demo_app_with_keyring(store: Store, keyring: crate::Keyring) -> App {
    demo_app(store).with_keyring(keyring)
}

struct OrgSpec {
    name: &'static str,
    kind: OrganizationKind,
    domain: &'static str,
    co_located: bool,
}

struct RegionSpec {
    name: &'static str,
    counties: &'static [&'static str],
}

struct TaskForceSpec {
    name: &'static str,
    state: &'static str,
    counties: &'static [&'static str],
    population: i64,
    description: &'static str,
    regions: &'static [RegionSpec],
    organizations: &'static [OrgSpec],
}

const fn org(
    name: &'static str,
    kind: OrganizationKind,
    domain: &'static str,
    co_located: bool,
) -> OrgSpec {
    OrgSpec {
        name,
        kind,
        domain,
        co_located,
    }
}

use OrganizationKind::*;

const TASK_FORCES: &[TaskForceSpec] = &[
    TaskForceSpec {
        name: "Western New York Human Trafficking Task Force",
        state: "NY",
        counties: &[
            "36003", "36009", "36013", "36015", "36029", "36037", "36051", "36055", "36063", "36069", "36073", "36097",
            "36099", "36101", "36117", "36121", "36123",
        ],
        population: 2_600_000,
        description: "A federal-district task force of the Western District of New York. Its threat assessment \
            pointed it at labor trafficking in agriculture, above all on dairy farms, where year-round work \
            falls outside the temporary agricultural visa program.",
        regions: &[],
        organizations: &[
            org("U.S. Attorney's Office, Western District of New York", FederalProsecutor, "usao-wdny.demo", false),
            org("Homeland Security Investigations, Buffalo", FederalLawEnforcement, "hsi-buffalo.demo", false),
            org("FBI Buffalo Field Office", FederalLawEnforcement, "fbi-buffalo.demo", false),
            org("New York State Police", StateLawEnforcement, "nysp.demo", false),
            org("Erie County Sheriff's Office", LocalLawEnforcement, "erie-sheriff.demo", false),
            org("Erie County District Attorney's Office", StateProsecutor, "erie-da.demo", false),
            org("International Institute of Buffalo", VictimServiceProvider, "iibuffalo.demo", false),
            org("Worker Justice Center of New York", VictimServiceProvider, "wjcny.demo", false),
            org("Cornell Farmworker Program", CommunityPartner, "farmworkers.demo", false),
            org("New York State Department of Labor", GovernmentAgency, "nysdol.demo", false),
            org("ECM Training and Technical Assistance Center", TechnicalAssistanceProvider, "ecm-tta.demo", false),
        ],
    },
    TaskForceSpec {
        name: "North Dakota Human Trafficking Task Force",
        state: "ND",
        counties: &[],
        population: 780_000,
        description: "A statewide task force. Eight regions, each with a navigator who receives referrals and \
            connects survivors with local partners, from the oil fields of the northwest to the Red River Valley.",
        regions: &[
            RegionSpec { name: "Northwest", counties: &["38023", "38053", "38105"] },
            RegionSpec { name: "North Central", counties: &["38009", "38013", "38049", "38061", "38069", "38075", "38101"] },
            RegionSpec { name: "Lake Region", counties: &["38005", "38019", "38027", "38071", "38079", "38095"] },
            RegionSpec { name: "Northeast", counties: &["38035", "38063", "38067", "38099"] },
            RegionSpec { name: "Southeast", counties: &["38017", "38073", "38077", "38081", "38091", "38097"] },
            RegionSpec {
                name: "South Central",
                counties: &["38003", "38021", "38031", "38039", "38045", "38047", "38051", "38093", "38103"],
            },
            RegionSpec {
                name: "West Central",
                counties: &["38015", "38029", "38037", "38043", "38055", "38057", "38059", "38065", "38083", "38085"],
            },
            RegionSpec { name: "Badlands", counties: &["38001", "38007", "38011", "38025", "38033", "38041", "38087", "38089"] },
        ],
        organizations: &[
            org("North Dakota Bureau of Criminal Investigation", StateLawEnforcement, "nd-bci.demo", false),
            org("FBI Minneapolis, Bismarck Resident Agency", FederalLawEnforcement, "fbi-bismarck.demo", false),
            org("Fargo Police Department", LocalLawEnforcement, "fargopd.demo", false),
            org("Williams County Sheriff's Office", LocalLawEnforcement, "williams-sheriff.demo", false),
            org("U.S. Attorney's Office, District of North Dakota", FederalProsecutor, "usao-nd.demo", false),
            org("Cass County State's Attorney", StateProsecutor, "cass-sa.demo", false),
            org("Youthworks North Dakota", VictimServiceProvider, "youthworks.demo", false),
            org("CAWS North Dakota", VictimServiceProvider, "cawsnd.demo", false),
            org("North Dakota Rural Health Partners", CommunityPartner, "ndrural.demo", false),
            org("North Dakota Department of Health and Human Services", GovernmentAgency, "ndhhs.demo", false),
            org("Northern Plains TTA Collaborative", TechnicalAssistanceProvider, "np-tta.demo", false),
        ],
    },
    TaskForceSpec {
        name: "Cook County Human Trafficking Task Force",
        state: "IL",
        counties: &["17031"],
        population: 5_100_000,
        description: "An urban task force whose survivor-led awareness work (a magazine, an art show and \
            spoken-word nights) is shaped and voiced by survivors, shared only as they consent.",
        regions: &[],
        organizations: &[
            org("Cook County Sheriff's Office", LocalLawEnforcement, "cookcountysheriff.demo", false),
            org("Chicago Police Department", LocalLawEnforcement, "chicagopd.demo", false),
            org("Illinois State Police", StateLawEnforcement, "isp.demo", false),
            org("Homeland Security Investigations, Chicago", FederalLawEnforcement, "hsi-chicago.demo", false),
            org("Cook County State's Attorney's Office", StateProsecutor, "cookcountysao.demo", false),
            org("U.S. Attorney's Office, Northern District of Illinois", FederalProsecutor, "usao-ndil.demo", false),
            org("The Salvation Army STOP-IT Program", VictimServiceProvider, "stop-it.demo", false),
            org("Survivor-Led Arts Collective", CommunityPartner, "survivor-arts.demo", false),
            org("Illinois Department of Children and Family Services", GovernmentAgency, "dcfs.demo", false),
            org("Midwest Anti-Trafficking TTA Hub", TechnicalAssistanceProvider, "mw-tta.demo", false),
        ],
    },
    TaskForceSpec {
        name: "Palm Beach County Human Trafficking Task Force",
        state: "FL",
        counties: &["12099"],
        population: 1_500_000,
        description: "A task force whose law enforcement, prosecution and victim-service partners share one \
            office, so a survivor meets the whole team in one place.",
        regions: &[],
        organizations: &[
            org("Palm Beach County Sheriff's Office", LocalLawEnforcement, "pbso.demo", true),
            org("West Palm Beach Police Department", LocalLawEnforcement, "wpbpd.demo", false),
            org("Florida Department of Law Enforcement", StateLawEnforcement, "fdle.demo", false),
            org("FBI Miami, Palm Beach Resident Agency", FederalLawEnforcement, "fbi-pb.demo", true),
            org("Office of the State Attorney, 15th Judicial Circuit", StateProsecutor, "sa15.demo", true),
            org("U.S. Attorney's Office, Southern District of Florida", FederalProsecutor, "usao-sdfl.demo", false),
            org("Place of Hope", VictimServiceProvider, "placeofhope.demo", true),
            org("Palm Beach County Victim Services", VictimServiceProvider, "pbc-victimservices.demo", true),
            org("Agricultural Workers Outreach Network", CommunityPartner, "awon.demo", false),
            org("Florida Department of Children and Families", GovernmentAgency, "dcf.demo", false),
            org("Southeast Collaborative TTA Center", TechnicalAssistanceProvider, "se-tta.demo", false),
        ],
    },
];

const GIVEN_NAMES: &[&str] = &[
    "Alicia", "Andre", "Beatriz", "Caleb", "Daniela", "Darnell", "Elena", "Farah", "Gabriel",
    "Hannah", "Hyun-woo", "Imani", "Jamal", "Jessica", "Kateryna", "Kwame", "Laura", "Linh",
    "Marcus", "Maria", "Mei", "Nadia", "Omar", "Priya", "Rafael", "Rosa", "Samuel", "Sofia",
    "Tanisha", "Thomas", "Valeria", "William", "Yusuf", "Zoe",
];
const FAMILY_NAMES: &[&str] = &[
    "Abara",
    "Bergstrom",
    "Castillo",
    "Delgado",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Haddad",
    "Iverson",
    "Johnson",
    "Kowalski",
    "Larsen",
    "Martinez",
    "Nguyen",
    "Okafor",
    "Park",
    "Quinn",
    "Ramirez",
    "Schmidt",
    "Thompson",
    "Upton",
    "Vasquez",
    "Washington",
    "Xu",
    "Yazzie",
    "Zielinski",
];

/// The roles the demo gives to members of an organization of each kind (one member per entry).
fn staffing(kind: OrganizationKind, lead: bool) -> Vec<Vec<Role>> {
    use OrganizationKind as K;
    use Role as R;
    let mut staff = match kind {
        K::FederalLawEnforcement | K::StateLawEnforcement | K::LocalLawEnforcement => {
            vec![
                vec![R::Supervisor, R::Investigator],
                vec![R::Investigator],
                vec![R::Investigator],
            ]
        }
        K::FederalProsecutor | K::StateProsecutor => {
            vec![vec![R::Supervisor, R::Prosecutor], vec![R::Prosecutor]]
        }
        K::VictimServiceProvider => vec![
            vec![R::Supervisor, R::Advocate],
            vec![R::Advocate],
            vec![R::Advocate],
        ],
        K::CommunityPartner => vec![vec![R::CommunityPartner]],
        K::GovernmentAgency => vec![vec![R::Analyst]],
        K::TechnicalAssistanceProvider => vec![vec![R::NetworkStaff]],
    };
    if lead {
        staff.extend([
            vec![R::Coordinator],
            vec![R::Administrator],
            vec![R::Auditor],
            vec![R::Analyst],
        ]);
    }
    staff
}

/// What the demo created, for the command line to print.
#[derive(Debug)]
pub struct DemoSummary {
    pub task_forces: Vec<TaskForce>,
    pub organizations: usize,
    pub members: usize,
    /// The synthetic caseload (empty when the app holds no master key).
    pub caseload: crate::demo_cases::CaseloadSummary,
}

/// What the database holds: `None` when it is empty, `Some(true)` when it holds the demo
/// network, `Some(false)` when it holds other data (which the demo must never touch).
pub async fn existing_demo(app: &App) -> Result<Option<bool>> {
    let existing = app.task_forces(&DEMO).await?;
    if existing.is_empty() {
        return Ok(None);
    }
    let demo = existing.len() == TASK_FORCES.len()
        && TASK_FORCES
            .iter()
            .all(|spec| existing.iter().any(|t| t.name == spec.name));
    Ok(Some(demo))
}

/// Builds the demo network in an empty database and, when the app holds a master key, its
/// caseload ([`crate::demo_cases`]).
pub async fn seed(app: &App) -> Result<DemoSummary> {
    let mut summary = seed_network(app).await?;
    // The caseload needs a master key: its narratives and notes are sealed.
    if app.has_keyring() {
        for (index, tf) in summary.task_forces.iter().enumerate() {
            let written = crate::demo_cases::seed_caseload(app, tf, index).await?;
            crate::demo_services::seed_services(app, tf, index).await?;
            summary.caseload.cases += written.cases;
            summary.caseload.persons += written.persons;
            summary.caseload.notes += written.notes;
            crate::demo_referrals::seed_referrals(app, tf).await?;
            crate::demo_deconfliction::seed_overlaps(app, tf, index).await?;
            crate::demo_duplicates::seed_duplicates(app, tf).await?;
        }
    } else {
        tracing::warn!("no master key: the demo network is built without its caseload");
    }
    crate::demo_operations::seed_all(app, &summary.task_forces).await?;
    Ok(summary)
}

/// Builds the demo network only (task forces, organizations, members, MOUs, awards, accounts),
/// without cases: for tests that need the people but not a thousand case writes.
pub async fn seed_network(app: &App) -> Result<DemoSummary> {
    let mut rng = ChaCha8Rng::from_seed(DEMO_SEED);
    let mut used_names = std::collections::BTreeSet::new();
    let password_hash = app.hash_password(DEMO_PASSWORD)?;
    let mut summary = DemoSummary {
        task_forces: Vec::new(),
        organizations: 0,
        members: 0,
        caseload: Default::default(),
    };
    for spec in TASK_FORCES {
        let counties: Vec<String> = if spec.counties.is_empty() {
            taskforce_domain::reference::counties_of(spec.state)
                .iter()
                .map(|c| c.fips.clone())
                .collect()
        } else {
            spec.counties.iter().map(|c| c.to_string()).collect()
        };
        let tf = app
            .create_task_force(
                &DEMO,
                TaskForceInput {
                    name: spec.name.into(),
                    state: spec.state.into(),
                    counties,
                    population_served: Some(spec.population),
                    description: spec.description.into(),
                },
            )
            .await?;

        let mut organizations = Vec::new();
        for o in spec.organizations {
            let created = app
                .create_organization(
                    &DEMO,
                    tf.id,
                    OrganizationInput {
                        name: o.name.into(),
                        kind: o.kind,
                        region_id: None,
                        address: String::new(),
                        phone: format!(
                            "(555) 01{:02}-{:04}",
                            organizations.len(),
                            rng.gen_range(1000..9999)
                        ),
                        email: format!("taskforce@{}", o.domain),
                        website: format!("https://{}", o.domain),
                        co_located: o.co_located,
                        active: true,
                    },
                )
                .await?;
            organizations.push((created, o));
        }
        summary.organizations += organizations.len();

        let mut person = |rng: &mut ChaCha8Rng| loop {
            let given = GIVEN_NAMES.choose(rng).copied().unwrap_or("Alex");
            let family = FAMILY_NAMES.choose(rng).copied().unwrap_or("Lee");
            if used_names.insert((given, family)) {
                return (given, family);
            }
        };
        let mut add_member = |app: &App,
                              tf: TaskForceId,
                              org: &(Organization, &OrgSpec),
                              roles: Vec<Role>,
                              title: String,
                              rng: &mut ChaCha8Rng| {
            let (given, family) = person(rng);
            let email = format!(
                "{}.{}@{}",
                given.to_lowercase(),
                family.to_lowercase(),
                org.1.domain
            )
            .replace(['\'', ' '], "");
            let input = MemberInput {
                name: format!("{given} {family}"),
                email,
                phone: format!(
                    "(555) 02{:02}-{:04}",
                    rng.gen_range(0..99),
                    rng.gen_range(1000..9999)
                ),
                title,
                active: true,
                memberships: vec![Membership {
                    organization_id: org.0.id,
                    roles,
                }],
            };
            let app = app.clone();
            async move { app.create_member(&DEMO, tf, input).await }
        };

        let mut members = Vec::new();
        for (i, o) in organizations.iter().enumerate() {
            for roles in staffing(o.0.kind, i == 0) {
                let title = title_for(&roles);
                members.push(add_member(app, tf.id, o, roles, title, &mut rng).await?);
            }
        }

        // Navigators: one per region for a statewide task force, one for the others, all employed
        // by the task force's first victim service provider.
        let vsp = organizations
            .iter()
            .find(|o| o.0.kind == VictimServiceProvider)
            .ok_or_else(|| {
                AppError::Invalid(Invalid::one(
                    "organizations",
                    "the demo needs a victim service provider",
                ))
            })?;
        let navigator_count = spec.regions.len().max(1);
        let mut navigators = Vec::new();
        for _ in 0..navigator_count {
            let navigator = add_member(
                app,
                tf.id,
                vsp,
                vec![Role::Navigator],
                "Regional navigator".into(),
                &mut rng,
            )
            .await?;
            navigators.push(navigator.id);
            members.push(navigator);
        }
        for (region, navigator) in spec.regions.iter().zip(&navigators) {
            app.create_region(
                &DEMO,
                tf.id,
                RegionInput {
                    name: region.name.into(),
                    counties: region.counties.iter().map(|c| c.to_string()).collect(),
                    navigators: vec![*navigator],
                },
            )
            .await?;
        }

        // One person in two organizations: the lead agency's coordinator also advises the victim
        // service provider's survivor-support board.
        if let Some(coordinator) = members.iter().find(|m| m.holds(Role::Coordinator)).cloned() {
            let mut input = MemberInput::from(&coordinator);
            input.memberships.push(Membership {
                organization_id: vsp.0.id,
                roles: vec![Role::Analyst],
            });
            app.update_member(&DEMO, tf.id, coordinator.id, coordinator.version, input)
                .await?;
        }
        summary.members += members.len();

        let ids: Vec<OrganizationId> = organizations.iter().map(|o| o.0.id).collect();
        let date =
            |y, m, d| NaiveDate::from_ymd_opt(y, m, d).map(|d| d.format("%Y-%m-%d").to_string());
        let mous = [
            MouInput {
                title: "Task force operating agreement".into(),
                parties: ids.clone(),
                status: MouStatus::Signed,
                signed_on: date(2024, 10, 1),
                effective_on: date(2024, 10, 1),
                expires_on: date(2027, 9, 30),
                summary: "Roles of each partner, the victim-centered approach, information sharing within the \
                    law and survivors' consent, and the quarterly case-review meeting."
                    .into(),
            },
            MouInput {
                title: "Victim services referral protocol".into(),
                parties: vec![ids[0], ids[1], vsp.0.id],
                status: MouStatus::Signed,
                signed_on: date(2021, 3, 15),
                effective_on: date(2021, 4, 1),
                expires_on: date(2024, 3, 31),
                summary: "How law enforcement refers a person who may have been trafficked to an advocate, \
                    within one hour, at any time of day."
                    .into(),
            },
            MouInput {
                title: "Data-sharing agreement for the quarterly report".into(),
                parties: vec![ids[0], vsp.0.id],
                status: MouStatus::Draft,
                signed_on: None,
                effective_on: None,
                expires_on: None,
                summary: "De-identified counts only; a survivor is counted once across partners.".into(),
            },
        ];
        for mou in mous {
            app.create_mou(&DEMO, tf.id, mou).await?;
        }

        let le = organizations
            .iter()
            .find(|o| o.0.kind.is_law_enforcement())
            .map_or(ids[0], |o| o.0.id);
        let awards = [
            ("Bureau of Justice Assistance", "BJA", le, 850_000),
            ("Office for Victims of Crime", "OVC", vsp.0.id, 875_000),
        ];
        for (funder, prefix, recipient, amount) in awards {
            app.create_award(
                &DEMO,
                tf.id,
                FundingAwardInput {
                    funder: funder.into(),
                    award_number: format!("15P{prefix}-24-GK-{:05}-HT", rng.gen_range(1000..99999)),
                    recipient_id: Some(recipient),
                    amount: Some(amount),
                    starts_on: date(2024, 10, 1),
                    ends_on: date(2027, 9, 30),
                },
            )
            .await?;
        }
        // Every member can sign in with the demo password and enrols a second factor at first
        // sign-in. The password is hashed once for the whole demo (Argon2id is slow on purpose).
        for member in app.members(&DEMO, tf.id).await? {
            app.create_account_with_hash(
                &DEMO,
                tf.id,
                member.id,
                DEMO_PASSWORD,
                &password_hash,
                None,
            )
            .await?;
        }
        if app.has_keyring() {
            seed_tips(app, &tf).await?;
        }
        if spec.name == TASK_FORCES[0].name {
            seed_threat_assessment(app, tf.id).await?;
        }
        summary.task_forces.push(tf);
    }
    Ok(summary)
}

/// Synthetic hotline tips for a task force (demo only), imported through the same use case as
/// a real hotline export: 60 per task force, received over the 90 days before the demo's day.
async fn seed_tips(app: &App, tf: &TaskForce) -> Result<()> {
    const SITUATIONS: &[(&str, &str, &str)] = &[
        ("Workers at a dairy say their passports are kept by the farm manager and they cannot leave the property.", "labor", "112120"),
        ("A caller saw young women brought by van to a motel every night and picked up before dawn.", "sex", "721110"),
        ("Restaurant kitchen staff sleep in the basement and are never paid; the owner drives them to work.", "labor", "722511"),
        ("A massage business is open all night, windows covered, and the same car drops off women.", "sex", "812199"),
        ("A teenager at school talks about an older boyfriend who posts ads of her online.", "sex", ""),
        ("Crew members on a traveling sales team say they owe the crew leader for travel and housing.", "labor", "454390"),
        ("A nail salon worker said she works seven days a week and her boss keeps her pay for a debt.", "labor", "812113"),
        ("Construction day laborers were threatened with immigration if they asked for their wages.", "labor", "238990"),
        ("A home health aide lives with the family, has no days off and is not allowed a phone.", "labor", "814110"),
        ("A truck stop worker reports girls going from cab to cab late at night.", "sex", "447190"),
        ("Hotel housekeepers hired through an agency say recruiters took their documents.", "both", "721110"),
        ("A neighbor hears a woman crying and sees men visiting an apartment at all hours.", "unknown", ""),
    ];
    const PLACES: &[&str] = &[
        "near the highway exit",
        "downtown",
        "on a farm road",
        "behind the shopping center",
        "at a motel by the interstate",
        "in an industrial park",
    ];
    let counties = &tf.counties;
    let mut csv = String::from("Call ID,Received,Summary,Location,County,Type,Industry,Minors\n");
    for n in 0..60usize {
        let (text, kind, naics) = SITUATIONS[n % SITUATIONS.len()];
        let days = i64::try_from((n * 37) % 90).unwrap_or(0) + 1;
        let received = demo_epoch()
            - chrono::Duration::days(days)
            - chrono::Duration::minutes(i64::try_from(n * 53 % 600).unwrap_or(0));
        let county = counties
            .get((n * 7) % counties.len().max(1))
            .cloned()
            .unwrap_or_default();
        let minors = if n % 9 == 4 { "yes" } else { "no" };
        csv.push_str(&format!(
            "NHTH-{:05},{},\"{}\",{},{},{},{},{}\n",
            10_000 + n,
            received.format("%Y-%m-%d %H:%M"),
            text,
            PLACES[n % PLACES.len()],
            county,
            kind,
            naics,
            minors
        ));
    }
    let mapping = taskforce_domain::intake::ImportMapping::parse(
        &[
            "Call ID=external_reference",
            "Received=received_at",
            "Summary=narrative",
            "Location=place",
            "County=county",
            "Type=trafficking_type",
            "Industry=naics",
            "Minors=minors",
        ]
        .map(str::to_owned),
    )?;
    let report = app
        .import_tips(&DEMO, tf.id, csv.as_bytes(), &mapping, false)
        .await?;
    if !report.committed {
        return Err(crate::AppError::Internal(format!(
            "demo tips refused: {:?}",
            report.problems
        )));
    }
    Ok(())
}

/// The demo's threat-assessment files (real layouts, invented figures), in import order.
const THREAT_FILES: &[(taskforce_domain::threat::Source, &str, &[u8])] = {
    use taskforce_domain::threat::Source;
    &[
        (
            Source::Cbp,
            "cbp22co.txt",
            include_bytes!("../demo-data/threat/cbp22co.txt"),
        ),
        (
            Source::Nass,
            "nass_census2022_wny.csv",
            include_bytes!("../demo-data/threat/nass_census2022_wny.csv"),
        ),
        (
            Source::H2a,
            "h2a_disclosure_fy2024_wny.csv",
            include_bytes!("../demo-data/threat/h2a_disclosure_fy2024_wny.csv"),
        ),
        (
            Source::H2b,
            "h2b_disclosure_fy2024_wny.csv",
            include_bytes!("../demo-data/threat/h2b_disclosure_fy2024_wny.csv"),
        ),
        (
            Source::Whd,
            "whd_whisard_wny.csv",
            include_bytes!("../demo-data/threat/whd_whisard_wny.csv"),
        ),
    ]
};

/// Western New York's threat assessment: the public files imported, two model versions (the
/// default weights, then one that weighs labor-law enforcement more), dairy marked as a focus
/// industry and an outreach plan for dairy farms in Wyoming County with its first activities.
async fn seed_threat_assessment(app: &App, tf: TaskForceId) -> Result<()> {
    use taskforce_domain::threat::plan::{OutreachActivityInput, OutreachPlanInput};
    for (source, name, bytes) in THREAT_FILES {
        app.import_threat_data(&DEMO, tf, *source, name, *bytes, false, &mut |_| {})
            .await?;
    }
    app.save_threat_model(&DEMO, tf, "Default weights", &Default::default())
        .await?;
    let enforcement: std::collections::BTreeMap<String, f64> = [
        ("violations_per_worker", 3.0),
        ("back_wages_per_worker", 3.0),
        ("workforce", 0.5),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    app.save_threat_model(
        &DEMO,
        tf,
        "Labor-law enforcement weighed more",
        &enforcement,
    )
    .await?;
    app.set_threat_focus(
        &DEMO,
        tf,
        "112120",
        true,
        "Year-round dairy work outside the H-2A program",
    )
    .await?;
    let plan = app
        .create_outreach_plan(
            &DEMO,
            tf,
            OutreachPlanInput {
                industry: "112120".into(),
                fips: "36121".into(),
                title: "Dairy farmworker outreach, Wyoming County".into(),
                goal: "Reach workers on dairy farms through the people they already trust; train \
                    extension staff and clinic staff to recognise and refer."
                    .into(),
                partners: "Cornell Cooperative Extension dairy team\nDairy cooperative field staff\nMigrant health clinic in Warsaw\nMexican Consulate in New York (mobile consulate)\nWorker Justice Center of New York".into(),
                status: Some("active".into()),
            },
        )
        .await?;
    for (day, kind, what, contacts, trained, tips) in [
        (
            "2025-11-04",
            "meeting",
            "Met the extension dairy team about farm visits.",
            "4",
            "0",
            "0",
        ),
        (
            "2025-12-09",
            "training",
            "Trained clinic and extension staff on labor-trafficking indicators.",
            "0",
            "18",
            "0",
        ),
        (
            "2026-01-08",
            "site_visit",
            "Visits with the cooperative's field staff; know-your-rights cards in Spanish.",
            "31",
            "0",
            "2",
        ),
    ] {
        app.add_outreach_activity(
            &DEMO,
            tf,
            plan.id,
            OutreachActivityInput {
                happened_on: day.into(),
                kind: kind.into(),
                description: what.into(),
                contacts: contacts.into(),
                people_trained: trained.into(),
                tips_received: tips.into(),
            },
        )
        .await?;
    }
    Ok(())
}

fn title_for(roles: &[Role]) -> String {
    let title = match roles.first() {
        Some(Role::Supervisor) => "Supervisor",
        Some(Role::Investigator) => "Investigator",
        Some(Role::Prosecutor) => "Assistant prosecutor",
        Some(Role::Advocate) => "Victim advocate",
        Some(Role::Coordinator) => "Task force coordinator",
        Some(Role::Administrator) => "Systems administrator",
        Some(Role::Auditor) => "Compliance auditor",
        Some(Role::Analyst) => "Research analyst",
        Some(Role::Navigator) => "Regional navigator",
        Some(Role::CommunityPartner) => "Outreach lead",
        Some(Role::NetworkStaff) => "Technical-assistance specialist",
        None => "Member",
    };
    title.to_owned()
}
