//! Resumable media uploads over tus 1.0 (`/api/uploads/`): a large file
//! survives a dropped connection, a restarted server, or a restarted
//! client that kept the upload's URL.

use mstream_content::{MediaFile, MediaFileId, NewMediaFile};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt};

use crate::{Client, Error, Result};

const TUS_RESUMABLE: &str = "1.0.0";
const MEDIA_FILE_HEADER: &str = "Mstream-Media-File";
/// How many times in a row a chunk is retried after a transport error or
/// a `5xx`/`423` before the upload gives up (its URL stays valid).
const RETRIES: u32 = 5;

/// An upload the server knows: where it lives and how long it is. Keep
/// [`url`](Self::url) to resume after the client itself restarted
/// ([`Client::resume_upload`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumableUpload {
    /// The upload's absolute URL (`…/api/uploads/<id>/`).
    pub url: String,
    /// Bytes in all.
    pub length: u64,
}

/// Bytes the default chunk holds (8 MiB): big enough to amortise a round
/// trip, small enough that a dropped connection costs little.
pub const DEFAULT_CHUNK: usize = 8 * 1024 * 1024;

impl Client {
    fn tus(&self, method: Method, path_or_url: &str) -> RequestBuilder {
        let request = if path_or_url.starts_with('/') {
            self.request(method, path_or_url)
        } else {
            // An upload's URL is absolute; only its path is used against
            // this client's base, so the token never goes elsewhere.
            self.request(method, crate::path_of(path_or_url).unwrap_or(path_or_url))
        };
        request.header("Tus-Resumable", TUS_RESUMABLE)
    }

    /// Announces an upload of `length` bytes that will become the media
    /// file `body` describes (`POST /api/uploads/`); admins only.
    pub async fn create_upload(
        &self,
        body: &NewMediaFile,
        file_name: &str,
        length: u64,
    ) -> Result<ResumableUpload> {
        let metadata = [
            ("content", body.content.to_string()),
            ("name", body.name.to_string()),
            ("filename", file_name.to_owned()),
        ]
        .iter()
        .map(|(key, value)| format!("{key} {}", base64(value.as_bytes())))
        .collect::<Vec<_>>()
        .join(",");
        let response = Self::send(
            self.tus(Method::POST, "/api/uploads/")
                .header("Upload-Length", length.to_string())
                .header("Upload-Metadata", metadata),
        )
        .await?;
        let url = header(response.headers(), "Location")
            .ok_or_else(|| Error::Decode("a created upload without a Location".into()))?;
        Ok(ResumableUpload {
            url: url.to_owned(),
            length,
        })
    }

    /// How many bytes of `upload` the server holds (`HEAD`).
    pub async fn upload_offset(&self, upload: &ResumableUpload) -> Result<u64> {
        let response = Self::send(self.tus(Method::HEAD, &upload.url)).await?;
        offset(response.headers())
    }

    /// Abandons `upload`: the server removes its bytes.
    pub async fn cancel_upload(&self, upload: &ResumableUpload) -> Result<()> {
        Self::send(self.tus(Method::DELETE, &upload.url))
            .await
            .map(drop)
    }

    /// Uploads `source` (its whole length) as a new media file, in chunks of
    /// `chunk` bytes, resuming after transport errors and server restarts.
    ///
    /// ```no_run
    /// # use mstream_client::Client;
    /// # use mstream_content::{ContentId, NewMediaFile};
    /// # use mstream_kernel::Name;
    /// # async fn run(admin: Client, content: ContentId) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut file = tokio::fs::File::open("master.mp4").await?;
    /// let length = file.metadata().await?.len();
    /// let body = NewMediaFile { name: Name::parse("Master")?, content };
    /// let upload = admin.create_upload(&body, "master.mp4", length).await?;
    /// // Keep `upload.url` somewhere: after a crash, `resume_upload` goes on.
    /// let media = admin
    ///     .resume_upload(&upload, &mut file, mstream_client::DEFAULT_CHUNK)
    ///     .await?;
    /// println!("{} bytes, sha256 {}", media.size, media.sha256);
    /// # Ok(()) }
    /// ```
    pub async fn upload_resumable<R>(
        &self,
        body: &NewMediaFile,
        file_name: &str,
        length: u64,
        source: &mut R,
        chunk: usize,
    ) -> Result<MediaFile>
    where
        R: AsyncRead + AsyncSeek + Unpin,
    {
        let upload = self.create_upload(body, file_name, length).await?;
        self.resume_upload(&upload, source, chunk).await
    }

    /// Sends the rest of `upload` from `source` (the same bytes as at its
    /// creation), starting where the server says it stands, and returns the
    /// media file it became.
    pub async fn resume_upload<R>(
        &self,
        upload: &ResumableUpload,
        source: &mut R,
        chunk: usize,
    ) -> Result<MediaFile>
    where
        R: AsyncRead + AsyncSeek + Unpin,
    {
        let chunk = chunk.max(1);
        let mut failures = 0;
        let mut buffer = Vec::with_capacity(chunk);
        loop {
            let at = match self.upload_offset(upload).await {
                Ok(at) => at,
                Err(error) if retryable(&error) && failures < RETRIES => {
                    failures += 1;
                    continue;
                }
                Err(error) => return Err(error),
            };
            source
                .seek(std::io::SeekFrom::Start(at))
                .await
                .map_err(io)?;
            let want = usize::try_from(upload.length.saturating_sub(at))
                .unwrap_or(usize::MAX)
                .min(chunk);
            buffer.clear();
            (&mut *source)
                .take(want as u64)
                .read_to_end(&mut buffer)
                .await
                .map_err(io)?;
            if buffer.len() != want {
                return Err(Error::Usage(format!(
                    "the source ended at {} of {} bytes",
                    at + buffer.len() as u64,
                    upload.length
                )));
            }
            let sent = Self::send(
                self.tus(Method::PATCH, &upload.url)
                    .header("Upload-Offset", at.to_string())
                    .header("Content-Type", "application/offset+octet-stream")
                    .body(buffer.clone()),
            )
            .await;
            match sent {
                Ok(response) => {
                    failures = 0;
                    if let Some(id) = header(response.headers(), MEDIA_FILE_HEADER) {
                        let id: MediaFileId = id.parse().map_err(|_| {
                            Error::Decode(format!("{MEDIA_FILE_HEADER}: not an id: {id}"))
                        })?;
                        return self.resource::<MediaFile>().get(id).await;
                    }
                    if offset(response.headers())? >= upload.length {
                        return Err(Error::Decode(
                            "the last byte's answer named no media file".into(),
                        ));
                    }
                }
                // A lost connection, a restarting server, another request
                // of ours still holding the upload (423), or an offset the
                // server moved meanwhile (409): ask where it stands.
                Err(error) if retryable(&error) && failures < RETRIES => failures += 1,
                Err(error) => return Err(error),
            }
        }
    }
}

fn retryable(error: &Error) -> bool {
    match error {
        Error::Transport(_) | Error::Server { .. } => true,
        Error::Status { status, .. } => matches!(status, 409 | 423),
        _ => false,
    }
}

fn io(error: std::io::Error) -> Error {
    Error::Usage(format!("cannot read the upload's source: {error}"))
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn offset(headers: &HeaderMap) -> Result<u64> {
    header(headers, "Upload-Offset")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::Decode("an answer without Upload-Offset".into()))
}

/// Standard base64 with padding (tus's `Upload-Metadata`), without a crate
/// for twenty lines.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_is_the_standard_alphabet_with_padding() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64("film ä.mp4".as_bytes()), "ZmlsbSDDpC5tcDQ=");
    }
}
