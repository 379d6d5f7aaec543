//! `taskforce linkage`: deduplication and linkage of person records in CSV files, synthetic
//! data, and the deconfliction benchmark. The CSV reading and writing lives here; the engine
//! (`taskforce-linkage`) does no I/O.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use taskforce_linkage::{self as linkage, PersonRecord, Settings};

mod bench;
mod bench_store;

#[derive(Subcommand)]
pub(crate) enum LinkageCommand {
    /// Find records in one CSV file that are the same person.
    Dedupe(DedupeArgs),
    /// Find the pairs of a record in LEFT and one in RIGHT that are the same person.
    Link(LinkArgs),
    /// Write synthetic person records with realistic errors and a hidden true entity_id.
    Synth(SynthArgs),
    /// Measure target and event deconfliction lookups against a baseline in the same run.
    BenchDeconfliction(bench::BenchArgs),
}

#[derive(Args)]
pub(crate) struct MatchArgs {
    /// Where to write the matched pairs: id_l,id_r,match_probability,match_weight.
    #[arg(long, short)]
    output: PathBuf,
    /// Report pairs whose match probability is at least this (0 to 1).
    #[arg(long, default_value_t = linkage::DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Read column NAME as ROLE (repeatable), e.g. --column given_name=forename. Roles: id,
    /// given_name, surname, dob, street_number, address_1, address_2, city, postcode, state,
    /// phone, ssn, email.
    #[arg(long = "column", value_name = "ROLE=NAME")]
    columns: Vec<String>,
}

#[derive(Args)]
pub(crate) struct DedupeArgs {
    /// CSV file with a header row.
    input: PathBuf,
    #[command(flatten)]
    common: MatchArgs,
    /// Also write each record's entity: id,cluster_id.
    #[arg(long)]
    clusters: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct LinkArgs {
    left: PathBuf,
    right: PathBuf,
    #[command(flatten)]
    common: MatchArgs,
}

#[derive(Args)]
pub(crate) struct SynthArgs {
    /// How many records to write.
    #[arg(long, default_value_t = 100_000)]
    records: usize,
    #[arg(long, short)]
    output: PathBuf,
    /// Seed: the same seed writes the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub(crate) async fn run(command: LinkageCommand) -> Result<ExitCode> {
    match command {
        LinkageCommand::Dedupe(args) => dedupe(args),
        LinkageCommand::Link(args) => link(args),
        LinkageCommand::Synth(args) => synth(args),
        LinkageCommand::BenchDeconfliction(args) => bench::run(args).await,
    }
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Role {
    Id,
    GivenName,
    Surname,
    Dob,
    StreetNumber,
    Address1,
    Address2,
    City,
    Postcode,
    State,
    Phone,
    Ssn,
    Email,
}

const ROLES: &[(Role, &str, &[&str])] = &[
    (Role::Id, "id", &["id", "rec_id", "record_id"]),
    (
        Role::GivenName,
        "given_name",
        &["given_name", "first_name", "firstname", "forename"],
    ),
    (
        Role::Surname,
        "surname",
        &["surname", "last_name", "lastname", "family_name"],
    ),
    (Role::Dob, "dob", &["dob", "date_of_birth", "birth_date"]),
    (Role::StreetNumber, "street_number", &["street_number"]),
    (
        Role::Address1,
        "address_1",
        &["address_1", "address1", "street_name", "street_address"],
    ),
    (Role::Address2, "address_2", &["address_2", "address2"]),
    (Role::City, "city", &["city", "suburb", "town"]),
    (
        Role::Postcode,
        "postcode",
        &["postcode", "zip", "zip_code", "zipcode", "postal_code"],
    ),
    (Role::State, "state", &["state"]),
    (
        Role::Phone,
        "phone",
        &["phone", "phone_number", "telephone"],
    ),
    (Role::Ssn, "ssn", &["ssn", "soc_sec_id"]),
    (Role::Email, "email", &["email", "e_mail", "email_address"]),
];

fn role_names() -> String {
    ROLES.iter().map(|r| r.1).collect::<Vec<_>>().join(", ")
}

/// `ROLE=NAME` flags, checked.
fn column_overrides(flags: &[String]) -> Result<HashMap<Role, String>> {
    let mut map = HashMap::new();
    for flag in flags {
        let Some((role, name)) = flag.split_once('=') else {
            bail!("--column {flag:?}: expected ROLE=NAME, e.g. given_name=forename");
        };
        let role_key = role.trim().to_lowercase();
        let Some(&(role, _, _)) = ROLES.iter().find(|r| r.1 == role_key) else {
            bail!(
                "--column {flag:?}: {role:?} is not a role; roles are {}",
                role_names()
            );
        };
        if map.insert(role, name.trim().to_owned()).is_some() {
            bail!("--column: {role_key} is mapped twice");
        }
    }
    Ok(map)
}

/// Person records (normalised) and their ids, read from a CSV file.
struct Input {
    ids: Vec<String>,
    records: Vec<linkage::Prepared>,
}

/// Rows normalised together, in parallel, while the next are read: memory holds the
/// normalised records only, never the whole file's raw text.
const CHUNK: usize = 65_536;

fn read_input(path: &Path, overrides: &HashMap<Role, String>, bar: &Bar) -> Result<Input> {
    let name = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let headers = reader
        .headers()
        .with_context(|| format!("{name} line 1: cannot read the header row"))?
        .clone();
    let normal: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut columns: HashMap<Role, usize> = HashMap::new();
    for &(role, role_name, aliases) in ROLES {
        if let Some(wanted) = overrides.get(&role) {
            let Some(i) = normal.iter().position(|h| *h == wanted.to_lowercase()) else {
                bail!(
                    "{name} line 1: --column {role_name}={wanted}: the header has no column {wanted:?}"
                );
            };
            columns.insert(role, i);
        } else if let Some(i) = aliases
            .iter()
            .find_map(|a| normal.iter().position(|h| h == a))
        {
            columns.insert(role, i);
        }
    }
    let Some(&id_column) = columns.get(&Role::Id) else {
        bail!(
            "{name} line 1: no id column (looked for id or rec_id; name another with --column id=NAME)"
        );
    };
    if columns.len() == 1 {
        bail!(
            "{name} line 1: no column to compare (looked for {}; name others with --column ROLE=NAME)",
            role_names()
        );
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    bar.begin(&format!("reading {}", path.display()));
    bar.0.set_message(format!("reading {}", path.display()));
    bar.0.set_length(bytes);
    bar.0.set_position(0);
    // One thread parses the file while the others normalise the rows it has read.
    let (send, receive) = std::sync::mpsc::sync_channel::<Result<Rows>>(2);
    let name = name.to_string();
    std::thread::scope(|scope| {
        scope.spawn(move || parse_rows(reader, &columns, id_column, &name, &send));
        let mut input = Input {
            ids: Vec::new(),
            records: Vec::new(),
        };
        for rows in receive {
            let rows = rows?;
            input
                .records
                .extend(linkage::prepare(&rows.records, &linkage::Quiet));
            input.ids.extend(rows.ids);
            bar.0.set_position(rows.byte);
        }
        Ok(input)
    })
}

/// Rows read and not yet normalised, and how far into the file they reach.
struct Rows {
    ids: Vec<String>,
    records: Vec<PersonRecord>,
    byte: u64,
}

/// Reads the rows in chunks of [`CHUNK`] and sends them on, or the first error (after which it
/// stops, as it does when the receiver has gone).
fn parse_rows(
    mut reader: csv::Reader<std::io::BufReader<std::fs::File>>,
    columns: &HashMap<Role, usize>,
    id_column: usize,
    name: &str,
    send: &std::sync::mpsc::SyncSender<Result<Rows>>,
) {
    let empty = || Rows {
        ids: Vec::with_capacity(CHUNK),
        records: Vec::with_capacity(CHUNK),
        byte: 0,
    };
    let mut rows = empty();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut row = csv::StringRecord::new();
    let fail = |message: String| {
        let _ = send.send(Err(anyhow::anyhow!(message)));
    };
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("has {len} fields where the header has {expected_len}"),
                    csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 text".to_owned(),
                    _ => e.to_string(),
                };
                return fail(format!("{name} line {line}: {reason}"));
            }
        }
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let field = |role: Role| -> String {
            columns
                .get(&role)
                .and_then(|&i| row.get(i))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let id = row.get(id_column).unwrap_or("").trim().to_owned();
        if id.is_empty() {
            return fail(format!("{name} line {line}: the id is empty"));
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            return fail(format!(
                "{name} line {line}: id {id:?} is already used on line {first}"
            ));
        }
        rows.records.push(PersonRecord {
            given_name: field(Role::GivenName),
            surname: field(Role::Surname),
            dob: field(Role::Dob),
            street_number: field(Role::StreetNumber),
            address_1: field(Role::Address1),
            address_2: field(Role::Address2),
            city: field(Role::City),
            postcode: field(Role::Postcode),
            state: field(Role::State),
            phone: field(Role::Phone),
            ssn: field(Role::Ssn),
            email: field(Role::Email),
        });
        rows.ids.push(id);
        if rows.ids.len() == CHUNK {
            rows.byte = row.position().map(|p| p.byte()).unwrap_or(0);
            if send
                .send(Ok(std::mem::replace(&mut rows, empty())))
                .is_err()
            {
                return;
            }
        }
    }
    let _ = send.send(Ok(rows));
}

/// A progress bar on standard error (drawn only when it is a terminal), which also notes when
/// each stage began, for the summary's timings.
struct Bar(ProgressBar, std::sync::Mutex<Vec<(String, Instant)>>);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("{msg:40} [{bar:30}] {pos}/{len} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(bar, Default::default())
    }

    fn begin(&self, name: &str) {
        if let Ok(mut stages) = self.1.lock() {
            stages.push((name.to_owned(), Instant::now()));
        }
    }

    /// "stage 1.23 s, stage 0.45 s, ...": how long each stage took, up to now.
    fn timings(&self) -> String {
        let Ok(stages) = self.1.lock() else {
            return String::new();
        };
        let now = Instant::now();
        stages
            .iter()
            .enumerate()
            .map(|(i, (name, start))| {
                let end = stages.get(i + 1).map_or(now, |s| s.1);
                format!("{name} {:.2} s", (end - *start).as_secs_f64())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl linkage::Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.begin(name);
        self.0.set_message(name.to_owned());
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

/// A file written next to its destination and renamed into place when complete, so a failed
/// run leaves no half-written output.
struct Output {
    tmp: PathBuf,
    dest: PathBuf,
    writer: std::io::BufWriter<std::fs::File>,
}

impl Output {
    fn create(dest: &Path) -> Result<Self> {
        let file_name = dest
            .file_name()
            .with_context(|| format!("{}: not a file name", dest.display()))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(format!(".{}.partial", std::process::id()));
        let tmp = dest.with_file_name(tmp_name);
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", dest.display()))?;
        Ok(Output {
            tmp,
            dest: dest.to_owned(),
            writer: std::io::BufWriter::with_capacity(1 << 20, file),
        })
    }

    fn finish(mut self) -> Result<()> {
        let result = self
            .writer
            .flush()
            .and_then(|()| self.writer.get_ref().sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.dest));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(e).with_context(|| format!("cannot write {}", self.dest.display()));
        }
        Ok(())
    }

    fn write(&mut self, line: std::fmt::Arguments<'_>) -> Result<()> {
        self.writer
            .write_fmt(line)
            .with_context(|| format!("cannot write {}", self.dest.display()))
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // Still here after finish() renamed it: nothing to remove. Otherwise the run failed.
        if self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

fn check_threshold(t: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&t) {
        bail!("--threshold {t}: a probability between 0 and 1 is needed");
    }
    Ok(())
}

fn write_pairs(
    path: &Path,
    ids_l: &[String],
    ids_r: &[String],
    pairs: &[linkage::ScoredPair],
) -> Result<Output> {
    let mut out = Output::create(path)?;
    out.write(format_args!("id_l,id_r,match_probability,match_weight\n"))?;
    for p in pairs {
        out.write(format_args!(
            "{},{},{:.6},{:.4}\n",
            csv_field(&ids_l[p.left as usize]),
            csv_field(&ids_r[p.right as usize]),
            p.match_probability,
            p.match_weight
        ))?;
    }
    Ok(out)
}

fn summary(what: &str, records: usize, result: &linkage::Linkage, started: Instant, bar: &Bar) {
    let t = &result.model.training;
    eprintln!(
        "{what}: {records} records, {} candidate pairs, {} pairs at or above the threshold; \
         EM {} iterations{}, expected matches {:.0}, prior {:.3e}; {:.2} s",
        result.candidate_pairs,
        result.pairs.len(),
        t.em_iterations,
        if t.em_converged {
            ""
        } else {
            " (not converged)"
        },
        t.expected_matches,
        result.model.prior,
        started.elapsed().as_secs_f64()
    );
    eprintln!("  stages: {}", bar.timings());
    for (rule, pairs) in &result.blocking.pairs_by_rule {
        eprintln!("  {pairs:>12} new candidate pairs by {rule}");
    }
    if result.blocking.oversized_blocks > 0 {
        eprintln!(
            "note: {} blocks were larger than the block limit and were skipped",
            result.blocking.oversized_blocks
        );
    }
}

fn dedupe(args: DedupeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    check_threshold(args.common.threshold)?;
    let overrides = column_overrides(&args.common.columns)?;
    let bar = Bar::new();
    let input = read_input(&args.input, &overrides, &bar)?;
    let settings = Settings {
        threshold: args.common.threshold,
        ..Settings::default()
    };
    let result = linkage::dedupe(&input.records, &settings, &bar);
    bar.0.finish_and_clear();
    bar.begin("writing");
    let pairs = write_pairs(&args.common.output, &input.ids, &input.ids, &result.pairs)?;
    let clusters = match &args.clusters {
        Some(path) => {
            let cluster = linkage::engine::clusters(input.ids.len(), &result.pairs);
            let mut out = Output::create(path)?;
            out.write(format_args!("id,cluster_id\n"))?;
            for (i, c) in cluster.iter().enumerate() {
                out.write(format_args!(
                    "{},{}\n",
                    csv_field(&input.ids[i]),
                    csv_field(&input.ids[*c as usize])
                ))?;
            }
            Some(out)
        }
        None => None,
    };
    pairs.finish()?;
    if let Some(c) = clusters {
        c.finish()?;
    }
    summary("dedupe", input.ids.len(), &result, started, &bar);
    Ok(ExitCode::SUCCESS)
}

fn link(args: LinkArgs) -> Result<ExitCode> {
    let started = Instant::now();
    check_threshold(args.common.threshold)?;
    let overrides = column_overrides(&args.common.columns)?;
    let bar = Bar::new();
    let left = read_input(&args.left, &overrides, &bar)?;
    let right = read_input(&args.right, &overrides, &bar)?;
    let settings = Settings {
        threshold: args.common.threshold,
        ..Settings::default()
    };
    let result = linkage::link(&left.records, &right.records, &settings, &bar);
    bar.0.finish_and_clear();
    bar.begin("writing");
    write_pairs(&args.common.output, &left.ids, &right.ids, &result.pairs)?.finish()?;
    summary(
        "link",
        left.ids.len() + right.ids.len(),
        &result,
        started,
        &bar,
    );
    Ok(ExitCode::SUCCESS)
}

fn synth(args: SynthArgs) -> Result<ExitCode> {
    let mut out = Output::create(&args.output)?;
    out.write(format_args!(
        "rec_id,entity_id,given_name,surname,dob,street_number,address_1,city,postcode,state,phone,email\n"
    ))?;
    for (i, r) in linkage::synth::people(args.records, args.seed)
        .iter()
        .enumerate()
    {
        let p = &r.record;
        out.write(format_args!(
            "r{i},e{},{},{},{},{},{},{},{},{},{},{}\n",
            r.entity,
            csv_field(&p.given_name),
            csv_field(&p.surname),
            csv_field(&p.dob),
            csv_field(&p.street_number),
            csv_field(&p.address_1),
            csv_field(&p.city),
            csv_field(&p.postcode),
            csv_field(&p.state),
            csv_field(&p.phone),
            csv_field(&p.email),
        ))?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
