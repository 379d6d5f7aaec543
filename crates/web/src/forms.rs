//! HTML forms: reading submitted fields into domain inputs (with an error naming each field
//! that cannot even be read), and laying out the fields of each form.

use crate::view::Field;
use std::str::FromStr;
use taskforce_domain::reference;
use taskforce_domain::structure::*;
use taskforce_domain::*;

/// The submitted `application/x-www-form-urlencoded` fields, in order (a name may repeat).
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every submitted (name, value), in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.text(name).as_str(), "yes" | "on" | "true" | "1")
    }

    pub fn version(&self, invalid: &mut Invalid) -> Option<i64> {
        self.optional_int("version", invalid)
    }

    pub fn optional_int(&self, name: &str, invalid: &mut Invalid) -> Option<i64> {
        let text = self.text(name).replace([',', '$', ' '], "");
        if text.is_empty() {
            return None;
        }
        match text.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                invalid.add(name, "must be a whole number");
                None
            }
        }
    }

    pub fn optional_id<T: FromStr>(&self, name: &str, invalid: &mut Invalid) -> Option<T> {
        let text = self.text(name);
        if text.trim().is_empty() {
            return None;
        }
        match text.trim().parse() {
            Ok(id) => Some(id),
            Err(_) => {
                invalid.add(name, "is not one of the choices offered");
                None
            }
        }
    }

    pub fn ids<T: FromStr>(&self, name: &str, invalid: &mut Invalid) -> Vec<T> {
        let mut out = Vec::new();
        for (i, text) in self.all(name).iter().enumerate() {
            match text.trim().parse() {
                Ok(id) => out.push(id),
                Err(_) => invalid.add(format!("{name}[{i}]"), "is not one of the choices offered"),
            }
        }
        out
    }

    pub fn code<T>(
        &self,
        name: &str,
        from_code: fn(&str) -> Option<T>,
        invalid: &mut Invalid,
    ) -> Option<T> {
        let text = self.text(name);
        if text.trim().is_empty() {
            invalid.add(name, "is required");
            return None;
        }
        let value = from_code(&text);
        if value.is_none() {
            invalid.add(name, "is not one of the choices offered");
        }
        value
    }
}

fn opt_text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
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

fn county_options(fips: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fips
        .iter()
        .map(|f| {
            (
                f.clone(),
                reference::county(f).map_or_else(|| f.clone(), |c| c.name.clone()),
            )
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

// -- task forces ------------------------------------------------------------------------------

pub fn task_force_input(form: &FormData) -> Result<TaskForceInput, Invalid> {
    let mut invalid = Invalid::default();
    let input = TaskForceInput {
        name: form.text("name"),
        state: form.text("state"),
        counties: form.all("counties"),
        population_served: form.optional_int("population_served", &mut invalid),
        description: form.text("description"),
    };
    invalid.finish(input)
}

/// The counties field for a state: every county of that state to tick.
pub fn county_field(state: &str, selected: &[String]) -> Field {
    let fips: Vec<String> = reference::counties_of(state)
        .iter()
        .map(|c| c.fips.clone())
        .collect();
    let hint = if fips.is_empty() {
        "Choose the state first; its counties will appear here."
    } else {
        "Tick each county in the task force's jurisdiction."
    };
    Field::new("counties", "Counties", "checkboxes", "")
        .options(county_options(&fips))
        .values(selected.to_vec())
        .hint(hint)
}

pub fn task_force_fields(input: &TaskForceInput) -> Vec<Field> {
    let mut states = vec![(String::new(), "Choose a state".to_owned())];
    states.extend(
        reference::states()
            .iter()
            .map(|s| (s.code.clone(), s.name.clone())),
    );
    let mut state = Field::new("state", "State", "select", input.state.clone())
        .options(states)
        .required();
    state.htmx = Some((
        "/task-forces/county-choices".into(),
        "field-counties".into(),
    ));
    vec![
        Field::new("name", "Name", "text", input.name.clone()).required(),
        state,
        county_field(&input.state, &input.counties),
        Field::new(
            "population_served",
            "Population served",
            "number",
            input
                .population_served
                .map(|p| p.to_string())
                .unwrap_or_default(),
        )
        .hint("The number of people living in the jurisdiction."),
        Field::new(
            "description",
            "Description",
            "textarea",
            input.description.clone(),
        )
        .hint("What the task force focuses on, in a sentence or two."),
    ]
}

// -- regions ----------------------------------------------------------------------------------

pub fn region_input(form: &FormData) -> Result<RegionInput, Invalid> {
    let mut invalid = Invalid::default();
    let input = RegionInput {
        name: form.text("name"),
        counties: form.all("counties"),
        navigators: form.ids("navigators", &mut invalid),
    };
    invalid.finish(input)
}

pub fn region_fields(
    input: &RegionInput,
    task_force: &TaskForce,
    navigators: &[Member],
) -> Vec<Field> {
    vec![
        Field::new("name", "Name", "text", input.name.clone()).required(),
        Field::new("counties", "Counties", "checkboxes", "")
            .options(county_options(&task_force.counties))
            .values(input.counties.clone())
            .hint("A county can belong to one region only."),
        Field::new("navigators", "Navigators", "checkboxes", "")
            .options(
                navigators
                    .iter()
                    .map(|m| (m.id.to_string(), m.name.clone()))
                    .collect(),
            )
            .values(input.navigators.iter().map(ToString::to_string).collect())
            .hint("Members who hold the navigator role. Referrals to this region reach them."),
    ]
}

// -- organizations ----------------------------------------------------------------------------

pub fn organization_input(form: &FormData) -> Result<OrganizationInput, Invalid> {
    let mut invalid = Invalid::default();
    let kind = form.code("kind", OrganizationKind::from_code, &mut invalid);
    let region_id = form.optional_id("region_id", &mut invalid);
    match kind {
        Some(kind) if invalid.is_empty() => Ok(OrganizationInput {
            name: form.text("name"),
            kind,
            region_id,
            address: form.text("address"),
            phone: form.text("phone"),
            email: form.text("email"),
            website: form.text("website"),
            co_located: form.flag("co_located"),
            active: form.flag("active"),
        }),
        _ => Err(invalid),
    }
}

pub fn blank_organization() -> OrganizationInput {
    OrganizationInput {
        name: String::new(),
        kind: OrganizationKind::VictimServiceProvider,
        region_id: None,
        address: String::new(),
        phone: String::new(),
        email: String::new(),
        website: String::new(),
        co_located: false,
        active: true,
    }
}

pub fn organization_fields(input: &OrganizationInput, regions: &[Region]) -> Vec<Field> {
    let mut fields = vec![
        Field::new("name", "Name", "text", input.name.clone()).required(),
        Field::new("kind", "Kind of organization", "select", input.kind.code())
            .options(options(
                OrganizationKind::ALL,
                OrganizationKind::code,
                OrganizationKind::label,
            ))
            .required(),
    ];
    if !regions.is_empty() {
        let mut choices = vec![(String::new(), "Statewide (no one region)".to_owned())];
        choices.extend(regions.iter().map(|r| (r.id.to_string(), r.name.clone())));
        fields.push(
            Field::new(
                "region_id",
                "Region",
                "select",
                input.region_id.map(|r| r.to_string()).unwrap_or_default(),
            )
            .options(choices),
        );
    }
    fields.extend([
        Field::new("address", "Address", "textarea", input.address.clone()),
        Field::new("phone", "Phone", "tel", input.phone.clone()),
        Field::new("email", "E-mail", "email", input.email.clone()),
        Field::new("website", "Website", "url", input.website.clone())
            .hint("Starting with https://"),
        Field::checked(
            "co_located",
            "Works from the task force's shared office",
            input.co_located,
        ),
        Field::checked("active", "Active partner", input.active),
    ]);
    fields
}

// -- members ----------------------------------------------------------------------------------

/// The most organizations one member form offers at once.
const MEMBERSHIP_SLOTS: usize = 6;

pub fn member_input(form: &FormData) -> Result<MemberInput, Invalid> {
    let mut invalid = Invalid::default();
    let mut memberships = Vec::new();
    for i in 0..MEMBERSHIP_SLOTS {
        let org_field = format!("memberships[{i}].organization_id");
        let roles_field = format!("memberships[{i}].roles");
        let organization: Option<OrganizationId> = form.optional_id(&org_field, &mut invalid);
        let mut roles = Vec::new();
        for code in form.all(&roles_field) {
            match Role::from_code(&code) {
                Some(role) => roles.push(role),
                None => invalid.add(&roles_field, "is not one of the choices offered"),
            }
        }
        match organization {
            Some(organization_id) => memberships.push(Membership {
                organization_id,
                roles,
            }),
            None if !roles.is_empty() => {
                invalid.add(org_field, "choose the organization these roles are held in")
            }
            None => {}
        }
    }
    let input = MemberInput {
        name: form.text("name"),
        email: form.text("email"),
        phone: form.text("phone"),
        title: form.text("title"),
        active: form.flag("active"),
        memberships,
    };
    invalid.finish(input)
}

pub fn member_fields(input: &MemberInput, organizations: &[Organization]) -> Vec<Field> {
    let mut fields = vec![
        Field::new("name", "Name", "text", input.name.clone()).required(),
        Field::new("email", "E-mail", "email", input.email.clone()).required(),
        Field::new("phone", "Phone", "tel", input.phone.clone()),
        Field::new("title", "Job title", "text", input.title.clone()),
        Field::checked("active", "Active member", input.active),
    ];
    let mut org_choices = vec![(String::new(), "No organization".to_owned())];
    org_choices.extend(
        organizations
            .iter()
            .map(|o| (o.id.to_string(), o.name.clone())),
    );
    let slots = (input.memberships.len() + 1).clamp(2, MEMBERSHIP_SLOTS);
    for i in 0..slots {
        let membership = input.memberships.get(i);
        let n = i + 1;
        fields.push(
            Field::new(
                format!("memberships[{i}].organization_id"),
                format!("Organization {n}"),
                "select",
                membership
                    .map(|m| m.organization_id.to_string())
                    .unwrap_or_default(),
            )
            .options(org_choices.clone())
            .hint(if i == 0 {
                "A member may hold roles in more than one organization."
            } else {
                ""
            }),
        );
        fields.push(
            Field::new(
                format!("memberships[{i}].roles"),
                format!("Roles in organization {n}"),
                "checkboxes",
                "",
            )
            .options(options(Role::ALL, Role::code, Role::label))
            .values(
                membership
                    .map(|m| m.roles.iter().map(|r| r.code().to_owned()).collect())
                    .unwrap_or_default(),
            ),
        );
    }
    fields
}

// -- MOUs -------------------------------------------------------------------------------------

pub fn mou_input(form: &FormData) -> Result<MouInput, Invalid> {
    let mut invalid = Invalid::default();
    let status = form.code("status", MouStatus::from_code, &mut invalid);
    let parties = form.ids("parties", &mut invalid);
    match status {
        Some(status) if invalid.is_empty() => Ok(MouInput {
            title: form.text("title"),
            parties,
            status,
            signed_on: opt_text(&form.text("signed_on")),
            effective_on: opt_text(&form.text("effective_on")),
            expires_on: opt_text(&form.text("expires_on")),
            summary: form.text("summary"),
        }),
        _ => Err(invalid),
    }
}

pub fn blank_mou() -> MouInput {
    MouInput {
        title: String::new(),
        parties: Vec::new(),
        status: MouStatus::Draft,
        signed_on: None,
        effective_on: None,
        expires_on: None,
        summary: String::new(),
    }
}

pub fn mou_fields(input: &MouInput, organizations: &[Organization]) -> Vec<Field> {
    let date = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        Field::new("title", "Title", "text", input.title.clone()).required(),
        Field::new("parties", "Parties", "checkboxes", "")
            .options(
                organizations
                    .iter()
                    .map(|o| (o.id.to_string(), o.name.clone()))
                    .collect(),
            )
            .values(input.parties.iter().map(ToString::to_string).collect())
            .hint("At least two partner organizations.")
            .required(),
        Field::new("status", "Status", "select", input.status.code())
            .options(options(MouStatus::ALL, MouStatus::code, MouStatus::label))
            .required(),
        Field::new("signed_on", "Signed on", "date", date(&input.signed_on))
            .hint("Required once signed."),
        Field::new(
            "effective_on",
            "Takes effect on",
            "date",
            date(&input.effective_on),
        ),
        Field::new("expires_on", "Expires on", "date", date(&input.expires_on)),
        Field::new("summary", "Summary", "textarea", input.summary.clone()),
    ]
}

// -- funding awards ---------------------------------------------------------------------------

pub fn award_input(form: &FormData) -> Result<FundingAwardInput, Invalid> {
    let mut invalid = Invalid::default();
    let input = FundingAwardInput {
        funder: form.text("funder"),
        award_number: form.text("award_number"),
        recipient_id: form.optional_id("recipient_id", &mut invalid),
        amount: form.optional_int("amount", &mut invalid),
        starts_on: opt_text(&form.text("starts_on")),
        ends_on: opt_text(&form.text("ends_on")),
    };
    invalid.finish(input)
}

pub fn award_fields(input: &FundingAwardInput, organizations: &[Organization]) -> Vec<Field> {
    let mut recipients = vec![(String::new(), "Choose the recipient".to_owned())];
    recipients.extend(
        organizations
            .iter()
            .map(|o| (o.id.to_string(), o.name.clone())),
    );
    vec![
        Field::new("funder", "Funder", "text", input.funder.clone())
            .required()
            .hint("For example: Bureau of Justice Assistance"),
        Field::new(
            "award_number",
            "Award number",
            "text",
            input.award_number.clone(),
        )
        .required(),
        Field::new(
            "recipient_id",
            "Recipient organization",
            "select",
            input
                .recipient_id
                .map(|r| r.to_string())
                .unwrap_or_default(),
        )
        .options(recipients)
        .required(),
        Field::new(
            "amount",
            "Amount (U.S. dollars)",
            "number",
            input.amount.map(|a| a.to_string()).unwrap_or_default(),
        )
        .required(),
        Field::new(
            "starts_on",
            "Starts on",
            "date",
            input.starts_on.clone().unwrap_or_default(),
        )
        .required(),
        Field::new(
            "ends_on",
            "Ends on",
            "date",
            input.ends_on.clone().unwrap_or_default(),
        )
        .required(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_fields_and_names_unreadable_ones() {
        let form = FormData::parse(b"name=A&counties=38015&counties=38017&population_served=12x");
        assert_eq!(form.all("counties"), vec!["38015", "38017"]);
        let invalid = task_force_input(&form).expect_err("bad number");
        assert_eq!(
            invalid.message_for("population_served"),
            Some("must be a whole number")
        );
    }

    #[test]
    fn member_slots() {
        let org = "0190b2a4-0000-7000-8000-000000000001";
        let body = format!(
            "name=A&email=a%40b.gov&memberships%5B0%5D.organization_id={org}&memberships%5B0%5D.roles=advocate&memberships%5B1%5D.organization_id=&memberships%5B1%5D.roles=auditor"
        );
        let invalid = member_input(&FormData::parse(body.as_bytes()))
            .expect_err("roles without organization");
        assert!(invalid
            .message_for("memberships[1].organization_id")
            .is_some());
        let body = format!("name=A&email=a%40b.gov&memberships%5B0%5D.organization_id={org}&memberships%5B0%5D.roles=advocate");
        let input = member_input(&FormData::parse(body.as_bytes())).expect("ok");
        assert_eq!(input.memberships.len(), 1);
        assert_eq!(input.memberships[0].roles, vec![Role::Advocate]);
    }
}
