use super::*;
use chrono::TimeZone;
use uuid::Uuid;

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, second)
        .single()
        .expect("time")
}

fn record(n: u32) -> AuditRecord {
    let actor = AuditActor {
        task_force_id: Some(TaskForceId(Uuid::from_u128(1))),
        member_id: Some(MemberId(Uuid::from_u128(2))),
        email: "ana@agency.gov".into(),
        organization_id: Some(OrganizationId(Uuid::from_u128(3))),
        source: "192.0.2.7".into(),
    };
    AuditRecord::new(&actor, at(n), "member.read", Outcome::Allowed)
        .on("member", Uuid::from_u128(100 + u128::from(n)))
        .with_detail(format!("read number {n}"))
}

/// A whole chain of `n` entries from genesis.
fn chain(n: u32) -> Vec<StoredAuditEntry> {
    let mut prev = GENESIS_HASH.to_owned();
    (1..=n)
        .map(|i| {
            let seq = u64::from(i);
            let record = record(i);
            let hash = chain_hash(&prev, seq, &record);
            let entry = StoredAuditEntry {
                seq,
                record,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            };
            prev = hash;
            entry
        })
        .collect()
}

#[test]
fn outcome_codes_round_trip() {
    for outcome in Outcome::ALL {
        assert_eq!(Outcome::from_code(outcome.code()), Some(*outcome));
    }
    assert_eq!(Outcome::from_code("maybe"), None);
    assert_eq!(Outcome::Denied.to_string(), "denied");
}

#[test]
fn the_hash_is_pinned_so_the_encoding_cannot_drift() {
    // Stored chains are verified with this function for years: a change to the encoding or the
    // hash input would make every existing log look altered. Change this only with a new
    // ENCODING_TAG and a migration plan. (The expected value was computed independently, with
    // Python's hashlib over the layout documented on `AuditRecord::encode`.)
    let hash = chain_hash(GENESIS_HASH, 1, &record(1));
    assert_eq!(
        hash,
        "434d1751ae509e4eb9bd5fd9944bd1661549cf95643f8d8014757dac982381d7",
        "encoding of {:?}",
        String::from_utf8_lossy(&record(1).encode())
    );
    assert_eq!(hash.len(), 64);
    assert!(hash
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
}

#[test]
fn the_encoding_is_unambiguous() {
    // Moving text from one field to its neighbour changes the bytes (length prefixes).
    let a = AuditRecord {
        object_kind: "member".into(),
        object_id: "x".into(),
        ..record(1)
    };
    let b = AuditRecord {
        object_kind: "memberx".into(),
        object_id: String::new(),
        ..record(1)
    };
    assert_ne!(a.encode(), b.encode());
    // An absent id differs from every present one, and each field is covered by the hash.
    let anonymous = AuditRecord {
        actor_member_id: None,
        ..record(1)
    };
    assert_ne!(anonymous.encode(), record(1).encode());
    let variants = [
        AuditRecord {
            at: at(2),
            ..record(1)
        },
        AuditRecord {
            task_force_id: None,
            ..record(1)
        },
        AuditRecord {
            actor_email: "x@y.z".into(),
            ..record(1)
        },
        AuditRecord {
            organization_id: None,
            ..record(1)
        },
        AuditRecord {
            action: "member.update".into(),
            ..record(1)
        },
        AuditRecord {
            object_kind: "person".into(),
            ..record(1)
        },
        AuditRecord {
            object_id: "other".into(),
            ..record(1)
        },
        AuditRecord {
            outcome: Outcome::Denied,
            ..record(1)
        },
        AuditRecord {
            source: "198.51.100.1".into(),
            ..record(1)
        },
        AuditRecord {
            detail: "changed".into(),
            ..record(1)
        },
    ];
    let base = chain_hash(GENESIS_HASH, 1, &record(1));
    for variant in &variants {
        assert_ne!(chain_hash(GENESIS_HASH, 1, variant), base, "{variant:?}");
    }
    // The place in the chain is covered too.
    assert_ne!(chain_hash(GENESIS_HASH, 2, &record(1)), base);
    assert_ne!(chain_hash(&"1".repeat(64), 1, &record(1)), base);
}

#[test]
fn the_timestamp_is_fixed_width_microseconds() {
    let t = at(7) + chrono::Duration::nanoseconds(123_456_789);
    assert_eq!(canonical_time(t), "2026-03-04T05:06:07.123456Z");
    assert_eq!(canonical_time(at(7)), "2026-03-04T05:06:07.000000Z");
    // The storable form drops what is not stored, and hashes the same as the original.
    let precise = AuditRecord { at: t, ..record(1) };
    let stored = precise.clone().storable();
    assert_eq!(stored.at.timestamp_subsec_nanos(), 123_456_000);
    assert_eq!(stored.encode(), precise.encode());
}

#[test]
fn storable_replaces_nul_characters() {
    let with_nul = AuditRecord {
        actor_email: "a\0b".into(),
        detail: "x\0".into(),
        ..record(1)
    };
    let stored = with_nul.storable();
    assert_eq!(stored.actor_email, "a\u{FFFD}b");
    assert_eq!(stored.detail, "x\u{FFFD}");
}

#[test]
fn a_whole_chain_verifies() {
    assert_eq!(verify(chain(5), Anchor::genesis()), Ok(5));
    assert_eq!(verify(Vec::new(), Anchor::genesis()), Ok(0));
}

#[test]
fn an_edited_field_is_altered() {
    let mut entries = chain(5);
    entries[2].record.detail = "nothing to see".into();
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!(broken.seq, 3);
    assert_eq!(broken.reason, BreakReason::Altered);
    assert_eq!(
        broken.to_string(),
        "entry 3: altered (its contents no longer match its hash)"
    );
    assert_eq!(broken.reason.code(), "altered");
}

#[test]
fn an_edited_hash_is_altered_or_breaks_the_next_link() {
    // Rewriting the hash to match the edit moves the break to the next entry's link.
    let mut entries = chain(5);
    entries[2].record.detail = "nothing to see".into();
    entries[2].hash = chain_hash(&entries[2].prev_hash, 3, &entries[2].record);
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!((broken.seq, broken.reason), (4, BreakReason::Relinked));
}

#[test]
fn a_deleted_entry_is_missing() {
    let mut entries = chain(5);
    entries.remove(2);
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!(broken.seq, 3);
    assert_eq!(broken.reason, BreakReason::Missing { next: 4 });
    assert_eq!(
        broken.to_string(),
        "entry 3: missing (the next entry present is 4)"
    );
    // The first entry deleted: the chain must start at the anchor.
    let broken = verify(chain(3).into_iter().skip(1), Anchor::genesis()).expect_err("broken");
    assert_eq!(
        (broken.seq, broken.reason),
        (1, BreakReason::Missing { next: 2 })
    );
}

#[test]
fn swapped_entries_are_out_of_order() {
    // Handed over in the wrong order: entry 3 comes where 2 is due, so 2 is missing there.
    let mut entries = chain(5);
    entries.swap(1, 2);
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!(broken.seq, 2);
    assert_eq!(broken.reason, BreakReason::Missing { next: 3 });
    // Their seq numbers exchanged as well (what an UPDATE of seq does): the links break.
    let mut entries = chain(5);
    entries.swap(1, 2);
    entries[1].seq = 2;
    entries[2].seq = 3;
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!((broken.seq, broken.reason.code()), (2, "relinked"));
    // A repeated entry.
    let mut entries = chain(3);
    entries.insert(2, entries[1].clone());
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!(
        (broken.seq, broken.reason),
        (3, BreakReason::OutOfOrder { found: 2 })
    );
}

#[test]
fn a_relinked_entry_is_found() {
    let mut entries = chain(4);
    entries[3].prev_hash = entries[1].hash.clone();
    entries[3].hash = chain_hash(&entries[3].prev_hash, 4, &entries[3].record);
    let broken = verify(entries, Anchor::genesis()).expect_err("broken");
    assert_eq!((broken.seq, broken.reason), (4, BreakReason::Relinked));
}

#[test]
fn a_chain_verifies_from_a_moved_anchor() {
    let entries = chain(6);
    let anchor = Anchor {
        seq: 4,
        prev_hash: entries[3].prev_hash.clone(),
    };
    assert_eq!(verify(entries[3..].to_vec(), anchor.clone()), Ok(3));
    // The wrong anchor hash, or entries left before the anchor, do not verify.
    let wrong = Anchor {
        seq: 4,
        prev_hash: GENESIS_HASH.into(),
    };
    let broken = verify(entries[3..].to_vec(), wrong).expect_err("broken");
    assert_eq!((broken.seq, broken.reason), (4, BreakReason::Relinked));
    let broken = verify(entries[2..].to_vec(), anchor).expect_err("broken");
    assert_eq!(
        (broken.seq, broken.reason),
        (4, BreakReason::OutOfOrder { found: 3 })
    );
}

#[test]
fn the_head_catches_a_cut_off_end() {
    let entries = chain(5);
    let head = AuditHead {
        last_seq: 5,
        last_hash: entries[4].hash.clone(),
        anchor: Anchor::genesis(),
    };
    let mut verifier = ChainVerifier::new(Anchor::genesis());
    for entry in &entries {
        verifier.check(entry).expect("intact");
    }
    assert_eq!(verifier.finish(&head), Ok(()));
    assert_eq!(
        (
            verifier.entries(),
            verifier.first_seq(),
            verifier.last_seq()
        ),
        (5, Some(1), Some(5))
    );
    assert_eq!(verifier.last_hash(), entries[4].hash);

    // The last two deleted.
    let mut verifier = ChainVerifier::new(Anchor::genesis());
    for entry in &entries[..3] {
        verifier.check(entry).expect("intact so far");
    }
    let broken = verifier.finish(&head).expect_err("truncated");
    assert_eq!(
        (broken.seq, broken.reason.clone()),
        (4, BreakReason::Truncated { recorded_last: 5 })
    );
    assert_eq!(
        broken.to_string(),
        "entry 4: missing (the log ends before it, but records entries up to 5)"
    );

    // Everything deleted.
    let broken = ChainVerifier::new(Anchor::genesis())
        .finish(&head)
        .expect_err("truncated");
    assert_eq!(broken.seq, 1);

    // An entry added without the head.
    let short_head = AuditHead {
        last_seq: 4,
        last_hash: entries[3].hash.clone(),
        anchor: Anchor::genesis(),
    };
    let mut verifier = ChainVerifier::new(Anchor::genesis());
    for entry in &entries {
        verifier.check(entry).expect("intact");
    }
    let broken = verifier.finish(&short_head).expect_err("unrecorded");
    assert_eq!(
        (broken.seq, broken.reason),
        (5, BreakReason::Unrecorded { recorded_last: 4 })
    );

    // The head's hash does not match the last entry.
    let wrong_hash = AuditHead {
        last_hash: GENESIS_HASH.into(),
        ..head
    };
    let broken = verifier.finish(&wrong_hash).expect_err("mismatch");
    assert_eq!((broken.seq, broken.reason), (5, BreakReason::HeadMismatch));

    // An empty log at genesis is whole.
    let empty = AuditHead {
        last_seq: 0,
        last_hash: GENESIS_HASH.into(),
        anchor: Anchor::genesis(),
    };
    assert_eq!(ChainVerifier::new(Anchor::genesis()).finish(&empty), Ok(()));
    assert_eq!(ChainVerifier::new(Anchor::genesis()).last_seq(), None);
}

#[test]
fn an_unreadable_entry_is_named() {
    let entries = chain(3);
    let mut verifier = ChainVerifier::new(Anchor::genesis());
    verifier.check(&entries[0]).expect("intact");
    let unreadable = UnreadableEntry {
        seq: 2,
        problem: "outcome: unknown code \"hacked\"".into(),
    };
    let broken = verifier.unreadable(&unreadable);
    assert_eq!(broken.seq, 2);
    assert_eq!(broken.reason.code(), "unreadable");
    assert!(
        broken.to_string().starts_with("entry 2: altered"),
        "{broken}"
    );
    // Unreadable and out of place: the gap comes first.
    let later = UnreadableEntry {
        seq: 3,
        problem: "x".into(),
    };
    assert_eq!(
        verifier.unreadable(&later).reason,
        BreakReason::Missing { next: 3 }
    );
}
