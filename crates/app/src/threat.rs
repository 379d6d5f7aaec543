//! Use cases of the threat assessment (C6): importing public files, scoring industry x county
//! cells with a versioned model, explaining a score, and turning a finding into an outreach
//! plan. Imports, model changes, focus and plans are audited in the transaction that makes them;
//! exports are audited too.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use taskforce_domain::access::{Action, ResourceKind};
use taskforce_domain::threat::import::{ImportReport, Parser};
use taskforce_domain::threat::plan::*;
use taskforce_domain::threat::score::{self, Cell, Fact, Indicator, Scored};
use taskforce_domain::threat::{Record, Source};
use taskforce_domain::*;
use taskforce_store::structure as structure_db;
use taskforce_store::threat::{self as db, SourceRecord};

/// Records written per batch during an import (bounded memory whatever the file's size).
const IMPORT_BATCH: usize = 2000;

/// A reader that counts the bytes read, for a progress bar.
struct Counting<'a, R> {
    inner: R,
    read: u64,
    hasher: Sha256,
    progress: &'a mut (dyn FnMut(u64) + Send),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.hasher.update(&buf[..n]);
        (self.progress)(self.read);
        Ok(n)
    }
}

/// The assessment a model version gives.
#[derive(Clone, Debug)]
pub struct Assessment {
    /// The saved version shown; `None`: not saved yet (default weights over the newest data).
    pub model: Option<Model>,
    pub indicators: Vec<Indicator>,
    /// The datasets it is computed on.
    pub datasets: Vec<Dataset>,
    pub cells: Vec<Cell>,
    /// Ranked, highest score first.
    pub scored: Vec<Scored>,
    /// Data imported after this version was saved (a new version would include it).
    pub newer_data: bool,
    /// The task force's counties.
    pub counties: Vec<String>,
}

impl Assessment {
    pub fn cell(&self, industry: &str, fips: &str) -> Option<(&Scored, &Cell)> {
        let scored = self
            .scored
            .iter()
            .find(|s| s.industry == industry && s.fips == fips)?;
        let cell = self
            .cells
            .iter()
            .find(|c| c.industry == industry && c.fips == fips)?;
        Some((scored, cell))
    }
}

/// One cell's full explanation: its score and parts, its measures, and the source rows.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub scored: Scored,
    pub cell: Cell,
    pub indicators: Vec<Indicator>,
    pub records: Vec<SourceRecord>,
    pub model: Option<Model>,
    pub cells_scored: usize,
}

impl App {
    fn actor_name(actor: &Actor) -> String {
        match actor {
            Actor::Member(p) => p.email.clone(),
            Actor::System(name) => format!("system ({name})"),
        }
    }

    async fn counties_of(&self, tf: TaskForceId) -> Result<Vec<String>> {
        let mut conn = self.store().conn().await?;
        Ok(structure_db::task_force(&mut conn, tf)
            .await?
            .ok_or(AppError::NotFound)?
            .counties)
    }

    /// Imports one public file as a new dataset: every row kept, skipped or rejected with its
    /// line and reason. The dataset and all its rows are written in one transaction: an error
    /// part-way (a file that cannot be read) leaves nothing behind. A dry run reads and
    /// reports, and writes nothing. `progress` is told the bytes read so far.
    #[allow(clippy::too_many_arguments)] // the import's own inputs
    pub async fn import_threat_data<R: Read + Send>(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        source: Source,
        file_name: &str,
        reader: R,
        dry_run: bool,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<ImportReport> {
        self.allow(actor, Action::Create, ResourceKind::ThreatData, tf, "")
            .await?;
        let counties = self.counties_of(tf).await?;
        let file_name = file_name.trim();
        if file_name.is_empty() || file_name.chars().count() > 200 {
            return Err(Invalid::one("file", "needs a name of at most 200 characters").into());
        }
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Counting {
                inner: reader,
                read: 0,
                hasher: Sha256::new(),
                progress,
            });
        let mut record = csv::ByteRecord::new();
        let header = match csv.read_byte_record(&mut record) {
            Ok(true) => fields_of(&record)
                .into_iter()
                .map(std::borrow::Cow::into_owned)
                .collect::<Vec<String>>(),
            Ok(false) => return Err(Invalid::one("file", "is empty").into()),
            Err(e) => return Err(Invalid::one("file", format!("could not be read: {e}")).into()),
        };
        let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
        let parser = Parser::new(source, &header_refs, &counties)
            .map_err(|reason| AppError::Invalid(Invalid::one("file", reason)))?;
        let mut report = ImportReport::new(source, file_name, dry_run);
        let id = ThreatDatasetId(self.new_id());
        let now = self.clock().now();
        let by = Self::actor_name(actor);
        let mut tx = if dry_run {
            None
        } else {
            let mut tx = self.store().begin().await?;
            db::insert_dataset(&mut tx, tf, id, source, file_name, "", &report, now, &by).await?;
            Some(tx)
        };
        let mut batch: Vec<Record> = Vec::with_capacity(IMPORT_BATCH);
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(report.lines + 2, |p| p.line());
                    // A malformed row (bad quoting) is rejected; a failed read stops everything.
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Err(Invalid::one(
                            "file",
                            format!("could not be read at line {line}: {e}"),
                        )
                        .into());
                    }
                    report.lines += 1;
                    report.reject(line, format!("unreadable row: {e}"));
                    continue;
                }
            }
            let line = record.position().map_or(report.lines + 2, |p| p.line());
            let fields = fields_of(&record);
            let refs: Vec<&str> = fields.iter().map(|f| f.as_ref()).collect();
            let outcome = parser.row(line, &refs);
            batch.extend(report.count(line, outcome));
            if batch.len() >= IMPORT_BATCH {
                if let Some(tx) = tx.as_mut() {
                    db::insert_records(tx, tf, id, &batch).await?;
                }
                batch.clear();
            }
        }
        let sha256 = hex::encode(csv.into_inner().hasher.finalize());
        let Some(mut tx) = tx else {
            return Ok(report);
        };
        db::insert_records(&mut tx, tf, id, &batch).await?;
        db::finish_dataset(&mut tx, tf, id, &report).await?;
        db::set_dataset_hash(&mut tx, tf, id, &sha256).await?;
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::ThreatData,
            Action::Create,
            &id.to_string(),
            &format!("{} {file_name}: {}", source.code(), report.summary()),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn threat_datasets(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Dataset>> {
        self.allow(actor, Action::List, ResourceKind::ThreatData, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::datasets(&mut conn, tf).await?)
    }

    pub async fn threat_models(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Model>> {
        self.allow(actor, Action::List, ResourceKind::ThreatModel, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::models(&mut conn, tf).await?)
    }

    /// The assessment of a saved model version (`None`: the newest; default weights over the
    /// newest data when none is saved yet).
    pub async fn threat_assessment(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        version: Option<i64>,
    ) -> Result<Assessment> {
        self.allow(actor, Action::Read, ResourceKind::ThreatModel, tf, "")
            .await?;
        self.assess(tf, version).await
    }

    async fn assess(&self, tf: TaskForceId, version: Option<i64>) -> Result<Assessment> {
        let counties = self.counties_of(tf).await?;
        let mut conn = self.store().conn().await?;
        let model = match version {
            Some(v) => Some(
                db::model(&mut conn, tf, v)
                    .await?
                    .ok_or(AppError::NotFound)?,
            ),
            None => db::models(&mut conn, tf).await?.into_iter().next(),
        };
        let latest = db::latest_datasets(&mut conn, tf).await?;
        let (indicators, dataset_ids) = match &model {
            Some(m) => (m.indicators.clone(), m.datasets.clone()),
            None => (score::default_indicators(), latest.clone()),
        };
        let newer_data = latest.iter().any(|d| !dataset_ids.contains(d));
        let all = db::datasets(&mut conn, tf).await?;
        let datasets: Vec<Dataset> = all
            .into_iter()
            .filter(|d| dataset_ids.contains(&d.id))
            .collect();
        let records = db::records(&mut conn, tf, &dataset_ids, None).await?;
        let cells = score::cell_measures(records.iter().map(|r| Fact {
            industry: &r.record.industry,
            fips: &r.record.fips,
            measures: &r.record.measures,
            withheld: &r.record.withheld,
        }));
        let scored = score::score(&indicators, &cells);
        Ok(Assessment {
            model,
            indicators,
            datasets,
            cells,
            scored,
            newer_data,
            counties,
        })
    }

    /// One cell's explanation, with the source rows behind it.
    pub async fn threat_explanation(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        version: Option<i64>,
        industry: &str,
        fips: &str,
    ) -> Result<Explanation> {
        self.allow(actor, Action::Read, ResourceKind::ThreatModel, tf, "")
            .await?;
        self.allow(actor, Action::Read, ResourceKind::ThreatData, tf, "")
            .await?;
        let assessment = self.assess(tf, version).await?;
        let (scored, cell) = assessment.cell(industry, fips).ok_or(AppError::NotFound)?;
        let dataset_ids: Vec<ThreatDatasetId> = assessment.datasets.iter().map(|d| d.id).collect();
        let mut conn = self.store().conn().await?;
        let records = db::records(&mut conn, tf, &dataset_ids, Some((industry, fips))).await?;
        Ok(Explanation {
            scored: scored.clone(),
            cell: cell.clone(),
            indicators: assessment.indicators.clone(),
            records,
            cells_scored: assessment.scored.len(),
            model: assessment.model,
        })
    }

    /// The assessment for export (CSV, printable report); the export is audited.
    pub async fn export_threat_assessment(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        version: Option<i64>,
        format: &str,
    ) -> Result<Assessment> {
        self.allow(actor, Action::Export, ResourceKind::ThreatModel, tf, "")
            .await?;
        let assessment = self.assess(tf, version).await?;
        let mut tx = self.store().begin().await?;
        let id = assessment
            .model
            .as_ref()
            .map(|m| m.id.to_string())
            .unwrap_or_default();
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::ThreatModel,
            Action::Export,
            &id,
            &format!("{format}, {} cells", assessment.scored.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(assessment)
    }

    /// Saves a new model version: the newest (or default) indicators with these weights, over
    /// the newest dataset of each source.
    pub async fn save_threat_model(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        note: &str,
        weights: &BTreeMap<String, f64>,
    ) -> Result<Model> {
        self.allow(actor, Action::Create, ResourceKind::ThreatModel, tf, "")
            .await?;
        let mut invalid = Invalid::default();
        let note = invalid.optional_text("note", note, 500);
        let mut tx = self.store().begin().await?;
        let mut indicators = db::models(tx.conn(), tf)
            .await?
            .into_iter()
            .next()
            .map_or_else(score::default_indicators, |m| m.indicators);
        for (name, weight) in weights {
            match indicators.iter_mut().find(|i| &i.name == name) {
                Some(i) => i.weight = *weight,
                None => invalid.add(
                    format!("weight_{name}"),
                    "is not an indicator of this model",
                ),
            }
        }
        if let Err(more) = score::validate_indicators(&indicators) {
            invalid.errors.extend(more.errors);
        }
        invalid.finish(())?;
        let datasets = db::latest_datasets(tx.conn(), tf).await?;
        let id = ThreatModelId(self.new_id());
        let now = self.clock().now();
        let version = db::insert_model(
            &mut tx,
            tf,
            id,
            &note,
            &indicators,
            &datasets,
            now,
            &Self::actor_name(actor),
        )
        .await?;
        let weights_text: Vec<String> = indicators
            .iter()
            .map(|i| format!("{}={}", i.name, i.weight))
            .collect();
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::ThreatModel,
            Action::Create,
            &id.to_string(),
            &format!("version {version}: {}", weights_text.join(" ")),
        )
        .await?;
        let saved = db::model(tx.conn(), tf, version)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(saved)
    }

    pub async fn threat_focus(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<Focus>> {
        self.allow(actor, Action::List, ResourceKind::OutreachPlan, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::focus(&mut conn, tf).await?)
    }

    /// Marks (or unmarks) an industry as a focus of the task force's outreach.
    pub async fn set_threat_focus(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        industry: &str,
        focus: bool,
        note: &str,
    ) -> Result<()> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::OutreachPlan,
            tf,
            industry,
        )
        .await?;
        let mut invalid = Invalid::default();
        if taskforce_domain::threat::industry_by_code(industry).is_none() {
            invalid.add(
                "industry",
                "choose one of the industries the assessment scores",
            );
        }
        let note = invalid.optional_text("note", note, 500);
        invalid.finish(())?;
        let mut tx = self.store().begin().await?;
        db::set_focus(
            &mut tx,
            tf,
            industry.trim(),
            focus,
            &note,
            self.clock().now(),
            &Self::actor_name(actor),
        )
        .await?;
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::OutreachPlan,
            Action::Update,
            industry,
            if focus {
                "focus industry marked"
            } else {
                "focus industry unmarked"
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn outreach_plans(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<OutreachPlan>> {
        self.allow(actor, Action::List, ResourceKind::OutreachPlan, tf, "")
            .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::plans(&mut conn, tf).await?)
    }

    pub async fn outreach_plan(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OutreachPlanId,
    ) -> Result<(OutreachPlan, Vec<OutreachActivity>)> {
        self.allow(
            actor,
            Action::Read,
            ResourceKind::OutreachPlan,
            tf,
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let plan = db::plan_by_id(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let activities = db::activities(&mut conn, tf, id).await?;
        Ok((plan, activities))
    }

    pub async fn create_outreach_plan(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: OutreachPlanInput,
    ) -> Result<OutreachPlan> {
        self.allow(actor, Action::Create, ResourceKind::OutreachPlan, tf, "")
            .await?;
        let counties = self.counties_of(tf).await?;
        let plan = input.validate(&counties)?;
        let id = OutreachPlanId(self.new_id());
        let mut tx = self.store().begin().await?;
        db::insert_plan(&mut tx, tf, id, &plan, self.clock().now()).await?;
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::OutreachPlan,
            Action::Create,
            &id.to_string(),
            &format!("{} in {}", plan.industry, plan.fips),
        )
        .await?;
        let created = db::plan_by_id(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_outreach_plan(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OutreachPlanId,
        version: i64,
        input: OutreachPlanInput,
    ) -> Result<OutreachPlan> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::OutreachPlan,
            tf,
            &id.to_string(),
        )
        .await?;
        let counties = self.counties_of(tf).await?;
        let plan = input.validate(&counties)?;
        let mut tx = self.store().begin().await?;
        db::update_plan(&mut tx, tf, id, version, &plan, self.clock().now()).await?;
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::OutreachPlan,
            Action::Update,
            &id.to_string(),
            "",
        )
        .await?;
        let updated = db::plan_by_id(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Records an activity of a plan and what it produced (contacts, people trained, tips).
    pub async fn add_outreach_activity(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        plan: OutreachPlanId,
        input: OutreachActivityInput,
    ) -> Result<OutreachActivity> {
        self.allow(
            actor,
            Action::Update,
            ResourceKind::OutreachPlan,
            tf,
            &plan.to_string(),
        )
        .await?;
        let activity = input.validate()?;
        let mut tx = self.store().begin().await?;
        db::plan_by_id(tx.conn(), tf, plan)
            .await?
            .ok_or(AppError::NotFound)?;
        let id = OutreachActivityId(self.new_id());
        db::insert_activity(&mut tx, tf, plan, id, &activity, self.clock().now()).await?;
        self.audit_write_with(
            &mut tx,
            actor,
            ResourceKind::OutreachPlan,
            Action::Update,
            &plan.to_string(),
            &format!("activity {} added", activity.kind.code()),
        )
        .await?;
        let added = db::activities(tx.conn(), tf, plan)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(added)
    }
}

/// The fields of a row as text (bytes that are not UTF-8 become U+FFFD, never a panic);
/// borrowed, not copied, when they are UTF-8 already.
fn fields_of(record: &csv::ByteRecord) -> Vec<std::borrow::Cow<'_, str>> {
    record.iter().map(String::from_utf8_lossy).collect()
}
