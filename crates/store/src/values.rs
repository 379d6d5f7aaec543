//! Conversions between domain values and the column types both backends share (TEXT, BIGINT).

use crate::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::str::FromStr;
use uuid::Uuid;

/// Timestamps are stored as fixed-width RFC 3339 text in UTC, so text order is time order.
pub fn ts(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn opt_ts(time: Option<DateTime<Utc>>) -> Option<String> {
    time.map(ts)
}

pub fn date(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

pub fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// Typed reads from a row, with errors that say which column could not be read.
pub trait RowExt {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.int(column)? != 0)
    }
    fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        parse(column, &self.text(column)?)
    }
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse(column, &t))
            .transpose()
    }
    fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        parse_time(column, &self.text(column)?)
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse_time(column, &t))
            .transpose()
    }
    fn date(&self, column: &str) -> Result<NaiveDate, StoreError> {
        parse_date(column, &self.text(column)?)
    }
    fn opt_date(&self, column: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse_date(column, &t))
            .transpose()
    }
    fn code<T>(&self, column: &str, from_code: fn(&str) -> Option<T>) -> Result<T, StoreError> {
        let text = self.text(column)?;
        from_code(&text)
            .ok_or_else(|| StoreError::Corrupt(format!("{column}: unknown code {text:?}")))
    }
}

fn parse<T: FromStr>(column: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn parse_time(column: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn parse_date(column: &str, text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn corrupt(column: &str, e: sqlx::Error) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> Result<String, StoreError> {
        self.try_get(column).map_err(|e| corrupt(column, e))
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.try_get(column).map_err(|e| corrupt(column, e))
    }
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.try_get(column).map_err(|e| corrupt(column, e))
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.try_get(column).map_err(|e| corrupt(column, e))
    }
}
