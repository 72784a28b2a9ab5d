//! Resumable uploads (the tus 1.0 protocol's use cases, SPEC §10): an
//! upload is created with its length and target, receives its bytes in
//! any number of appends — from any process sharing the database and the
//! media root — and, with its last byte, becomes a media file exactly as a
//! multipart upload does ([`crate::media::adopt`] then
//! [`MediaService::create`] / [`MediaService::update`]).
//!
//! State: a row per upload (`mstream_db::uploads`) and the bytes in
//! `<root>/.tmp/resumable/<id>`. The row's offset only moves after the
//! bytes before it were synced, so it never names bytes that are not on
//! disk; an append first cuts the file back to the row's offset (a writer
//! that died mid-append may have left more). Appends to one upload are
//! serialised across processes by an exclusive `flock` on its file, taken
//! without waiting: a second concurrent append is refused ([`ServiceError::Locked`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use mstream_db::uploads::{self, Upload};
use mstream_db::{tables, tx};
use mstream_kernel::{Actor, FieldValue, Mode, Record, WriteSet};
use serde_json::{json, Map, Value as Json};
use sha1::Digest as _;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use uuid::Uuid;

use crate::catalog::check_references;
use crate::ctx::Ctx;
use crate::error::{ServiceError, ServiceResult};
use crate::media::{adopt, MediaService, StageError, RESUMABLE, STAGING};
use crate::policy::require_admin;

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An upload as the protocol reports it.
#[derive(Debug, Clone)]
pub struct UploadState {
    /// Its id.
    pub id: Uuid,
    /// Bytes in all.
    pub length: u64,
    /// Bytes received.
    pub offset: u64,
    /// `Upload-Metadata` as created.
    pub metadata: String,
    /// Unix seconds after which it is gone.
    pub expires_at: i64,
}

impl From<&Upload> for UploadState {
    fn from(upload: &Upload) -> Self {
        Self {
            id: upload.id,
            length: u64::try_from(upload.length).unwrap_or(0),
            offset: u64::try_from(upload.offset).unwrap_or(0),
            metadata: upload.metadata.clone(),
            expires_at: upload.expires_at,
        }
    }
}

/// What an append did.
#[derive(Debug)]
pub struct Appended {
    /// The upload after it.
    pub state: UploadState,
    /// The media file it became, when that was the last byte.
    pub media: Option<Record>,
}

/// Why an append failed. Bytes received before a body error are kept (the
/// offset says how many).
#[derive(Debug)]
pub enum AppendError<E> {
    /// Reading the body failed (the client went away, or stopped sending).
    Body(E),
    /// Refused, or failed.
    Refused(ServiceError),
}

impl<E> From<ServiceError> for AppendError<E> {
    fn from(error: ServiceError) -> Self {
        AppendError::Refused(error)
    }
}

/// Resumable uploads.
#[derive(Clone)]
pub struct ResumableUploads {
    ctx: Ctx,
    media: MediaService,
    ttl_secs: i64,
}

impl ResumableUploads {
    /// Over `media`'s root and limit.
    pub fn new(ctx: Ctx, media: MediaService, ttl_secs: u64) -> Self {
        Self {
            ctx,
            media,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
        }
    }

    /// The largest upload.
    pub fn max_size(&self) -> u64 {
        self.media.config().max_upload_bytes
    }

    fn dir(&self) -> PathBuf {
        self.media.config().root.join(STAGING).join(RESUMABLE)
    }

    fn path(&self, id: Uuid) -> PathBuf {
        self.dir().join(id.simple().to_string())
    }

    /// Creates an upload of `length` bytes: `metadata` (decoded) names the
    /// `content` it belongs to (required), and optionally its `name` (else
    /// `filename`) or the media file (`media`) whose bytes it replaces.
    /// Checked now, so a long upload is not refused at its end for a
    /// mistake known at its start.
    pub async fn create(
        &self,
        actor: &Actor,
        length: u64,
        metadata: &BTreeMap<String, String>,
        raw_metadata: &str,
    ) -> ServiceResult<UploadState> {
        let owner = require_admin(actor)?.id.uuid();
        if length > self.max_size() {
            return Err(ServiceError::TooLarge(self.max_size()));
        }
        if length == 0 {
            return Err(ServiceError::field("file", "The submitted file is empty."));
        }
        let media = match metadata.get("media") {
            Some(text) => Some(Uuid::parse_str(text).map_err(|_| {
                ServiceError::field(
                    "media",
                    format!("\u{201c}{text}\u{201d} is not a valid UUID."),
                )
            })?),
            None => None,
        };
        let id = Uuid::new_v4();
        let fields = target_fields(metadata, id, media.is_none());
        let repo = &tables::MEDIA_FILE;
        let mode = if media.is_some() {
            Mode::Patch
        } else {
            Mode::Create
        };
        let set = WriteSet::parse(repo.resource(), &fields, mode)?;
        let upload = Upload {
            id,
            owner,
            content: Uuid::nil(),
            media,
            name: fields
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
            metadata: raw_metadata.to_owned(),
            length: i64::try_from(length).unwrap_or(i64::MAX),
            offset: 0,
            expires_at: now().saturating_add(self.ttl_secs),
        };
        let path = self.path(upload.id);
        let dir = self.dir();
        let upload = self
            .ctx
            .run(move |conn| {
                tx::write_bookkeeping(conn, |conn| {
                    check_references(conn, repo, &set)?;
                    let mut upload = upload;
                    let content = match (media, fields.get("content").and_then(Json::as_str)) {
                        (_, Some(content)) => Uuid::parse_str(content)
                            .map_err(|_| ServiceError::field("content", "Invalid pk."))?,
                        (Some(media), None) => {
                            let record = repo.get(conn, media).map_err(|e| match e {
                                mstream_db::DbError::NotFound => ServiceError::field(
                                    "media",
                                    format!("Invalid pk \"{media}\" - object does not exist."),
                                ),
                                other => other.into(),
                            })?;
                            // A reference reads back as an id, not text.
                            match record.get("content") {
                                Some(FieldValue::Id(content)) => *content,
                                _ => {
                                    return Err(ServiceError::Internal(
                                        "media without content".into(),
                                    ))
                                }
                            }
                        }
                        (None, None) => content_required()?,
                    };
                    upload.content = content;
                    uploads::insert(conn, &upload, now())?;
                    std::fs::create_dir_all(&dir).map_err(|e| {
                        ServiceError::Internal(format!("cannot create the upload folder: {e}"))
                    })?;
                    std::fs::File::create(&path).map_err(|e| {
                        ServiceError::Internal(format!("cannot create an upload file: {e}"))
                    })?;
                    Ok::<_, ServiceError>(upload)
                })
            })
            .await?;
        Ok(UploadState::from(&upload))
    }

    /// The upload `id` as it stands: `NotFound` when there is none, `Gone`
    /// when it expired (the sweep removes it).
    pub async fn state(&self, actor: &Actor, id: Uuid) -> ServiceResult<UploadState> {
        require_admin(actor)?;
        let upload = self
            .ctx
            .run(move |conn| Ok(uploads::get(conn, id)?))
            .await?;
        live(&upload)?;
        Ok(UploadState::from(&upload))
    }

    /// Appends `body` at `offset` (which must be the upload's offset:
    /// `Conflict` otherwise), refusing bytes past the announced length;
    /// with `sha1`, the appended bytes must have that digest or they are
    /// dropped (`ChecksumMismatch`). On the last byte the upload becomes
    /// its media file, and its row and bytes are gone.
    pub async fn append<S, E>(
        &self,
        actor: &Actor,
        id: Uuid,
        offset: u64,
        sha1: Option<Vec<u8>>,
        body: S,
    ) -> Result<Appended, AppendError<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        require_admin(actor)?;
        let path = self.path(id);
        // Lock first, then read the row: whoever held the lock before has
        // recorded its offset by the time the lock is free.
        let (file, upload) = self
            .ctx
            .run({
                let path = path.clone();
                move |conn| {
                    let file = match std::fs::OpenOptions::new().write(true).open(&path) {
                        Ok(file) => file,
                        Err(_) => {
                            // No bytes: the upload is gone or never was.
                            let upload = uploads::get(conn, id)?;
                            live(&upload)?;
                            return Err(ServiceError::NotFound);
                        }
                    };
                    file.try_lock().map_err(|_| ServiceError::Locked)?;
                    let upload = uploads::get(conn, id)?;
                    live(&upload)?;
                    let at = u64::try_from(upload.offset).unwrap_or(0);
                    if at != offset {
                        return Err(ServiceError::Conflict(format!(
                            "Upload-Offset {offset} does not match the upload's offset {at}."
                        )));
                    }
                    // Bytes past the offset were never acknowledged.
                    file.set_len(at).map_err(io_error)?;
                    Ok((file, upload))
                }
            })
            .await?;
        let length = u64::try_from(upload.length).unwrap_or(0);
        let (written, outcome) = write_at(
            file.try_clone().map_err(io_error)?,
            offset,
            length,
            sha1,
            body,
        )
        .await;
        let end = offset + written;
        if let Err(AppendError::Refused(ServiceError::ChecksumMismatch)) = &outcome {
            self.ctx
                .compute({
                    let file = file.try_clone().map_err(io_error)?;
                    move || file.set_len(offset).map_err(io_error)
                })
                .await?;
            return Err(AppendError::Refused(ServiceError::ChecksumMismatch));
        }
        let expires_at = now().saturating_add(self.ttl_secs);
        if written > 0 {
            let recorded = self
                .ctx
                .run(move |conn| {
                    tx::write_bookkeeping(conn, |conn| {
                        uploads::set_offset(
                            conn,
                            id,
                            i64::try_from(end).unwrap_or(i64::MAX),
                            expires_at,
                        )
                        .map_err(ServiceError::from)
                    })
                })
                .await?;
            if !recorded {
                return Err(ServiceError::NotFound.into());
            }
        }
        outcome?;
        let mut state = UploadState::from(&upload);
        state.offset = end;
        state.expires_at = expires_at;
        let media = if end == length {
            Some(self.finish(actor, &upload, path).await?)
        } else {
            None
        };
        drop(file);
        Ok(Appended { state, media })
    }

    /// The last byte arrived: the bytes become the media file (the lock is
    /// still held by the caller), and the upload is gone, whether that
    /// worked or was refused (not media, a name taken meanwhile).
    ///
    /// The upload's row is removed in the transaction that writes the media
    /// file: a crash can leave neither a complete upload whose bytes became
    /// a media file, nor a media file whose upload still looks unfinished.
    async fn finish(&self, actor: &Actor, upload: &Upload, path: PathBuf) -> ServiceResult<Record> {
        let limit = self.max_size();
        let staged = self.ctx.compute(move || adopt(path, limit)).await;
        let mut fields = Map::new();
        if !upload.name.is_empty() {
            fields.insert("name".into(), Json::String(upload.name.clone()));
        }
        let id = upload.id;
        let gone: crate::media::AlsoInWrite = Box::new(move |conn| {
            uploads::delete(conn, id)?;
            Ok(())
        });
        let made = match staged {
            Ok(staged) => match upload.media {
                Some(media) => {
                    self.media
                        .update_and(
                            actor,
                            media,
                            &Json::Object(fields),
                            Some(staged),
                            Mode::Patch,
                            gone,
                        )
                        .await
                }
                None => {
                    fields.insert("content".into(), Json::String(upload.content.to_string()));
                    self.media
                        .create_and(actor, &Json::Object(fields), Some(staged), gone)
                        .await
                }
            },
            Err(error) => Err(error),
        };
        if made.is_err() {
            // Refused (or failed): nothing was written, and the bytes went
            // with the staged file; the upload is gone all the same.
            self.ctx
                .run(move |conn| {
                    tx::write_bookkeeping(conn, |conn| {
                        Ok::<_, ServiceError>(uploads::delete(conn, id)?)
                    })
                })
                .await?;
        }
        made
    }

    /// Ends upload `id`: its row and bytes are removed.
    pub async fn terminate(&self, actor: &Actor, id: Uuid) -> ServiceResult<()> {
        require_admin(actor)?;
        let path = self.path(id);
        self.ctx
            .run(move |conn| {
                let file = std::fs::OpenOptions::new().write(true).open(&path).ok();
                if let Some(file) = &file {
                    file.try_lock().map_err(|_| ServiceError::Locked)?;
                }
                let deleted = tx::write_bookkeeping(conn, |conn| {
                    Ok::<_, ServiceError>(uploads::delete(conn, id)?)
                })?;
                if !deleted {
                    return Err(ServiceError::NotFound);
                }
                let _ = std::fs::remove_file(&path);
                Ok(())
            })
            .await
    }

    /// Removes the expired uploads (rows and bytes), and files in the
    /// upload folder that no row names and that nobody wrote to for a
    /// lifetime (left by a content deleted with its uploads). Uploads being
    /// appended to are left alone (their lock is held). Returns how many
    /// were removed.
    pub async fn sweep(&self) -> ServiceResult<usize> {
        let dir = self.dir();
        let ttl = self.ttl_secs;
        self.ctx
            .run(move |conn| {
                let mut removed = 0;
                for id in uploads::expired(conn, now())? {
                    let path = dir.join(id.simple().to_string());
                    let file = std::fs::OpenOptions::new().write(true).open(&path).ok();
                    if file.as_ref().is_some_and(|f| f.try_lock().is_err()) {
                        continue;
                    }
                    tx::write_bookkeeping(conn, |conn| {
                        Ok::<_, ServiceError>(uploads::delete(conn, id)?)
                    })?;
                    let _ = std::fs::remove_file(&path);
                    removed += 1;
                }
                removed += remove_orphans(conn, &dir, ttl)?;
                Ok(removed)
            })
            .await
    }
}

fn remove_orphans(conn: &mut mstream_db::AnyConn, dir: &Path, ttl: i64) -> ServiceResult<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    let ttl = std::time::Duration::from_secs(u64::try_from(ttl).unwrap_or(0));
    for entry in entries.filter_map(Result::ok) {
        let Some(id) = entry
            .file_name()
            .to_str()
            .and_then(|name| Uuid::parse_str(name).ok())
        else {
            continue;
        };
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ttl);
        if idle && !uploads::exists(conn, id)? {
            removed += usize::from(std::fs::remove_file(entry.path()).is_ok());
        }
    }
    Ok(removed)
}

fn content_required() -> ServiceResult<Uuid> {
    Err(ServiceError::field("content", "This field is required."))
}

/// `Gone` when `upload` expired.
fn live(upload: &Upload) -> ServiceResult<()> {
    if upload.expires_at <= now() {
        return Err(ServiceError::Gone);
    }
    Ok(())
}

fn io_error(e: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("resumable upload file: {e}"))
}

/// The media file's fields from the metadata: `content`, and `name` (else
/// `filename`, else — for a new media file — `upload <id>`: names are
/// unique).
fn target_fields(metadata: &BTreeMap<String, String>, id: Uuid, new: bool) -> Json {
    let mut fields = Map::new();
    if let Some(content) = metadata.get("content") {
        fields.insert("content".into(), json!(content));
    }
    if let Some(name) = metadata.get("name").or_else(|| metadata.get("filename")) {
        fields.insert("name".into(), json!(name));
    } else if new {
        fields.insert("name".into(), json!(format!("upload {id}")));
    }
    Json::Object(fields)
}

/// Writes `body` to `file` from `offset`, at most up to `length`, then
/// syncs what was written. Returns the bytes written and synced (kept even
/// when the body failed) and how it ended.
async fn write_at<S, E>(
    file: std::fs::File,
    offset: u64,
    length: u64,
    sha1: Option<Vec<u8>>,
    mut body: S,
) -> (u64, Result<(), AppendError<E>>)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut file = tokio::fs::File::from_std(file);
    let mut written = 0_u64;
    let mut hasher = sha1.as_ref().map(|_| sha1::Sha1::new());
    let mut outcome = match file.seek(std::io::SeekFrom::Start(offset)).await {
        Ok(_) => Ok(()),
        Err(e) => Err(AppendError::Refused(io_error(e))),
    };
    let room = length.saturating_sub(offset);
    while outcome.is_ok() {
        let chunk = match body.next().await {
            None => break,
            Some(Err(e)) => {
                outcome = Err(AppendError::Body(e));
                break;
            }
            Some(Ok(chunk)) => chunk,
        };
        let fits = usize::try_from(room - written)
            .unwrap_or(usize::MAX)
            .min(chunk.len());
        let part = chunk.get(..fits).unwrap_or_default();
        if let Err(e) = file.write_all(part).await {
            outcome = Err(AppendError::Refused(io_error(e)));
            break;
        }
        if let Some(hasher) = &mut hasher {
            hasher.update(part);
        }
        written += fits as u64;
        if fits < chunk.len() {
            outcome = Err(AppendError::Refused(ServiceError::TooLarge(length)));
        }
    }
    if let Err(e) = file.flush().await {
        return (0, Err(AppendError::Refused(io_error(e))));
    }
    if let Err(e) = file.sync_data().await {
        return (0, Err(AppendError::Refused(io_error(e))));
    }
    if let (Some(hasher), Some(expected), Ok(())) = (hasher, &sha1, &outcome) {
        if hasher.finalize().as_slice() != expected.as_slice() {
            return (0, Err(AppendError::Refused(ServiceError::ChecksumMismatch)));
        }
    }
    (written, outcome)
}

impl<E> From<StageError<E>> for AppendError<E> {
    fn from(error: StageError<E>) -> Self {
        match error {
            StageError::Body(e) => AppendError::Body(e),
            StageError::Refused(e) => AppendError::Refused(e),
        }
    }
}
