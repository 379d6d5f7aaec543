//! Target deconfliction by blind index: a keyed HMAC-SHA256 of (identifier kind, normalised
//! value) is all the index holds, so a copy of it reveals no phone, name or plate. Two
//! agencies that entered the same identifier hold the same token; the index answers "who else
//! holds this token" with pointers (whom to call), never with case content.

use crate::normalize;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// What an identifier is. Part of the token, so a phone and a plate with the same characters
/// never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    /// Full name and date of birth together.
    Person,
    /// How a full name sounds, with the date of birth: the fuzzy name key.
    PersonSounds,
    Phone,
    Email,
    Address,
    Plate,
    OnlineAccount,
    Business,
}

impl IdentifierKind {
    pub fn tag(self) -> &'static str {
        match self {
            IdentifierKind::Person => "person",
            IdentifierKind::PersonSounds => "person-sounds",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
            IdentifierKind::Address => "address",
            IdentifierKind::Plate => "plate",
            IdentifierKind::OnlineAccount => "online-account",
            IdentifierKind::Business => "business",
        }
    }
}

/// A normalised identifier, made by the constructors below (which normalise raw input).
#[derive(Clone, PartialEq, Eq)]
pub struct Identifier {
    kind: IdentifierKind,
    value: String,
}

// No Debug that prints the value: identifiers are what this module keeps out of logs.
impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identifier({})", self.kind.tag())
    }
}

fn nonempty(kind: IdentifierKind, value: String) -> Option<Identifier> {
    (!value.is_empty() && value.chars().any(|c| c.is_alphanumeric()))
        .then_some(Identifier { kind, value })
}

impl Identifier {
    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// A person by full name (any order, nicknames and transliterations joined) and full
    /// date of birth. `None` without both.
    pub fn person(full_name: &str, dob: &str) -> Option<Self> {
        let d = normalize::parse_dob(dob);
        if !d.is_full() {
            return None;
        }
        let name = normalize::name_order_key(full_name);
        if name.is_empty() {
            return None;
        }
        nonempty(IdentifierKind::Person, format!("{name}|{}", d.compact()))
    }
    /// A person by how their name sounds (the Double Metaphone code of each name token after
    /// transliterations are joined, in a canonical order) and full date of birth:
    /// `Jon Smyth` and `John Smith` born the same day give one token. `None` without both.
    pub fn person_sounds(full_name: &str, dob: &str) -> Option<Self> {
        let d = normalize::parse_dob(dob);
        if !d.is_full() {
            return None;
        }
        // Spelled as written (nicknames are the exact key's business: `Jon` is not expanded to
        // `Jonathan` here, so it still sounds like `John`); transliterations joined.
        let mut codes: Vec<String> = normalize::fold(full_name)
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(|t| normalize::phonetic(normalize::transliteration_key(t)))
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            return None;
        }
        codes.sort_unstable();
        nonempty(
            IdentifierKind::PersonSounds,
            format!("{}|{}", codes.join(" "), d.compact()),
        )
    }
    pub fn phone(s: &str) -> Option<Self> {
        nonempty(IdentifierKind::Phone, normalize::phone_e164(s)?)
    }
    pub fn email(s: &str) -> Option<Self> {
        let e = normalize::email(s);
        e.contains('@').then_some(())?;
        nonempty(IdentifierKind::Email, e)
    }
    pub fn address(s: &str) -> Option<Self> {
        nonempty(IdentifierKind::Address, normalize::address(s))
    }
    pub fn plate(state: &str, plate: &str) -> Option<Self> {
        let p = normalize::plate(state, plate);
        p.split_once(':')
            .filter(|(s, n)| !s.is_empty() && !n.is_empty())?;
        nonempty(IdentifierKind::Plate, p)
    }
    pub fn online_account(platform: &str, handle: &str) -> Option<Self> {
        let h = normalize::social_handle(platform, handle);
        h.split_once(':')
            .filter(|(p, n)| !p.is_empty() && !n.is_empty())?;
        nonempty(IdentifierKind::OnlineAccount, h)
    }
    pub fn business(name: &str) -> Option<Self> {
        nonempty(IdentifierKind::Business, normalize::business_name(name))
    }
}

/// The secret key of a blind index, given by the caller (from the key store). Without it a
/// token cannot be recomputed from a guessed value.
#[derive(Clone)]
pub struct BlindKey(Hmac<Sha256>);

impl std::fmt::Debug for BlindKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindKey(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BlindKeyError {
    #[error("a blind-index key needs at least 32 bytes, got {0}")]
    TooShort(usize),
}

/// A blind token: HMAC-SHA256(key, kind tag || 0x00 || normalised value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub [u8; 32]);

impl Token {
    /// The token's first 16 bytes (the part the index keeps, see [`PointerIndex`]) as 32
    /// lower-case hex digits: the form a database pointer table stores.
    pub fn prefix_hex(&self) -> String {
        use std::fmt::Write;
        self.0[..16]
            .iter()
            .fold(String::with_capacity(32), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    }
}

impl BlindKey {
    pub fn new(key: &[u8]) -> Result<Self, BlindKeyError> {
        if key.len() < 32 {
            return Err(BlindKeyError::TooShort(key.len()));
        }
        Hmac::<Sha256>::new_from_slice(key)
            .map(BlindKey)
            .map_err(|_| BlindKeyError::TooShort(key.len()))
    }

    pub fn token(&self, id: &Identifier) -> Token {
        let mut mac = self.0.clone();
        mac.update(id.kind.tag().as_bytes());
        mac.update(&[0]);
        mac.update(id.value.as_bytes());
        Token(mac.finalize().into_bytes().into())
    }
}

/// Hashes a token prefix by taking its first eight bytes: tokens are already uniform.
#[derive(Default)]
pub struct PrefixHasher(u64);
impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
    fn write_usize(&mut self, _: usize) {}
}

/// The index keeps 16 of a token's 32 bytes: among ten million tokens the chance of any two
/// distinct ones sharing a prefix is about 1.5e-25.
type Key = [u8; 16];

fn key(t: &Token) -> Key {
    let mut k = [0u8; 16];
    k.copy_from_slice(&t.0[..16]);
    k
}

const NONE: u32 = u32::MAX;

/// Pointers by token. `P` is what the caller needs to reach the holder (an organization and
/// a record id, say); no identifier value is ever stored.
#[derive(Clone)]
pub struct PointerIndex<P> {
    heads: HashMap<Key, u32, BuildHasherDefault<PrefixHasher>>,
    /// (pointer, next entry with the same token)
    entries: Vec<(P, u32)>,
}

impl<P> std::fmt::Debug for PointerIndex<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PointerIndex({} tokens, {} pointers)",
            self.heads.len(),
            self.entries.len()
        )
    }
}

impl<P: Copy + PartialEq> Default for PointerIndex<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Copy + PartialEq> PointerIndex<P> {
    pub fn new() -> Self {
        PointerIndex {
            heads: HashMap::default(),
            entries: Vec::new(),
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        let mut index = Self::new();
        index.heads.reserve(n);
        index.entries.reserve(n);
        index
    }

    /// Records that `pointer` holds the identifier behind `token` (once: a repeat is ignored).
    pub fn insert(&mut self, token: &Token, pointer: P) {
        let k = key(token);
        let next = self.heads.get(&k).copied().unwrap_or(NONE);
        if self.pointers(token).any(|p| *p == pointer) {
            return;
        }
        let Ok(at) = u32::try_from(self.entries.len()) else {
            return; // four billion entries: beyond what one index is meant to hold
        };
        self.entries.push((pointer, next));
        self.heads.insert(k, at);
    }

    /// Every pointer that holds `token`.
    pub fn pointers<'a>(&'a self, token: &Token) -> impl Iterator<Item = &'a P> + 'a {
        let mut at = self.heads.get(&key(token)).copied().unwrap_or(NONE);
        std::iter::from_fn(move || {
            let (p, next) = self.entries.get(at as usize)?;
            at = *next;
            Some(p)
        })
    }

    /// The pointers other than `me` that hold any of `tokens`: the deconfliction check.
    pub fn others(&self, me: &P, tokens: &[Token]) -> Vec<P> {
        let mut found: Vec<P> = Vec::new();
        for t in tokens {
            for p in self.pointers(t) {
                if p != me && !found.contains(p) {
                    found.push(*p);
                }
            }
        }
        found
    }

    pub fn tokens(&self) -> usize {
        self.heads.len()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The whole index as bytes (for persistence): each token prefix followed by its
    /// pointers as the caller encodes them.
    pub fn to_bytes(&self, encode: impl Fn(&P, &mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::new();
        let mut keys: Vec<(&Key, &u32)> = self.heads.iter().collect();
        keys.sort_unstable();
        for (k, &head) in keys {
            out.extend_from_slice(k);
            let mut at = head;
            let mut n = 0u32;
            let count_at = out.len();
            out.extend_from_slice(&0u32.to_le_bytes());
            while let Some((p, next)) = self.entries.get(at as usize) {
                encode(p, &mut out);
                n += 1;
                at = *next;
            }
            out[count_at..count_at + 4].copy_from_slice(&n.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_bytes() -> Vec<u8> {
        (0u8..32).collect()
    }

    #[test]
    fn same_identifier_written_differently_gives_one_token() {
        let k = BlindKey::new(&key_bytes()).unwrap();
        let a = Identifier::phone("(202) 555-0143").unwrap();
        let b = Identifier::phone("+1 202 555 0143").unwrap();
        assert_eq!(k.token(&a), k.token(&b));
        let p1 = Identifier::person("Bill Smith", "1980-04-12").unwrap();
        let p2 = Identifier::person("SMITH, William", "04/12/1980").unwrap();
        assert_eq!(k.token(&p1), k.token(&p2));
        let pl1 = Identifier::plate("ca", "7ABC1O1").unwrap();
        let pl2 = Identifier::plate("CA", "7abc101").unwrap();
        assert_eq!(k.token(&pl1), k.token(&pl2));
    }

    #[test]
    fn similar_sounding_names_share_the_sounds_token_only() {
        let k = BlindKey::new(&key_bytes()).unwrap();
        let a = Identifier::person_sounds("John Smith", "1980-04-12").unwrap();
        let b = Identifier::person_sounds("Smyth, Jon", "04/12/1980").unwrap();
        assert_eq!(k.token(&a), k.token(&b));
        let exact_a = Identifier::person("John Smith", "1980-04-12").unwrap();
        let exact_b = Identifier::person("Jon Smyth", "1980-04-12").unwrap();
        assert_ne!(k.token(&exact_a), k.token(&exact_b));
        let other_day = Identifier::person_sounds("John Smith", "1980-04-13").unwrap();
        assert_ne!(k.token(&a), k.token(&other_day));
        assert_ne!(
            k.token(&a),
            k.token(&exact_a),
            "the kind is part of the token"
        );
        assert!(Identifier::person_sounds("John Smith", "1980").is_none());
    }

    #[test]
    fn tokens_depend_on_key_and_kind() {
        let k1 = BlindKey::new(&key_bytes()).unwrap();
        let k2 = BlindKey::new(&[7u8; 32]).unwrap();
        let id = Identifier::business("Golden Lotus Spa LLC").unwrap();
        assert_ne!(k1.token(&id), k2.token(&id));
        // The same characters as two kinds of identifier are two tokens.
        let a = Identifier::address("12345").unwrap();
        let b = Identifier::business("12345").unwrap();
        assert_ne!(k1.token(&a), k1.token(&b));
        assert_eq!(
            BlindKey::new(b"short").err(),
            Some(BlindKeyError::TooShort(5))
        );
    }

    #[test]
    fn empty_identifiers_are_refused() {
        assert!(Identifier::phone("n/a").is_none());
        assert!(Identifier::email("   ").is_none());
        assert!(Identifier::person("Ann Lee", "1980").is_none());
        assert!(Identifier::plate("", "ABC123").is_none());
        assert!(Identifier::online_account("instagram", "@").is_none());
        assert!(Identifier::business(" , ").is_none());
    }

    #[test]
    fn index_answers_who_else_holds_a_token() {
        let k = BlindKey::new(&key_bytes()).unwrap();
        let mut index: PointerIndex<(u32, u32)> = PointerIndex::new();
        let phone = k.token(&Identifier::phone("202-555-0143").unwrap());
        let plate = k.token(&Identifier::plate("NY", "ABC1234").unwrap());
        index.insert(&phone, (1, 10)); // agency 1, case 10
        index.insert(&phone, (2, 20));
        index.insert(&phone, (2, 20)); // repeat ignored
        index.insert(&plate, (3, 30));
        assert_eq!(index.len(), 3);
        assert_eq!(index.tokens(), 2);
        assert_eq!(index.others(&(1, 10), &[phone]), vec![(2, 20)]);
        assert_eq!(
            index.others(&(1, 10), &[phone, plate]),
            vec![(2, 20), (3, 30)]
        );
        let unknown = k.token(&Identifier::phone("202-555-0199").unwrap());
        assert!(index.others(&(1, 10), &[unknown]).is_empty());
    }

    #[test]
    fn the_index_never_holds_raw_or_normalised_values() {
        let k = BlindKey::new(&key_bytes()).unwrap();
        let mut index: PointerIndex<u64> = PointerIndex::new();
        let raw = [
            ("phone", "2025550143"),
            ("email", "jane.roe@example.org"),
            ("plate", "7ABC101"),
            ("person", "roe jane"),
        ];
        let ids = [
            Identifier::phone("2025550143").unwrap(),
            Identifier::email("Jane.Roe@example.org").unwrap(),
            Identifier::plate("CA", "7ABC101").unwrap(),
            Identifier::person("Jane Roe", "1990-01-02").unwrap(),
        ];
        for (i, id) in ids.iter().enumerate() {
            index.insert(&k.token(id), i as u64);
        }
        let bytes = index.to_bytes(|p, out| out.extend_from_slice(&p.to_le_bytes()));
        assert_eq!(bytes.len(), 4 * (16 + 4 + 8));
        let debug = format!("{index:?} {:?}", ids[0]);
        for (_, value) in raw {
            for needle in [value.as_bytes(), &value.as_bytes()[..6]] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{value} found in the index bytes"
                );
                assert!(!debug.contains(std::str::from_utf8(needle).unwrap()));
            }
        }
        for id in &ids {
            assert!(!bytes
                .windows(id.value.len())
                .any(|w| w == id.value.as_bytes()));
        }
    }
}
