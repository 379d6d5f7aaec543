//! Event deconfliction: planned operations (a place, a radius, a time window) that overlap in
//! space and time with another agency's are conflicts, and both parties are told.
//!
//! The index is an R-tree over four-dimensional boxes: the operation's circle bounded in
//! Earth-centred coordinates (metres) and its time window. A box test finds candidates; the
//! exact test is the great-circle distance against the sum of the radii, and half-open time
//! windows `[start, end)` that share an instant.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Mean Earth radius (metres), the sphere of both the distance and the index.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A planned operation. Times are seconds since the Unix epoch; the window is `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlannedOperation {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OperationError {
    #[error("latitude {0} is not between -90 and 90")]
    Latitude(f64),
    #[error("longitude {0} is not between -180 and 180")]
    Longitude(f64),
    #[error("radius {0} m must be zero or more")]
    Radius(f64),
    #[error("the operation must end after it starts")]
    Window,
}

impl PlannedOperation {
    pub fn new(
        lat: f64,
        lon: f64,
        radius_m: f64,
        start: i64,
        end: i64,
    ) -> Result<Self, OperationError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(OperationError::Latitude(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(OperationError::Longitude(lon));
        }
        if !(radius_m.is_finite() && radius_m >= 0.0) {
            return Err(OperationError::Radius(radius_m));
        }
        if end <= start {
            return Err(OperationError::Window);
        }
        Ok(PlannedOperation {
            lat,
            lon,
            radius_m,
            start,
            end,
        })
    }

    /// Whether two operations conflict: their circles meet or overlap (touching counts: the
    /// officers are within reach of each other) and their windows share an instant (one
    /// ending exactly when the other starts does not).
    pub fn conflicts_with(&self, other: &PlannedOperation) -> bool {
        self.start < other.end
            && other.start < self.end
            && haversine_m(self.lat, self.lon, other.lat, other.lon)
                <= self.radius_m + other.radius_m
    }

    fn centre(&self) -> [f64; 3] {
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        [
            EARTH_RADIUS_M * lat.cos() * lon.cos(),
            EARTH_RADIUS_M * lat.cos() * lon.sin(),
            EARTH_RADIUS_M * lat.sin(),
        ]
    }

    /// A box that holds every point within the radius (a chord is never longer than its
    /// arc), stretched over the time window. Two conflicting operations' boxes intersect.
    fn envelope(&self) -> AABB<[f64; 4]> {
        let c = self.centre();
        let r = self.radius_m + 1e-6 * EARTH_RADIUS_M.max(1.0) * 1e-3;
        AABB::from_corners(
            [c[0] - r, c[1] - r, c[2] - r, self.start as f64],
            [c[0] + r, c[1] + r, c[2] + r, self.end as f64],
        )
    }
}

/// Great-circle distance in metres.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

type Entry = GeomWithData<Rectangle<[f64; 4]>, u32>;

/// Planned operations, each with the caller's pointer `P` (agency, operation id).
pub struct EventIndex<P> {
    tree: RTree<Entry>,
    operations: Vec<(PlannedOperation, P)>,
}

impl<P: Clone + PartialEq> EventIndex<P> {
    pub fn new(operations: Vec<(PlannedOperation, P)>) -> Self {
        let entries: Vec<Entry> = operations
            .iter()
            .enumerate()
            .map(|(i, (op, _))| GeomWithData::new(Rectangle::from_aabb(op.envelope()), i as u32))
            .collect();
        EventIndex {
            tree: RTree::bulk_load(entries),
            operations,
        }
    }

    pub fn insert(&mut self, op: PlannedOperation, pointer: P) {
        let Ok(i) = u32::try_from(self.operations.len()) else {
            return;
        };
        self.tree
            .insert(GeomWithData::new(Rectangle::from_aabb(op.envelope()), i));
        self.operations.push((op, pointer));
    }

    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The operations that conflict with `op`, other than `me` itself.
    pub fn conflicts(&self, op: &PlannedOperation, me: Option<&P>) -> Vec<&(PlannedOperation, P)> {
        let mut found: Vec<&(PlannedOperation, P)> = self
            .tree
            .locate_in_envelope_intersecting(&op.envelope())
            .filter_map(|e| self.operations.get(e.data as usize))
            .filter(|(other, p)| Some(p) != me && op.conflicts_with(other))
            .collect();
        found.sort_by_key(|a| a.0.start);
        found
    }

    /// The same answer by looking at every operation: the baseline the index is measured
    /// against, and its check.
    pub fn conflicts_by_scan(
        &self,
        op: &PlannedOperation,
        me: Option<&P>,
    ) -> Vec<&(PlannedOperation, P)> {
        let mut found: Vec<&(PlannedOperation, P)> = self
            .operations
            .iter()
            .filter(|(other, p)| Some(p) != me && op.conflicts_with(other))
            .collect();
        found.sort_by_key(|a| a.0.start);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn op(lat: f64, lon: f64, r: f64, start: i64, end: i64) -> PlannedOperation {
        PlannedOperation::new(lat, lon, r, start, end).unwrap()
    }

    #[test]
    fn haversine_known_distance() {
        // One degree of latitude is about 111.2 km.
        let d = haversine_m(40.0, -75.0, 41.0, -75.0);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        assert_eq!(haversine_m(10.0, 10.0, 10.0, 10.0), 0.0);
    }

    #[test]
    fn touching_windows_do_not_overlap_sharing_an_instant_does() {
        let a = op(40.0, -75.0, 100.0, 0, HOUR);
        assert!(!a.conflicts_with(&op(40.0, -75.0, 100.0, HOUR, 2 * HOUR)));
        assert!(a.conflicts_with(&op(40.0, -75.0, 100.0, HOUR - 1, 2 * HOUR)));
        assert!(a.conflicts_with(&op(40.0, -75.0, 100.0, -HOUR, HOUR + 1)));
    }

    #[test]
    fn circles_conflict_when_distance_within_the_sum_of_radii() {
        // Two points 1 km apart along a meridian.
        let north = 40.0 + 1000.0 / 111_195.0;
        let d = haversine_m(40.0, -75.0, north, -75.0);
        let a = op(40.0, -75.0, 400.0, 0, HOUR);
        assert!(a.conflicts_with(&op(north, -75.0, d - 400.0 + 0.01, 0, HOUR)));
        assert!(!a.conflicts_with(&op(north, -75.0, d - 400.0 - 0.5, 0, HOUR)));
        // Neither radius alone reaches, the sum does.
        assert!(op(40.0, -75.0, 600.0, 0, HOUR).conflicts_with(&op(north, -75.0, 600.0, 0, HOUR)));
        // Zero radii: only the same point.
        assert!(op(40.0, -75.0, 0.0, 0, HOUR).conflicts_with(&op(40.0, -75.0, 0.0, 0, HOUR)));
    }

    #[test]
    fn invalid_operations_are_refused() {
        assert_eq!(
            PlannedOperation::new(91.0, 0.0, 1.0, 0, 1),
            Err(OperationError::Latitude(91.0))
        );
        assert_eq!(
            PlannedOperation::new(0.0, 181.0, 1.0, 0, 1),
            Err(OperationError::Longitude(181.0))
        );
        assert!(PlannedOperation::new(0.0, 0.0, -1.0, 0, 1).is_err());
        assert!(PlannedOperation::new(0.0, 0.0, f64::NAN, 0, 1).is_err());
        assert_eq!(
            PlannedOperation::new(0.0, 0.0, 1.0, 5, 5),
            Err(OperationError::Window)
        );
    }

    #[test]
    fn index_agrees_with_a_scan() {
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let ops: Vec<(PlannedOperation, u32)> = (0..3000)
            .map(|i| {
                let start = (next() * 30.0 * 24.0) as i64 * HOUR;
                let o = op(
                    40.0 + next() * 0.5,
                    -75.0 + next() * 0.5,
                    50.0 + next() * 2000.0,
                    start,
                    start + HOUR + (next() * 6.0) as i64 * HOUR,
                );
                (o, i)
            })
            .collect();
        let index = EventIndex::new(ops.clone());
        let mut conflicts = 0;
        for (o, p) in &ops {
            let a = index.conflicts(o, Some(p));
            let b = index.conflicts_by_scan(o, Some(p));
            assert_eq!(a.len(), b.len());
            assert!(a.iter().all(|x| b.contains(x)));
            assert!(a.iter().all(|(_, q)| q != p));
            conflicts += a.len();
        }
        assert!(conflicts > 0, "the data must have some conflicts to check");
    }

    #[test]
    fn inserted_operations_are_found() {
        let mut index: EventIndex<&str> = EventIndex::new(Vec::new());
        index.insert(op(51.5, -0.12, 500.0, 0, HOUR), "raid");
        let q = op(51.5, -0.12, 10.0, 10, 20);
        assert_eq!(index.conflicts(&q, None).len(), 1);
        assert!(index.conflicts(&q, Some(&"raid")).is_empty());
    }
}
