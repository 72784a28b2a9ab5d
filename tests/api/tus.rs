//! Resumable uploads over tus 1.0 (SPEC §10): what a tus client (tuspy,
//! tus-js-client, Uppy) sees, and that a finished upload is a media file.

use base64::Engine as _;
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::helpers::{
    db_execute, mp4, reply, spawn_app, spawn_app_with, spawn_apps_with, Reply, TestApp,
};

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// One tus request to `server` (or the app's base); `Tus-Resumable: 1.0.0`
/// unless `headers` says otherwise.
async fn tus(
    app: &TestApp,
    server: Option<&str>,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Reply {
    let base = server.unwrap_or(&app.base);
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{base}{path}")
    };
    let mut request = app.client.request(method, url);
    if !headers.iter().any(|(k, _)| *k == "Tus-Resumable") {
        request = request.header("Tus-Resumable", "1.0.0");
    }
    for (k, v) in headers {
        if !v.is_empty() {
            request = request.header(*k, *v);
        }
    }
    if let Some(token) = token {
        request = request.header("Authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    reply(request.send().await.expect("request sent")).await
}

/// Creates an upload of `length` bytes for `content`; returns its path.
async fn create(app: &TestApp, token: &str, content: &str, name: &str, length: usize) -> String {
    let metadata = format!("content {},filename {}", b64(content), b64(name));
    create_with(app, token, &metadata, length).await
}

/// Creates an upload of `length` bytes described by `metadata`; returns
/// its path.
async fn create_with(app: &TestApp, token: &str, metadata: &str, length: usize) -> String {
    let r = tus(
        app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(token),
        &[
            ("Upload-Length", &length.to_string()),
            ("Upload-Metadata", metadata),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("Tus-Resumable"), Some("1.0.0"));
    assert!(r.header("Upload-Expires").is_some());
    let location = r.header("Location").expect("Location").to_owned();
    let path = location
        .split_once("/api/uploads/")
        .map(|(_, id)| format!("/api/uploads/{id}"))
        .expect("under /api/uploads/");
    assert!(path.ends_with('/'));
    path
}

/// Creates an upload described by `metadata` with all of its `bytes` in
/// the creation request (creation-with-upload).
async fn create_whole(app: &TestApp, token: &str, metadata: &str, bytes: Vec<u8>) -> Reply {
    let length = bytes.len().to_string();
    tus(
        app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(token),
        &[
            ("Upload-Length", &length),
            ("Upload-Metadata", metadata),
            ("Content-Type", "application/offset+octet-stream"),
        ],
        Some(bytes),
    )
    .await
}

async fn patch(
    app: &TestApp,
    server: Option<&str>,
    token: &str,
    path: &str,
    offset: usize,
    bytes: &[u8],
) -> Reply {
    tus(
        app,
        server,
        Method::PATCH,
        path,
        Some(token),
        &[
            ("Content-Type", "application/offset+octet-stream"),
            ("Upload-Offset", &offset.to_string()),
        ],
        Some(bytes.to_vec()),
    )
    .await
}

async fn offset_of(app: &TestApp, server: Option<&str>, token: &str, path: &str) -> Reply {
    tus(app, server, Method::HEAD, path, Some(token), &[], None).await
}

/// The content's media files, as the management API lists them.
async fn media_of(app: &TestApp, token: &str, content: &str) -> Vec<serde_json::Value> {
    let r = app
        .get(&format!("/api/conmediafile/?content={content}"), token)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["results"].as_array().cloned().unwrap_or_default()
}

fn resumable_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    crate::helpers::files_under(&app.media_root().join(".tmp").join("resumable"))
}

#[tokio::test]
async fn an_upload_sent_in_chunks_becomes_the_contents_media_file() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus film").await;
    let content_id = content["id"].as_str().unwrap();

    let r = tus(
        &app,
        None,
        Method::OPTIONS,
        "/api/uploads/",
        None,
        &[],
        None,
    )
    .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.status);
    assert_eq!(r.header("Tus-Version"), Some("1.0.0"));
    assert_eq!(r.header("Tus-Max-Size"), Some("4294967296"));
    assert!(r.header("Tus-Extension").unwrap().contains("creation"));
    assert!(r.header("Tus-Extension").unwrap().contains("termination"));

    let bytes = mp4(300_000);
    let path = create(&app, &admin, content_id, "film.mp4", bytes.len()).await;
    let r = offset_of(&app, None, &admin, &path).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Upload-Offset"), Some("0"));
    assert_eq!(r.header("Upload-Length"), Some("300000"));
    assert_eq!(r.header("Cache-Control"), Some("no-store"));

    let r = patch(&app, None, &admin, &path, 0, &bytes[..100_000]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.header("Upload-Offset"), Some("100000"));
    assert_eq!(r.header("Tus-Resumable"), Some("1.0.0"));

    // A client that lost track resends from the wrong place: refused,
    // nothing written.
    let r = patch(&app, None, &admin, &path, 50_000, &bytes[50_000..150_000]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = offset_of(&app, None, &admin, &path).await;
    assert_eq!(r.header("Upload-Offset"), Some("100000"));
    assert!(media_of(&app, &admin, content_id).await.is_empty());

    let r = patch(&app, None, &admin, &path, 100_000, &bytes[100_000..200_000]).await;
    assert_eq!(r.header("Upload-Offset"), Some("200000"));
    assert_eq!(r.header("Mstream-Media-File"), None, "not finished yet");
    let r = patch(&app, None, &admin, &path, 200_000, &bytes[200_000..]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.header("Upload-Offset"), Some("300000"));
    let made = r.header("Mstream-Media-File").map(str::to_owned);

    let media = media_of(&app, &admin, content_id).await;
    assert_eq!(media.len(), 1, "{media:?}");
    assert_eq!(
        made.as_deref(),
        media[0]["id"].as_str(),
        "the last byte's answer names the media file it became"
    );
    assert_eq!(media[0]["name"], "film.mp4");
    assert_eq!(media[0]["size"], 300_000);
    assert_eq!(media[0]["mime_type"], "video/mp4");
    assert_eq!(media[0]["sha256"], hex::encode(Sha256::digest(&bytes)));
    let stored = media[0]["file"].as_str().unwrap();
    assert!(stored.contains("/content/content/"), "{stored}");
    assert!(stored.contains(".mp4"), "{stored}");
    let downloaded = app.client.get(stored).send().await.unwrap();
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // The upload itself is over.
    let r = offset_of(&app, None, &admin, &path).await;
    assert_eq!(r.status, 404);
    assert!(resumable_files(&app).is_empty());
}

#[tokio::test]
async fn creation_with_upload_takes_the_first_bytes_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus short").await;
    let content_id = content["id"].as_str().unwrap();
    let bytes = mp4(20_000);
    let metadata = format!("content {},name {}", b64(content_id), b64("short clip"));
    let r = create_whole(&app, &admin, &metadata, bytes.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("Upload-Offset"), Some("20000"));
    let media = media_of(&app, &admin, content_id).await;
    assert_eq!(media.len(), 1);
    assert_eq!(media[0]["name"], "short clip");
    assert_eq!(media[0]["sha256"], hex::encode(Sha256::digest(&bytes)));
}

#[tokio::test]
async fn an_upload_naming_a_media_file_replaces_its_bytes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus recut").await;
    let content_id = content["id"].as_str().unwrap();
    let old = mp4(20_000);
    let metadata = format!("content {},name {}", b64(content_id), b64("master"));
    let r = create_whole(&app, &admin, &metadata, old).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.header("Mstream-Media-File").expect("made").to_owned();

    // The new bytes name the media file only (no content, no name: the
    // media file keeps its own), in two chunks.
    let new = mp4(300_000);
    let location = create_with(&app, &admin, &format!("media {}", b64(&id)), 300_000).await;
    let r = patch(&app, None, &admin, &location, 0, &new[..200_000]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(r.header("Mstream-Media-File").is_none());
    let r = patch(&app, None, &admin, &location, 200_000, &new[200_000..]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.header("Mstream-Media-File"), Some(id.as_str()));

    let media = media_of(&app, &admin, content_id).await;
    assert_eq!(media.len(), 1, "replaced, not added: {media:?}");
    assert_eq!(media[0]["id"], id.as_str());
    assert_eq!(media[0]["name"], "master");
    assert_eq!(media[0]["size"], 300_000);
    assert_eq!(media[0]["sha256"], hex::encode(Sha256::digest(&new)));
}

#[tokio::test]
async fn the_protocol_refuses_what_it_must() {
    let app = spawn_app_with(|s| s.media.max_upload_bytes = 1_000_000).await;
    let admin = app.admin().await;
    let user = app.signup("tusplain").await;
    let content = app.content(&admin, "Tus refusals").await;
    let content_id = content["id"].as_str().unwrap();
    let metadata = format!("content {}", b64(content_id));
    let headers = [
        ("Upload-Length", "1000"),
        ("Upload-Metadata", metadata.as_str()),
    ];

    // Not tus 1.0.0: 412 with the version spoken.
    let r = tus(
        &app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(&admin),
        &[("Tus-Resumable", "0.2.2"), headers[0], headers[1]],
        None,
    )
    .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.header("Tus-Version"), Some("1.0.0"));
    assert_eq!(r.header("Tus-Resumable"), Some("1.0.0"));
    // Who asks is decided first: anonymous is 401, whatever the version.
    for (method, path) in [
        (Method::POST, "/api/uploads/".to_owned()),
        (
            Method::HEAD,
            format!("/api/uploads/{}/", uuid::Uuid::new_v4()),
        ),
        (
            Method::PATCH,
            format!("/api/uploads/{}/", uuid::Uuid::new_v4()),
        ),
        (
            Method::DELETE,
            format!("/api/uploads/{}/", uuid::Uuid::new_v4()),
        ),
    ] {
        let r = tus(
            &app,
            None,
            method.clone(),
            &path,
            None,
            &[("Tus-Resumable", "")],
            None,
        )
        .await;
        assert_eq!(r.status, 401, "{method} {path}");
    }

    // Who may: decided before the body is read.
    let big = Some(mp4(500_000));
    let mut append = headers.to_vec();
    append.push(("Content-Type", "application/offset+octet-stream"));
    let r = tus(
        &app,
        None,
        Method::POST,
        "/api/uploads/",
        None,
        &append,
        big.clone(),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(
        r.body["detail"],
        "Authentication credentials were not provided."
    );
    let r = tus(
        &app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(&user.token),
        &append,
        big,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // The content must exist: DRF's field error.
    let unknown = format!("content {}", b64(&uuid::Uuid::new_v4().to_string()));
    let r = tus(
        &app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(&admin),
        &[("Upload-Length", "1000"), ("Upload-Metadata", &unknown)],
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["content"][0]
            .as_str()
            .is_some_and(|m| m.contains("does not exist")),
        "{}",
        r.body
    );
    let r = tus(
        &app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(&admin),
        &[("Upload-Length", "1000")],
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["content"][0], "This field is required.");

    // Larger than the media limit.
    let r = tus(
        &app,
        None,
        Method::POST,
        "/api/uploads/",
        Some(&admin),
        &[("Upload-Length", "1000001"), headers[1]],
        None,
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);

    let path = create(&app, &admin, content_id, "x.mp4", 1000).await;
    // Appends: the right body type, the right offset, not past the end.
    let r = tus(
        &app,
        None,
        Method::PATCH,
        &path,
        Some(&admin),
        &[("Content-Type", "application/json"), ("Upload-Offset", "0")],
        Some(b"{}".to_vec()),
    )
    .await;
    assert_eq!(r.status, 415);
    let r = tus(
        &app,
        None,
        Method::HEAD,
        &path,
        Some(&admin),
        &[("Tus-Resumable", "2.0.0")],
        None,
    )
    .await;
    assert_eq!(r.status, 412);
    // Without the header at all the request is malformed: 400.
    let bare = app
        .client
        .head(app.url(&path))
        .header("Authorization", format!("Token {admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 400);
    assert_eq!(
        bare.headers()
            .get("Tus-Version")
            .and_then(|v| v.to_str().ok()),
        Some("1.0.0")
    );
    let r = tus(
        &app,
        None,
        Method::HEAD,
        &path,
        Some(&user.token),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 403);
    let r = patch(&app, None, &admin, &path, 0, &mp4(1500)).await;
    assert_eq!(r.status, 413, "{}", r.body);
    // The bytes that fit were kept; an empty append at the end finishes it.
    let r = offset_of(&app, None, &admin, &path).await;
    assert_eq!(r.header("Upload-Offset"), Some("1000"));
    assert!(media_of(&app, &admin, content_id).await.is_empty());
    let r = patch(&app, None, &admin, &path, 1000, &[]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(media_of(&app, &admin, content_id).await.len(), 1);

    // A checksum that does not match drops the bytes: 460.
    let path = create(&app, &admin, content_id, "y.mp4", 1000).await;
    let bytes = mp4(500);
    let r = tus(
        &app,
        None,
        Method::PATCH,
        &path,
        Some(&admin),
        &[
            ("Content-Type", "application/offset+octet-stream"),
            ("Upload-Offset", "0"),
            (
                "Upload-Checksum",
                &format!("sha1 {}", b64("not the digest of it!")),
            ),
        ],
        Some(bytes.clone()),
    )
    .await;
    assert_eq!(r.status, 460, "{}", r.body);
    assert_eq!(
        offset_of(&app, None, &admin, &path)
            .await
            .header("Upload-Offset"),
        Some("0")
    );
    let digest = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(&bytes));
    let r = tus(
        &app,
        None,
        Method::PATCH,
        &path,
        Some(&admin),
        &[
            ("Content-Type", "application/offset+octet-stream"),
            ("Upload-Offset", "0"),
            ("Upload-Checksum", &format!("sha1 {digest}")),
        ],
        Some(bytes),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.header("Upload-Offset"), Some("500"));
}

#[tokio::test]
async fn termination_removes_the_bytes_and_the_upload() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus ended").await;
    let path = create(
        &app,
        &admin,
        content["id"].as_str().unwrap(),
        "e.mp4",
        10_000,
    )
    .await;
    let r = patch(&app, None, &admin, &path, 0, &mp4(4000)).await;
    assert_eq!(r.status, 204);
    assert_eq!(resumable_files(&app).len(), 1);
    let r = tus(&app, None, Method::DELETE, &path, Some(&admin), &[], None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(resumable_files(&app).is_empty());
    assert_eq!(offset_of(&app, None, &admin, &path).await.status, 404);
    assert_eq!(
        patch(&app, None, &admin, &path, 4000, &[0; 10])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_expired_upload_is_gone_and_swept() {
    let app = spawn_app_with(|s| s.media.resumable_ttl_secs = 0).await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus expired").await;
    let path = create(
        &app,
        &admin,
        content["id"].as_str().unwrap(),
        "old.mp4",
        10_000,
    )
    .await;
    let r = offset_of(&app, None, &admin, &path).await;
    assert_eq!(r.status, 410);
    assert_eq!(
        patch(&app, None, &admin, &path, 0, &mp4(100)).await.status,
        410
    );
    // The sweep (every process runs it periodically and at start-up)
    // removes row and bytes.
    app.services.uploads.sweep().await.expect("sweep");
    assert!(resumable_files(&app).is_empty());
    assert_eq!(offset_of(&app, None, &admin, &path).await.status, 404);
}

#[tokio::test]
async fn two_servers_take_turns_on_one_upload_and_offsets_outlive_them() {
    let app = spawn_apps_with(2, |_| {}).await;
    let (one, two) = (app.servers[0].clone(), app.servers[1].clone());
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus shared").await;
    let content_id = content["id"].as_str().unwrap();
    let bytes = mp4(90_000);
    let path = create(&app, &admin, content_id, "shared.mp4", bytes.len()).await;
    let r = patch(&app, Some(&one), &admin, &path, 0, &bytes[..30_000]).await;
    assert_eq!(r.status, 204);
    // The other process knows the offset from the shared state alone.
    let r = offset_of(&app, Some(&two), &admin, &path).await;
    assert_eq!(r.header("Upload-Offset"), Some("30000"));
    let r = patch(
        &app,
        Some(&two),
        &admin,
        &path,
        30_000,
        &bytes[30_000..60_000],
    )
    .await;
    assert_eq!(r.status, 204);
    // What a restarted process sees: the services over the same database
    // and media root.
    let state = app
        .services
        .uploads
        .state(
            &admin_actor(&app, &admin).await,
            uuid::Uuid::parse_str(path.trim_end_matches('/').rsplit('/').next().unwrap()).unwrap(),
        )
        .await
        .expect("state");
    assert_eq!(state.offset, 60_000);
    let r = patch(&app, Some(&one), &admin, &path, 60_000, &bytes[60_000..]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let media = media_of(&app, &admin, content_id).await;
    assert_eq!(media.len(), 1);
    assert_eq!(media[0]["sha256"], hex::encode(Sha256::digest(&bytes)));
}

async fn admin_actor(app: &TestApp, token: &str) -> mstream_kernel::Actor {
    app.services
        .accounts
        .authenticate(Some(token.to_owned()))
        .await
        .expect("token valid")
}

#[tokio::test]
async fn a_finished_upload_that_is_not_media_is_refused_and_gone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus page").await;
    let content_id = content["id"].as_str().unwrap();
    let page = b"<!doctype html><html><script>alert(1)</script></html>".to_vec();
    let path = create(&app, &admin, content_id, "page.mp4", page.len()).await;
    let r = offset_of(&app, None, &admin, &path).await;
    assert!(r
        .header("Upload-Metadata")
        .is_some_and(|m| m.contains("filename")));
    let r = patch(&app, None, &admin, &path, 0, &page).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["file"][0]
            .as_str()
            .is_some_and(|m| m.contains("valid audio, video or image")),
        "{}",
        r.body
    );
    assert!(media_of(&app, &admin, content_id).await.is_empty());
    assert_eq!(offset_of(&app, None, &admin, &path).await.status, 404);
    assert!(resumable_files(&app).is_empty());
    assert!(
        crate::helpers::files_under(&app.media_root().join("content")).is_empty(),
        "nothing stored"
    );
}

/// Makes every delete of an upload's row fail, as if the process died
/// right before it.
fn upload_rows_cannot_be_deleted(app: &TestApp) {
    if app.database_url.starts_with("postgres") {
        db_execute(
            app,
            &[
                "CREATE FUNCTION refuse_delete() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'the process died'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON resumable_uploads \
                 FOR EACH ROW EXECUTE FUNCTION refuse_delete()",
            ],
        );
    } else {
        db_execute(
            app,
            &[
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON resumable_uploads \
               BEGIN SELECT RAISE(ABORT, 'the process died'); END",
            ],
        );
    }
}

#[tokio::test]
async fn the_media_file_and_the_end_of_its_upload_are_one_write() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus atomic").await;
    let content_id = content["id"].as_str().unwrap();
    let bytes = mp4(64 * 1024);

    // Finished: the media file exists, with its history entry, and the
    // upload does not.
    let path = create(&app, &admin, content_id, "one.mp4", bytes.len()).await;
    let r = patch(&app, None, &admin, &path, 0, &bytes).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let made = r.header("Mstream-Media-File").unwrap().to_owned();
    assert_eq!(offset_of(&app, None, &admin, &path).await.status, 404);
    let media = media_of(&app, &admin, content_id).await;
    assert_eq!(media.len(), 1, "{media:?}");
    assert_eq!(media[0]["id"], made.as_str());
    let history = app
        .get(&format!("/api/history/?object={made}"), &admin)
        .await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(history.body["count"], 1, "{}", history.body);
    assert_eq!(history.body["results"][0]["action"], "create");
    assert!(resumable_files(&app).is_empty());

    // When the upload's row cannot be removed, the media file is not
    // written either: one write, not two.
    let before = app.media_files_on_disk();
    upload_rows_cannot_be_deleted(&app);
    let path = create(&app, &admin, content_id, "two.mp4", bytes.len()).await;
    let r = patch(&app, None, &admin, &path, 0, &bytes).await;
    assert!(r.status >= 500, "{} {}", r.status, r.body);
    assert_eq!(r.header("Mstream-Media-File"), None);
    let media = media_of(&app, &admin, content_id).await;
    assert_eq!(media.len(), 1, "no second media file: {media:?}");
    assert_eq!(app.media_files_on_disk(), before, "no bytes stored");
}

/// Catalog reads answered by the database so far, not by a read cache,
/// over every server.
async fn cache_misses(app: &TestApp) -> f64 {
    let mut total = 0.0;
    for server in &app.servers {
        total += app
            .metric_of(server, "mstream_read_cache_reads_total{result=\"miss\"}")
            .await;
    }
    total
}

/// Reads `path` through each server in turn (each has its own read
/// cache); returns what the first one answered.
async fn read_on_every_server(app: &TestApp, path: &str, token: &str) -> serde_json::Value {
    let mut first = None;
    for server in &app.servers {
        let r = app
            .send_to(server, Method::GET, path, Some(token), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        first.get_or_insert(r.body);
    }
    first.unwrap_or_default()
}

#[tokio::test]
async fn an_uploads_chunks_leave_the_catalogs_cached_answers_alone() {
    // A 1 GiB upload is 256 chunks of 4 MiB; were each one a catalog write,
    // every process would read every list from the database again while
    // an admin uploads. The finished upload is a catalog write.
    let app = spawn_app_with(|s| s.database.read_cache_ms = 60_000).await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Tus cache").await;
    let content_id = content["id"].as_str().unwrap();
    let bytes = mp4(64 * 1024);
    let list = "/api/contents/";
    let cached = read_on_every_server(&app, list, &admin).await;
    let misses = cache_misses(&app).await;

    let path = create(&app, &admin, content_id, "cache.mp4", bytes.len()).await;
    for (i, chunk) in bytes.chunks(16 * 1024).take(3).enumerate() {
        let r = patch(&app, None, &admin, &path, i * 16 * 1024, chunk).await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    assert_eq!(read_on_every_server(&app, list, &admin).await, cached);
    assert_eq!(cache_misses(&app).await, misses, "the list was read again");

    let r = patch(&app, None, &admin, &path, 48 * 1024, &bytes[48 * 1024..]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    read_on_every_server(&app, list, &admin).await;
    assert_eq!(
        cache_misses(&app).await,
        misses + app.servers.len() as f64,
        "the new media file is a catalog write, for every server"
    );
}
