//! The harness: `spawn_app()` and typed request helpers.

use std::sync::Once;

use diesel::{Connection, RunQueryDsl};
use mstream::startup::{self, Application};
use mstream::Settings;
use mstream_service::accounts::NewAccount;
use mstream_service::Services;
use reqwest::Method;
use serde_json::{json, Value as Json};

static TRACING: Once = Once::new();

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    /// Where requests go: the server, or the round-robin proxy in front of
    /// the servers (`MSTREAM_TEST_SERVERS=2`).
    pub base: String,
    /// Each server's own address (one unless several were asked for).
    pub servers: Vec<String>,
    pub client: reqwest::Client,
    pub services: Services,
    /// The database the servers use (a per-test SQLite file or PostgreSQL
    /// database).
    pub database_url: String,
    running: Vec<(actix_web::dev::ServerHandle, std::thread::JoinHandle<()>)>,
    _dir: tempfile::TempDir,
    // Last: the database is dropped after the server and pools are gone.
    _database: Option<PgDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for (handle, _) in &self.running {
            // Sends the stop command at once; the server's own thread acts on it.
            drop(handle.stop(false));
        }
        for (_, thread) in self.running.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A per-test PostgreSQL database, dropped with the test.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// `postgres://u@h:p/db?x` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[prefix_end..].find('/') {
        Some(slash) => &base[..prefix_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh PostgreSQL database and its URL when `MSTREAM_TEST_DATABASE_URL`
/// names a PostgreSQL server (dropped with the returned guard).
pub fn pg_database() -> Option<(String, PgDatabase)> {
    let admin_url = std::env::var("MSTREAM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))?;
    let name = format!("mstream_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn =
        diesel::PgConnection::establish(&admin_url).expect("PostgreSQL for tests reachable");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create test database");
    Some((
        with_database(&admin_url, &name),
        PgDatabase { admin_url, name },
    ))
}

/// An empty database of the suite's backend: an SQLite file in `dir`, or
/// a PostgreSQL database dropped with the value.
pub struct FreshDatabase {
    pub url: String,
    pub database: Option<PgDatabase>,
}

pub fn fresh_database(dir: &tempfile::TempDir) -> FreshDatabase {
    match pg_database() {
        Some((url, database)) => FreshDatabase {
            url,
            database: Some(database),
        },
        None => FreshDatabase {
            url: format!("sqlite://{}/mstream.sqlite3", dir.path().display()),
            database: None,
        },
    }
}

/// Starts the application with defaults fit for tests.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after `tweak` adjusts the settings: one server,
/// or `MSTREAM_TEST_SERVERS` of them on one database behind a round-robin
/// proxy (CI runs the whole suite that way too).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let count = std::env::var("MSTREAM_TEST_SERVERS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    spawn_apps_with(count, tweak).await
}

/// Starts `count` servers on one database and media root.
pub async fn spawn_apps_with(count: usize, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    try_spawn_apps_with(count, tweak)
        .await
        .expect("application starts")
}

/// [`spawn_app_with`], with the start-up error when a server does not
/// start (settings built here skip `Settings::validate`, as a test's do).
pub async fn try_spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> Result<TestApp, String> {
    try_spawn_apps_with(1, tweak).await
}

async fn try_spawn_apps_with(
    count: usize,
    tweak: impl FnOnce(&mut Settings),
) -> Result<TestApp, String> {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            mstream::telemetry::init().expect("valid log settings");
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let FreshDatabase { url, database } = fresh_database(&dir);
    let mut settings = Settings::defaults();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.database.url = url;
    settings.database.pool_size = 8;
    settings.media.root = dir.path().join("content");
    settings.auth.bcrypt_cost = 4;
    // Every count is kept, not only those of 1,000 matches or more: every
    // test that lists after a write then checks that a kept count is never
    // served after a write.
    settings.database.keep_counts_from = 1;
    settings.secret_key = Some("test-secret-key".into());
    // No packaging worker in the servers: the tests of tests/api/hls.rs
    // run workers themselves (app.services.hls), or turn this back on.
    settings.hls.worker = false;
    // Tests make many requests from one address and one admin: generous
    // budgets unless a test sets small ones.
    settings.throttle.user_per_minute = 100_000;
    settings.throttle.anon_per_minute = 100_000;
    if let Ok(url) = std::env::var("MSTREAM_TEST_REDIS_URL") {
        settings.throttle.redis_url = Some(url);
        settings.throttle.redis_prefix = format!("mstream-test:{}:", uuid::Uuid::new_v4().simple());
    }
    tweak(&mut settings);
    spawn_servers(settings, count, dir, database).await
}

/// Starts `count` servers on one database and media root; with more than
/// one, requests go through a round-robin proxy, one connection each, as
/// behind a load balancer.
pub async fn spawn_servers(
    settings: Settings,
    count: usize,
    dir: tempfile::TempDir,
    database: Option<PgDatabase>,
) -> Result<TestApp, String> {
    let mut running = Vec::new();
    let mut servers = Vec::new();
    for _ in 0..count {
        let (port, handle, thread) = start_server(settings.clone())?;
        servers.push(format!("http://127.0.0.1:{port}"));
        running.push((handle, thread));
    }
    let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let base = if count == 1 {
        servers[0].clone()
    } else {
        // A new connection per request, so the proxy spreads them.
        client = client.pool_max_idle_per_host(0);
        let ports = servers
            .iter()
            .filter_map(|s| s.rsplit(':').next()?.parse().ok())
            .collect();
        format!("http://127.0.0.1:{}", round_robin(ports).await)
    };
    let pool = mstream_db::DbPool::connect(&settings.database.url, 2).expect("second pool");
    let services = startup::services(&settings, pool).map_err(|e| e.to_string())?;
    Ok(TestApp {
        base,
        servers,
        client: client.build().expect("client"),
        services,
        database_url: settings.database.url.clone(),
        running,
        _dir: dir,
        _database: database,
    })
}

/// Starts one server on its own thread and actix System, so that it (its
/// workers and its database pool) can be stopped and joined when the test
/// ends instead of outliving it until the process exits; the start-up
/// error when it does not start.
fn start_server(
    settings: Settings,
) -> Result<
    (
        u16,
        actix_web::dev::ServerHandle,
        std::thread::JoinHandle<()>,
    ),
    String,
> {
    let (started, ready) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match Application::build(settings) {
                Ok(app) => {
                    let _ = started.send(Ok((app.port(), app.handle())));
                    let _ = app.run_until_stopped().await;
                }
                Err(error) => {
                    let _ = started.send(Err(error.to_string()));
                }
            }
        })
    });
    match ready.recv().expect("server thread") {
        Ok((port, handle)) => Ok((port, handle, thread)),
        Err(error) => {
            let _ = thread.join();
            Err(error)
        }
    }
}

/// A TCP proxy on a free port that hands each new connection to the next
/// of `ports` in turn (nginx's round robin without keep-alive upstream).
async fn round_robin(ports: Vec<u16>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy port");
    let port = listener.local_addr().expect("proxy address").port();
    tokio::spawn(async move {
        let mut next = 0usize;
        while let Ok((mut inbound, _)) = listener.accept().await {
            let backend = ports[next % ports.len()];
            next += 1;
            tokio::spawn(async move {
                if let Ok(mut outbound) =
                    tokio::net::TcpStream::connect(("127.0.0.1", backend)).await
                {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    port
}

/// A response: status, headers and JSON body (`Null` when empty).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Json,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A signed-up user.
pub struct TestUser {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// The media root of this app.
    pub fn media_root(&self) -> std::path::PathBuf {
        self._dir.path().join("content")
    }

    /// Every file under the media root (staging included, the staging
    /// folders' lock files not).
    pub fn media_files_on_disk(&self) -> Vec<std::path::PathBuf> {
        files_under(&self.media_root())
    }

    /// The per-test PostgreSQL database's name (None on SQLite).
    pub fn database_name(&self) -> Option<&str> {
        self._database.as_ref().map(|d| d.name.as_str())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Json>,
    ) -> Reply {
        self.send_to(&self.base, method, path, token, body).await
    }

    /// [`TestApp::send`] to one server directly (`server` as in
    /// [`TestApp::servers`]), bypassing any proxy.
    pub async fn send_to(
        &self,
        server: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Json>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{server}{path}"));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        reply(response).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Json) -> Reply {
        self.send(Method::POST, path, Some(token), Some(&body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Json) -> Reply {
        self.send(Method::PUT, path, Some(token), Some(&body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Json) -> Reply {
        self.send(Method::PATCH, path, Some(token), Some(&body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    /// Signs up `username` with a good password through the API.
    pub async fn signup(&self, username: &str) -> TestUser {
        let body = json!({
            "username": username,
            "email": format!("{username}@example.com"),
            "password": "Correct-horse-9",
            "confirm_password": "Correct-horse-9",
        });
        let r = self
            .send(Method::POST, "/user/signup/", None, Some(&body))
            .await;
        assert_eq!(r.status, 201, "signup {username}: {}", r.body);
        TestUser {
            id: r.body["id"].as_str().expect("id").to_owned(),
            token: r.body["token"].as_str().expect("token").to_owned(),
        }
    }

    /// An admin made as `createsuperuser` makes one, signed in through the API.
    pub async fn admin(&self) -> String {
        let username = format!("admin{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.services
            .accounts
            .create_account(NewAccount {
                username: username.clone(),
                email: format!("{username}@example.com"),
                password: "Admin-pass-77".into(),
                is_admin: true,
            })
            .await
            .expect("admin created");
        let r = self
            .send(
                Method::POST,
                "/user/login/",
                None,
                Some(&json!({"username": username, "password": "Admin-pass-77"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }

    /// Creates an entity, asserting 201; returns its representation.
    pub async fn create(&self, token: &str, resource: &str, body: Json) -> Json {
        let r = self.post(&format!("/api/{resource}/"), token, body).await;
        assert_eq!(r.status, 201, "create {resource}: {}", r.body);
        r.body
    }

    /// A genre, a type, a tag and an artist, then a content using them.
    pub async fn content(&self, token: &str, name: &str) -> Json {
        let genre = self
            .create(token, "genre", json!({"name": format!("{name} genre")}))
            .await;
        let kind = self
            .create(token, "contype", json!({"type": format!("{name} type")}))
            .await;
        let tag = self
            .create(token, "parcontag", json!({"name": format!("{name} tag")}))
            .await;
        let artist = self
            .create(
                token,
                "artists",
                json!({"name": format!("{name} artist"), "about": "x"}),
            )
            .await;
        self.create(
            token,
            "contents",
            json!({
                "name": name, "about": format!("about {name}"),
                "genre": [genre["id"]], "cast": [artist["id"]],
                "parental_control_tags": [tag["id"]], "type": kind["id"],
            }),
        )
        .await
    }

    /// SQL statements the servers have run so far (each server's pool
    /// counts its own, in its `/metrics`).
    pub async fn queries_run(&self) -> u64 {
        let mut total = 0.0;
        for server in &self.servers {
            total += self.metric_of(server, "mstream_db_queries_total").await;
        }
        total as u64
    }

    /// The value of an unlabelled sample in `/metrics`.
    pub async fn metric(&self, name: &str) -> f64 {
        self.metric_of(&self.base, name).await
    }

    /// The value of an unlabelled sample in the `/metrics` of `server`.
    pub async fn metric_of(&self, server: &str, name: &str) -> f64 {
        let text = self
            .client
            .get(format!("{server}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        let prefix = format!("{name} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics"))
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Every file under `dir`, recursively, but the staging folders' lock files.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if !(path.file_name().is_some_and(|n| n == "lock")
                && path.components().any(|c| c.as_os_str() == ".tmp"))
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
}

/// A filler pattern that is no file type's signature.
fn filler(n: usize) -> impl Iterator<Item = u8> {
    (0..n).map(|i| (i * 7 % 251) as u8)
}

/// `head`, then filler, `n` bytes in all (at least `min`).
fn headed(head: &[u8], n: usize, min: usize) -> Vec<u8> {
    head.iter()
        .copied()
        .chain(filler(n))
        .take(n.max(min).max(head.len()))
        .collect()
}

/// `n` bytes that sniff as an MP4 video: an `ftyp` box (brand `isom`),
/// then filler.
pub fn mp4(n: usize) -> Vec<u8> {
    headed(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", n, 0)
}

/// `n` bytes that sniff as a WebM video: an EBML header with doctype
/// `webm`, then filler (at least 300 bytes: the doctype is looked for in
/// the first 256).
pub fn webm(n: usize) -> Vec<u8> {
    let head: &[u8] = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02";
    headed(head, n, 300)
}

/// `n` bytes that sniff as a PNG image: the signature and an IHDR, then
/// filler.
pub fn png(n: usize) -> Vec<u8> {
    let head: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00";
    headed(head, n, 0)
}

/// Sends `request` as it is on a new connection to `app` and reads the
/// answer until the server closes the connection or its body is complete:
/// `(status, head, body)`. For what an HTTP client library would not send.
pub async fn raw(app: &TestApp, request: &[u8]) -> (u16, String, String) {
    use tokio::io::AsyncWriteExt;
    let mut socket = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect");
    socket.write_all(request).await.expect("request sent");
    read_response(&mut socket).await
}

/// Reads one HTTP/1.1 response from `socket` (see [`raw`]).
pub async fn read_response(socket: &mut tokio::net::TcpStream) -> (u16, String, String) {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())
                    .flatten()
            });
            if length.is_some_and(|len| body.len() >= len) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// Waits (at most 20 s) until `done` holds; false if it never does.
pub async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..1000 {
        if done() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    done()
}

/// A database for a test that also runs the `mstream` binary or several
/// applications over the same data: a fresh PostgreSQL database (dropped
/// with this value) when the suite was given `MSTREAM_TEST_DATABASE_URL`,
/// else an SQLite file `name` in `dir`.
pub struct TestDatabase {
    pub url: String,
    _database: Option<PgDatabase>,
}

impl TestDatabase {
    pub fn new(dir: &std::path::Path, name: &str) -> Self {
        match pg_database() {
            Some((url, database)) => Self {
                url,
                _database: Some(database),
            },
            None => Self {
                url: format!("sqlite://{}/{name}", dir.display()),
                _database: None,
            },
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self._database.is_none()
    }
}

impl TestApp {
    /// `POST /user/login/` with a JSON body.
    pub async fn login(&self, username: &str, password: &str) -> Reply {
        let body = serde_json::json!({"username": username, "password": password});
        self.send(Method::POST, "/user/login/", None, Some(&body))
            .await
    }
}

/// A real `mstream serve` process on a free port, its stderr read line by
/// line (start-up lines in `startup`, later ones from `lines`).
pub struct Served {
    pub child: std::process::Child,
    pub port: u16,
    pub startup: String,
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Served {
    /// Starts `mstream serve` on `url` from `dir` with `env` added, and
    /// returns once the listener is up.
    pub fn start(url: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader};
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mstream"));
        command
            .arg("serve")
            .current_dir(dir)
            .env_remove("MSTREAM_TEST_DATABASE_URL")
            .env_remove("MSTREAM_LOG_FORMAT")
            .env("MSTREAM__DATABASE__URL", url)
            .env("MSTREAM__SERVER__PORT", port.to_string())
            .env("MSTREAM__SERVER__WORKERS", "1")
            .env("MSTREAM__MEDIA__ROOT", dir.join("content"))
            .env("MSTREAM__AUTH__BCRYPT_COST", "4")
            .env("MSTREAM__SECRET_KEY", "test-secret-key")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (send, lines) = std::sync::mpsc::channel();
        // Reads to the end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut startup = String::new();
        for line in lines.iter() {
            startup.push_str(&line);
            startup.push('\n');
            if line.contains("starting service") {
                break;
            }
        }
        Served {
            child,
            port,
            startup,
            lines,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGTERM, then the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child.wait().unwrap()
    }

    /// Every stderr line until the process ended (call after `stop`).
    pub fn rest(&self) -> Vec<String> {
        self.lines.iter().collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `statements` (one at a time) on the app's database.
pub fn db_execute(app: &TestApp, statements: &[&str]) {
    if app.database_url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(&app.database_url).unwrap();
        for s in statements {
            diesel::sql_query(*s).execute(&mut conn).unwrap();
        }
    } else {
        let path = app.database_url.trim_start_matches("sqlite://");
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        for s in statements {
            diesel::sql_query(*s).execute(&mut conn).unwrap();
        }
    }
}
