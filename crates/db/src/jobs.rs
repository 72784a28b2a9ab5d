//! Background jobs over media files (`media_jobs`): queued in the write
//! that stores a file's bytes, claimed by one worker at a time under a
//! lease, retried with back-off, and read back beside the media file.
//!
//! Claiming is a compare-and-set of the lease inside a write transaction:
//! on PostgreSQL the candidate row is picked with `FOR UPDATE SKIP LOCKED`
//! (two workers never wait on, nor take, the same row); on SQLite the
//! `IMMEDIATE` transaction already serialises writers, and the `UPDATE`
//! re-checks that the row is still claimable. Every later write of a
//! worker (progress, completion, failure) names its lease owner and
//! changes nothing once the lease was lost.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::sql_types::{Double, Integer, Nullable, Text};
use uuid::Uuid;

use crate::conn::AnyConn;
use crate::error::DbResult;
use crate::rows::parse_id;
use crate::sql::{Bind, Sql};

/// The kind of job that packages a video for HLS (with its poster and
/// duration).
pub const PACKAGE: &str = "package";

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker (maybe until `run_after`, after a failure).
    Queued,
    /// Claimed by a worker whose lease has not run out.
    Running,
    /// Done.
    Ready,
    /// Given up after the last attempt.
    Failed,
}

impl JobState {
    /// Its name, as stored and as the API shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Ready => "ready",
            JobState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "running" => JobState::Running,
            "ready" => JobState::Ready,
            "failed" => JobState::Failed,
            _ => JobState::Queued,
        }
    }
}

/// A job as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The job.
    pub id: Uuid,
    /// The media file it works on.
    pub media_file: Uuid,
    /// The stored name of the bytes it works on.
    pub source: String,
    /// Where it is.
    pub state: JobState,
    /// Attempts made so far (a claim is an attempt).
    pub attempts: i32,
    /// 0–100.
    pub progress: i32,
    /// Why the last attempt failed.
    pub reason: Option<String>,
    /// The output folder's name once ready.
    pub run: Option<String>,
    /// Seconds, once ready.
    pub duration: Option<f64>,
    /// Who holds the lease (while running).
    pub lease_owner: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct JobRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    media_file_id: String,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Integer)]
    progress: i32,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    run: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    duration: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    lease_owner: Option<String>,
}

impl JobRow {
    fn into_job(self) -> DbResult<Job> {
        Ok(Job {
            id: parse_id(&self.id)?,
            media_file: parse_id(&self.media_file_id)?,
            source: self.source,
            state: JobState::parse(&self.state),
            attempts: self.attempts,
            progress: self.progress,
            reason: self.reason,
            run: self.run,
            duration: self.duration,
            lease_owner: self.lease_owner,
        })
    }
}

const COLUMNS: &str = "SELECT id, media_file_id, source, state, attempts, progress, reason, run, \
     duration, lease_owner FROM media_jobs ";

fn load(sql: Sql, conn: &mut AnyConn) -> DbResult<Vec<Job>> {
    sql.load::<JobRow>(conn)?
        .into_iter()
        .map(JobRow::into_job)
        .collect()
}

/// Queues (or queues again, from scratch) the `kind` job of `media_file`
/// over its bytes stored as `source`; runs inside the caller's write.
/// A worker still holding the old lease loses it: its later writes change
/// nothing.
pub fn queue(
    conn: &mut AnyConn,
    media_file: Uuid,
    kind: &'static str,
    source: &str,
    now: NaiveDateTime,
) -> DbResult<()> {
    let mut sql = Sql::new(conn);
    sql.push(
        "INSERT INTO media_jobs (id, media_file_id, kind, source, state, attempts, run_after, \
         progress, created, updated) VALUES (",
    )
    .bind(Uuid::new_v4())
    .push(", ")
    .bind(media_file)
    .push(", ")
    .bind(Bind::Text(kind.to_owned()))
    .push(", ")
    .bind(Bind::Text(source.to_owned()))
    .push(", 'queued', 0, ")
    .bind(Bind::Time(now))
    .push(", 0, ")
    .bind(Bind::Time(now))
    .push(", ")
    .bind(Bind::Time(now))
    .push(
        ") ON CONFLICT (media_file_id, kind) DO UPDATE SET source = excluded.source, \
         state = 'queued', attempts = 0, run_after = excluded.run_after, lease_owner = NULL, \
         lease_until = NULL, progress = 0, reason = NULL, run = NULL, duration = NULL, \
         updated = excluded.updated",
    );
    sql.execute(conn)?;
    Ok(())
}

/// Claims the next due job of `kind` for `owner` until `lease_until`: a
/// queued job whose `run_after` has come, or a running one whose lease ran
/// out (its worker died). Counts an attempt. Runs inside the caller's
/// write transaction; `None` when nothing is due.
pub fn claim(
    conn: &mut AnyConn,
    kind: &'static str,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> DbResult<Option<Job>> {
    let mut pick = Sql::new(conn);
    pick.push(COLUMNS)
        .push("WHERE kind = ")
        .bind(Bind::Text(kind.to_owned()))
        .push(" AND ((state = 'queued' AND run_after <= ")
        .bind(Bind::Time(now))
        .push(") OR (state = 'running' AND lease_until < ")
        .bind(Bind::Time(now))
        .push(")) ORDER BY run_after, id LIMIT 1");
    if pick.is_postgres() {
        pick.push(" FOR UPDATE SKIP LOCKED");
    }
    let Some(job) = load(pick, conn)?.into_iter().next() else {
        return Ok(None);
    };
    let mut set = Sql::new(conn);
    set.push("UPDATE media_jobs SET state = 'running', attempts = attempts + 1, lease_owner = ")
        .bind(Bind::Text(owner.to_owned()))
        .push(", lease_until = ")
        .bind(Bind::Time(lease_until))
        .push(", progress = 0, updated = ")
        .bind(Bind::Time(now))
        .push(" WHERE id = ")
        .bind(job.id)
        .push(" AND ((state = 'queued' AND run_after <= ")
        .bind(Bind::Time(now))
        .push(") OR (state = 'running' AND lease_until < ")
        .bind(Bind::Time(now))
        .push("))");
    if set.execute(conn)? != 1 {
        return Ok(None);
    }
    Ok(Some(Job {
        state: JobState::Running,
        attempts: job.attempts + 1,
        progress: 0,
        lease_owner: Some(owner.to_owned()),
        ..job
    }))
}

/// Records progress and extends the lease; `false` when `owner` no longer
/// holds the job (the worker should stop).
pub fn heartbeat(
    conn: &mut AnyConn,
    job: Uuid,
    owner: &str,
    progress: i32,
    lease_until: NaiveDateTime,
) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("UPDATE media_jobs SET progress = ")
        .bind(Bind::Int(i64::from(progress.clamp(0, 100))))
        .push(", lease_until = ")
        .bind(Bind::Time(lease_until));
    while_held(sql, conn, job, owner)
}

/// Marks the job ready with what it made; `false` (nothing changed) when
/// `owner` no longer holds it.
pub fn complete(
    conn: &mut AnyConn,
    job: Uuid,
    owner: &str,
    run: &str,
    duration: Option<f64>,
    now: NaiveDateTime,
) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    sql.push("UPDATE media_jobs SET state = 'ready', progress = 100, reason = NULL, run = ")
        .bind(Bind::Text(run.to_owned()))
        .push(", duration = ");
    match duration {
        Some(seconds) => sql.bind(Bind::Float(seconds)),
        None => sql.push("NULL"),
    };
    sql.push(", lease_owner = NULL, lease_until = NULL, updated = ")
        .bind(Bind::Time(now));
    while_held(sql, conn, job, owner)
}

/// Records a failed attempt: queued again after `retry_at`, or `failed`
/// for good when `retry_at` is `None`; `false` when `owner` no longer
/// holds the job.
pub fn fail(
    conn: &mut AnyConn,
    job: Uuid,
    owner: &str,
    reason: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> DbResult<bool> {
    let mut sql = Sql::new(conn);
    match retry_at {
        Some(at) => sql
            .push("UPDATE media_jobs SET state = 'queued', run_after = ")
            .bind(Bind::Time(at)),
        None => sql.push("UPDATE media_jobs SET state = 'failed'"),
    };
    sql.push(", progress = 0, reason = ")
        .bind(Bind::Text(reason.to_owned()))
        .push(", lease_owner = NULL, lease_until = NULL, updated = ")
        .bind(Bind::Time(now));
    while_held(sql, conn, job, owner)
}

/// Runs an UPDATE of job `job` only while `owner` still holds it (running,
/// under its lease): `false`, nothing changed, when another worker took it
/// over after the lease ran out.
fn while_held(mut sql: Sql, conn: &mut AnyConn, job: Uuid, owner: &str) -> DbResult<bool> {
    sql.push(" WHERE id = ")
        .bind(job)
        .push(" AND state = 'running' AND lease_owner = ")
        .bind(Bind::Text(owner.to_owned()));
    Ok(sql.execute(conn)? == 1)
}

/// The `kind` jobs of `media_files`, by media file.
pub fn of_media_files(
    conn: &mut AnyConn,
    kind: &'static str,
    media_files: &[Uuid],
) -> DbResult<HashMap<Uuid, Job>> {
    if media_files.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(conn);
    sql.push(COLUMNS)
        .push("WHERE kind = ")
        .bind(Bind::Text(kind.to_owned()))
        .push(" AND media_file_id IN ")
        .bind_in(media_files.iter().copied());
    Ok(load(sql, conn)?
        .into_iter()
        .map(|job| (job.media_file, job))
        .collect())
}
