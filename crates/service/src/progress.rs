//! Watch progress (issue #20): a signed-in user records where they stopped
//! in a media file and lists "continue watching". Each user sees only
//! their own; admins may read anyone's (the panel's user page).

use mstream_content::{WatchPosition, WatchProgress};
use mstream_db::jobs;
use mstream_db::progress::{self as repo, Position};
use mstream_kernel::{Actor, Page, Timestamp, UserId};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::error::{query_error, ServiceError, ServiceResult};
use crate::policy::signed_in;

/// A page of "continue watching".
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressPage {
    /// Unfinished entries in all.
    pub count: u64,
    /// Which page this is.
    pub page: Page,
    /// This page's entries, most recently watched first.
    pub entries: Vec<WatchProgress>,
}

/// Records and lists watch progress.
#[derive(Clone)]
pub struct ProgressService {
    ctx: Ctx,
}

impl ProgressService {
    /// Over `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    /// Stores the caller's position in `media` from a request body
    /// (`{"position": s, "duration": s}`), measured against the media
    /// file's own duration when it has one; 404 when there is no such media
    /// file, 400 with DRF's field errors for a bad body.
    pub async fn record(
        &self,
        actor: &Actor,
        media: Uuid,
        body: &Json,
    ) -> ServiceResult<WatchProgress> {
        let user = signed_in(actor)?.id;
        let reported = WatchPosition::parse(body)?;
        self.ctx
            .run(move |conn| {
                // The media file's own duration (its HLS probe) wins over
                // the player's (docs/decisions.md, 2026-12-03).
                let probed = jobs::of_media_files(conn, jobs::PACKAGE, &[media])?
                    .remove(&media)
                    .and_then(|job| job.duration);
                let at = reported.with_media_duration(probed);
                let position = Position {
                    position: at.position(),
                    duration: at.duration(),
                    finished: at.is_finished(),
                };
                if !repo::record(conn, user, media, position, Timestamp::now())? {
                    return Err(ServiceError::NotFound);
                }
                repo::of(conn, user, media)?.ok_or(ServiceError::NotFound)
            })
            .await
    }

    /// The caller's stored position in `media`; 404 when none is stored.
    pub async fn get(&self, actor: &Actor, media: Uuid) -> ServiceResult<WatchProgress> {
        let user = signed_in(actor)?.id;
        self.ctx
            .run(move |conn| repo::of(conn, user, media)?.ok_or(ServiceError::NotFound))
            .await
    }

    /// "Continue watching": the caller's unfinished entries, most recent
    /// first, paged as DRF pages (`page`, `page_size`). An admin may name
    /// another user with `user=<id>`; anyone else gets 403 for it.
    pub async fn continue_watching(
        &self,
        actor: &Actor,
        pairs: &[(String, String)],
    ) -> ServiceResult<ProgressPage> {
        let caller = signed_in(actor)?;
        let page = Page::parse(pairs).map_err(query_error)?;
        let whose = match pairs.iter().rev().find(|(k, _)| k == "user") {
            None => caller.id,
            Some((_, raw)) => {
                let asked = Uuid::parse_str(raw.trim())
                    .map(UserId::from_uuid)
                    .map_err(|_| ServiceError::field("user", "Must be a valid UUID."))?;
                if asked != caller.id && !caller.is_admin {
                    return Err(ServiceError::Forbidden);
                }
                asked
            }
        };
        self.ctx
            .run(move |conn| {
                let (count, entries) = repo::continue_watching(conn, whose, page)?;
                let page = page.resolve(count);
                if !page.exists_for(count) {
                    return Err(ServiceError::InvalidPage);
                }
                Ok(ProgressPage {
                    count,
                    page,
                    entries,
                })
            })
            .await
    }

    /// Forgets the caller's position in `media`; 404 when none is stored.
    pub async fn forget(&self, actor: &Actor, media: Uuid) -> ServiceResult<()> {
        let user = signed_in(actor)?.id;
        self.ctx
            .run(move |conn| match repo::forget(conn, user, media)? {
                true => Ok(()),
                false => Err(ServiceError::NotFound),
            })
            .await
    }
}
