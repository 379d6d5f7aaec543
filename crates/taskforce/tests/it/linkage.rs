//! `taskforce linkage`: deduplication and linkage of CSV files as people run them, and the
//! clear refusals of bad input.

use crate::harness::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tempfile::TempDir;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Synthetic records (with their true entity) written by the program itself.
fn synth(dir: &Path, records: usize, seed: u64) -> String {
    run(
        dir,
        &[
            "linkage",
            "synth",
            "--records",
            &records.to_string(),
            "--seed",
            &seed.to_string(),
            "--output",
            "people.csv",
        ],
    )
    .succeeded();
    read(&dir.join("people.csv"))
}

/// The true pairs of a deduplication, from the entity column.
fn true_pairs(csv: &str, id_col: usize, entity_col: usize) -> HashSet<(String, String)> {
    let mut by_entity: HashMap<String, Vec<String>> = HashMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        by_entity
            .entry(f[entity_col].to_owned())
            .or_default()
            .push(f[id_col].to_owned());
    }
    let mut pairs = HashSet::new();
    for ids in by_entity.values() {
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                pairs.insert(ordered(a, b));
            }
        }
    }
    pairs
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

fn found_pairs(pairs_csv: &str) -> HashSet<(String, String)> {
    pairs_csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 4, "{l}");
            let p: f64 = f[2].parse().unwrap();
            assert!((0.0..=1.0).contains(&p), "{l}");
            let _: f64 = f[3].parse().unwrap();
            ordered(f[0], f[1])
        })
        .collect()
}

fn f1(found: &HashSet<(String, String)>, truth: &HashSet<(String, String)>) -> f64 {
    let tp = found.intersection(truth).count() as f64;
    2.0 * tp / (found.len() as f64 + truth.len() as f64)
}

#[test]
fn dedupe_finds_the_duplicates_and_writes_exact_headers() {
    let dir = TempDir::new().unwrap();
    let people = synth(dir.path(), 3000, 5);
    assert!(people.starts_with(
        "rec_id,entity_id,given_name,surname,dob,street_number,address_1,city,postcode,state,phone,email\n"
    ));
    let truth = true_pairs(&people, 0, 1);
    assert!(truth.len() > 500, "the data must hold duplicates");
    let done = run(
        dir.path(),
        &[
            "linkage",
            "dedupe",
            "people.csv",
            "--output",
            "pairs.csv",
            "--clusters",
            "clusters.csv",
        ],
    )
    .succeeded();
    assert!(done.stderr.contains("3000 records"), "{}", done.stderr);
    let pairs = read(&dir.path().join("pairs.csv"));
    assert!(pairs.starts_with("id_l,id_r,match_probability,match_weight\n"));
    let found = found_pairs(&pairs);
    let score = f1(&found, &truth);
    assert!(score > 0.9, "F1 {score}");

    // Clusters: every record once; records of a found pair share a cluster.
    let clusters = read(&dir.path().join("clusters.csv"));
    assert!(clusters.starts_with("id,cluster_id\n"));
    let cluster: HashMap<&str, &str> = clusters
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap())
        .collect();
    assert_eq!(cluster.len(), 3000);
    for (a, b) in &found {
        assert_eq!(cluster[a.as_str()], cluster[b.as_str()]);
    }
}

#[test]
fn header_variants_and_column_mapping() {
    let dir = TempDir::new().unwrap();
    let people = synth(dir.path(), 2000, 9);
    let truth = true_pairs(&people, 0, 1);
    let body: String = people.split_once('\n').unwrap().1.to_owned();

    // Other spellings of the recognised names, in another case and with spaces around them.
    let variant = format!(
        " ID ,Entity,First_Name, Last_Name ,Date_Of_Birth,street_number,Street_Name,Suburb,ZIP,State,Phone,Email\n{body}"
    );
    std::fs::write(dir.path().join("variant.csv"), variant).unwrap();
    run(
        dir.path(),
        &["linkage", "dedupe", "variant.csv", "--output", "a.csv"],
    )
    .succeeded();
    let a = found_pairs(&read(&dir.path().join("a.csv")));
    assert!(f1(&a, &truth) > 0.9);

    // Names nobody would guess, mapped with --column.
    let odd = format!("ident,grp,forename,family,born,no,road,town,zone,st,tel,mail\n{body}");
    std::fs::write(dir.path().join("odd.csv"), odd).unwrap();
    let unmapped = run(
        dir.path(),
        &["linkage", "dedupe", "odd.csv", "--output", "b.csv"],
    )
    .failed();
    assert!(
        unmapped.stderr.contains("no id column"),
        "{}",
        unmapped.stderr
    );
    run(
        dir.path(),
        &[
            "linkage",
            "dedupe",
            "odd.csv",
            "--output",
            "b.csv",
            "--column",
            "id=ident",
            "--column",
            "given_name=forename",
            "--column",
            "surname=family",
            "--column",
            "dob=born",
            "--column",
            "street_number=no",
            "--column",
            "address_1=road",
            "--column",
            "city=town",
            "--column",
            "postcode=zone",
            "--column",
            "state=st",
            "--column",
            "phone=tel",
            "--column",
            "email=mail",
        ],
    )
    .succeeded();
    let b = found_pairs(&read(&dir.path().join("b.csv")));
    assert_eq!(a, b, "the same data under other names gives the same pairs");

    let bad_role = run(
        dir.path(),
        &[
            "linkage",
            "dedupe",
            "odd.csv",
            "--output",
            "c.csv",
            "--column",
            "shoe=ident",
        ],
    )
    .failed();
    assert!(
        bad_role.stderr.contains("\"shoe\" is not a role"),
        "{}",
        bad_role.stderr
    );
    let bad_name = run(
        dir.path(),
        &[
            "linkage", "dedupe", "odd.csv", "--output", "c.csv", "--column", "id=nope",
        ],
    )
    .failed();
    assert!(bad_name.stderr.contains("line 1") && bad_name.stderr.contains("no column \"nope\""));
}

fn assert_refused(dir: &Path, csv: &str, expected: &[&str]) {
    std::fs::write(dir.join("in.csv"), csv).unwrap();
    let r = run(
        dir,
        &[
            "linkage",
            "dedupe",
            "in.csv",
            "--output",
            "out.csv",
            "--clusters",
            "c.csv",
        ],
    )
    .failed();
    for text in expected {
        assert!(
            r.stderr.contains(text),
            "expected {text:?} in:\n{}",
            r.stderr
        );
    }
    // Nothing half-written: no output and no leftover partial file.
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "in.csv")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn bad_input_is_refused_naming_the_line() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    assert_refused(
        d,
        "name,surname\nann,lee\n",
        &["in.csv line 1", "no id column"],
    );
    assert_refused(
        d,
        "id,given_name,surname\na,ann,lee\nb,bob,ray\na,anne,lee\n",
        &["in.csv line 4", "id \"a\" is already used on line 2"],
    );
    assert_refused(
        d,
        "id,given_name,surname\na,ann,lee\nb,bob\n",
        &["in.csv line 3", "has 2 fields where the header has 3"],
    );
    assert_refused(
        d,
        "id,given_name,surname\na,ann,lee\n,bob,ray\n",
        &["in.csv line 3", "the id is empty"],
    );
    assert_refused(d, "id,colour\na,red\n", &["line 1", "no column to compare"]);
    std::fs::write(d.join("in.csv"), b"id,given_name\na,\xff\xfe\n").unwrap();
    let r = run(d, &["linkage", "dedupe", "in.csv", "--output", "out.csv"]).failed();
    assert!(
        r.stderr.contains("line 2") && r.stderr.contains("UTF-8"),
        "{}",
        r.stderr
    );
    let r = run(
        d,
        &["linkage", "dedupe", "missing.csv", "--output", "out.csv"],
    )
    .failed();
    assert!(r.stderr.contains("cannot read missing.csv"), "{}", r.stderr);
    assert!(!d.join("out.csv").exists());
    let r = run(
        d,
        &[
            "linkage",
            "dedupe",
            "in.csv",
            "--output",
            "o.csv",
            "--threshold",
            "2",
        ],
    )
    .failed();
    assert!(r.stderr.contains("--threshold"), "{}", r.stderr);
}

#[test]
fn link_pairs_a_record_on_each_side() {
    let dir = TempDir::new().unwrap();
    let people = synth(dir.path(), 3000, 11);
    // Left: the first record of each entity; right: the others.
    let mut seen = HashSet::new();
    let (header, body) = people.split_once('\n').unwrap();
    let (mut left, mut right) = (format!("{header}\n"), format!("{header}\n"));
    for line in body.lines() {
        let entity = line.split(',').nth(1).unwrap().to_owned();
        if seen.insert(entity) {
            left.push_str(line);
            left.push('\n');
        } else {
            right.push_str(line);
            right.push('\n');
        }
    }
    std::fs::write(dir.path().join("left.csv"), &left).unwrap();
    std::fs::write(dir.path().join("right.csv"), &right).unwrap();
    run(
        dir.path(),
        &[
            "linkage",
            "link",
            "left.csv",
            "right.csv",
            "--output",
            "pairs.csv",
        ],
    )
    .succeeded();
    let pairs = read(&dir.path().join("pairs.csv"));
    assert!(pairs.starts_with("id_l,id_r,match_probability,match_weight\n"));
    let left_ids: HashSet<&str> = left
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let entity: HashMap<&str, &str> = people
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap(), f.next().unwrap())
        })
        .collect();
    let mut right_matched = 0;
    let mut correct = 0;
    for l in pairs.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        assert!(left_ids.contains(f[0]), "{l}");
        assert!(!left_ids.contains(f[1]), "{l}");
        right_matched += 1;
        correct += usize::from(entity[f[0]] == entity[f[1]]);
    }
    let right_records = right.lines().count() - 1;
    assert!(
        right_matched as f64 > 0.85 * right_records as f64,
        "{right_matched} of {right_records}"
    );
    assert!(
        correct as f64 > 0.95 * right_matched as f64,
        "{correct} of {right_matched}"
    );
}

#[test]
fn synth_is_reproducible() {
    let a = TempDir::new().unwrap();
    let b = TempDir::new().unwrap();
    assert_eq!(synth(a.path(), 500, 3), synth(b.path(), 500, 3));
    assert_eq!(synth(a.path(), 500, 3).lines().count(), 501);
}

#[test]
fn deconfliction_benchmark_runs_small() {
    let dir = TempDir::new().unwrap();
    let r = run(
        dir.path(),
        &[
            "linkage",
            "bench-deconfliction",
            "--identifiers",
            "3000",
            "--operations",
            "2000",
            "--queries",
            "200",
            "--database",
            &format!("sqlite://{}", dir.path().join("pointers.db").display()),
        ],
    )
    .succeeded();
    for text in [
        "loaded: 3000 pointers",
        "store lookup), pointer table",
        "blind index",
        "baseline: plain HashMap",
        "R-tree",
        "baseline: linear scan",
        "agreed on all",
    ] {
        assert!(r.stdout.contains(text), "{text:?} missing:\n{}", r.stdout);
    }
}
