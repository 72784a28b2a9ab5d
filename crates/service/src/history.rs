//! The admin history (Django admin's `LogEntry`): every create, update and
//! delete made through the API on a catalog resource or media file is
//! recorded — who, when, which object, and each changed field's old and
//! new value — by [`note`], inside the write's own transaction; admins read
//! it through [`HistoryService::list`].

use mstream_db::engine::Listed as DbListed;
use mstream_db::history::{self, Filter, NewEntry};
use mstream_db::AnyConn;
use mstream_kernel::resource::Resource;
use mstream_kernel::{Actor, FieldErrors, FieldValue, ListQuery, Record, Timestamp, User};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use crate::catalog::Listed;
use crate::ctx::Ctx;
use crate::error::{query_error, ServiceError, ServiceResult};
use crate::policy::require_admin;

/// Fields never reported as changed: the id names the object already, and
/// the timestamps change with every write.
const UNREPORTED: [&str; 3] = ["id", "created", "updated"];

/// What the history list parses its page from (it has no declared fields:
/// its filters are read by [`HistoryService::list`]).
static HISTORY: Resource = Resource {
    name: "history",
    noun: "history entry",
    fields: &[],
};

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

/// Reads the history (admins only).
#[derive(Clone)]
pub struct HistoryService {
    ctx: Ctx,
}

impl HistoryService {
    /// Over `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    /// A page of entries, newest first, kept by `?resource=`, `?object=`
    /// and `?actor=` (ids); `page` and `page_size` as on every list.
    pub async fn list(&self, actor: &Actor, pairs: Vec<(String, String)>) -> ServiceResult<Listed> {
        require_admin(actor)?;
        let query = ListQuery::parse(&HISTORY, &pairs).map_err(query_error)?;
        let mut filter = Filter::default();
        let mut errors = FieldErrors::new();
        for (key, raw) in &pairs {
            if raw.is_empty() {
                continue;
            }
            match key.as_str() {
                "resource" => filter.resource = Some(raw.clone()),
                "object" | "actor" => match mstream_kernel::id::parse_uuid(raw) {
                    Some(id) if key == "object" => filter.object = Some(id),
                    Some(id) => filter.actor = Some(id),
                    None => errors.add(key.clone(), "Enter a valid UUID."),
                },
                _ => {}
            }
        }
        errors.into_result()?;
        let (count, page, entries) = self
            .ctx
            .run(move |conn| Ok(history::list(conn, &filter, query.page)?))
            .await?;
        let records = entries
            .into_iter()
            .map(|entry| {
                let changes = serde_json::from_str(&entry.changes).unwrap_or(Json::Null);
                Record::new()
                    .with("id", FieldValue::Int(entry.seq))
                    .with("time", FieldValue::Time(entry.at))
                    .with("actor", FieldValue::Id(entry.actor_id))
                    .with("actor_name", FieldValue::Text(entry.actor_name))
                    .with("resource", FieldValue::Text(entry.resource))
                    .with("object", FieldValue::Id(entry.object_id))
                    .with("object_repr", FieldValue::Text(entry.object_repr))
                    .with("action", FieldValue::Text(entry.action))
                    .with("changes", FieldValue::Json(changes))
            })
            .collect();
        Listed::from_db(DbListed {
            count,
            records,
            page_exists: page.exists_for(count),
            page,
        })
    }
}
