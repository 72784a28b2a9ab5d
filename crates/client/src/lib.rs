//! An async typed client of the mstream HTTP API.
//!
//! Calls take and return the domain crates' types — [`Content`],
//! [`NewGenre`](mstream_genres::NewGenre), typed ids, typed list queries —
//! and fail with a typed [`Error`]: [`Error::Invalid`] carries the server's
//! field errors, and 401, 403, 404, 429 (with its `Retry-After`) and 5xx
//! are variants of their own.
//!
//! # Use it from your service
//!
//! ```no_run
//! use mstream_client::Client;
//! use mstream_content::{Content, ContentField, ContentQuery};
//! use mstream_genres::{Genre, NewGenre};
//! use mstream_kernel::Name;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let admin = Client::new("http://127.0.0.1:8000")?
//!     .log_in("admin", "Admin-pass-77")
//!     .await?;
//! let drama: Genre = admin
//!     .resource::<Genre>()
//!     .create(&NewGenre { name: Name::parse("Drama")? })
//!     .await?;
//! let page = admin
//!     .resource::<Content>()
//!     .list(
//!         &ContentQuery::new()
//!             .filter(ContentField::Genre, drama.id)
//!             .order_by_desc(ContentField::Rating),
//!     )
//!     .await?;
//! for content in page.results {
//!     println!("{} ({:.1})", content.name, content.rating);
//! }
//! # Ok(()) }
//! ```
//!
//! Errors are values to match on:
//!
//! ```no_run
//! # use mstream_client::{Client, Error};
//! # use mstream_genres::{Genre, NewGenre};
//! # use mstream_kernel::Name;
//! # async fn run(admin: Client) -> Result<(), Box<dyn std::error::Error>> {
//! match admin.resource::<Genre>().create(&NewGenre { name: Name::parse("Drama")? }).await {
//!     Ok(genre) => println!("made {}", genre.id),
//!     Err(Error::Invalid(errors)) => println!("refused: {:?}", errors.messages("name")),
//!     Err(Error::Throttled { retry_after, .. }) => println!("wait {retry_after:?}"),
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod error;
mod resumable;

use std::marker::PhantomData;

use bytes::Bytes;
use mstream_content::{
    CatalogEntry, Content, ContentId, ContentQuery, MediaFile, MediaFileId, MediaFilePatch,
    NewMediaFile, WatchPosition, WatchProgress,
};
use mstream_kernel::resource::Kind;
use mstream_kernel::user::Account;
use mstream_kernel::{Id, Model, Query, UserId};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use error::Error;
pub use resumable::{ResumableUpload, DEFAULT_CHUNK};

// The domain crates whose types the calls take and return, so that one
// dependency on the client is enough to use it.
pub use mstream_artists as artists;
pub use mstream_content as content;
pub use mstream_genres as genres;
pub use mstream_kernel as kernel;
pub use mstream_reviews as reviews;
pub use mstream_subscriptions as subscriptions;

/// The result of a call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One page of a list, DRF's envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// How many entities match, on every page together.
    pub count: u64,
    /// The absolute URL of the next page, if there is one.
    pub next: Option<String>,
    /// The absolute URL of the previous page, if there is one.
    pub previous: Option<String>,
    /// This page's entities.
    pub results: Vec<T>,
}

/// The body of `POST /user/signup/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUp {
    /// 1–150 letters, digits and `@.+-_`.
    pub username: String,
    /// A valid address.
    pub email: String,
    /// At least 8 characters, not all digits, not common, not like the
    /// username or email.
    pub password: String,
    /// The same password again.
    pub confirm_password: String,
}

impl SignUp {
    /// A sign-up whose confirmation repeats `password`.
    pub fn new(
        username: impl Into<String>,
        email: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        let password = password.into();
        Self {
            username: username.into(),
            email: email.into(),
            confirm_password: password.clone(),
            password,
        }
    }
}

/// What `POST /user/signup/` answers: the account and its first token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedUp {
    /// The new account's id.
    pub id: UserId,
    /// Its (normalised) username.
    pub username: String,
    /// Its email.
    pub email: String,
    /// A token for this device.
    pub token: String,
}

#[derive(Serialize)]
struct LogIn<'a> {
    username: &'a str,
    password: &'a str,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

/// Bytes to upload as a media file's `file` part.
#[derive(Debug)]
pub struct Upload {
    file_name: String,
    body: reqwest::Body,
}

impl Upload {
    /// Bytes held in memory.
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            file_name: file_name.into(),
            body: reqwest::Body::from(bytes.into()),
        }
    }

    /// Bytes read from `stream` while they are sent (a file, another
    /// response), never held whole in memory.
    pub fn stream<S>(file_name: impl Into<String>, stream: S) -> Self
    where
        S: futures_util::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        Self {
            file_name: file_name.into(),
            body: reqwest::Body::wrap_stream(stream),
        }
    }
}

/// A connection to one mstream server, signed in or not. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client of the server at `base` (`http://host:port`, no path).
    /// Redirects are not followed: every path the client asks for is the
    /// canonical one, so a redirect is reported as [`Error::Status`].
    pub fn new(base: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self::with_http(http, base))
    }

    /// As [`Client::new`], over a `reqwest::Client` configured by the caller
    /// (timeouts, proxies).
    pub fn with_http(http: reqwest::Client, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
        }
    }

    /// This client, presenting `token` (`Authorization: Token …`).
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// The token presented, if signed in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.header(reqwest::header::AUTHORIZATION, format!("Token {token}")),
            None => request,
        }
    }

    async fn send(request: RequestBuilder) -> Result<reqwest::Response> {
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = error::retry_after(response.headers());
        let body = response.bytes().await?;
        Err(Error::from_response(status.as_u16(), retry_after, &body))
    }

    async fn json<T: DeserializeOwned>(request: RequestBuilder) -> Result<T> {
        let body = Self::send(request).await?.bytes().await?;
        serde_json::from_slice(&body)
            .map_err(|e| Error::Decode(format!("{e}: {}", String::from_utf8_lossy(&body))))
    }

    async fn empty(request: RequestBuilder) -> Result<()> {
        Self::send(request).await.map(drop)
    }

    /// Creates an account (`POST /user/signup/`). The answer carries a
    /// token: `client.with_token(signed.token)` acts as the new user.
    pub async fn sign_up(&self, body: &SignUp) -> Result<SignedUp> {
        Self::json(self.request(Method::POST, "/user/signup/").json(body)).await
    }

    /// Signs in (`POST /user/login/`) and returns a client presenting the
    /// new token. Bad credentials are an [`Error::Invalid`] under
    /// `non_field_errors`.
    pub async fn log_in(&self, username: &str, password: &str) -> Result<Client> {
        let body: TokenBody = Self::json(
            self.request(Method::POST, "/user/login/")
                .json(&LogIn { username, password }),
        )
        .await?;
        Ok(self.with_token(body.token))
    }

    /// Revokes this client's token, or with `all` every token of the user.
    pub async fn log_out(&self, all: bool) -> Result<()> {
        let path = if all {
            "/user/logout/?all=true"
        } else {
            "/user/logout/"
        };
        Self::empty(self.request(Method::POST, path)).await
    }

    /// The signed-in account (`GET /user/me/`).
    pub async fn me(&self) -> Result<Account> {
        Self::json(self.request(Method::GET, "/user/me/")).await
    }

    /// Deletes the signed-in account with its tokens, reviews and
    /// subscription.
    pub async fn delete_account(&self) -> Result<()> {
        Self::empty(self.request(Method::DELETE, "/user/delete/")).await
    }

    /// The calls on one resource: `client.resource::<Genre>().list(…)`.
    /// Users are `resource::<Account>()` (admins only).
    pub fn resource<M: Model>(&self) -> Resources<'_, M> {
        Resources {
            client: self,
            model: PhantomData,
        }
    }

    /// Follows a page's `next` link; `None` on the last page.
    pub async fn next_page<T: DeserializeOwned>(&self, page: &Page<T>) -> Result<Option<Page<T>>> {
        match &page.next {
            Some(url) => self.page_at(url).await.map(Some),
            None => Ok(None),
        }
    }

    /// Follows a page's `previous` link; `None` on the first page.
    pub async fn previous_page<T: DeserializeOwned>(
        &self,
        page: &Page<T>,
    ) -> Result<Option<Page<T>>> {
        match &page.previous {
            Some(url) => self.page_at(url).await.map(Some),
            None => Ok(None),
        }
    }

    /// Pages link with absolute URLs built from the request's `Host`;
    /// only their path and query are used, against this client's base, so
    /// the token never goes to another host.
    async fn page_at<T: DeserializeOwned>(&self, url: &str) -> Result<Page<T>> {
        let path =
            path_of(url).ok_or_else(|| Error::Decode(format!("not an absolute URL: {url}")))?;
        Self::json(self.request(Method::GET, path)).await
    }

    /// The subscribers' catalog (`GET /api/catalog/`), any signed-in user.
    pub async fn catalog(&self, query: &ContentQuery) -> Result<Page<Content>> {
        Self::json(self.request(
            Method::GET,
            &with_query("/api/catalog/", &query.to_query_string()),
        ))
        .await
    }

    /// One catalog entry with its credits and media (`GET
    /// /api/catalog/<id>/`); `stream_url`s are set for admins and
    /// subscribers.
    pub async fn catalog_entry(&self, id: ContentId) -> Result<CatalogEntry> {
        Self::json(self.request(Method::GET, &format!("/api/catalog/{id}/"))).await
    }

    /// Records where this client's user stopped in a media file (`PUT
    /// /api/progress/<media>/`). Past 95 % of a known duration the entry
    /// counts as watched and leaves [`Client::continue_watching`].
    ///
    /// ```no_run
    /// # use mstream_client::Client;
    /// # use mstream_content::{MediaFileId, WatchPosition};
    /// # async fn run(viewer: Client, media: MediaFileId) -> Result<(), Box<dyn std::error::Error>> {
    /// let at = WatchPosition::new(1834.5, Some(8160.0))?;
    /// let stored = viewer.record_progress(media, &at).await?;
    /// assert!(!stored.finished);
    /// for entry in viewer.continue_watching(None, 1).await?.results {
    ///     println!("{} at {:.0} s", entry.content_name, entry.position);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn record_progress(
        &self,
        media: MediaFileId,
        at: &WatchPosition,
    ) -> Result<WatchProgress> {
        Self::json(
            self.request(Method::PUT, &format!("/api/progress/{media}/"))
                .json(at),
        )
        .await
    }

    /// Where this client's user stopped in a media file; [`Error::NotFound`]
    /// when nothing is stored.
    pub async fn progress(&self, media: MediaFileId) -> Result<WatchProgress> {
        Self::json(self.request(Method::GET, &format!("/api/progress/{media}/"))).await
    }

    /// Forgets where this client's user stopped in a media file.
    pub async fn forget_progress(&self, media: MediaFileId) -> Result<()> {
        Self::empty(self.request(Method::DELETE, &format!("/api/progress/{media}/"))).await
    }

    /// "Continue watching" (`GET /api/progress/`): unfinished entries, most
    /// recent first. An admin may ask for another `user`'s.
    pub async fn continue_watching(
        &self,
        user: Option<UserId>,
        page: u64,
    ) -> Result<Page<WatchProgress>> {
        // A UUID and a number need no escaping.
        let mut pairs = Vec::new();
        if let Some(user) = user {
            pairs.push(format!("user={user}"));
        }
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        Self::json(self.request(Method::GET, &with_query("/api/progress/", &pairs.join("&")))).await
    }

    /// Uploads a media file: `body`'s text parts and the bytes, streamed as
    /// `multipart/form-data`.
    pub async fn upload_media(&self, body: &NewMediaFile, file: Upload) -> Result<MediaFile> {
        let form =
            text_parts(body)?.part("file", Part::stream(file.body).file_name(file.file_name));
        Self::json(
            self.request(Method::POST, "/api/conmediafile/")
                .multipart(form),
        )
        .await
    }

    /// Changes a media file; with `file`, replaces its bytes too.
    pub async fn patch_media(
        &self,
        id: MediaFileId,
        body: &MediaFilePatch,
        file: Option<Upload>,
    ) -> Result<MediaFile> {
        let mut form = text_parts(body)?;
        if let Some(file) = file {
            form = form.part("file", Part::stream(file.body).file_name(file.file_name));
        }
        Self::json(
            self.request(Method::PATCH, &format!("/api/conmediafile/{id}/"))
                .multipart(form),
        )
        .await
    }

    /// Fetches a signed stream URL (a media file's `file` or a catalog
    /// entry's `stream_url`), optionally one byte range (`start..=end`).
    /// The URL carries its own grant, so no token is sent. Read the bytes
    /// with `bytes_stream()`; an expired or bad signature is
    /// [`Error::Forbidden`].
    pub async fn fetch_stream(
        &self,
        url: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<reqwest::Response> {
        let mut request = self.http.get(url);
        if let Some((start, end)) = range {
            let end = end.map(|e| e.to_string()).unwrap_or_default();
            request = request.header(reqwest::header::RANGE, format!("bytes={start}-{end}"));
        }
        Self::send(request).await
    }
}

/// The path and query of an absolute URL.
fn path_of(url: &str) -> Option<&str> {
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// A body's fields as multipart text parts (lists as repeated parts).
fn text_parts<B: Serialize>(body: &B) -> Result<Form> {
    let serde_json::Value::Object(map) =
        serde_json::to_value(body).map_err(|e| Error::Usage(e.to_string()))?
    else {
        return Err(Error::Usage("a body must serialise to an object".into()));
    };
    let mut form = Form::new();
    for (name, value) in map {
        let values = match value {
            serde_json::Value::Array(items) => items,
            one => vec![one],
        };
        for value in values {
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            form = form.text(name.clone(), text);
        }
    }
    Ok(form)
}

/// The CRUD calls of one resource, from [`Client::resource`].
#[derive(Debug)]
pub struct Resources<'c, M> {
    client: &'c Client,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> Resources<'_, M> {
    fn path(&self) -> String {
        format!("/api/{}/", M::RESOURCE.name)
    }

    fn item(&self, id: Id<M::Kind>) -> String {
        format!("/api/{}/{id}/", M::RESOURCE.name)
    }

    /// Resources with a file (media files) take multipart bodies; their
    /// text fields travel as parts, and bytes go through
    /// [`Client::upload_media`] / [`Client::patch_media`].
    fn with_body<B: Serialize>(request: RequestBuilder, body: &B) -> Result<RequestBuilder> {
        if M::RESOURCE.fields.iter().any(|f| f.kind == Kind::File) {
            Ok(request.multipart(text_parts(body)?))
        } else {
            Ok(request.json(body))
        }
    }

    /// One page of the list the query selects.
    pub async fn list(&self, query: &Query<M::Field>) -> Result<Page<M>> {
        let path = with_query(&self.path(), &query.to_query_string());
        Client::json(self.client.request(Method::GET, &path)).await
    }

    /// One entity.
    pub async fn get(&self, id: Id<M::Kind>) -> Result<M> {
        Client::json(self.client.request(Method::GET, &self.item(id))).await
    }

    /// Creates an entity (`201`).
    pub async fn create(&self, body: &M::New) -> Result<M> {
        let request = Self::with_body(self.client.request(Method::POST, &self.path()), body)?;
        Client::json(request).await
    }

    /// Replaces an entity's writable fields (`PUT`).
    pub async fn update(&self, id: Id<M::Kind>, body: &M::New) -> Result<M> {
        let request = Self::with_body(self.client.request(Method::PUT, &self.item(id)), body)?;
        Client::json(request).await
    }

    /// Changes the fields `patch` carries (`PATCH`).
    pub async fn patch(&self, id: Id<M::Kind>, patch: &M::Patch) -> Result<M> {
        let request = Self::with_body(self.client.request(Method::PATCH, &self.item(id)), patch)?;
        Client::json(request).await
    }

    /// Deletes an entity (`204`), with the cascades the SPEC lists.
    pub async fn delete(&self, id: Id<M::Kind>) -> Result<()> {
        Client::empty(self.client.request(Method::DELETE, &self.item(id))).await
    }
}
