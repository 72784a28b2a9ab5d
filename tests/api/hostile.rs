//! Issue #16, "Hostile clients": each reproduction of the issue, answered
//! as SPEC §1, §2 and §5 say (see docs/security.md for the table).

use std::time::Duration;

use diesel::{Connection, QueryableByName, RunQueryDsl};
use serde_json::{json, Value as Json};
use tokio::io::AsyncWriteExt;

use crate::helpers::{
    db_execute, eventually, files_under, mp4, png, raw, read_response, reply, spawn_app,
    spawn_app_with, webm, TestApp,
};
use crate::uploads::{port_of, staged, start_upload, BOUNDARY};

/// A liveness bound, not a performance one: a server that waits for the
/// rest of a body it should not read never answers at all.
const NO_ANSWER: Duration = Duration::from_secs(30);

async fn connect(app: &TestApp) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(("127.0.0.1", port_of(app)))
        .await
        .expect("connect")
}

/// Sends the head of a multipart upload announcing `announced` bytes, and
/// the first 64 KiB of its file (an MP4), then nothing more.
async fn stalled_upload(
    app: &TestApp,
    token: Option<&str>,
    announced: usize,
) -> tokio::net::TcpStream {
    stalled_upload_to(app, "POST /api/conmediafile/", token, announced).await
}

/// [`stalled_upload`] with another method and path (`PUT /api/…/`).
async fn stalled_upload_to(
    app: &TestApp,
    request_line: &str,
    token: Option<&str>,
    announced: usize,
) -> tokio::net::TcpStream {
    let mut socket = connect(app).await;
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Token {t}\r\n"));
    let head = format!(
        "{request_line} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {announced}\r\n\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("head sent");
    socket.write_all(&mp4(64 * 1024)).await.expect("body sent");
    socket
}

async fn answer(socket: &mut tokio::net::TcpStream) -> (u16, String, Json) {
    let (status, head, body) = tokio::time::timeout(NO_ANSWER, read_response(socket))
        .await
        .expect("an answer before the body is complete");
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(&body).unwrap_or(Json::Null),
    )
}

#[tokio::test]
async fn writes_are_refused_before_their_body_is_read() {
    let app = spawn_app().await;
    let user = app.signup("mallory").await;
    let media = format!("/api/conmediafile/{}/", uuid::Uuid::new_v4());
    let (put, patch) = (format!("PUT {media}"), format!("PATCH {media}"));
    for (line, token, status, detail) in [
        (
            "POST /api/conmediafile/",
            None,
            401,
            "Authentication credentials were not provided.",
        ),
        (
            "POST /api/conmediafile/",
            Some(user.token.as_str()),
            403,
            "You do not have permission to perform this action.",
        ),
        (
            put.as_str(),
            None,
            401,
            "Authentication credentials were not provided.",
        ),
        (
            patch.as_str(),
            Some(user.token.as_str()),
            403,
            "You do not have permission to perform this action.",
        ),
    ] {
        // 300 MiB announced, 64 KiB sent: the answer comes without the rest.
        let mut socket = stalled_upload_to(&app, line, token, 300 * 1024 * 1024).await;
        let (got, head, body) = answer(&mut socket).await;
        assert_eq!(got, status, "{head}");
        assert_eq!(body["detail"], detail);
        assert!(head.contains("connection: close"), "{head}");
        assert!(staged(&app.media_root()).is_empty(), "nothing staged");
    }
    // JSON endpoints too.
    let mut socket = connect(&app).await;
    let request = format!(
        "PATCH /api/genre/{}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{{\"name\": \"",
        uuid::Uuid::new_v4(),
        user.token
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(answer(&mut socket).await.0, 403);
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_timed_out_and_its_staged_file_removed() {
    let app = spawn_app_with(|s| s.server.body_timeout_secs = 1).await;
    let admin = app.admin().await;
    let mut socket = stalled_upload(&app, Some(&admin), 8 * 1024 * 1024).await;
    let (status, _, body) = answer(&mut socket).await;
    assert_eq!(status, 408, "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("stopped arriving"));
    let root = app.media_root();
    assert!(
        eventually(|| staged(&root).is_empty()).await,
        "{:?}",
        staged(&root)
    );
    // A JSON body too.
    let mut socket = connect(&app).await;
    let request = format!(
        "POST /api/genre/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\""
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(answer(&mut socket).await.0, 408);
    assert_eq!(app.get("/api/genre/", &admin).await.body["count"], 0);
}

fn multipart(parts: &[(String, Vec<u8>, Option<&str>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value, file_name) in parts {
        let disposition = match file_name {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts a multipart body chunked (no `Content-Length`), as a client that
/// streams it would.
async fn post_chunked(app: &TestApp, token: &str, body: Vec<u8>) -> crate::helpers::Reply {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
    let response = app
        .client
        .post(app.url("/api/conmediafile/"))
        .header("Authorization", format!("Token {token}"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    reply(response).await
}

#[tokio::test]
async fn multipart_forms_are_bounded_in_fields_and_text() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Heat").await;
    let id = content["id"].as_str().unwrap().to_owned();
    let own = |name: &str| {
        vec![
            ("name".to_owned(), name.as_bytes().to_vec(), None),
            ("content".to_owned(), id.as_bytes().to_vec(), None),
            ("file".to_owned(), mp4(1000), Some("a.mp4")),
        ]
    };
    // Unknown fields are ignored, as DRF ignores them.
    let mut parts = own("Extra");
    parts.push(("user".to_owned(), b"someone".to_vec(), None));
    let r = post_chunked(&app, &admin, multipart(&parts)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // More than 1,000 text fields.
    let mut parts = own("Many");
    parts.extend((0..1000).map(|i| (format!("f{i}"), b"x".to_vec(), None)));
    let r = post_chunked(&app, &admin, multipart(&parts)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("1000 fields"));
    // More than 2.5 MB of text, in fields under the per-field cap.
    let mut parts = own("Large");
    parts.extend((0..50).map(|i| (format!("f{i}"), vec![b'x'; 60 * 1024], None)));
    let r = post_chunked(&app, &admin, multipart(&parts)).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(app.get("/api/conmediafile/", &admin).await.body["count"], 1);
    assert_eq!(app.media_files_on_disk().len(), 1);
}

#[tokio::test]
async fn a_uri_too_long_gets_414_with_a_detail() {
    let app = spawn_app().await;
    let long = format!("/api/?q={}", "a".repeat(20_000));
    let r = app.client.get(app.url(&long)).send().await.unwrap();
    let r = reply(r).await;
    assert_eq!(r.status, 414);
    assert!(r.body["detail"].as_str().unwrap().contains("too long"));
}

#[tokio::test]
async fn redirects_stay_on_this_site() {
    let app = spawn_app().await;
    for path in ["//evil.example.com/x", "//evil.example.com/x?next=1"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 301);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let target = reqwest::Url::parse(&app.url(path))
            .unwrap()
            .join(&location)
            .unwrap();
        assert_eq!(target.host_str(), Some("127.0.0.1"), "{location}");
    }
    // `/\host` is read by browsers as `//host`.
    let (status, head, _) = raw(
        &app,
        b"GET /\\evil.example.com/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 301, "{head}");
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap_or_default();
    assert!(location.starts_with("/%5C"), "{head}");
}

#[tokio::test]
async fn only_allowed_hosts_are_served() {
    let app = spawn_app().await;
    let get = |host: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url(path))
                .header("Host", host)
                .send()
                .await
                .unwrap();
            reply(r).await
        }
    };
    let r = get("evil.example", "/api/").await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("evil.example"));
    assert_eq!(get("localhost:8000", "/api/").await.status, 200);
    assert_eq!(get("[::1]:1", "/api/").await.status, 200);
    assert_eq!(get("evil.example", "/healthz").await.status, 200, "probes");

    // Behind a trusted proxy, the forwarded host is the one checked.
    let proxied = spawn_app_with(|s| {
        s.server.trusted_proxies = vec!["127.0.0.1".into()];
        s.server.allowed_hosts = Some(vec!["127.0.0.1".into(), "media.example".into()]);
    })
    .await;
    let forwarded = |host: &'static str| {
        let app = &proxied;
        async move {
            let r = app
                .client
                .get(app.url("/api/"))
                .header("X-Forwarded-Host", host)
                .send()
                .await
                .unwrap();
            reply(r).await
        }
    };
    assert_eq!(forwarded("evil.example").await.status, 400);
    let r = forwarded("media.example").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["genre"], "http://media.example/api/genre/");
}

async fn upload(
    app: &TestApp,
    token: &str,
    content: &Json,
    data: Vec<u8>,
    file_name: &str,
) -> crate::helpers::Reply {
    crate::media::upload(app, token, content, file_name, data, file_name).await
}

#[tokio::test]
async fn only_media_are_stored_and_nothing_served_can_run() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Ran").await;
    for (bytes, name) in [
        (
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            "page.html",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
            "img.svg",
        ),
        (b"alert(document.cookie)".to_vec(), "x.js"),
        (b"PK\x03\x04 a zip".to_vec(), "film.mp4"),
    ] {
        let r = upload(&app, &admin, &content, bytes, name).await;
        assert_eq!(r.status, 400, "{name}: {}", r.body);
        assert!(r.body["file"][0]
            .as_str()
            .unwrap()
            .contains("audio, video or image"));
    }
    assert!(
        app.media_files_on_disk().is_empty(),
        "{:?}",
        app.media_files_on_disk()
    );
    // The type comes from the bytes, the name from the type.
    for (bytes, name, mime, ext) in [
        (png(500), "x.html", "image/png", ".png?"),
        (webm(500), "x.mp4", "video/webm", ".webm?"),
    ] {
        let r = upload(&app, &admin, &content, bytes, name).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["mime_type"], mime);
        let url = r.body["file"].as_str().unwrap().to_owned();
        assert!(url.contains(ext), "{url}");
        let served = app.client.get(&url).send().await.unwrap();
        assert_eq!(served.status().as_u16(), 200);
        assert_eq!(served.headers()["content-type"], mime);
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert_eq!(served.headers()["content-security-policy"], "sandbox");
    }
    let api = app.client.get(app.url("/api/")).send().await.unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["x-frame-options"], "DENY");
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The text `query` (selecting `value`) returns from the app's database.
fn db_text(app: &TestApp, query: &str) -> String {
    if app.database_url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(&app.database_url).unwrap();
        diesel::sql_query(query)
            .get_result::<Text>(&mut conn)
            .unwrap()
            .value
    } else {
        let path = app.database_url.trim_start_matches("sqlite://");
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query(query)
            .get_result::<Text>(&mut conn)
            .unwrap()
            .value
    }
}

#[tokio::test]
async fn a_commit_that_fails_leaves_no_media_file() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Ronin").await;
    // A failure at COMMIT, after the bytes were moved into place: a
    // deferred constraint broken by every new media file.
    if app.database_url.starts_with("postgres") {
        db_execute(
            &app,
            &[
                "CREATE FUNCTION refuse_media() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$",
                "CREATE CONSTRAINT TRIGGER refuse_media AFTER INSERT ON media_files \
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_media()",
            ],
        );
    } else {
        // SQLite has no deferred triggers, but checks deferred foreign keys
        // at COMMIT: a trigger adds a row whose reference dangles.
        db_execute(
            &app,
            &[
                "CREATE TABLE trap_parent (id INTEGER PRIMARY KEY)",
                "CREATE TABLE trap_child (parent INTEGER REFERENCES trap_parent(id) \
                 DEFERRABLE INITIALLY DEFERRED)",
                "CREATE TRIGGER refuse_media AFTER INSERT ON media_files \
                 BEGIN INSERT INTO trap_child VALUES (42); END",
            ],
        );
    }
    let r = upload(&app, &admin, &content, mp4(2000), "film.mp4").await;
    assert!(r.status >= 400, "{}: {}", r.status, r.body);
    assert!(
        app.media_files_on_disk().is_empty(),
        "{:?}",
        app.media_files_on_disk()
    );
    assert_eq!(app.get("/api/conmediafile/", &admin).await.body["count"], 0);
}

#[tokio::test]
async fn a_server_starting_on_a_shared_media_root_spares_uploads_in_flight() {
    let first = spawn_app().await;
    let admin = first.admin().await;
    let content = first.content(&admin, "Solaris").await;
    let root = first.media_root();
    let (sent, announced) = (1024 * 1024, 2 * 1024 * 1024);
    let socket = start_upload(
        port_of(&first),
        &admin,
        content["id"].as_str().unwrap(),
        sent,
        announced,
    );
    assert!(
        eventually(|| staged(&root).iter().any(|(_, size)| *size >= 512 * 1024)).await,
        "the upload is staged: {:?}",
        staged(&root)
    );
    // A second server on the same media root starts (and cleans up).
    let shared = root.clone();
    let _second = spawn_app_with(move |s| s.media.root = shared).await;
    assert_eq!(
        staged(&root).len(),
        1,
        "the upload in flight is still staged"
    );
    socket.set_nonblocking(true).unwrap();
    let mut socket = tokio::net::TcpStream::from_std(socket).unwrap();
    socket
        .write_all(&vec![0x5a_u8; announced - sent])
        .await
        .unwrap();
    socket
        .write_all(format!("\r\n--{BOUNDARY}--\r\n").as_bytes())
        .await
        .unwrap();
    let (status, head, body) = answer(&mut socket).await;
    assert_eq!(status, 201, "{head}\n{body}");
    assert_eq!(body["size"], announced);
    assert_eq!(files_under(&root.join("content")).len(), 1);
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> crate::helpers::Reply {
    let body = json!({"username": username, "password": password});
    app.send(reqwest::Method::POST, "/user/login/", None, Some(&body))
        .await
}

#[tokio::test]
async fn passwords_are_whole_usernames_normalised_and_unknown_names_as_slow() {
    let app = spawn_app_with(|s| s.auth.bcrypt_cost = 5).await;
    // The dummy hash checked for unknown usernames has the configured cost.
    assert_eq!(app.services.accounts.dummy_hash_cost(), Some(5));

    // Past bcrypt's 72 bytes, the rest of a password still counts.
    let password = format!("{}-tail-one", "Long-passphrase-9".repeat(5));
    assert!(password.len() > 72);
    let signup = json!({"username": "carol", "email": "carol@example.com",
                        "password": password, "confirm_password": password});
    let r = app
        .send(reqwest::Method::POST, "/user/signup/", None, Some(&signup))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let other = format!("{}-tail-two", &password[..password.len() - 9]);
    assert_eq!(&other[..72], &password[..72]);
    let r = sign_in(&app, "carol", &other).await;
    assert_eq!(r.status, 400, "same first 72 bytes: {}", r.body);
    let r = sign_in(&app, "carol", &password).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A plain bcrypt hash from before is accepted, then replaced.
    let legacy = bcrypt::hash("Correct-horse-9", 4).unwrap();
    app.signup("dave").await;
    db_execute(
        &app,
        &[&format!(
            "UPDATE users SET password_hash = '{legacy}' WHERE username = 'dave'"
        )],
    );
    let r = sign_in(&app, "dave", "Correct-horse-9").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stored = db_text(
        &app,
        "SELECT password_hash AS value FROM users WHERE username = 'dave'",
    );
    assert!(stored.starts_with("bcrypt_sha256$"), "{stored}");
    let r = sign_in(&app, "dave", "Correct-horse-9").await;
    assert_eq!(r.status, 200, "the upgraded hash works: {}", r.body);

    // Look-alike usernames are the same name.
    app.signup("admin").await;
    let twin = json!({"username": "ａｄｍｉｎ", "email": "twin@example.com",
                      "password": "Correct-horse-9", "confirm_password": "Correct-horse-9"});
    let r = app
        .send(reqwest::Method::POST, "/user/signup/", None, Some(&twin))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.body["username"][0],
        "A user with that username already exists."
    );
    let r = sign_in(&app, "ＡＤＭＩＮ", "Correct-horse-9").await;
    assert_eq!(r.status, 200, "{}", r.body);
}
