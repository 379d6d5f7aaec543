//! Field-level validation errors: what was wrong, with which field, in words a person understands.

use serde::Serialize;
use std::fmt;

/// One problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as it appears in the form or the API body (`counties`, `parties[1]`).
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

/// The input was refused: one entry per problem found. Nothing was changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut invalid = Self::default();
        invalid.add(field, message);
        invalid
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The message for one field, if it was refused (for showing errors beside form inputs).
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok(value)` when no error was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Trims a required text field; records an error when it is empty or longer than `max` characters.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.add(field, "is required");
        } else {
            self.check_length(field, value, max);
        }
        value.to_owned()
    }

    /// Trims an optional text field; records an error when it is longer than `max` characters.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        self.check_length(field, value, max);
        value.to_owned()
    }

    fn check_length(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.add(field, "must not contain control characters");
        }
    }

    /// An optional e-mail address: empty, or one plausible address.
    pub fn optional_email(&mut self, field: &str, value: &str) -> String {
        let value = value.trim().to_owned();
        if !value.is_empty() && !is_plausible_email(&value) {
            self.add(field, "must be an e-mail address such as name@agency.gov");
        }
        value
    }

    /// An optional phone number: digits with the usual punctuation, 7 to 15 digits.
    pub fn optional_phone(&mut self, field: &str, value: &str) -> String {
        let value = value.trim().to_owned();
        if value.is_empty() {
            return value;
        }
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().x".contains(c));
        if !allowed || !(7..=15).contains(&digits) {
            self.add(field, "must be a phone number (7 to 15 digits)");
        }
        value
    }
}

/// Very small check: one `@`, something before it, a dot in the domain, no spaces.
pub fn is_plausible_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && value.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_names_the_field() {
        let mut invalid = Invalid::default();
        assert_eq!(invalid.required_text("name", "  Sheriff  ", 10), "Sheriff");
        invalid.required_text("title", "   ", 10);
        invalid.required_text("city", "abcdefghijk", 10);
        assert_eq!(invalid.message_for("title"), Some("is required"));
        assert_eq!(
            invalid.message_for("city"),
            Some("must be at most 10 characters")
        );
        assert_eq!(invalid.message_for("name"), None);
    }

    #[test]
    fn emails_and_phones() {
        assert!(is_plausible_email("a.b@agency.gov"));
        for bad in ["", "a", "a@b", "@b.c", "a@.c", "a b@c.d", "a@b.c."] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
        let mut invalid = Invalid::default();
        invalid.optional_phone("phone", "(716) 555-0100");
        invalid.optional_phone("fax", "call me");
        assert_eq!(invalid.message_for("phone"), None);
        assert!(invalid.message_for("fax").is_some());
    }
}
