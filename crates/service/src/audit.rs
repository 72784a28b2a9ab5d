//! The write side of the admin history: [`note`] records a create, update
//! or delete inside the write's own transaction, so a write that fails
//! records nothing. Admins read the entries through
//! [`crate::history::HistoryService`].

use mstream_db::history::{self, NewEntry};
use mstream_db::AnyConn;
use mstream_kernel::{Record, Timestamp, User};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};

/// Fields never reported as changed: the id names the object already, and
/// the timestamps change with every write.
const UNREPORTED: [&str; 3] = ["id", "created", "updated"];

/// Records the write of object `id` of `resource` by `user`: `before` is
/// the object as it was (none for a create), `after` as it is now (none for
/// a delete). Call it inside the write's transaction, after the write, so
/// that a write that fails records nothing.
pub fn note(
    conn: &mut AnyConn,
    user: &User,
    resource: &str,
    id: Uuid,
    before: Option<&Record>,
    after: Option<&Record>,
) -> ServiceResult<()> {
    let action = match (before, after) {
        (None, _) => "create",
        (Some(_), Some(_)) => "update",
        (Some(_), None) => "delete",
    };
    let old = fields(before)?;
    let new = fields(after)?;
    let mut changes = Map::new();
    let names = old
        .keys()
        .chain(new.keys().filter(|k| !old.contains_key(*k)));
    for name in names {
        if UNREPORTED.contains(&name.as_str()) {
            continue;
        }
        let was = old.get(name).cloned().unwrap_or(Json::Null);
        let is = new.get(name).cloned().unwrap_or(Json::Null);
        if was != is {
            changes.insert(name.clone(), serde_json::json!({ "old": was, "new": is }));
        }
    }
    let repr = after
        .or(before)
        .map_or_else(|| id.to_string(), |r| repr(r, id));
    let changes = Json::Object(changes).to_string();
    history::record(
        conn,
        Timestamp::now(),
        &NewEntry {
            actor_id: user.id.uuid(),
            actor_name: &user.username,
            resource,
            object_id: id,
            object_repr: &repr,
            action,
            changes: &changes,
        },
    )?;
    Ok(())
}

fn fields(record: Option<&Record>) -> ServiceResult<Map<String, Json>> {
    let Some(record) = record else {
        return Ok(Map::new());
    };
    match serde_json::to_value(record) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Ok(Map::new()),
        Err(e) => Err(ServiceError::Internal(format!(
            "cannot read a record as JSON: {e}"
        ))),
    }
}

/// How an object reads to a person: its name (or type, or credit), else its id.
pub(crate) fn repr(record: &Record, id: Uuid) -> String {
    for field in ["name", "type", "username"] {
        if let Some(text) = record.text(field).filter(|t| !t.is_empty()) {
            return text.to_owned();
        }
    }
    match (record.text("artist_name"), record.text("relation")) {
        (Some(artist), Some(relation)) => format!("{artist} ({relation})"),
        _ => id.to_string(),
    }
}
