//! Media files (SPEC §5): uploads staged to disk while hashed, stored under
//! names the server chooses, and signed URLs for streaming them.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use futures_util::{Stream, StreamExt};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use bytes::Bytes;
use mstream_db::engine;
use mstream_db::sql::Bind;
use mstream_db::{tables, tx, AnyConn};
use mstream_kernel::{Actor, FieldValue, Mode, Record, Timestamp, WriteSet};
use serde_json::Value as Json;

use crate::accounts::{require_admin, signed_in};
use crate::catalog::{check_references, unique};
use crate::ctx::Ctx;
use crate::error::{ServiceError, ServiceResult};
use crate::open_files::OpenFile;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Folder under the media root where uploads are staged.
pub const STAGING: &str = ".tmp";
/// Folder under the media root where media files live (as in the original).
pub const STORED: &str = "content";

/// Media settings.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The media root.
    pub root: PathBuf,
    /// Largest upload in bytes.
    pub max_upload_bytes: u64,
    /// Lifetime of a signed URL.
    pub url_ttl_secs: u64,
    /// Serve without signatures.
    pub public: bool,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            root: PathBuf::from("content"),
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            url_ttl_secs: 6 * 3600,
            public: false,
        }
    }
}

/// Signs and checks `/content/` URLs: HMAC-SHA256 over `path|expires`.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
    ttl_secs: u64,
    public: bool,
}

impl Signer {
    /// With the secret key.
    pub fn new(secret_key: &str, ttl_secs: u64, public: bool) -> Self {
        Self {
            key: secret_key.as_bytes().to_vec(),
            ttl_secs,
            public,
        }
    }

    fn mac(&self, path: &str, expires: u64) -> Option<HmacSha256> {
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(path.as_bytes());
        mac.update(b"|");
        mac.update(expires.to_string().as_bytes());
        Some(mac)
    }

    /// The query string (`expires=…&signature=…`) that grants `path` (the
    /// stored path, relative to the media root) until `now + ttl`; empty
    /// when media are public.
    pub fn query(&self, path: &str, now: u64) -> String {
        if self.public {
            return String::new();
        }
        let expires = now + self.ttl_secs;
        let signature = self
            .mac(path, expires)
            .map(|mac| hex::encode(mac.finalize().into_bytes()))
            .unwrap_or_default();
        format!("expires={expires}&signature={signature}")
    }

    /// Whether `expires`/`signature` grant `path` at `now` (constant-time
    /// comparison). Always true when media are public.
    pub fn verify(
        &self,
        path: &str,
        expires: Option<&str>,
        signature: Option<&str>,
        now: u64,
    ) -> bool {
        if self.public {
            return true;
        }
        let (Some(expires), Some(signature)) = (expires, signature) else {
            return false;
        };
        let (Ok(expires), Ok(signature)) = (expires.parse::<u64>(), hex::decode(signature)) else {
            return false;
        };
        expires >= now
            && self
                .mac(path, expires)
                .is_some_and(|mac| mac.verify_slice(&signature).is_ok())
    }
}

/// An upload written to the staging folder, with what was learnt while
/// writing it. The staged file is removed when this is dropped unless it
/// was stored.
#[derive(Debug)]
pub struct StagedFile {
    /// Where it is now.
    pub temp: PathBuf,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// From the client's file name's extension.
    pub mime_type: String,
    /// A safe extension to keep in the stored name, if any.
    pub extension: Option<String>,
    kept: bool,
}

impl StagedFile {
    /// Moves the staged bytes to `root/stored` (same filesystem: a rename).
    pub fn store(mut self, root: &Path, stored: &str) -> std::io::Result<()> {
        let target = root.join(stored);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::rename(&self.temp, &target)?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Extensions kept in stored names: short, alphanumeric and known to
/// `mime_guess`; anything else is stored without one.
fn safe_extension(file_name: &str) -> Option<String> {
    let ext = Path::new(file_name)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    let plain = !ext.is_empty() && ext.len() <= 8 && ext.chars().all(|c| c.is_ascii_alphanumeric());
    (plain && mime_guess::from_ext(&ext).first().is_some()).then_some(ext)
}

/// Writes `body` to a new file in the staging folder, hashing and counting
/// as it goes; refuses with [`ServiceError::TooLarge`] as soon as the size
/// passes `limit`. Nothing is kept on any error.
pub async fn stage<S, E>(
    root: &Path,
    file_name: &str,
    limit: u64,
    mut body: S,
) -> ServiceResult<StagedFile>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let dir = root.join(STAGING);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let extension = safe_extension(file_name);
    let mime_type = extension
        .as_deref()
        .and_then(|ext| mime_guess::from_ext(ext).first())
        .map_or_else(
            || "application/octet-stream".to_owned(),
            |m| m.essence_str().to_owned(),
        );
    let mut staged = StagedFile {
        temp: dir.join(format!("upload-{}", Uuid::new_v4())),
        size: 0,
        sha256: String::new(),
        mime_type,
        extension,
        kept: false,
    };
    let mut file = tokio::fs::File::create(&staged.temp)
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot stage an upload: {e}")))?;
    let mut hasher = Sha256::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk
            .map_err(|e| ServiceError::field("file", format!("The upload was interrupted: {e}")))?;
        staged.size += chunk.len() as u64;
        if staged.size > limit {
            return Err(ServiceError::TooLarge(limit));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| ServiceError::Internal(format!("cannot write an upload: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot write an upload: {e}")))?;
    file.sync_all()
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot write an upload: {e}")))?;
    if staged.size == 0 {
        return Err(ServiceError::field("file", "The submitted file is empty."));
    }
    staged.sha256 = hex::encode(hasher.finalize());
    Ok(staged)
}

/// Removes staged uploads a crash left behind (run at start-up).
pub fn clean_staging(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root.join(STAGING)) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// The file under `root` (canonical) that `/content/<requested>` names, or
/// `None` when the request tries to leave the root, names a dot-file or the
/// staging folder, or the file does not exist (every refusal is a 404).
/// Once the path is known to be only normal, non-dot components, only a
/// symlink could lead out: each component is checked with one `lstat`, and
/// only a path through a symlink pays for `canonicalize` (a `readlink` per
/// component of the absolute path was a tenth of a small range request's
/// CPU).
fn resolve_under(root: &Path, requested: &str) -> Option<PathBuf> {
    let relative = Path::new(requested);
    let plain = relative.components().all(|c| match c {
        Component::Normal(part) => !part.to_string_lossy().starts_with('.'),
        _ => false,
    });
    if !plain || requested.is_empty() {
        return None;
    }
    let mut path = root.to_path_buf();
    let mut is_file = false;
    for component in relative.components() {
        path.push(component);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if meta.file_type().is_symlink() {
            let real = root.join(relative).canonicalize().ok()?;
            return (real.starts_with(root) && real.is_file()).then_some(real);
        }
        is_file = meta.is_file();
    }
    is_file.then_some(path)
}

/// Uploads and the subscribers' view of media.
#[derive(Clone)]
pub struct MediaService {
    ctx: Ctx,
    config: MediaConfig,
    signer: Signer,
    /// The root, canonicalised once it exists.
    canonical_root: Arc<OnceLock<PathBuf>>,
}

/// A content as the subscribers' catalog shows it.
#[derive(Debug)]
pub struct CatalogEntry {
    /// The content, in the content shape.
    pub content: Record,
    /// `{artist, artist_name, relation}` of each credit.
    pub credits: Vec<Record>,
    /// The content's media files, in the media shape.
    pub media: Vec<Record>,
    /// Whether the caller may stream (an admin or a subscriber).
    pub may_stream: bool,
}

impl MediaService {
    /// Over `ctx`.
    pub fn new(ctx: Ctx, config: MediaConfig, signer: Signer) -> Self {
        Self {
            ctx,
            config,
            signer,
            canonical_root: Arc::default(),
        }
    }

    /// The stored file `/content/<requested>` names (see [`resolve_under`]);
    /// blocking: call it off the async workers.
    pub fn resolve(&self, requested: &str) -> Option<PathBuf> {
        let root = match self.canonical_root.get() {
            Some(root) => root,
            None => {
                let root = self.config.root.canonicalize().ok()?;
                self.canonical_root.get_or_init(|| root)
            }
        };
        resolve_under(root, requested)
    }

    /// Opens the stored file `/content/<requested>` names (see
    /// [`MediaService::resolve`]) and keeps the handle for the requests
    /// that follow (see [`crate::open_files`]); blocking: call it off the
    /// async workers.
    pub fn open(&self, requested: &str) -> std::io::Result<Arc<OpenFile>> {
        let path = self
            .resolve(requested)
            .ok_or(std::io::ErrorKind::NotFound)?;
        let file = std::fs::File::open(&path)?;
        Ok(self
            .ctx
            .open_files()
            .insert(requested, OpenFile { file, path }))
    }

    /// The handle kept for `requested` by an earlier [`MediaService::open`],
    /// if any; never blocks.
    pub fn opened(&self, requested: &str) -> Option<Arc<OpenFile>> {
        self.ctx.open_files().get(requested)
    }

    /// Drops the handle kept for `requested` (its file turned out to be
    /// gone).
    pub fn forget_opened(&self, requested: &str) {
        self.ctx.open_files().forget(requested);
    }

    /// The URL signer.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The settings.
    pub fn config(&self) -> &MediaConfig {
        &self.config
    }

    /// Stages an upload under this service's root and limit.
    pub async fn stage<S, E>(&self, file_name: &str, body: S) -> ServiceResult<StagedFile>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        stage(
            &self.config.root,
            file_name,
            self.config.max_upload_bytes,
            body,
        )
        .await
    }

    /// Creates a media file from its text fields and staged bytes; the bytes
    /// are moved into place inside the transaction, and removed again if it
    /// does not commit.
    pub async fn create(
        &self,
        actor: &Actor,
        fields: &Json,
        file: Option<StagedFile>,
    ) -> ServiceResult<Record> {
        require_admin(actor)?;
        let repo = &tables::MEDIA_FILE;
        let set = WriteSet::parse(repo.resource(), fields, Mode::Create);
        let (set, file) = match (set, file) {
            (Ok(set), Some(file)) => (set, file),
            (Ok(_), None) => return Err(ServiceError::field("file", "No file was submitted.")),
            (Err(mut errors), file) => {
                if file.is_none() {
                    errors.add("file", "No file was submitted.");
                }
                return Err(errors.into());
            }
        };
        let id = Uuid::new_v4();
        self.write(move |conn, root, stored| {
            check_references(conn, repo, &set)?;
            let extra = file_columns(&file, stored);
            engine::insert(conn, repo.table, id, Timestamp::now(), &set, &extra)
                .map_err(|e| unique(e, repo))?;
            let record = repo.get(conn, id)?;
            place(file, root, stored)?;
            Ok(record)
        })
        .await
    }

    /// Replaces or patches a media file; with new bytes, the old ones are
    /// removed after the commit. Without, the bytes are kept.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        fields: &Json,
        file: Option<StagedFile>,
        mode: Mode,
    ) -> ServiceResult<Record> {
        require_admin(actor)?;
        let repo = &tables::MEDIA_FILE;
        let set = WriteSet::parse(repo.resource(), fields, mode)?;
        let root = self.config.root.clone();
        let replaced_file = file.is_some();
        let (record, old) = self
            .write(move |conn, root, stored| {
                let old = repo.get(conn, id)?.text("file").map(str::to_owned);
                check_references(conn, repo, &set)?;
                let extra = file
                    .as_ref()
                    .map(|f| file_columns(f, stored))
                    .unwrap_or_default();
                engine::update(conn, repo.table, id, Timestamp::now(), &set, &extra)
                    .map_err(|e| unique(e, repo))?;
                let record = repo.get(conn, id)?;
                if let Some(file) = file {
                    place(file, root, stored)?;
                }
                Ok((record, old))
            })
            .await?;
        if let (true, Some(old)) = (replaced_file, old) {
            self.ctx.open_files().forget(&old);
            self.ctx
                .compute(move || {
                    let _ = std::fs::remove_file(root.join(old));
                    Ok(())
                })
                .await?;
        }
        Ok(record)
    }

    /// Runs `work` in a write transaction with a fresh stored name; if the
    /// transaction fails after the bytes were placed, they are removed.
    async fn write<T, F>(&self, work: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConn, &Path, &str) -> ServiceResult<T> + Send + 'static,
    {
        let root = self.config.root.clone();
        let stored = format!("{STORED}/{}", Uuid::new_v4());
        self.ctx
            .run(move |conn| {
                let result = tx::write(conn, |conn| work(conn, &root, &stored));
                if result.is_err() {
                    let _ = std::fs::remove_file(root.join(&stored));
                }
                result
            })
            .await
    }

    /// A content for the subscribers' catalog: any signed-in user.
    pub async fn catalog_entry(&self, actor: &Actor, id: Uuid) -> ServiceResult<CatalogEntry> {
        let user = signed_in(actor)?.clone();
        self.ctx
            .run(move |conn| {
                let content = tables::CONTENT.get(conn, id)?;
                let credits = tables::RELATION
                    .by(conn, "content_id", &[id])?
                    .into_iter()
                    .map(|r| {
                        let mut credit = Record::new();
                        for field in ["artist", "artist_name", "relation"] {
                            credit.set(field, r.get(field).cloned().unwrap_or(FieldValue::Null));
                        }
                        credit
                    })
                    .collect();
                let media = tables::MEDIA_FILE.by(conn, "content_id", &[id])?;
                let may_stream = user.is_admin
                    || !tables::SUBSCRIPTION
                        .by(conn, "user_id", &[user.id.uuid()])?
                        .is_empty();
                Ok(CatalogEntry {
                    content,
                    credits,
                    media,
                    may_stream,
                })
            })
            .await
    }
}

fn file_columns(file: &StagedFile, stored: &str) -> Vec<(&'static str, Bind)> {
    let stored = match &file.extension {
        Some(ext) => format!("{stored}.{ext}"),
        None => stored.to_owned(),
    };
    vec![
        ("file", Bind::Text(stored)),
        (
            "size",
            Bind::Int(i64::try_from(file.size).unwrap_or(i64::MAX)),
        ),
        ("mime_type", Bind::Text(file.mime_type.clone())),
        ("sha256", Bind::Text(file.sha256.clone())),
    ]
}

fn place(file: StagedFile, root: &Path, stored: &str) -> ServiceResult<()> {
    let stored = match &file.extension {
        Some(ext) => format!("{stored}.{ext}"),
        None => stored.to_owned(),
    };
    file.store(root, &stored)
        .map_err(|e| ServiceError::Internal(format!("cannot store an upload: {e}")))
}
