//! Reviews (SPEC §4): any signed-in user reads them all, the author alone
//! edits, the author or an admin deletes, and every change recomputes the
//! content's rating in the same transaction.

use mstream_db::reviews as repo;
use mstream_db::{tables, tx, AnyConn, DbError};
use mstream_kernel::{Actor, FieldErrors, FieldValue, Mode, Record, Timestamp};
use mstream_reviews::{RatingSummary, ALREADY_REVIEWED};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::audit;
use crate::catalog::{
    check_references, get_record, list_records, parse_body, unique, Fetched, Listed,
};
use crate::ctx::Ctx;
use crate::error::{ServiceError, ServiceResult};
use crate::policy::signed_in;

/// Reviews and the ratings they make.
#[derive(Clone)]
pub struct ReviewService {
    ctx: Ctx,
}

/// Recomputes `content`'s rating sum, count and mean from its reviews as
/// committed; the caller holds the content's lock (see
/// [`mstream_db::reviews::lock_contents`]) inside its write transaction.
pub fn recompute(conn: &mut AnyConn, content: Uuid) -> ServiceResult<()> {
    let (sum, count) = repo::rating_totals(conn, content)?;
    let summary = RatingSummary::from_parts(sum, count).ok_or_else(|| {
        ServiceError::Internal(format!(
            "impossible rating totals {sum}/{count} for {content}"
        ))
    })?;
    Ok(repo::store_rating(
        conn,
        content,
        summary.sum(),
        summary.count(),
        summary.mean(),
    )?)
}

fn id_field(record: &Record, field: &str) -> ServiceResult<Uuid> {
    match record.get(field) {
        Some(FieldValue::Id(id)) => Ok(*id),
        _ => Err(ServiceError::Internal(format!("review without {field}"))),
    }
}

fn already_reviewed(error: DbError) -> ServiceError {
    match &error {
        error if repo::is_second_review(error) => {
            ServiceError::Validation(FieldErrors::non_field(ALREADY_REVIEWED))
        }
        _ => unique(error, &tables::REVIEW),
    }
}

impl ReviewService {
    /// Over `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    /// Every review, for any signed-in user.
    pub async fn list(&self, actor: &Actor, pairs: Vec<(String, String)>) -> ServiceResult<Listed> {
        signed_in(actor)?;
        list_records(&self.ctx, &tables::REVIEW, pairs).await
    }

    /// One review, for any signed-in user.
    pub async fn get(&self, actor: &Actor, id: Uuid) -> ServiceResult<Fetched> {
        signed_in(actor)?;
        get_record(&self.ctx, &tables::REVIEW, id).await
    }

    /// Creates the caller's review of a content (one per content).
    pub async fn create(&self, actor: &Actor, body: &Json) -> ServiceResult<Record> {
        let user = signed_in(actor)?.clone();
        let author = user.id.uuid();
        let set = parse_body(&tables::REVIEW, body, Mode::Create)?;
        self.ctx
            .run(move |conn| {
                tx::write(conn, |conn| {
                    if !repo::lock_author(conn, author)? {
                        return Err(ServiceError::InvalidToken);
                    }
                    check_references(conn, &tables::REVIEW, &set)?;
                    let content = set.reference("content").ok_or_else(|| {
                        ServiceError::Internal("validated review without content".into())
                    })?;
                    if repo::lock_contents(conn, &[content])?.is_empty() {
                        // Deleted since the check, by a request that committed first.
                        return Err(content_gone(content));
                    }
                    let id = Uuid::new_v4();
                    repo::insert_review(conn, id, Timestamp::now(), &set, author)
                        .map_err(already_reviewed)?;
                    recompute(conn, content)?;
                    let record = tables::REVIEW.get(conn, id)?;
                    audit::note(
                        conn,
                        &user,
                        tables::REVIEW.resource().name,
                        id,
                        None,
                        Some(&record),
                    )?;
                    Ok(record)
                })
            })
            .await
    }

    /// Replaces or patches the caller's own review; moving it to another
    /// content recomputes both.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        body: &Json,
        mode: Mode,
    ) -> ServiceResult<Record> {
        let user = signed_in(actor)?.clone();
        let caller = user.id.uuid();
        let set = parse_body(&tables::REVIEW, body, mode)?;
        self.ctx
            .run(move |conn| {
                locking_review(conn, |conn| {
                    if !repo::lock_author(conn, caller)? {
                        return Err(ServiceError::InvalidToken.into());
                    }
                    let target = set.reference("content");
                    let existing = locked_review(conn, id, target)?;
                    if id_field(&existing, "user")? != caller {
                        return Err(ServiceError::Forbidden.into());
                    }
                    check_references(conn, &tables::REVIEW, &set)?;
                    let old_content = id_field(&existing, "content")?;
                    let new_content = target.unwrap_or(old_content);
                    if !repo::lock_contents(conn, &[new_content])?.contains(&new_content) {
                        return Err(content_gone(new_content).into());
                    }
                    tables::REVIEW
                        .update(conn, id, Timestamp::now(), &set)
                        .map_err(already_reviewed)?;
                    recompute(conn, old_content)?;
                    if new_content != old_content {
                        recompute(conn, new_content)?;
                    }
                    let record = tables::REVIEW.get(conn, id)?;
                    audit::note(
                        conn,
                        &user,
                        tables::REVIEW.resource().name,
                        id,
                        Some(&existing),
                        Some(&record),
                    )?;
                    Ok(record)
                })
            })
            .await
    }

    /// Deletes a review: its author, or an admin moderating.
    pub async fn delete(&self, actor: &Actor, id: Uuid) -> ServiceResult<()> {
        let caller = signed_in(actor)?.clone();
        self.ctx
            .run(move |conn| {
                locking_review(conn, |conn| {
                    let existing = locked_review(conn, id, None)?;
                    if id_field(&existing, "user")? != caller.id.uuid() && !caller.is_admin {
                        return Err(ServiceError::Forbidden.into());
                    }
                    let content = id_field(&existing, "content")?;
                    tables::REVIEW.delete(conn, id)?;
                    recompute(conn, content)?;
                    audit::note(
                        conn,
                        &caller,
                        tables::REVIEW.resource().name,
                        id,
                        Some(&existing),
                        None,
                    )?;
                    Ok(())
                })
            })
            .await
    }
}

/// Why a write transaction on a review stopped.
enum Locking {
    /// A use-case error (the transaction rolls back).
    Failed(ServiceError),
    /// The review moved to another content between the read and the lock:
    /// roll back and start over, locking the content it is on now.
    Moved,
}

impl From<ServiceError> for Locking {
    fn from(error: ServiceError) -> Self {
        Locking::Failed(error)
    }
}

impl From<mstream_db::DbError> for Locking {
    fn from(error: mstream_db::DbError) -> Self {
        Locking::Failed(error.into())
    }
}

/// Runs a write of an existing review, starting it over (a new
/// transaction, holding nothing) each time [`locked_review`] finds that the
/// review moved before its content's lock was taken. Starting over rather
/// than taking the new content's lock on top of the others keeps every
/// transaction taking content locks in one sorted batch, so writers never
/// wait on each other crosswise.
fn locking_review<T>(
    conn: &mut AnyConn,
    mut work: impl FnMut(&mut AnyConn) -> Result<T, Locking>,
) -> ServiceResult<T> {
    // Each retry means another writer committed a move meanwhile.
    const ATTEMPTS: usize = 16;
    for _ in 0..ATTEMPTS {
        match tx::write(conn, &mut work) {
            Ok(value) => return Ok(value),
            Err(Locking::Failed(error)) => return Err(error),
            Err(Locking::Moved) => continue,
        }
    }
    Err(ServiceError::Unavailable(
        "a review kept moving while it was being written".into(),
    ))
}

/// Reads review `id` and locks its content (and `also`, where it is about
/// to move) in one sorted batch, then reads it again: every write that
/// moves or removes a review holds its content's lock, so if it is still on
/// the content locked, it cannot change until this transaction ends. If it
/// moved in between, [`Locking::Moved`] starts the transaction over.
fn locked_review(conn: &mut AnyConn, id: Uuid, also: Option<Uuid>) -> Result<Record, Locking> {
    let content = id_field(&tables::REVIEW.get(conn, id)?, "content")?;
    let wanted: Vec<Uuid> = [Some(content), also].into_iter().flatten().collect();
    repo::lock_contents(conn, &wanted)?;
    let review = tables::REVIEW.get(conn, id)?;
    if id_field(&review, "content")? != content {
        return Err(Locking::Moved);
    }
    Ok(review)
}

/// The field message for a content deleted by a concurrent request.
fn content_gone(content: Uuid) -> ServiceError {
    ServiceError::field(
        "content",
        format!("Invalid pk \"{content}\" - object does not exist."),
    )
}
