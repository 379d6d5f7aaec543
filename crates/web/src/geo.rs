//! County shapes for the threat map: the vendored us-atlas TopoJSON (`counties-10m.json`)
//! decoded once into GeoJSON polygons, so the page needs no TopoJSON library and no tile server.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// County FIPS -> GeoJSON geometry (longitude/latitude).
static COUNTIES: LazyLock<HashMap<String, Value>> = LazyLock::new(|| {
    crate::assets::file("vendor/counties-10m.json")
        .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok())
        .map(|topology| decode(&topology))
        .unwrap_or_default()
});

/// Decodes the `counties` object of a quantized TopoJSON topology.
fn decode(topology: &Value) -> HashMap<String, Value> {
    let scale = pair(&topology["transform"]["scale"]).unwrap_or((1.0, 1.0));
    let translate = pair(&topology["transform"]["translate"]).unwrap_or((0.0, 0.0));
    let arcs: Vec<Vec<[f64; 2]>> = topology["arcs"]
        .as_array()
        .map(|arcs| {
            arcs.iter()
                .map(|arc| {
                    let (mut x, mut y) = (0.0, 0.0);
                    arc.as_array()
                        .map(|points| {
                            points
                                .iter()
                                .filter_map(pair)
                                .map(|(dx, dy)| {
                                    x += dx;
                                    y += dy;
                                    [x * scale.0 + translate.0, y * scale.1 + translate.1]
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let ring = |indexes: &Value| -> Vec<Value> {
        let mut points: Vec<[f64; 2]> = Vec::new();
        for index in indexes.as_array().into_iter().flatten() {
            let Some(i) = index.as_i64() else { continue };
            let (arc, reversed) = if i < 0 { (!i, true) } else { (i, false) };
            let Some(arc) = usize::try_from(arc).ok().and_then(|a| arcs.get(a)) else {
                continue;
            };
            let mut part: Vec<[f64; 2]> = arc.clone();
            if reversed {
                part.reverse();
            }
            if !points.is_empty() && !part.is_empty() {
                part.remove(0);
            }
            points.extend(part);
        }
        points
            .into_iter()
            .map(|[x, y]| json!([(x * 1e4).round() / 1e4, (y * 1e4).round() / 1e4]))
            .collect()
    };
    let polygon = |rings: &Value| -> Value {
        Value::Array(
            rings
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| Value::Array(ring(r)))
                .collect(),
        )
    };
    let mut out = HashMap::new();
    for geometry in topology["objects"]["counties"]["geometries"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(id) = geometry["id"].as_str() else {
            continue;
        };
        let shape = match geometry["type"].as_str() {
            Some("Polygon") => {
                json!({"type": "Polygon", "coordinates": polygon(&geometry["arcs"])})
            }
            Some("MultiPolygon") => json!({
                "type": "MultiPolygon",
                "coordinates": geometry["arcs"].as_array().into_iter().flatten().map(polygon).collect::<Vec<_>>(),
            }),
            _ => continue,
        };
        out.insert(id.to_owned(), shape);
    }
    out
}

fn pair(value: &Value) -> Option<(f64, f64)> {
    let a = value.as_array()?;
    Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?))
}

/// A GeoJSON FeatureCollection of the given counties, each with its properties.
pub fn counties_geojson(properties: &BTreeMap<String, Value>) -> Value {
    let features: Vec<Value> = properties
        .iter()
        .filter_map(|(fips, props)| {
            let geometry = COUNTIES.get(fips)?;
            let mut feature = Map::new();
            feature.insert("type".into(), json!("Feature"));
            feature.insert("id".into(), json!(fips));
            feature.insert("properties".into(), props.clone());
            feature.insert("geometry".into(), geometry.clone());
            Some(Value::Object(feature))
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erie_county_is_drawn_where_it_lies() {
        let erie = COUNTIES.get("36029").expect("Erie County, NY");
        let ring = &erie["coordinates"][0];
        let points = ring.as_array().expect("a ring");
        assert!(points.len() > 10);
        for p in points {
            let (x, y) = (p[0].as_f64().expect("x"), p[1].as_f64().expect("y"));
            assert!(
                (-79.5..-78.3).contains(&x) && (42.3..43.2).contains(&y),
                "{x} {y}"
            );
        }
        assert!(COUNTIES.len() > 3000);
    }
}
