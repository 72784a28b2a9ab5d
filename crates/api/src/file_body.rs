//! The bytes of a `/content/` response. actix-files decides the status and
//! headers (ranges, validators, conditionals); this module supplies the
//! body with fewer trips to the blocking pool than actix-files' reader,
//! which makes one trip per 64 KiB:
//!
//! - a small single range (a player's seek, ≤ [`PREFETCH_MAX`]) of a file
//!   kept open from an earlier request is read on the async worker when it
//!   is all in the page cache, with a read that fails instead of waiting
//!   for the disk ([`reopen`]): no trip at all;
//! - otherwise a small range is read in the same blocking call that opens
//!   the file ([`open`]), so the whole request costs one trip;
//! - anything larger is read in [`CHUNK`]-sized pieces, one trip each.
//!
//! Nothing here ever waits for a disk on an async worker.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use actix_files::{HttpRange, NamedFile};
use actix_web::body::{BoxBody, MessageBody, SizedStream};
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

use mstream_service::open_files::OpenFile;

use crate::observe::CountedBody;

/// Largest range read together with the open.
pub const PREFETCH_MAX: u64 = 256 * 1024;
/// Bytes read per blocking call when streaming. 64 downloads in flight
/// hold up to two chunks each: at 512 KiB the server's whole-run peak RSS
/// was 113 MiB in the media scenarios, at 256 KiB 86 MiB, with the same
/// download throughput within the runs' noise (bench/README.md, session 10).
pub const CHUNK: u64 = 256 * 1024;

/// An opened media file, and the requested range when it was small enough
/// to read at once.
pub struct Opened {
    file: NamedFile,
    prefetched: Option<(u64, Bytes)>,
}

/// How a small range is read with the open.
#[derive(Clone, Copy)]
enum Prefetch {
    /// With a plain read, which may wait for the disk (blocking pool only).
    Blocking,
    /// Only if every byte is in the page cache, never waiting for the disk
    /// (on an async worker).
    Resident,
}

/// `file` (a handle from the open-file cache) for a response, and, when
/// `range` (the `Range` header of a GET) asks for one small range, that
/// range. Blocking: call it on the blocking pool. `NotFound` when the
/// file was unlinked since it was opened.
pub fn open(file: &OpenFile, range: Option<&str>) -> std::io::Result<Opened> {
    prepare(file, range, Prefetch::Blocking)
}

/// Like [`open`], but on an async worker: it makes only calls that cannot
/// wait for a disk (`dup` and `fstat` of an open descriptor, and a read
/// that fails rather than wait when the range is not all in the page
/// cache; the body is then read on the blocking pool as usual).
pub fn reopen(file: &OpenFile, range: Option<&str>) -> std::io::Result<Opened> {
    prepare(file, range, Prefetch::Resident)
}

fn prepare(file: &OpenFile, range: Option<&str>, prefetch: Prefetch) -> std::io::Result<Opened> {
    let named = NamedFile::from_file(file.file.try_clone()?, &file.path)?;
    if std::os::unix::fs::MetadataExt::nlink(named.metadata()) == 0 {
        // Deleted by someone since it was opened: as if never found.
        return Err(std::io::ErrorKind::NotFound.into());
    }
    let size = named.metadata().len();
    let wanted = range
        .and_then(|r| HttpRange::parse(r, size).ok())
        .filter(|ranges| ranges.len() == 1)
        .and_then(|ranges| ranges.first().copied())
        .filter(|r| r.length > 0 && r.length <= PREFETCH_MAX);
    let prefetched = match (wanted, prefetch) {
        (Some(r), Prefetch::Blocking) => {
            Some((r.start, read_span(named.file(), r.start, r.length)?))
        }
        (Some(r), Prefetch::Resident) => {
            read_resident(named.file(), r.start, r.length).map(|bytes| (r.start, bytes))
        }
        (None, _) => None,
    };
    Ok(Opened {
        file: named,
        prefetched,
    })
}

/// Exactly `length` bytes of `file` from `offset` if all of them are in
/// the page cache, read without waiting for the disk (`preadv2` with
/// `RWF_NOWAIT`); `None` otherwise (not resident, or a kernel or file
/// system that does not support it), and the caller reads on the blocking
/// pool instead.
#[cfg(target_os = "linux")]
fn read_resident(file: &File, offset: u64, length: u64) -> Option<Bytes> {
    use rustix::io::{preadv2, ReadWriteFlags};
    let length = usize::try_from(length).ok()?;
    let mut buf = vec![0_u8; length];
    let mut done = 0;
    while done < length {
        let slice = buf.get_mut(done..)?;
        let at = offset.checked_add(done as u64)?;
        match preadv2(
            file,
            &mut [std::io::IoSliceMut::new(slice)],
            at,
            ReadWriteFlags::NOWAIT,
        ) {
            Ok(0) | Err(_) => return None,
            Ok(n) => done += n,
        }
    }
    Some(Bytes::from(buf))
}

#[cfg(not(target_os = "linux"))]
fn read_resident(_file: &File, _offset: u64, _length: u64) -> Option<Bytes> {
    None
}

/// Exactly `length` bytes of `file` from `offset`. Read into spare capacity
/// (`read_to_end` on a `File` does not zero it first), not into a zeroed
/// buffer: zeroing every 64 KiB range before overwriting it was 5 % of a
/// range request's CPU.
fn read_span(file: &File, offset: u64, length: u64) -> std::io::Result<Bytes> {
    let mut reader = file;
    reader.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    reader.take(length).read_to_end(&mut buf)?;
    if buf.len() as u64 != length {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Bytes::from(buf))
}

/// The response for `req`: actix-files' status and headers, this module's
/// body, counted into the streamed-bytes metric.
pub fn respond(req: &HttpRequest, opened: Opened) -> HttpResponse {
    let Opened { file, prefetched } = opened;
    let size = file.metadata().len();
    let reader = file.file().try_clone().ok();
    let response = file
        .use_etag(true)
        .use_last_modified(true)
        .into_response(req);
    let Some((offset, length)) = served_span(&response, size) else {
        // 304, 412, 416: no file bytes.
        return response;
    };
    let body = match (prefetched, reader) {
        (Some((start, bytes)), _) if start == offset && bytes.len() as u64 == length => {
            BoxBody::new(bytes)
        }
        (_, Some(reader)) => SizedStream::new(length, chunks(reader, offset, length)).boxed(),
        // No second handle: actix-files' own reader serves it.
        (_, None) => return response.map_body(|_, body| CountedBody::new(body).boxed()),
    };
    response.map_body(|_, _| CountedBody::new(body).boxed())
}

/// The bytes a 200 or 206 response carries: `(offset, length)`.
fn served_span(response: &HttpResponse, size: u64) -> Option<(u64, u64)> {
    match response.status() {
        StatusCode::OK => Some((0, size)),
        StatusCode::PARTIAL_CONTENT => {
            let range = response
                .headers()
                .get(header::CONTENT_RANGE)?
                .to_str()
                .ok()?
                .strip_prefix("bytes ")?;
            let (span, _) = range.split_once('/')?;
            let (first, last) = span.split_once('-')?;
            let (first, last) = (first.parse::<u64>().ok()?, last.parse::<u64>().ok()?);
            Some((first, last.checked_sub(first)?.checked_add(1)?))
        }
        _ => None,
    }
}

/// `length` bytes of `file` from `offset`, [`CHUNK`] at a time, each read
/// on the blocking pool.
fn chunks(
    file: File,
    offset: u64,
    length: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::try_unfold(
        (Some(file), offset, length),
        |(file, offset, left)| async move {
            let Some(file) = file.filter(|_| left > 0) else {
                return Ok(None);
            };
            let n = left.min(CHUNK);
            let (file, bytes) = web::block(move || {
                let bytes = read_span(&file, offset, n)?;
                Ok::<_, std::io::Error>((file, bytes))
            })
            .await
            .map_err(std::io::Error::other)??;
            Ok(Some((bytes, (Some(file), offset + n, left - n))))
        },
    )
}
