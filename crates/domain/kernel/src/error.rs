//! Validation problems, keyed by field, in the order the wire shows them.

use std::collections::BTreeMap;

/// The key under which problems that belong to no single field are reported.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

/// A map of field name to the messages that field failed with; DRF's
/// validation error body (`{"name": ["This field is required."]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map holding one message for one field.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// A map holding one message under [`NON_FIELD_ERRORS`].
    pub fn non_field(message: impl Into<String>) -> Self {
        Self::single(NON_FIELD_ERRORS, message)
    }

    /// Records one more message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// Moves every message of `other` into `self`.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// True when no field has a message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` has at least one message.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The messages of `field` (empty when it has none).
    pub fn messages(&self, field: &str) -> &[String] {
        self.0.get(field).map_or(&[], Vec::as_slice)
    }

    /// The messages by field.
    pub fn fields(&self) -> &BTreeMap<String, Vec<String>> {
        &self.0
    }

    /// `Ok(())` when empty, otherwise `Err(self)`: ends a validation pass.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (field, messages) in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{field}: {}", messages.join(" "))?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
