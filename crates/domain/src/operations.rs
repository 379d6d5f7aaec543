//! Event deconfliction (C5; DOMAIN.md "Deconfliction"): planned operations (raid, controlled
//! buy, surveillance, undercover meeting, arrest, warrant service) with a place, a radius and a
//! time window. Two agencies' operations whose circles meet and whose windows share an instant
//! are a conflict: both commanders are told at once and both acknowledge it. A commander may
//! exempt their operation (recorded with a reason) when deconflicting would compromise it.
//!
//! A conflict carries only what each side needs to pick up the phone: the other operation's
//! agency, its commander's name and phone, its type, time window and how the two overlap —
//! never the other operation's name, place description, case or targets.

use crate::ids::*;
use crate::structure::{code_enum, Valid};
use crate::validation::Invalid;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Mean Earth radius (metres): the sphere of the great-circle distance.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// The smallest and largest radius an operation may name (metres).
pub const MIN_RADIUS_M: i64 = 10;
pub const MAX_RADIUS_M: i64 = 50_000;
/// The longest time window of one operation: longer work is planned as several windows.
pub const MAX_WINDOW_HOURS: i64 = 14 * 24;
/// Classes of window length for the deconfliction prefilter: an operation belongs to the first
/// class whose longest window (hours) holds its own. The check reads, for each class, only the
/// operations that started within that class's longest window before the new one starts, so a
/// few long operations do not make every check read two weeks of short ones.
pub const WINDOW_CLASSES_HOURS: [i64; 4] = [6, 24, 96, MAX_WINDOW_HOURS];

/// The class of a window (an index into [`WINDOW_CLASSES_HOURS`]); a window longer than the
/// longest allowed (never valid) falls in the last class.
pub fn window_class(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> usize {
    let length = ends_at - starts_at;
    WINDOW_CLASSES_HOURS
        .iter()
        .position(|h| length <= Duration::hours(*h))
        .unwrap_or(WINDOW_CLASSES_HOURS.len() - 1)
}

/// Coordinates are kept as integer millionths of a degree (about 11 cm), so the database's
/// bounding-box prefilter compares integers on both backends.
pub const E6: f64 = 1_000_000.0;

code_enum!(
    /// The types of planned operation that are deconflicted (RISSafe's event types).
    OperationKind {
        Raid = "raid", "Raid";
        ControlledBuy = "controlled_buy", "Controlled buy";
        Surveillance = "surveillance", "Surveillance";
        UndercoverMeeting = "undercover_meeting", "Undercover meeting";
        Arrest = "arrest", "Arrest";
        WarrantService = "warrant_service", "Warrant service";
    }
);

/// A planned operation as kept (law-enforcement sensitive, held by its agency).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operation {
    pub id: OperationId,
    pub task_force_id: TaskForceId,
    /// The planning agency, which holds the record.
    pub agency_id: OrganizationId,
    pub agency_name: String,
    pub kind: OperationKind,
    /// The agency's own name for it; never shown to another agency.
    pub title: String,
    /// Where, in words (an address, a landmark); never shown to another agency.
    pub place: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The commander: a supervisor of the agency, the contact for a conflict.
    pub commander_id: MemberId,
    pub commander_name: String,
    pub contact_phone: String,
    pub planned_by: MemberId,
    /// When a commander exempted it from deconfliction, by whom and why.
    pub exempt_at: Option<DateTime<Utc>>,
    pub exempt_by: Option<MemberId>,
    pub exemption_reason: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl Operation {
    /// The operation's footprint for the overlap test.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            latitude: self.latitude,
            longitude: self.longitude,
            radius_m: self.radius_m,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }

    pub fn lat_e6(&self) -> i64 {
        to_e6(self.latitude)
    }

    /// The class of its window length ([`WINDOW_CLASSES_HOURS`]).
    pub fn window_class(&self) -> usize {
        window_class(self.starts_at, self.ends_at)
    }

    pub fn lon_e6(&self) -> i64 {
        to_e6(self.longitude)
    }
}

pub fn to_e6(degrees: f64) -> i64 {
    (degrees * E6).round() as i64
}

pub fn from_e6(e6: i64) -> f64 {
    e6 as f64 / E6
}

/// A place, a radius and a time window `[starts_at, ends_at)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// How two operations overlap: the distance between their centres and the instants they share.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overlap {
    pub distance_m: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Great-circle distance in metres.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

impl Footprint {
    /// The exact test: the circles meet (touching counts: the officers are within reach of
    /// each other) and the half-open windows share an instant (one ending exactly when the other
    /// starts does not).
    pub fn overlap(&self, other: &Footprint) -> Option<Overlap> {
        if !(self.starts_at < other.ends_at && other.starts_at < self.ends_at) {
            return None;
        }
        let distance = haversine_m(
            self.latitude,
            self.longitude,
            other.latitude,
            other.longitude,
        );
        (distance <= (self.radius_m + other.radius_m) as f64).then(|| Overlap {
            distance_m: distance.round() as i64,
            starts_at: self.starts_at.max(other.starts_at),
            ends_at: self.ends_at.min(other.ends_at),
        })
    }

    /// What the database prefilter needs to find every operation that may overlap this one:
    /// a box (integer millionths of a degree) holding every point within this radius plus the
    /// largest radius, and the window of start times that can share an instant with this one
    /// (no operation is longer than [`MAX_WINDOW_HOURS`]).
    pub fn search_box(&self) -> SearchBox {
        let reach = (self.radius_m + MAX_RADIUS_M) as f64 * 1.01 + 1.0;
        let dlat = (reach / EARTH_RADIUS_M).to_degrees();
        let lat_min = (self.latitude - dlat).max(-90.0);
        let lat_max = (self.latitude + dlat).min(90.0);
        // The widest longitude span is at the box's latitude farthest from the equator.
        let widest = lat_min.abs().max(lat_max.abs()).to_radians().cos();
        let (lon_min, lon_max) = if widest < 1e-6 {
            (-180.0, 180.0)
        } else {
            let dlon = (reach / (EARTH_RADIUS_M * widest)).to_degrees();
            if self.longitude - dlon < -180.0 || self.longitude + dlon > 180.0 {
                // Across the antimeridian: every longitude (rare enough to be simple).
                (-180.0, 180.0)
            } else {
                (self.longitude - dlon, self.longitude + dlon)
            }
        };
        SearchBox {
            lat_min_e6: to_e6(lat_min) - 1,
            lat_max_e6: to_e6(lat_max) + 1,
            lon_min_e6: to_e6(lon_min) - 1,
            lon_max_e6: to_e6(lon_max) + 1,
            starts_after: self.starts_at - Duration::hours(MAX_WINDOW_HOURS),
            starts_before: self.ends_at,
            ends_after: self.starts_at,
        }
    }
}

/// The prefilter of a deconfliction check: `lat_e6`, `lon_e6` within the box, `starts_at` in
/// `(starts_after, starts_before)` and `ends_at > ends_after`; per class of window length, the
/// start bound tightens to [`SearchBox::starts_after_in`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchBox {
    pub lat_min_e6: i64,
    pub lat_max_e6: i64,
    pub lon_min_e6: i64,
    pub lon_max_e6: i64,
    pub starts_after: DateTime<Utc>,
    pub starts_before: DateTime<Utc>,
    pub ends_after: DateTime<Utc>,
}

impl SearchBox {
    /// The earliest start (exclusive) an operation of window class `class` may have and still
    /// share an instant with the checked one: it must end after the checked one starts, and it
    /// lasts at most the class's longest window.
    pub fn starts_after_in(&self, class: usize) -> DateTime<Utc> {
        let hours = WINDOW_CLASSES_HOURS
            .get(class)
            .copied()
            .unwrap_or(MAX_WINDOW_HOURS);
        self.ends_after - Duration::hours(hours)
    }
}

/// Numbers in a JSON body may come as numbers or as text (forms send text).
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Option::<TextOrNumber>::deserialize(d)? {
        None => String::new(),
        Some(TextOrNumber::Text(t)) => t,
        Some(TextOrNumber::Number(n)) => n.to_string(),
    })
}

/// What a member submits to plan an operation (form or API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OperationInput {
    /// raid, controlled_buy, surveillance, undercover_meeting, arrest, warrant_service.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    /// Where, in words (kept by the agency only).
    #[serde(default)]
    pub place: String,
    /// Decimal degrees, e.g. 46.8083.
    #[serde(default, deserialize_with = "text_or_number")]
    pub latitude: String,
    /// Decimal degrees, e.g. -100.7837.
    #[serde(default, deserialize_with = "text_or_number")]
    pub longitude: String,
    /// Metres, 10 to 50,000.
    #[serde(default, deserialize_with = "text_or_number")]
    pub radius_m: String,
    /// UTC, `YYYY-MM-DDTHH:MM` or RFC 3339.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    /// The commander's member id: a supervisor of the planning agency.
    #[serde(default)]
    pub commander: String,
    /// The phone the other agency calls; the commander's own when empty.
    #[serde(default)]
    pub contact_phone: String,
}

/// A checked operation, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOperation {
    pub kind: OperationKind,
    pub title: String,
    pub place: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub commander_id: MemberId,
    pub contact_phone: String,
}

/// A supervisor of the planning agency who may command an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Commander {
    pub id: MemberId,
    pub name: String,
    pub phone: String,
}

/// What validation needs: the agency's supervisors and the moment of planning.
pub struct OperationContext<'a> {
    pub commanders: &'a [Commander],
    pub now: DateTime<Utc>,
}

/// Reads a UTC moment written as a form's `datetime-local` (`2026-12-01T06:00`) or RFC 3339.
pub fn parse_moment(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|t| t.and_utc())
}

fn number(field: &str, value: &str, invalid: &mut Invalid) -> Option<f64> {
    let value = value.trim();
    if value.is_empty() {
        invalid.add(field, "is required");
        return None;
    }
    match value.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            invalid.add(
                field,
                "must be a number in decimal degrees, such as 46.8083",
            );
            None
        }
    }
}

impl OperationInput {
    pub fn validate(&self, ctx: &OperationContext<'_>) -> Result<Valid<NewOperation>, Invalid> {
        let mut invalid = Invalid::default();
        let kind = match self.kind.trim() {
            "" => {
                invalid.add("kind", "is required");
                None
            }
            code => OperationKind::from_code(code).or_else(|| {
                invalid.add("kind", "is not one of the allowed values");
                None
            }),
        };
        let title = invalid.required_text("title", &self.title, 200);
        let place = invalid.optional_text("place", &self.place, 500);
        let latitude = number("latitude", &self.latitude, &mut invalid).filter(|l| {
            let ok = (-90.0..=90.0).contains(l);
            if !ok {
                invalid.add("latitude", "must be between -90 and 90");
            }
            ok
        });
        let longitude = number("longitude", &self.longitude, &mut invalid).filter(|l| {
            let ok = (-180.0..=180.0).contains(l);
            if !ok {
                invalid.add("longitude", "must be between -180 and 180");
            }
            ok
        });
        let radius = match self.radius_m.trim() {
            "" => {
                invalid.add("radius_m", "is required");
                None
            }
            text => match text.parse::<i64>() {
                Ok(r) if (MIN_RADIUS_M..=MAX_RADIUS_M).contains(&r) => Some(r),
                _ => {
                    invalid.add(
                        "radius_m",
                        format!("must be a whole number of metres from {MIN_RADIUS_M} to {MAX_RADIUS_M}"),
                    );
                    None
                }
            },
        };
        let moment = |field: &str, value: &str, invalid: &mut Invalid| {
            if value.trim().is_empty() {
                invalid.add(field, "is required");
                return None;
            }
            parse_moment(value).or_else(|| {
                invalid.add(
                    field,
                    "must be a date and time written YYYY-MM-DDTHH:MM (UTC)",
                );
                None
            })
        };
        let starts_at = moment("starts_at", &self.starts_at, &mut invalid);
        let ends_at = moment("ends_at", &self.ends_at, &mut invalid);
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            if end <= start {
                invalid.add("ends_at", "must be after the start");
            } else if end - start > Duration::hours(MAX_WINDOW_HOURS) {
                invalid.add(
                    "ends_at",
                    "must be at most 14 days after the start; plan longer work as several operations",
                );
            } else if end <= ctx.now {
                invalid.add(
                    "ends_at",
                    "must be in the future: plan operations before they happen",
                );
            }
        }
        let commander = match self.commander.trim() {
            "" => {
                invalid.add("commander", "is required");
                None
            }
            id => {
                let found = id
                    .parse::<uuid::Uuid>()
                    .ok()
                    .and_then(|id| ctx.commanders.iter().find(|c| c.id.0 == id));
                if found.is_none() {
                    invalid.add("commander", "must be a supervisor of your agency");
                }
                found
            }
        };
        let mut contact_phone = invalid.optional_phone("contact_phone", &self.contact_phone);
        if contact_phone.is_empty() && !self.contact_phone.trim().is_empty() {
            // already refused as malformed
        } else if contact_phone.is_empty() {
            match commander {
                Some(c) if !c.phone.trim().is_empty() => contact_phone = c.phone.trim().to_owned(),
                Some(_) => invalid.add(
                    "contact_phone",
                    "is required: the commander has no phone on record, and the other agency must be able to call",
                ),
                None => {}
            }
        }
        match (
            kind, latitude, longitude, radius, starts_at, ends_at, commander,
        ) {
            (
                Some(kind),
                Some(latitude),
                Some(longitude),
                Some(radius_m),
                Some(starts_at),
                Some(ends_at),
                Some(commander),
            ) if invalid.is_empty() => Ok(Valid(NewOperation {
                kind,
                title,
                place,
                latitude: from_e6(to_e6(latitude)),
                longitude: from_e6(to_e6(longitude)),
                radius_m,
                starts_at,
                ends_at,
                commander_id: commander.id,
                contact_phone,
            })),
            _ => {
                if invalid.is_empty() {
                    invalid.add("form", "could not be read");
                }
                Err(invalid)
            }
        }
    }
}

/// Checks an exemption's reason: required, at most 1,000 characters.
pub fn check_exemption_reason(reason: &str) -> Result<String, Invalid> {
    let mut invalid = Invalid::default();
    let reason = invalid.required_text("reason", reason, 1000);
    invalid.finish(reason)
}

/// A conflict between two agencies' operations, as kept. `a` is the operation planned first,
/// `b` the one whose planning raised the conflict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperationConflict {
    pub id: OperationConflictId,
    pub task_force_id: TaskForceId,
    pub operation_a: OperationId,
    pub operation_b: OperationId,
    pub agency_a: OrganizationId,
    pub agency_b: OrganizationId,
    pub overlap: Overlap,
    pub created_at: DateTime<Utc>,
    pub acknowledged_a: Option<(DateTime<Utc>, MemberId)>,
    pub acknowledged_b: Option<(DateTime<Utc>, MemberId)>,
    pub version: i64,
}

/// One side of a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    A,
    B,
}

impl OperationConflict {
    /// Which side an organization is on (`None`: neither).
    pub fn side_of(&self, organization: OrganizationId) -> Option<Side> {
        if organization == self.agency_a {
            Some(Side::A)
        } else if organization == self.agency_b {
            Some(Side::B)
        } else {
            None
        }
    }

    pub fn operation_of(&self, side: Side) -> OperationId {
        match side {
            Side::A => self.operation_a,
            Side::B => self.operation_b,
        }
    }

    pub fn acknowledged(&self, side: Side) -> Option<(DateTime<Utc>, MemberId)> {
        match side {
            Side::A => self.acknowledged_a,
            Side::B => self.acknowledged_b,
        }
    }

    /// Both commanders have acknowledged it.
    pub fn settled(&self) -> bool {
        self.acknowledged_a.is_some() && self.acknowledged_b.is_some()
    }
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
        }
    }
}

/// Who acknowledges a conflict for a side: that operation's commander, or another supervisor
/// of the same agency standing in for them. Investigators see conflicts but do not settle them.
pub fn may_acknowledge(
    member: MemberId,
    is_supervisor: bool,
    operation_commander: MemberId,
) -> bool {
    member == operation_commander || is_supervisor
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0)
            .single()
            .expect("a time")
    }

    fn fp(lat: f64, lon: f64, r: i64, s: u32, e: u32) -> Footprint {
        Footprint {
            latitude: lat,
            longitude: lon,
            radius_m: r,
            starts_at: at(s),
            ends_at: at(e),
        }
    }

    #[test]
    fn circles_that_meet_in_a_shared_window_overlap() {
        // Bismarck: about 111 m per 0.001 degree of latitude.
        let a = fp(46.8083, -100.7837, 100, 6, 10);
        let b = fp(46.8093, -100.7837, 20, 8, 12);
        let o = a.overlap(&b).expect("an overlap");
        assert_eq!(o.distance_m, 111);
        assert_eq!((o.starts_at, o.ends_at), (at(8), at(10)));
        // Too far apart for the radii.
        assert_eq!(a.overlap(&fp(46.8093, -100.7837, 5, 8, 12)), None);
        // One ends exactly when the other starts: no shared instant.
        assert_eq!(a.overlap(&fp(46.8083, -100.7837, 100, 10, 12)), None);
    }

    #[test]
    fn the_search_box_holds_every_operation_that_may_overlap() {
        let a = fp(46.8083, -100.7837, 50_000, 6, 10);
        let b = fp(47.70, -100.7837, 50_000, 9, 11);
        assert!(a.overlap(&b).is_some());
        let bx = a.search_box();
        let (lat, lon) = (to_e6(b.latitude), to_e6(b.longitude));
        assert!(bx.lat_min_e6 <= lat && lat <= bx.lat_max_e6);
        assert!(bx.lon_min_e6 <= lon && lon <= bx.lon_max_e6);
        assert!(bx.starts_after < b.starts_at && b.starts_at < bx.starts_before);
        assert!(b.ends_at > bx.ends_after);
        // East and west at the largest reach, at this latitude.
        let c = fp(46.8083, -99.47, 50_000, 9, 11);
        assert!(a.overlap(&c).is_some());
        assert!(to_e6(c.longitude) <= bx.lon_max_e6);
        // Near the antimeridian every longitude is searched.
        let far = fp(60.0, 179.9, 100, 6, 10).search_box();
        assert_eq!(
            (far.lon_min_e6, far.lon_max_e6),
            (-180_000_001, 180_000_001)
        );
    }

    #[test]
    fn every_window_falls_in_a_class_and_every_overlap_passes_its_class_bound() {
        assert_eq!(window_class(at(6), at(12)), 0);
        assert_eq!(window_class(at(6), at(13)), 1);
        assert_eq!(window_class(at(0), at(0) + Duration::hours(96)), 2);
        assert_eq!(window_class(at(0), at(0) + Duration::hours(97)), 3);
        assert_eq!(window_class(at(0), at(0) + Duration::days(30)), 3);
        // Windows of every length near every class's edge, starting before, at and after the
        // checked one: whenever they share an instant, the start lies inside the class bound.
        let checked = fp(46.8, -100.7, 100, 10, 14);
        let bx = checked.search_box();
        let mut seen = [0usize; 4];
        for length_m in (1..=MAX_WINDOW_HOURS * 60).step_by(37) {
            for offset_m in (-(MAX_WINDOW_HOURS * 60) - 60..=5 * 60).step_by(41) {
                let starts_at = checked.starts_at + Duration::minutes(offset_m);
                let other = Footprint {
                    starts_at,
                    ends_at: starts_at + Duration::minutes(length_m),
                    ..checked
                };
                if checked.overlap(&other).is_none() {
                    continue;
                }
                let class = window_class(other.starts_at, other.ends_at);
                seen[class] += 1;
                assert!(
                    other.starts_at > bx.starts_after_in(class),
                    "{length_m} {offset_m}"
                );
                assert!(other.starts_at < bx.starts_before && other.ends_at > bx.ends_after);
                assert!(bx.starts_after_in(class) >= bx.starts_after);
            }
        }
        assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
    }

    fn input() -> OperationInput {
        OperationInput {
            kind: "raid".into(),
            title: "Motel entry".into(),
            place: "".into(),
            latitude: "46.8083".into(),
            longitude: "-100.7837".into(),
            radius_m: "300".into(),
            starts_at: "2026-12-01T06:00".into(),
            ends_at: "2026-12-01T09:00".into(),
            commander: uuid::Uuid::nil().to_string(),
            contact_phone: String::new(),
        }
    }

    #[test]
    fn a_plan_is_checked_field_by_field() {
        let commanders = [Commander {
            id: MemberId(uuid::Uuid::nil()),
            name: "Pat Lee".into(),
            phone: "701-555-0100".into(),
        }];
        let ctx = OperationContext {
            commanders: &commanders,
            now: at(0),
        };
        let ok = input().validate(&ctx).expect("valid").into_inner();
        assert_eq!(ok.contact_phone, "701-555-0100");
        assert_eq!(ok.kind, OperationKind::Raid);
        let bad = OperationInput {
            kind: "picnic".into(),
            title: " ".into(),
            latitude: "91".into(),
            longitude: "east".into(),
            radius_m: "60000".into(),
            starts_at: "2026-12-01T09:00".into(),
            ends_at: "2026-12-01T08:00".into(),
            commander: "0190b2a4-0000-7000-8000-000000000001".into(),
            contact_phone: "call me".into(),
            ..input()
        }
        .validate(&ctx)
        .expect_err("refused");
        let fields: Vec<&str> = bad.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "title",
                "latitude",
                "longitude",
                "radius_m",
                "ends_at",
                "commander",
                "contact_phone"
            ]
        );
        let long = OperationInput {
            ends_at: "2026-12-20T08:00".into(),
            ..input()
        }
        .validate(&ctx)
        .expect_err("too long");
        assert!(long
            .message_for("ends_at")
            .is_some_and(|m| m.contains("14 days")));
        let past = input()
            .validate(&OperationContext {
                commanders: &commanders,
                now: at(12),
            })
            .expect_err("in the past");
        assert!(past
            .message_for("ends_at")
            .is_some_and(|m| m.contains("future")));
    }
}
