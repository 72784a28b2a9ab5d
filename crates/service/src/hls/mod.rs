//! HLS packaging (issue #20): a job queued in the write that stores a
//! video's bytes, run by a worker in every server process with Debian's
//! `ffmpeg`, producing fMP4 HLS (a master playlist and its renditions), a
//! poster and the duration under `<media root>/hls/<media id>/<run>/`.
//!
//! Jobs live in the database ([`mstream_db::jobs`]): a worker claims one
//! at a time under a lease it renews while ffmpeg runs; a lease that runs
//! out (the process died) lets another worker take the job again, and a
//! worker that lost its lease neither records nor keeps what it made.
//! Failures are retried with exponential back-off up to
//! [`HlsConfig::max_attempts`], then the job is `failed` with the reason.

mod child;
mod ffmpeg;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use mstream_db::jobs;
use mstream_db::media::StoredFile;
use mstream_db::{tx, AnyConn, DbResult};
use mstream_kernel::{Record, Timestamp};
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::error::ServiceResult;

pub use crate::config::{HlsConfig, Rendition};
pub use mstream_db::jobs::{Job, JobState};

/// Folder under the media root where packaged media live.
pub const HLS: &str = "hls";
/// The master playlist of every run.
pub const MASTER: &str = "master.m3u8";
/// The poster of every run.
pub const POSTER: &str = "poster.jpg";

/// What the temporary folder of a run starts with: `.tmp-<lease owner>-<run>`,
/// so that a sweep tells the holder's folder from a dead worker's.
const TEMP: &str = ".tmp-";

/// Idle polls between two sweeps of deleted media's output.
const SWEEP_EVERY: u32 = 30;

/// The packaging jobs of some media files, by media file.
pub type Packaging = HashMap<Uuid, Job>;

/// Whether a media type is one packaging is for.
pub fn is_video(mime_type: &str) -> bool {
    mime_type.starts_with("video/")
}

/// Queues the packaging of a media file whose bytes were just stored, in
/// the caller's write transaction, when they are a video.
pub fn queue_if_video(
    conn: &mut AnyConn,
    media_file: Uuid,
    stored: &StoredFile,
    now: Timestamp,
) -> DbResult<()> {
    if !is_video(&stored.mime_type) {
        return Ok(());
    }
    jobs::queue(
        conn,
        media_file,
        jobs::PACKAGE,
        &stored.name,
        now.naive_utc(),
    )
}

/// The packaging jobs of `media` (records with an `id`).
pub fn packaging_of(conn: &mut AnyConn, media: &[Record]) -> DbResult<Packaging> {
    let ids: Vec<Uuid> = media.iter().filter_map(Record::id).collect();
    jobs::of_media_files(conn, jobs::PACKAGE, &ids)
}

/// The folder of one run's output, relative to the media root.
pub fn run_path(media_file: Uuid, run: &str) -> String {
    format!("{HLS}/{media_file}/{run}")
}

/// The claim-and-package side: one per worker.
#[derive(Clone)]
pub struct HlsService {
    ctx: Ctx,
    config: HlsConfig,
    root: PathBuf,
    owner: String,
    /// Whether ffmpeg and ffprobe run here, and what they can do, found
    /// out once.
    tools: Arc<tokio::sync::OnceCell<Option<ffmpeg::Tools>>>,
}

fn naive(at: Timestamp) -> NaiveDateTime {
    at.naive_utc()
}

fn later(now: NaiveDateTime, by: Duration) -> NaiveDateTime {
    now + chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX)
}

impl HlsService {
    /// A worker over `ctx`, storing under `root`, named after this process.
    pub fn new(ctx: Ctx, config: HlsConfig, root: PathBuf) -> Self {
        let owner = format!("{}-{}", std::process::id(), Uuid::new_v4().simple());
        Self {
            ctx,
            config,
            root,
            owner,
            tools: Arc::default(),
        }
    }

    /// Another worker (its own lease owner) with the same settings.
    pub fn another_worker(&self) -> Self {
        let mut other = Self::new(self.ctx.clone(), self.config.clone(), self.root.clone());
        other.tools = self.tools.clone();
        other
    }

    /// This worker with a different lease length.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.config.lease = lease;
        self
    }

    /// The settings.
    pub fn config(&self) -> &HlsConfig {
        &self.config
    }

    /// Whether ffmpeg and ffprobe can be run (checked once).
    pub async fn available(&self) -> bool {
        self.tools().await.is_some()
    }

    async fn tools(&self) -> Option<ffmpeg::Tools> {
        *self.tools.get_or_init(|| ffmpeg::tools(&self.config)).await
    }

    /// The packaging jobs of `media_files`.
    pub async fn packaging(&self, media_files: Vec<Uuid>) -> ServiceResult<Packaging> {
        if media_files.is_empty() {
            return Ok(Packaging::new());
        }
        self.ctx
            .run(move |conn| Ok(jobs::of_media_files(conn, jobs::PACKAGE, &media_files)?))
            .await
    }

    /// Claims the next due job for this worker (a queued one, or one whose
    /// lease ran out).
    pub async fn claim(&self) -> ServiceResult<Option<Job>> {
        let owner = self.owner.clone();
        let lease = self.config.lease;
        self.ctx
            .run(move |conn| {
                tx::write_bookkeeping(conn, |conn| {
                    let now = naive(Timestamp::now());
                    Ok(jobs::claim(
                        conn,
                        jobs::PACKAGE,
                        &owner,
                        now,
                        later(now, lease),
                    )?)
                })
            })
            .await
    }

    /// Claims and runs one job; `false` when none was due.
    pub async fn run_once(&self) -> ServiceResult<bool> {
        let Some(job) = self.claim().await? else {
            return Ok(false);
        };
        self.process(job).await?;
        Ok(true)
    }

    /// Runs jobs until the future is dropped (with the server): polls every
    /// `poll_interval` while idle. Without ffmpeg, says so once and
    /// returns: jobs stay queued for a process that has it.
    pub async fn run_worker(self) {
        if !self.available().await {
            tracing::warn!(
                ffmpeg = %self.config.ffmpeg,
                "ffmpeg/ffprobe not found: HLS packaging is off in this process (media are served as progressive streams; packaging jobs stay queued)"
            );
            return;
        }
        tracing::info!(owner = %self.owner, "HLS packaging worker started");
        let mut idle = 0u32;
        loop {
            if idle.is_multiple_of(SWEEP_EVERY) {
                if let Err(error) = self.sweep().await {
                    tracing::warn!(%error, "HLS worker: sweeping output no worker will use failed");
                }
            }
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "HLS worker: claiming a job failed"),
            }
            idle = idle.wrapping_add(1);
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    /// Removes what no worker will ever finish or serve: the output folders
    /// of media files that are gone (deleted: their job row went with
    /// them), and the temporary folders of workers that died mid-job (a
    /// `kill -9`). A folder is made only by a worker holding a job, and the
    /// job row is written with the media file, so a folder without a job
    /// belongs to nobody; a temporary folder is live only while its job is
    /// running under the lease of the worker it is named after. Returns
    /// how many were removed.
    pub async fn sweep(&self) -> ServiceResult<usize> {
        let dir = self.root.join(HLS);
        // Listed before the jobs are read: a folder listed here was made
        // after its worker's claim was committed, so the read below sees
        // that claim (or a later one) and never takes a live worker's
        // folder for a dead one's.
        let folders = self
            .ctx
            .compute(move || {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    return Ok(Vec::new());
                };
                Ok(entries
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let id = Uuid::parse_str(&name).ok()?;
                        Some((id, e.path(), temporary_folders(&e.path())))
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        if folders.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = folders.iter().map(|(id, _, _)| *id).collect();
        let known = self.packaging(ids).await?;
        let mut doomed: Vec<PathBuf> = Vec::new();
        for (id, path, temps) in folders {
            match known.get(&id) {
                None => doomed.push(path),
                Some(job) => doomed.extend(
                    temps
                        .into_iter()
                        .filter(|name| !is_live_temp(name, job))
                        .map(|name| path.join(name)),
                ),
            }
        }
        let count = doomed.len();
        self.ctx
            .compute(move || {
                for path in doomed {
                    let _ = std::fs::remove_dir_all(path);
                }
                Ok(())
            })
            .await?;
        Ok(count)
    }

    /// Packages the claimed `job` and records the outcome.
    async fn process(&self, job: Job) -> ServiceResult<()> {
        let run = Uuid::new_v4().simple().to_string();
        let media_dir = self.root.join(HLS).join(job.media_file.to_string());
        let temp = media_dir.join(temp_name(&self.owner, &run));
        let target = media_dir.join(&run);
        let source = self.root.join(&job.source);
        tracing::info!(job = %job.id, media_file = %job.media_file, attempt = job.attempts, "packaging");
        // This worker holds the job now: any other temporary folder of
        // this media file is a dead (or superseded) worker's.
        remove_other_temps(&media_dir, &self.owner).await;
        let outcome = match self.tools().await {
            Some(tools) => ffmpeg::package(self, tools, &job, &source, &temp).await,
            None => Err(ffmpeg::Failure::Failed(
                "ffmpeg/ffprobe cannot be run".into(),
            )),
        };
        match outcome {
            Ok(made) => {
                let placed = tokio::fs::rename(&temp, &target).await;
                if let Err(e) = placed {
                    let _ = tokio::fs::remove_dir_all(&temp).await;
                    return self
                        .failed(&job, &format!("cannot place the output: {e}"))
                        .await;
                }
                let (id, owner) = (job.id, self.owner.clone());
                let run_name = run.clone();
                let recorded = self
                    .ctx
                    .run(move |conn| {
                        tx::write_bookkeeping(conn, |conn| {
                            Ok(jobs::complete(
                                conn,
                                id,
                                &owner,
                                &run_name,
                                made.duration,
                                naive(Timestamp::now()),
                            )?)
                        })
                    })
                    .await;
                match recorded {
                    Ok(true) => {
                        tracing::info!(job = %job.id, %run, "packaged");
                        remove_other_runs(&media_dir, &run).await;
                        Ok(())
                    }
                    Ok(false) => {
                        tracing::info!(job = %job.id, "lease lost: output dropped");
                        let _ = tokio::fs::remove_dir_all(&target).await;
                        Ok(())
                    }
                    Err(e) => {
                        let _ = tokio::fs::remove_dir_all(&target).await;
                        Err(e)
                    }
                }
            }
            Err(ffmpeg::Failure::LeaseLost) => {
                let _ = tokio::fs::remove_dir_all(&temp).await;
                tracing::info!(job = %job.id, "lease lost while packaging: stopped");
                Ok(())
            }
            Err(ffmpeg::Failure::Failed(reason)) => {
                let _ = tokio::fs::remove_dir_all(&temp).await;
                self.failed(&job, &reason).await
            }
        }
    }

    /// Records a failed attempt: retried after a back-off, or `failed`.
    async fn failed(&self, job: &Job, reason: &str) -> ServiceResult<()> {
        let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let retry = attempts < self.config.max_attempts;
        tracing::warn!(job = %job.id, attempts, retry, reason, "packaging failed");
        let backoff = self
            .config
            .retry_base
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(16));
        let (id, owner, reason) = (job.id, self.owner.clone(), reason.to_owned());
        self.ctx
            .run(move |conn| {
                tx::write_bookkeeping(conn, |conn| {
                    let now = naive(Timestamp::now());
                    let retry_at = retry.then(|| later(now, backoff));
                    Ok(jobs::fail(conn, id, &owner, &reason, retry_at, now)?)
                })
            })
            .await?;
        Ok(())
    }

    /// Records progress and renews the lease; `false` when it was lost.
    async fn heartbeat(&self, job: Uuid, progress: i32) -> ServiceResult<bool> {
        let owner = self.owner.clone();
        let lease = self.config.lease;
        self.ctx
            .run(move |conn| {
                tx::write_bookkeeping(conn, |conn| {
                    let until = later(naive(Timestamp::now()), lease);
                    Ok(jobs::heartbeat(conn, job, &owner, progress, until)?)
                })
            })
            .await
    }
}

/// The name of the temporary folder `owner` packages `run` into.
fn temp_name(owner: &str, run: &str) -> String {
    format!("{TEMP}{owner}-{run}")
}

/// Whether the temporary folder `name` was made by `owner`.
fn is_temp_of(name: &str, owner: &str) -> bool {
    name.strip_prefix(TEMP)
        .and_then(|rest| rest.strip_prefix(owner))
        .is_some_and(|rest| rest.starts_with('-'))
}

/// Whether the temporary folder `name` may still be written: its job is
/// running under the lease of the worker it is named after.
fn is_live_temp(name: &str, job: &Job) -> bool {
    job.state == JobState::Running
        && job
            .lease_owner
            .as_deref()
            .is_some_and(|owner| is_temp_of(name, owner))
}

/// The names of the temporary folders in a media file's folder.
fn temporary_folders(media_dir: &Path) -> Vec<String> {
    std::fs::read_dir(media_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(TEMP))
                .collect()
        })
        .unwrap_or_default()
}

/// Removes the temporary folders of a media file not made by `owner`.
async fn remove_other_temps(media_dir: &Path, owner: &str) {
    let Ok(mut entries) = tokio::fs::read_dir(media_dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TEMP) && !is_temp_of(&name, owner) {
            tracing::info!(folder = %name, "removing a dead worker's temporary output");
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}

/// Removes the runs of a media file other than `keep` (older packagings;
/// temporary folders of live workers are left alone).
async fn remove_other_runs(media_dir: &Path, keep: &str) {
    let Ok(mut entries) = tokio::fs::read_dir(media_dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != keep && !name.starts_with('.') {
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}
