//! Validating a request body against a [`Resource`] declaration, with DRF's
//! field messages.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use uuid::Uuid;

use crate::id::parse_uuid;
use crate::resource::{Kind, Resource, Write};
use crate::FieldErrors;

/// Which write a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `POST`: every required field must be present.
    Create,
    /// `PUT`: every required field must be present, except those required
    /// only on create (a media file's bytes).
    Replace,
    /// `PATCH`: any subset.
    Patch,
}

/// A validated field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Trimmed, non-blank text within its limit.
    Text(String),
    /// A whole number within its bounds.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// One referred id (existence is checked by the service).
    Ref(Uuid),
    /// A non-empty list of distinct referred ids, in the order sent.
    Refs(Vec<Uuid>),
}

/// The validated values of the writable fields a body carried. Fields the
/// body left out are absent; read-only and unknown fields are ignored, as DRF
/// ignores them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteSet {
    values: BTreeMap<&'static str, Value>,
}

impl WriteSet {
    /// Validates `body` for `mode`, collecting every field's problems.
    pub fn parse(resource: &Resource, body: &Json, mode: Mode) -> Result<Self, FieldErrors> {
        let Json::Object(map) = body else {
            return Err(FieldErrors::non_field(format!(
                "Invalid data. Expected a dictionary, but got {}.",
                python_type(body)
            )));
        };
        let mut set = WriteSet::default();
        let mut errors = FieldErrors::new();
        for field in resource.writable() {
            if field.kind == Kind::File {
                continue; // multipart bodies carry files; see the media service
            }
            match map.get(field.name) {
                None => {
                    let required = match mode {
                        Mode::Create => true,
                        Mode::Replace => field.write == Write::Required,
                        Mode::Patch => false,
                    };
                    if required {
                        errors.add(field.name, "This field is required.");
                    }
                }
                Some(Json::Null) => errors.add(field.name, "This field may not be null."),
                Some(raw) => match parse_field(field.kind, raw) {
                    Ok(value) => {
                        set.values.insert(field.name, value);
                    }
                    Err(message) => errors.add(field.name, message),
                },
            }
        }
        errors.into_result().map(|()| set)
    }

    /// Puts a value in directly (for values that arrive outside JSON, such
    /// as multipart text parts already validated by the caller).
    pub fn insert(&mut self, field: &'static str, value: Value) {
        self.values.insert(field, value);
    }

    /// The value of `field`, if the body carried it.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.values.get(field)
    }

    /// Text of `field`, if carried.
    pub fn text(&self, field: &str) -> Option<&str> {
        match self.get(field) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// Whole number of `field`, if carried.
    pub fn int(&self, field: &str) -> Option<i64> {
        match self.get(field) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    /// Flag of `field`, if carried.
    pub fn bool(&self, field: &str) -> Option<bool> {
        match self.get(field) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// Referred id of `field`, if carried.
    pub fn reference(&self, field: &str) -> Option<Uuid> {
        match self.get(field) {
            Some(Value::Ref(id)) => Some(*id),
            _ => None,
        }
    }

    /// Referred ids of `field`, if carried.
    pub fn references(&self, field: &str) -> Option<&[Uuid]> {
        match self.get(field) {
            Some(Value::Refs(ids)) => Some(ids),
            _ => None,
        }
    }

    /// Every carried field and value.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }

    /// Whether nothing was carried.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// DRF's message for text containing U+0000, which PostgreSQL cannot store.
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";

/// Validates one text value as DRF's `CharField` does.
pub fn parse_text(raw: &Json, max: usize) -> Result<String, String> {
    let text = match raw {
        Json::String(s) => s.trim().to_owned(),
        Json::Number(n) => n.to_string(),
        _ => return Err("Not a valid string.".to_owned()),
    };
    if text.is_empty() {
        return Err("This field may not be blank.".to_owned());
    }
    if text.contains('\0') {
        return Err(NULL_CHARACTERS.to_owned());
    }
    if text.chars().count() > max {
        return Err(format!(
            "Ensure this field has no more than {max} characters."
        ));
    }
    Ok(text)
}

fn parse_field(kind: Kind, raw: &Json) -> Result<Value, String> {
    match kind {
        Kind::Text { max } => parse_text(raw, max).map(Value::Text),
        Kind::Int { min, max } => {
            let n = parse_int(raw).ok_or_else(|| "A valid integer is required.".to_owned())?;
            if n > max {
                return Err(format!("Ensure this value is less than or equal to {max}."));
            }
            if n < min {
                return Err(format!(
                    "Ensure this value is greater than or equal to {min}."
                ));
            }
            Ok(Value::Int(n))
        }
        Kind::Bool => parse_bool(raw)
            .map(Value::Bool)
            .ok_or_else(|| "Must be a valid boolean.".to_owned()),
        Kind::Ref { .. } => parse_ref(raw).map(Value::Ref),
        Kind::RefMany { .. } => {
            let Json::Array(items) = raw else {
                return Err(format!(
                    "Expected a list of items but got type \"{}\".",
                    python_type(raw)
                ));
            };
            if items.is_empty() {
                return Err("This list may not be empty.".to_owned());
            }
            let mut ids: Vec<Uuid> = Vec::with_capacity(items.len());
            for item in items {
                let id = parse_ref(item)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(Value::Refs(ids))
        }
        Kind::Id | Kind::Float | Kind::Timestamp | Kind::File | Kind::Derived(_) => {
            Err("This field is read-only.".to_owned())
        }
    }
}

fn parse_int(raw: &Json) -> Option<i64> {
    match raw {
        Json::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Json::String(s) => {
            let s = s.trim();
            // DRF strips a trailing ".0…" before int().
            let s = match s.split_once('.') {
                Some((whole, frac)) if frac.chars().all(|c| c == '0') => whole,
                _ => s,
            };
            s.parse().ok()
        }
        _ => None,
    }
}

fn parse_bool(raw: &Json) -> Option<bool> {
    match raw {
        Json::Bool(b) => Some(*b),
        Json::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Json::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn parse_ref(raw: &Json) -> Result<Uuid, String> {
    match raw {
        Json::String(s) => {
            parse_uuid(s.trim()).ok_or_else(|| format!("“{s}” is not a valid UUID."))
        }
        other => Err(format!(
            "Incorrect type. Expected pk value, received {}.",
            python_type(other)
        )),
    }
}

/// The Python type name DRF puts in its messages for a JSON value.
fn python_type(raw: &Json) -> &'static str {
    match raw {
        Json::Null => "NoneType",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::String(_) => "str",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Field;
    use serde_json::json;

    static RES: Resource = Resource {
        name: "things",
        noun: "thing",
        fields: &[
            Field::id(),
            Field::text("name", 5),
            Field::int("rating", 0, 5),
            Field::references("genre", "genre"),
            Field::file("file"),
        ],
    };

    #[test]
    fn create_reports_every_problem_with_drf_messages() {
        let err = WriteSet::parse(
            &RES,
            &json!({"name": "  ", "rating": 2.5, "genre": []}),
            Mode::Create,
        )
        .unwrap_err();
        assert_eq!(err.fields()["name"], vec!["This field may not be blank."]);
        assert_eq!(err.fields()["rating"], vec!["A valid integer is required."]);
        assert_eq!(err.fields()["genre"], vec!["This list may not be empty."]);
        assert!(!err.has("file"), "files are validated by the media service");
        let err = WriteSet::parse(
            &RES,
            &json!({"rating": 6, "genre": "x", "name": "toolong"}),
            Mode::Create,
        )
        .unwrap_err();
        assert_eq!(
            err.fields()["rating"],
            vec!["Ensure this value is less than or equal to 5."]
        );
        assert_eq!(
            err.fields()["genre"],
            vec!["Expected a list of items but got type \"str\"."]
        );
        assert_eq!(
            err.fields()["name"],
            vec!["Ensure this field has no more than 5 characters."]
        );
    }

    #[test]
    fn patch_takes_a_subset_and_trims() {
        let set =
            WriteSet::parse(&RES, &json!({"name": " ab ", "id": "ignored"}), Mode::Patch).unwrap();
        assert_eq!(set.text("name"), Some("ab"));
        assert!(set.get("id").is_none());
        let set = WriteSet::parse(&RES, &json!({"rating": "5"}), Mode::Patch).unwrap();
        assert_eq!(set.int("rating"), Some(5));
    }

    #[test]
    fn non_objects_and_bad_ids_are_refused() {
        let err = WriteSet::parse(&RES, &json!([1]), Mode::Patch).unwrap_err();
        assert_eq!(
            err.fields()["non_field_errors"],
            vec!["Invalid data. Expected a dictionary, but got list."]
        );
        let err = WriteSet::parse(&RES, &json!({"genre": [1]}), Mode::Patch).unwrap_err();
        assert_eq!(
            err.fields()["genre"],
            vec!["Incorrect type. Expected pk value, received int."]
        );
    }
}
