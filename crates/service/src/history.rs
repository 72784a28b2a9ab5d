//! The admin history (Django admin's `LogEntry`): every create, update and
//! delete made through the API on a catalog resource or media file is
//! recorded — who, when, which object, and each changed field's old and
//! new value — by [`crate::audit::note`], inside the write's own
//! transaction; admins read it through [`HistoryService::list`].

use mstream_db::engine::Listed as DbListed;
use mstream_db::history::{self, Filter};
use mstream_kernel::resource::Resource;
use mstream_kernel::{Actor, FieldErrors, FieldValue, ListQuery, Record};
use serde_json::Value as Json;

use crate::catalog::Listed;
use crate::ctx::Ctx;
use crate::error::{query_error, ServiceResult};
use crate::policy::require_admin;

/// What the history list parses its page from (it has no declared fields:
/// its filters are read by [`HistoryService::list`]).
static HISTORY: Resource = Resource {
    name: "history",
    noun: "history entry",
    fields: &[],
};

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
            counted: None,
        })
    }
}
