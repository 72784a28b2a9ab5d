//! A read representation: a resource's fields and their values, in the
//! declaration's order, as the wire shows them.

use serde::ser::SerializeMap;
use uuid::Uuid;

use crate::Timestamp;

/// One field's value in a [`Record`].
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// JSON `null`.
    Null,
    /// An id.
    Id(Uuid),
    /// Text (also URLs).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// An instant.
    Time(Timestamp),
    /// A list of ids.
    Ids(Vec<Uuid>),
    /// A list of strings.
    Texts(Vec<String>),
    /// A list of nested records.
    Records(Vec<Record>),
    /// One nested record.
    Record(Box<Record>),
    /// Free-form JSON (the changes of a history entry).
    Json(serde_json::Value),
}

impl FieldValue {
    /// About how many bytes of memory the value holds, counting what it
    /// owns on the heap (for budgets such as a cache's, not an exact
    /// figure).
    pub fn approximate_size(&self) -> usize {
        let own = std::mem::size_of::<Self>();
        own + match self {
            Self::Text(text) => text.capacity(),
            Self::Ids(ids) => ids.capacity() * std::mem::size_of::<Uuid>(),
            Self::Texts(texts) => texts
                .iter()
                .map(|t| std::mem::size_of::<String>() + t.capacity())
                .sum(),
            Self::Records(records) => records.iter().map(Record::approximate_size).sum(),
            Self::Record(record) => record.approximate_size(),
            Self::Json(value) => value.to_string().len(),
            _ => 0,
        }
    }
}

/// An entity as the API returns it: field name → value, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record(Vec<(&'static str, FieldValue)>);

impl Record {
    /// About how many bytes of memory the record holds, its values' heap
    /// included (see [`FieldValue::approximate_size`]).
    pub fn approximate_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self
                .0
                .iter()
                .map(|(_, value)| std::mem::size_of::<&str>() + value.approximate_size())
                .sum::<usize>()
    }

    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends (or replaces) `field`.
    pub fn set(&mut self, field: &'static str, value: FieldValue) {
        match self.0.iter_mut().find(|(name, _)| *name == field) {
            Some(slot) => slot.1 = value,
            None => self.0.push((field, value)),
        }
    }

    /// Builder form of [`Record::set`].
    pub fn with(mut self, field: &'static str, value: FieldValue) -> Self {
        self.set(field, value);
        self
    }

    /// The value of `field`.
    pub fn get(&self, field: &str) -> Option<&FieldValue> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, v)| v)
    }

    /// Removes `field`, returning its value.
    pub fn take(&mut self, field: &str) -> Option<FieldValue> {
        let at = self.0.iter().position(|(name, _)| *name == field)?;
        Some(self.0.remove(at).1)
    }

    /// The entity's id, when the record has one.
    pub fn id(&self) -> Option<Uuid> {
        match self.get("id") {
            Some(FieldValue::Id(id)) => Some(*id),
            _ => None,
        }
    }

    /// Text of `field`, if it is text.
    pub fn text(&self, field: &str) -> Option<&str> {
        match self.get(field) {
            Some(FieldValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// Fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &FieldValue)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    /// Orders the fields as `order` lists them; fields not listed go last.
    pub fn reorder(&mut self, order: &[&str]) {
        self.0
            .sort_by_key(|(name, _)| order.iter().position(|o| o == name).unwrap_or(usize::MAX));
    }
}

impl serde::Serialize for FieldValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Null => s.serialize_none(),
            FieldValue::Id(id) => id.serialize(s),
            FieldValue::Text(t) => s.serialize_str(t),
            FieldValue::Int(n) => s.serialize_i64(*n),
            FieldValue::Float(f) => s.serialize_f64(*f),
            FieldValue::Bool(b) => s.serialize_bool(*b),
            FieldValue::Time(t) => t.serialize(s),
            FieldValue::Ids(ids) => ids.serialize(s),
            FieldValue::Texts(texts) => texts.serialize(s),
            FieldValue::Records(records) => records.serialize(s),
            FieldValue::Record(record) => record.serialize(s),
            FieldValue::Json(value) => value.serialize(s),
        }
    }
}

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::{FieldValue, Record};

    #[test]
    fn approximate_size_counts_what_values_own() {
        let small = Record::new().with("name", FieldValue::Text("x".into()));
        let large = Record::new().with("name", FieldValue::Text("x".repeat(1000)));
        assert!(large.approximate_size() >= small.approximate_size() + 999);
        let nested = Record::new().with("credits", FieldValue::Records(vec![large.clone()]));
        assert!(nested.approximate_size() > large.approximate_size());
    }
}
