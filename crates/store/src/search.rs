//! The search index: one row per searchable record with what visibility needs, and its terms as
//! keyed tokens (made by the app), searched with each backend's own full-text engine (SQLite
//! FTS5, PostgreSQL text search). Visibility is part of the query, so counts and hits obey it.

use crate::values::RowExt;
use crate::visibility::{visible, Columns, Query};
use crate::{Result, Tx};
use chrono::NaiveDate;
use sqlx::AnyConnection;
use taskforce_domain::access::{DataCategory, Label, ResourceKind, Visibility};
use taskforce_domain::*;

/// A record to index: `text` is the words to make searchable (the app turns them into tokens).
#[derive(Clone, Debug)]
pub struct SearchEntry {
    pub doc_id: String,
    pub task_force_id: TaskForceId,
    /// What the record is: `case`, `person`, `note`, `tip`.
    pub doc_kind: &'static str,
    /// The policy's kind for the record (a note is read as its case's kind).
    pub resource_kind: ResourceKind,
    pub case_id: Option<CaseId>,
    pub owner_organization_id: OrganizationId,
    pub label: Label,
    pub status: String,
    pub trafficking_type: String,
    pub occurred_on: NaiveDate,
    pub text: String,
    /// The data category a consent must cover for another organization to find it.
    pub category: Option<DataCategory>,
    /// The person it is about (else the persons on its case).
    pub person_id: Option<PersonId>,
}

/// Writes (or replaces) an entry with its tokens, space-separated.
pub async fn put(tx: &mut Tx, entry: &SearchEntry, tokens: &str) -> Result<()> {
    sqlx::query("DELETE FROM search_docs WHERE task_force_id = $1 AND doc_id = $2")
        .bind(entry.task_force_id.to_string())
        .bind(&entry.doc_id)
        .execute(tx.conn())
        .await?;
    sqlx::query("INSERT INTO search_docs (doc_id, task_force_id, doc_kind, resource_kind, case_id, owner_organization_id, label, status, trafficking_type, occurred_on, terms, category, person_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(&entry.doc_id)
        .bind(entry.task_force_id.to_string())
        .bind(entry.doc_kind)
        .bind(entry.resource_kind.code())
        .bind(entry.case_id.map(|c| c.to_string()))
        .bind(entry.owner_organization_id.to_string())
        .bind(entry.label.code())
        .bind(&entry.status)
        .bind(&entry.trafficking_type)
        .bind(entry.occurred_on.format("%Y-%m-%d").to_string())
        .bind(tokens)
        .bind(entry.category.map(DataCategory::code))
        .bind(entry.person_id.map(|p| p.to_string()))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Keeps the visibility columns of a case's entries in step with the case (its label, holder
/// or status changed). Notes keep their own labels.
pub async fn update_case_entries(
    tx: &mut Tx,
    tf: TaskForceId,
    case: CaseId,
    status: &str,
    trafficking_type: &str,
) -> Result<()> {
    sqlx::query("UPDATE search_docs SET status = $1, trafficking_type = $2 WHERE task_force_id = $3 AND case_id = $4")
        .bind(status)
        .bind(trafficking_type)
        .bind(tf.to_string())
        .bind(case.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct SearchFilter {
    pub doc_kinds: Vec<&'static str>,
    pub status: Option<String>,
    pub trafficking_type: Option<String>,
    pub organization: Option<OrganizationId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub doc_id: String,
    pub doc_kind: String,
    pub case_id: Option<CaseId>,
    pub owner_organization_id: OrganizationId,
    pub label: Label,
    pub status: String,
    pub occurred_on: NaiveDate,
}

/// Entries holding every token that `v` may see, best first, and how many there are in all.
pub async fn search(
    conn: &mut AnyConnection,
    v: &Visibility,
    tokens: &[String],
    filter: &SearchFilter,
    limit: i64,
) -> Result<(Vec<SearchHit>, i64)> {
    if tokens.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let postgres = conn.backend_name() == "PostgreSQL";
    let mut q = Query::default();
    let matcher = if postgres {
        let query = q.bind(tokens.join(" & "));
        format!("to_tsvector('simple', d.terms) @@ to_tsquery('simple', {query})")
    } else {
        let query = q.bind(tokens.join(" "));
        format!("d.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH {query})")
    };
    let visible = visible(
        &mut q,
        v,
        &Columns {
            task_force: "d.task_force_id",
            kind: "d.resource_kind",
            owner: "d.owner_organization_id",
            label: "d.label",
            case: "d.case_id",
            category: "d.category",
            person: "d.person_id",
        },
    );
    let mut filters = String::new();
    if !filter.doc_kinds.is_empty() {
        let kinds: Vec<String> = filter
            .doc_kinds
            .iter()
            .map(|k| q.bind(k.to_string()))
            .collect();
        filters.push_str(&format!(" AND d.doc_kind IN ({})", kinds.join(", ")));
    }
    if let Some(status) = &filter.status {
        filters.push_str(&format!(" AND d.status = {}", q.bind(status.clone())));
    }
    if let Some(t) = &filter.trafficking_type {
        filters.push_str(&format!(" AND d.trafficking_type = {}", q.bind(t.clone())));
    }
    if let Some(org) = filter.organization {
        filters.push_str(&format!(
            " AND d.owner_organization_id = {}",
            q.bind(org.to_string())
        ));
    }
    if let Some(from) = filter.from {
        filters.push_str(&format!(
            " AND d.occurred_on >= {}",
            q.bind(from.format("%Y-%m-%d").to_string())
        ));
    }
    if let Some(to) = filter.to {
        filters.push_str(&format!(
            " AND d.occurred_on <= {}",
            q.bind(to.format("%Y-%m-%d").to_string())
        ));
    }
    let from_where = format!(" FROM search_docs d WHERE {matcher} AND {visible}{filters}");
    q.sql = format!("SELECT COUNT(*) AS n{from_where}");
    let total = q.build().fetch_one(&mut *conn).await?.int("n")?;
    q.sql = format!(
        "SELECT d.doc_id, d.doc_kind, d.case_id, d.owner_organization_id, d.label, d.status, d.occurred_on{from_where} ORDER BY d.occurred_on DESC, d.doc_id LIMIT {}",
        limit.clamp(1, 500)
    );
    let hits = q
        .build()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(SearchHit {
                doc_id: row.text("doc_id")?,
                doc_kind: row.text("doc_kind")?,
                case_id: row.opt_uuid("case_id")?.map(CaseId),
                owner_organization_id: OrganizationId(row.uuid("owner_organization_id")?),
                label: row.code("label", Label::from_code)?,
                status: row.text("status")?,
                occurred_on: row.date("occurred_on")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((hits, total))
}
