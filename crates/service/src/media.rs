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
use mstream_db::media::{self as media_repo, StoredFile};
use mstream_db::{tables, tx, AnyConn};
use mstream_kernel::{Actor, FieldValue, Mode, Record, Timestamp, WriteSet};
use serde_json::Value as Json;

use crate::audit;
use crate::catalog::{check_references, unique};
use crate::config::MediaConfig;
use crate::ctx::Ctx;
use crate::error::{ServiceError, ServiceResult};
use crate::open_files::OpenFile;
use crate::policy::{require_admin, signed_in};

type HmacSha256 = hmac::Hmac<Sha256>;

/// Folder under the media root where uploads are staged.
pub const STAGING: &str = ".tmp";
/// Folder under the staging folder where resumable uploads are kept between
/// their requests (shared by every process: start-up cleaning leaves it to
/// the expiry sweep, see [`crate::resumable`]).
pub const RESUMABLE: &str = "resumable";
/// Folder under the media root where media files live (as in the original).
pub const STORED: &str = "content";

/// How long bytes under the stored-media folder are left alone by the
/// orphan sweep ([`MediaService::sweep_orphans`]) after they were placed.
/// Bytes are placed inside the write transaction that records them, just
/// before its commit, so bytes no row names may be another process's whose
/// commit is still to come; an hour is far longer than any write
/// transaction may take (statements time out in seconds) and than the
/// clocks of processes sharing a media root drift apart.
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

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

    /// The `(expires, signature)` that grant `path` until `now + ttl`, or
    /// `None` when media are public: for URLs that carry them in the path
    /// (HLS prefixes, see [`crate::hls`]) rather than the query.
    pub fn grant(&self, path: &str, now: u64) -> Option<(u64, String)> {
        if self.public {
            return None;
        }
        let expires = now + self.ttl_secs;
        let signature = self
            .mac(path, expires)
            .map(|mac| hex::encode(mac.finalize().into_bytes()))
            .unwrap_or_default();
        Some((expires, signature))
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
    /// Sniffed from the bytes.
    pub mime_type: String,
    /// The extension of the sniffed type, kept in the stored name.
    pub extension: String,
    kept: bool,
}

impl StagedFile {
    /// Moves the staged bytes to `root/stored` (same filesystem: a rename).
    /// Its modification time becomes "now" first: a rename keeps the
    /// staged file's (a resumable upload may have been written to long
    /// ago), and the orphan sweep's grace period ([`ORPHAN_GRACE`]) must
    /// count from the placing, or bytes whose row is about to be committed
    /// could look abandoned.
    pub fn store(mut self, root: &Path, stored: &str) -> std::io::Result<()> {
        let target = root.join(stored);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.temp)?
            .set_modified(std::time::SystemTime::now())?;
        std::fs::rename(&self.temp, &target)?;
        self.kept = true;
        Ok(())
    }

    /// The name the bytes are stored under: `content/<uuid>.<ext>`.
    pub fn stored_name(&self) -> String {
        format!("{STORED}/{}.{}", Uuid::new_v4(), self.extension)
    }

    /// What the database records of these bytes once stored as `stored`.
    fn facts(&self, stored: &str) -> StoredFile {
        StoredFile {
            name: stored.to_owned(),
            size: self.size,
            mime_type: self.mime_type.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A step a caller adds to the write transaction that stores a media file
/// (a finished tus upload's row is removed in it: the media file and the
/// end of its upload are one write).
pub type AlsoInWrite = Box<dyn FnOnce(&mut AnyConn) -> ServiceResult<()> + Send>;

/// How many leading bytes are sniffed (WebM's doctype sits within the
/// first 256; the rest is margin for containers with longer headers).
const SNIFF_BYTES: usize = 4096;

/// The message for bytes that are not audio, video or a raster image.
pub const NOT_MEDIA: &str =
    "Upload a valid audio, video or image file. The file you uploaded was either not one or a corrupted one.";

/// The type of `head` (the first bytes of an upload) when it is audio,
/// video or a raster image a browser shows inline; anything else (HTML,
/// SVG, scripts, archives, documents, and unknown bytes) is refused, so
/// nothing stored can run as a page on this origin. Decided from the bytes
/// alone: the client's file name and content type are never trusted.
pub fn sniff(head: &[u8]) -> Option<infer::Type> {
    const RASTER: &[&str] = &[
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/avif",
        "image/heif",
        "image/jxl",
        "image/tiff",
        "image/vnd.microsoft.icon",
    ];
    let kind = infer::get(head)?;
    match kind.matcher_type() {
        infer::MatcherType::Audio | infer::MatcherType::Video => Some(kind),
        infer::MatcherType::Image if RASTER.contains(&kind.mime_type()) => Some(kind),
        _ => None,
    }
}

/// Why staging failed: the body stream's own error, or a refusal.
#[derive(Debug)]
pub enum StageError<E> {
    /// Reading the body failed (the client went away, or stopped sending).
    Body(E),
    /// The bytes were refused, or could not be written.
    Refused(ServiceError),
}

impl<E> From<ServiceError> for StageError<E> {
    fn from(error: ServiceError) -> Self {
        StageError::Refused(error)
    }
}

/// What is learnt from an upload's bytes as they pass: their size, hash
/// and sniffed type. Shared by multipart uploads (fed while the body is
/// streamed, [`stage`]) and resumable ones (fed from the finished staging
/// file, [`adopt`]), so both refuse and describe bytes the same way.
struct Digesting {
    size: u64,
    limit: u64,
    hasher: Sha256,
    head: Vec<u8>,
    sniffed: Option<infer::Type>,
}

impl Digesting {
    fn new(limit: u64) -> Self {
        Self {
            size: 0,
            limit,
            hasher: Sha256::new(),
            head: Vec::with_capacity(SNIFF_BYTES),
            sniffed: None,
        }
    }

    /// Takes the next bytes: [`ServiceError::TooLarge`] past the limit, a
    /// `file` error as soon as the first bytes are known not to be media.
    fn feed(&mut self, chunk: &[u8]) -> ServiceResult<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(ServiceError::TooLarge(self.limit));
        }
        if self.sniffed.is_none() {
            let wanted = SNIFF_BYTES.saturating_sub(self.head.len()).min(chunk.len());
            self.head
                .extend_from_slice(chunk.get(..wanted).unwrap_or_default());
            if self.head.len() >= SNIFF_BYTES {
                self.sniffed =
                    Some(sniff(&self.head).ok_or_else(|| ServiceError::field("file", NOT_MEDIA))?);
            }
        }
        self.hasher.update(chunk);
        Ok(())
    }

    /// Fills in what was learnt: refuses empty or non-media bytes.
    fn finish(self, staged: &mut StagedFile) -> ServiceResult<()> {
        if self.size == 0 {
            return Err(ServiceError::field("file", "The submitted file is empty."));
        }
        let kind = match self.sniffed {
            Some(kind) => kind,
            None => sniff(&self.head).ok_or_else(|| ServiceError::field("file", NOT_MEDIA))?,
        };
        staged.size = self.size;
        staged.mime_type = kind.mime_type().to_owned();
        staged.extension = kind.extension().to_owned();
        staged.sha256 = hex::encode(self.hasher.finalize());
        Ok(())
    }
}

/// Writes `body` to a new file in the staging folder `dir`, hashing and
/// counting as it goes and sniffing its type from its first bytes; refuses
/// with [`ServiceError::TooLarge`] as soon as the size passes `limit`, and
/// with a `file` error when the bytes are not media. Nothing is kept on any
/// error (nor when the future is dropped).
pub async fn stage<S, E>(dir: &Path, limit: u64, mut body: S) -> Result<StagedFile, StageError<E>>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut staged = StagedFile {
        temp: dir.join(format!("upload-{}", Uuid::new_v4())),
        size: 0,
        sha256: String::new(),
        mime_type: String::new(),
        extension: String::new(),
        kept: false,
    };
    let mut file = tokio::fs::File::create(&staged.temp)
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot stage an upload: {e}")))?;
    let mut digest = Digesting::new(limit);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(StageError::Body)?;
        digest.feed(&chunk)?;
        file.write_all(&chunk)
            .await
            .map_err(|e| ServiceError::Internal(format!("cannot write an upload: {e}")))?;
    }
    digest.finish(&mut staged)?;
    file.flush()
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot write an upload: {e}")))?;
    file.sync_all()
        .await
        .map_err(|e| ServiceError::Internal(format!("cannot write an upload: {e}")))?;
    Ok(staged)
}

/// Takes a file already complete in the staging area (a finished resumable
/// upload) as a staged upload: reads it once for its hash, size and type,
/// with the same refusals as [`stage`]. On any error, and when the result
/// is dropped unstored, the file is removed. Blocking.
pub fn adopt(path: PathBuf, limit: u64) -> ServiceResult<StagedFile> {
    use std::io::Read;
    let mut staged = StagedFile {
        temp: path,
        size: 0,
        sha256: String::new(),
        mime_type: String::new(),
        extension: String::new(),
        kept: false,
    };
    let mut file = std::fs::File::open(&staged.temp)
        .map_err(|e| ServiceError::Internal(format!("cannot read an upload: {e}")))?;
    let mut digest = Digesting::new(limit);
    let mut buf = vec![0_u8; 1024 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| ServiceError::Internal(format!("cannot read an upload: {e}")))?;
        if n == 0 {
            break;
        }
        digest.feed(buf.get(..n).unwrap_or_default())?;
    }
    digest.finish(&mut staged)?;
    Ok(staged)
}

/// This process's own staging folder, `<root>/.tmp/<pid>-<random>/`, and
/// the lock on its `lock` file that tells other processes sharing the media
/// root that it is alive. The lock is an advisory `flock`, released by the
/// kernel when the process dies however it dies, so a folder whose lock can
/// be taken belongs to nobody.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    _lock: std::fs::File,
}

/// The lock file in each process's staging folder.
const LOCK_FILE: &str = "lock";

impl Staging {
    /// Creates and locks a new staging folder under `root` (blocking).
    pub fn create(root: &Path) -> std::io::Result<Self> {
        let dir = root.join(STAGING).join(format!(
            "{}-{}",
            std::process::id(),
            Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir)?;
        let lock = std::fs::File::create(dir.join(LOCK_FILE))?;
        lock.try_lock().map_err(std::io::Error::other)?;
        Ok(Self { dir, _lock: lock })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    /// A process that stops cleanly leaves no folder behind.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How long a staging folder without its lock file is taken to be in the
/// making (its process creates the folder, then the lock file) rather than
/// abandoned.
const CREATION_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes what crashed processes left in the staging folder (run at
/// start-up): the folders whose lock nobody holds, and loose files from
/// before staging was per process. Folders of live processes sharing the
/// media root — and their uploads in flight — are left alone.
pub fn clean_staging(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root.join(STAGING)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if entry.file_name() == RESUMABLE {
            continue;
        }
        if !path.is_dir() {
            removed += usize::from(std::fs::remove_file(&path).is_ok());
            continue;
        }
        let abandoned = match std::fs::OpenOptions::new()
            .write(true)
            .open(path.join(LOCK_FILE))
        {
            Ok(lock) => lock.try_lock().is_ok(),
            Err(_) => std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|made| made.elapsed().ok())
                .is_some_and(|age| age > CREATION_GRACE),
        };
        if !abandoned {
            continue;
        }
        removed += std::fs::read_dir(&path)
            .map(|files| {
                files
                    .filter_map(Result::ok)
                    .filter(|f| f.file_name() != LOCK_FILE)
                    .count()
            })
            .unwrap_or(0);
        let _ = std::fs::remove_dir_all(&path);
    }
    removed
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
    /// This process's staging folder, made by the first upload.
    staging: Arc<tokio::sync::OnceCell<Staging>>,
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
    /// The packaging job of each video among `media`, by media file.
    pub packaging: crate::hls::Packaging,
}

impl MediaService {
    /// Over `ctx`.
    pub fn new(ctx: Ctx, config: MediaConfig, signer: Signer) -> Self {
        Self {
            ctx,
            config,
            signer,
            canonical_root: Arc::default(),
            staging: Arc::default(),
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

    /// Stages an upload in this process's staging folder under its limit.
    pub async fn stage<S, E>(&self, body: S) -> Result<StagedFile, StageError<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        let root = self.config.root.clone();
        let staging = self
            .staging
            .get_or_try_init(|| async {
                self.ctx
                    .compute(move || {
                        Staging::create(&root).map_err(|e| {
                            ServiceError::Internal(format!("cannot create a staging folder: {e}"))
                        })
                    })
                    .await
            })
            .await?;
        stage(staging.dir(), self.config.max_upload_bytes, body).await
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
        self.create_and(actor, fields, file, Box::new(|_| Ok(())))
            .await
    }

    /// [`Self::create`], with `also` run in the same write transaction
    /// (after the media file and its audit entry are written): both are
    /// committed, or neither.
    pub async fn create_and(
        &self,
        actor: &Actor,
        fields: &Json,
        file: Option<StagedFile>,
        also: AlsoInWrite,
    ) -> ServiceResult<Record> {
        let user = require_admin(actor)?.clone();
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
        let stored = file.stored_name();
        self.write(Some(stored), move |conn, root, stored| {
            check_references(conn, repo, &set)?;
            let facts = file.facts(stored);
            let now = Timestamp::now();
            media_repo::insert_media_file(conn, id, now, &set, &facts)
                .map_err(|e| unique(e, repo))?;
            crate::hls::queue_if_video(conn, id, &facts, now)?;
            let record = repo.get(conn, id)?;
            audit::note(conn, &user, repo.resource().name, id, None, Some(&record))?;
            also(conn)?;
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
        self.update_and(actor, id, fields, file, mode, Box::new(|_| Ok(())))
            .await
    }

    /// [`Self::update`], with `also` run in the same write transaction
    /// (after the media file and its audit entry are written): both are
    /// committed, or neither.
    pub async fn update_and(
        &self,
        actor: &Actor,
        id: Uuid,
        fields: &Json,
        file: Option<StagedFile>,
        mode: Mode,
        also: AlsoInWrite,
    ) -> ServiceResult<Record> {
        let user = require_admin(actor)?.clone();
        let repo = &tables::MEDIA_FILE;
        let set = WriteSet::parse(repo.resource(), fields, mode)?;
        let root = self.config.root.clone();
        let replaced_file = file.is_some();
        let stored = file.as_ref().map(StagedFile::stored_name);
        let (record, old) = self
            .write(stored, move |conn, root, stored| {
                let before = repo.get(conn, id)?;
                let old = before.text("file").map(str::to_owned);
                check_references(conn, repo, &set)?;
                let facts = file.as_ref().map(|f| f.facts(stored));
                let now = Timestamp::now();
                media_repo::update_media_file(conn, id, now, &set, facts.as_ref())
                    .map_err(|e| unique(e, repo))?;
                if let Some(facts) = &facts {
                    crate::hls::queue_if_video(conn, id, facts, now)?;
                }
                let record = repo.get(conn, id)?;
                audit::note(
                    conn,
                    &user,
                    repo.resource().name,
                    id,
                    Some(&before),
                    Some(&record),
                )?;
                also(conn)?;
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

    /// Runs `work` in a write transaction with the name new bytes are
    /// stored under (decided once, here, so the clean-up removes exactly
    /// what `work` placed); if the transaction fails after the bytes were
    /// placed — the commit itself included — they are removed.
    async fn write<T, F>(&self, stored: Option<String>, work: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConn, &Path, &str) -> ServiceResult<T> + Send + 'static,
    {
        let root = self.config.root.clone();
        self.ctx
            .run(move |conn| {
                let name = stored.as_deref().unwrap_or_default();
                let result = tx::write(conn, |conn| work(conn, &root, name));
                if let (Err(_), Some(stored)) = (&result, &stored) {
                    let _ = std::fs::remove_file(root.join(stored));
                }
                result
            })
            .await
    }

    /// Removes bytes under the stored-media folder that no media file
    /// names and that were placed more than [`ORPHAN_GRACE`] ago: left by
    /// a process killed between placing an upload's bytes and committing
    /// its row, or between committing new bytes and removing the old ones.
    /// Only names this server chooses (`<uuid>.<ext>`, regular files right
    /// in the folder) are looked at; the staging folder, the HLS output and
    /// anything else under the root never are. Safe with several processes
    /// on one media root. Returns how many files were removed.
    pub async fn sweep_orphans(&self) -> ServiceResult<usize> {
        let dir = self.config.root.join(STORED);
        // Listed before the names are read: a file old enough to be listed
        // here had its row committed (if ever) before the read below.
        let old = self
            .ctx
            .compute(move || Ok(old_stored_files(&dir, ORPHAN_GRACE)))
            .await?;
        if old.is_empty() {
            return Ok(0);
        }
        let named = self
            .ctx
            .run(|conn| Ok(media_repo::stored_names(conn)?))
            .await?;
        let orphans: Vec<String> = old.into_iter().filter(|n| !named.contains(n)).collect();
        for name in &orphans {
            self.ctx.open_files().forget(name);
        }
        let root = self.config.root.clone();
        self.ctx
            .compute(move || {
                Ok(orphans
                    .iter()
                    .filter(|name| std::fs::remove_file(root.join(name)).is_ok())
                    .count())
            })
            .await
    }

    /// A content for the subscribers' catalog: any signed-in user.
    pub async fn catalog_entry(&self, actor: &Actor, id: Uuid) -> ServiceResult<CatalogEntry> {
        let user = signed_in(actor)?.clone();
        self.ctx
            .run(move |conn| {
                let content = tables::CONTENT.get(conn, id)?;
                let credits = media_repo::credits_of(conn, id)?
                    .into_iter()
                    .map(|r| {
                        let mut credit = Record::new();
                        for field in ["artist", "artist_name", "relation"] {
                            credit.set(field, r.get(field).cloned().unwrap_or(FieldValue::Null));
                        }
                        credit
                    })
                    .collect();
                let media = media_repo::media_files_of(conn, id)?;
                let may_stream = user.is_admin || media_repo::is_subscribed(conn, user.id.uuid())?;
                let packaging = crate::hls::packaging_of(conn, &media)?;
                Ok(CatalogEntry {
                    content,
                    credits,
                    media,
                    may_stream,
                    packaging,
                })
            })
            .await
    }
}

/// The stored names (`content/<name>`) of the regular files right in
/// `dir` that are named as the server names stored bytes (a UUID, then an
/// extension) and were last modified more than `grace` ago.
fn old_stored_files(dir: &Path, grace: std::time::Duration) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let stem = name.split_once('.').map_or(name.as_str(), |(stem, _)| stem);
            Uuid::parse_str(stem).ok()?;
            if !entry.file_type().ok()?.is_file() {
                return None;
            }
            let age = entry.metadata().ok()?.modified().ok()?.elapsed().ok()?;
            (age > grace).then(|| format!("{STORED}/{name}"))
        })
        .collect()
}

fn place(file: StagedFile, root: &Path, stored: &str) -> ServiceResult<()> {
    file.store(root, stored)
        .map_err(|e| ServiceError::Internal(format!("cannot store an upload: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placed_bytes_are_dated_when_placed_not_when_staged() {
        let root = tempfile::tempdir().unwrap();
        let temp = root.path().join("staged");
        std::fs::write(&temp, b"written long ago").unwrap();
        let long_ago = std::time::SystemTime::now() - 2 * ORPHAN_GRACE;
        std::fs::File::options()
            .write(true)
            .open(&temp)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let file = StagedFile {
            temp,
            size: 16,
            sha256: String::new(),
            mime_type: "video/mp4".into(),
            extension: "mp4".into(),
            kept: false,
        };
        let stored = file.stored_name();
        file.store(root.path(), &stored).unwrap();
        let age = std::fs::metadata(root.path().join(&stored))
            .unwrap()
            .modified()
            .unwrap()
            .elapsed()
            .unwrap_or_default();
        assert!(
            age < ORPHAN_GRACE / 2,
            "the orphan sweep's grace period counts from the placing: {age:?}"
        );
        assert!(old_stored_files(&root.path().join(STORED), ORPHAN_GRACE).is_empty());
    }

    #[test]
    fn start_up_removes_only_staging_folders_nobody_holds() {
        let root = tempfile::tempdir().unwrap();
        let live = Staging::create(root.path()).unwrap();
        std::fs::write(live.dir().join("upload-1"), b"in flight").unwrap();
        let dead = root.path().join(STAGING).join("1-dead");
        std::fs::create_dir_all(&dead).unwrap();
        std::fs::write(dead.join(LOCK_FILE), b"").unwrap();
        std::fs::write(dead.join("upload-2"), b"left by a crash").unwrap();
        let in_the_making = root.path().join(STAGING).join("2-new");
        std::fs::create_dir_all(&in_the_making).unwrap();
        std::fs::write(root.path().join(STAGING).join("upload-old"), b"").unwrap();
        let resumable = root.path().join(STAGING).join(RESUMABLE);
        std::fs::create_dir_all(&resumable).unwrap();
        std::fs::write(resumable.join("some-upload"), b"resumed later").unwrap();

        assert_eq!(clean_staging(root.path()), 2);
        assert!(live.dir().join("upload-1").exists());
        assert!(!dead.exists());
        assert!(in_the_making.exists(), "no lock file yet: being created");
        assert!(
            resumable.join("some-upload").exists(),
            "resumable uploads outlive their process"
        );
        let dir = live.dir().to_owned();
        drop(live);
        assert!(!dir.exists(), "a clean stop removes its folder");
    }

    #[test]
    fn only_audio_video_and_raster_images_pass_the_sniff() {
        assert!(sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2").is_some());
        assert!(sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR").is_some());
        assert!(sniff(b"ID3\x03\x00\x00\x00\x00\x00\x00").is_some());
        assert!(sniff(b"<!doctype html><html>").is_none());
        assert!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_none());
        assert!(sniff(b"PK\x03\x04\x14\x00\x00\x00").is_none());
        assert!(
            sniff(b"8BPS\x00\x01").is_none(),
            "Photoshop is no raster a browser shows"
        );
    }
}
