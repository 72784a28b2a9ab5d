//! The admin-curated catalog resources, served by one generic use case per
//! operation over each resource's [`Repo`].

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use mstream_db::engine::Listed as DbListed;
use mstream_db::tables::{self, Repo};
use mstream_db::{cascade, tx, AnyConn};
use mstream_kernel::query::Page;
use mstream_kernel::{
    Actor, FieldErrors, Kind, ListQuery, Mode, Record, Resource, Timestamp, WriteSet,
};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::audit;
use crate::ctx::Ctx;
use crate::error::{query_error, unique_to_field, ServiceError, ServiceResult};
use crate::policy::require_admin;

/// A serialised form of a page's records, made once by whoever presents
/// the page first (the HTTP layer) and shared by every later hit of the
/// same cached page, so a hit need not serialise the records again.
pub type Rendering = Arc<OnceLock<Bytes>>;

/// A page of records and the total that matched.
#[derive(Debug)]
pub struct Listed {
    /// How many matched.
    pub count: u64,
    /// Which page it is, and its size.
    pub page: Page,
    /// The database's answer (this page's records), shared with the read
    /// cache's copy.
    read: Arc<DbListed>,
    /// The records' serialised form, shared with the read cache's copy
    /// (empty until someone renders it; only valid for the records as read).
    pub rendering: Rendering,
}

impl Listed {
    /// From the database's answer; 404 `Invalid page.` past the end.
    pub fn from_db(listed: DbListed) -> ServiceResult<Self> {
        Self::shared(Arc::new(listed), Rendering::default())
    }

    fn shared(listed: Arc<DbListed>, rendering: Rendering) -> ServiceResult<Self> {
        if !listed.page_exists {
            return Err(ServiceError::InvalidPage);
        }
        Ok(Self {
            count: listed.count,
            page: listed.page,
            read: listed,
            rendering,
        })
    }

    /// This page's records.
    pub fn records(&self) -> &[Record] {
        &self.read.records
    }

    /// A copy of this page's records, to change for presentation.
    pub fn to_records(&self) -> Vec<Record> {
        self.read.records.clone()
    }
}

/// One record read through the read cache: shared with the cache's copy,
/// with its serialised form made once by whoever presents it first (a hit
/// then copies and serialises nothing).
#[derive(Debug, Clone)]
pub struct Fetched {
    record: Arc<Record>,
    /// The record's serialised form (see [`Rendering`]).
    pub rendering: Rendering,
}

impl Fetched {
    /// The record.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The record to change (a copy when the read cache shares it).
    pub fn into_record(self) -> Record {
        Arc::try_unwrap(self.record).unwrap_or_else(|shared| shared.as_ref().clone())
    }
}

impl From<Record> for Fetched {
    fn from(record: Record) -> Self {
        Self {
            record: Arc::new(record),
            rendering: Rendering::default(),
        }
    }
}

/// What deleting an entity would remove (see [`CatalogService::delete_preview`]).
#[derive(Debug, Clone)]
pub struct DeletePreview {
    /// The entity's resource.
    pub resource: &'static str,
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What goes: the entity first, then each resource it cascades to.
    pub deletes: Vec<Removed>,
}

/// What a delete removes of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The resource's name as in its path.
    pub resource: &'static str,
    /// How many of its entities go.
    pub count: u64,
    /// The first few names, in creation order.
    pub names: Vec<String>,
}

impl From<cascade::Removed> for Removed {
    fn from(r: cascade::Removed) -> Self {
        Self {
            resource: r.resource,
            count: r.count,
            names: r.names,
        }
    }
}

/// The catalog resources' CRUD, admin-only (SPEC §3).
#[derive(Clone)]
pub struct CatalogService {
    ctx: Ctx,
}

/// A catalog resource [`CatalogService`] serves, named as in its path
/// (`/api/genre/` → `genre`). Opaque outside the service: callers name a
/// resource, the service alone knows where and how it is stored.
#[derive(Clone, Copy)]
pub struct CatalogResource(&'static Repo);

impl CatalogResource {
    /// The resource served under `/api/<name>/`, if it is a catalog one.
    pub fn named(name: &str) -> Option<Self> {
        Some(Self(match name {
            "genre" => &tables::GENRE,
            "parcontag" => &tables::PARENTAL_CONTROL_TAG,
            "contype" => &tables::CONTENT_TYPE,
            "artists" => &tables::ARTIST,
            "contents" => &tables::CONTENT,
            "conmediafile" => &tables::MEDIA_FILE,
            "artconrelation" => &tables::RELATION,
            "submodels" => &tables::PLAN,
            "submap" => &tables::SUBSCRIPTION,
            _ => return None,
        }))
    }

    /// Its declaration: fields, filters, search, ordering.
    pub fn declaration(self) -> &'static Resource {
        self.0.resource()
    }
}

impl CatalogService {
    /// Over `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    /// A page of `resource`'s entities as the query string asks.
    pub async fn list(
        &self,
        actor: &Actor,
        resource: CatalogResource,
        pairs: Vec<(String, String)>,
    ) -> ServiceResult<Listed> {
        require_admin(actor)?;
        list_records(&self.ctx, resource.0, pairs).await
    }

    /// Contents for the subscribers' catalog (any signed-in user), with the
    /// same filters, search, ordering and pages as `/api/contents/`.
    pub async fn browse(
        &self,
        actor: &Actor,
        pairs: Vec<(String, String)>,
    ) -> ServiceResult<Listed> {
        crate::policy::signed_in(actor)?;
        list_records(&self.ctx, &tables::CONTENT, pairs).await
    }

    /// One entity.
    pub async fn get(
        &self,
        actor: &Actor,
        resource: CatalogResource,
        id: Uuid,
    ) -> ServiceResult<Fetched> {
        require_admin(actor)?;
        get_record(&self.ctx, resource.0, id).await
    }

    /// Creates an entity from a JSON body.
    pub async fn create(
        &self,
        actor: &Actor,
        resource: CatalogResource,
        body: &Json,
    ) -> ServiceResult<Record> {
        let user = require_admin(actor)?.clone();
        let repo = resource.0;
        let set = parse_body(repo, body, Mode::Create)?;
        self.ctx
            .run(move |conn| {
                let written = tx::write(conn, |conn| {
                    check_references(conn, repo, &set)?;
                    let id = Uuid::new_v4();
                    repo.insert(conn, id, Timestamp::now(), &set)
                        .map_err(|e| unique(e, repo))?;
                    let record = repo.get(conn, id)?;
                    audit::note(conn, &user, repo.resource().name, id, None, Some(&record))?;
                    Ok(record)
                });
                recheck_references(conn, repo, &set, written)
            })
            .await
    }

    /// Replaces (`PUT`) or patches (`PATCH`) an entity.
    pub async fn update(
        &self,
        actor: &Actor,
        resource: CatalogResource,
        id: Uuid,
        body: &Json,
        mode: Mode,
    ) -> ServiceResult<Record> {
        let user = require_admin(actor)?.clone();
        let repo = resource.0;
        let set = parse_body(repo, body, mode)?;
        self.ctx
            .run(move |conn| {
                let written = tx::write(conn, |conn| {
                    let before = repo.get(conn, id)?;
                    check_references(conn, repo, &set)?;
                    repo.update(conn, id, Timestamp::now(), &set)
                        .map_err(|e| unique(e, repo))?;
                    let record = repo.get(conn, id)?;
                    audit::note(
                        conn,
                        &user,
                        repo.resource().name,
                        id,
                        Some(&before),
                        Some(&record),
                    )?;
                    Ok(record)
                });
                recheck_references(conn, repo, &set, written)
            })
            .await
    }

    /// What deleting an entity would remove: the entity itself, then each
    /// resource its delete cascades to, with counts and the first names.
    pub async fn delete_preview(
        &self,
        actor: &Actor,
        resource: CatalogResource,
        id: Uuid,
    ) -> ServiceResult<DeletePreview> {
        require_admin(actor)?;
        let repo = resource.0;
        self.ctx
            .run(move |conn| {
                let record = repo.get(conn, id)?;
                let name = audit::repr(&record, id);
                let own = repo.resource().name;
                let mut deletes = vec![Removed {
                    resource: own,
                    count: 1,
                    names: vec![name.clone()],
                }];
                deletes.extend(
                    cascade::delete_preview(conn, own, id)?
                        .into_iter()
                        .map(Removed::from),
                );
                Ok(DeletePreview {
                    resource: own,
                    id,
                    name,
                    deletes,
                })
            })
            .await
    }

    /// Deletes an entity and what cascades from it; media bytes that
    /// belonged to deleted rows are removed after the commit.
    pub async fn delete(
        &self,
        actor: &Actor,
        resource: CatalogResource,
        id: Uuid,
    ) -> ServiceResult<()> {
        let user = require_admin(actor)?.clone();
        let repo = resource.0;
        let files = self
            .ctx
            .run(move |conn| {
                tx::write(conn, |conn| {
                    let before = repo.get(conn, id)?;
                    let files = cascade::media_files_doomed_by(conn, repo.resource().name, id)?;
                    repo.delete(conn, id)?;
                    audit::note(conn, &user, repo.resource().name, id, Some(&before), None)?;
                    Ok(files)
                })
            })
            .await?;
        let root = self.ctx.config().media_root.clone();
        for file in &files {
            self.ctx.open_files().forget(file);
        }
        self.ctx
            .compute(move || {
                remove_files(&root, &files);
                Ok(())
            })
            .await
    }
}

/// Lists `repo` for `pairs` (permission already checked).
pub async fn list_records(
    ctx: &Ctx,
    repo: &'static Repo,
    pairs: Vec<(String, String)>,
) -> ServiceResult<Listed> {
    let query = ListQuery::parse(repo.resource(), &pairs).map_err(query_error)?;
    let key = format!("list {} {pairs:?}", repo.table.name);
    let counts = ctx.counts();
    let (listed, rendering) = ctx
        .read_cached(
            key,
            |(l, _): &(Arc<DbListed>, Rendering)| {
                l.records.iter().map(Record::approximate_size).sum()
            },
            move |conn| {
                let listed = counts.list(conn, repo, &query)?;
                Ok((Arc::new(listed), Rendering::default()))
            },
        )
        .await?;
    Listed::shared(listed, rendering)
}

/// One entity of `repo`, through the read cache.
pub async fn get_record(ctx: &Ctx, repo: &'static Repo, id: Uuid) -> ServiceResult<Fetched> {
    let key = format!("get {} {id}", repo.table.name);
    ctx.read_cached(
        key,
        |fetched: &Fetched| fetched.record().approximate_size(),
        move |conn| Ok(Fetched::from(repo.get(conn, id)?)),
    )
    .await
}

/// Validates a JSON body for `repo`. Resources with uploaded bytes take
/// multipart bodies only, so a JSON create without them names the file.
pub fn parse_body(repo: &Repo, body: &Json, mode: Mode) -> ServiceResult<WriteSet> {
    let set = WriteSet::parse(repo.resource(), body, mode);
    let file_required =
        mode == Mode::Create && repo.resource().fields.iter().any(|f| f.kind == Kind::File);
    match (set, file_required) {
        (Ok(set), false) => Ok(set),
        (Ok(_), true) => Err(ServiceError::field("file", "No file was submitted.")),
        (Err(mut errors), true) => {
            errors.add("file", "No file was submitted.");
            Err(errors.into())
        }
        (Err(errors), false) => Err(errors.into()),
    }
}

/// 400 on the field for every referred id that does not exist.
pub fn check_references(conn: &mut AnyConn, repo: &Repo, set: &WriteSet) -> ServiceResult<()> {
    let errors: FieldErrors = repo.missing_references(conn, set)?;
    Ok(errors.into_result()?)
}

/// After a write that a foreign key refused (a referred row was deleted
/// between [`check_references`] and the write, by a concurrent request):
/// checks the references again, now that the delete is visible, so the
/// client gets the same field message as if it had come a moment later.
pub fn recheck_references<T>(
    conn: &mut AnyConn,
    repo: &Repo,
    set: &WriteSet,
    written: ServiceResult<T>,
) -> ServiceResult<T> {
    match written {
        Err(ServiceError::ReferenceGone(why)) => {
            check_references(conn, repo, set)?;
            Err(ServiceError::ReferenceGone(why))
        }
        other => other,
    }
}

/// A unique violation as DRF's field message.
pub fn unique(error: mstream_db::DbError, repo: &Repo) -> ServiceError {
    unique_to_field(error, repo)
}

fn remove_files(root: &std::path::Path, files: &[String]) {
    for file in files {
        let path: PathBuf = root.join(file);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "could not remove media file")
            }
        }
    }
}
