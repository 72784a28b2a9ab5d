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
    pub base: String,
    pub client: reqwest::Client,
    pub services: Services,
    server: Option<(actix_web::dev::ServerHandle, std::thread::JoinHandle<()>)>,
    _dir: tempfile::TempDir,
    // Last: the database is dropped after the server and pools are gone.
    _database: Option<PgDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((handle, thread)) = self.server.take() {
            // Sends the stop command at once; the server's own thread acts on it.
            drop(handle.stop(false));
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

/// Starts the application with defaults fit for tests.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after `tweak` adjusts the settings.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            mstream::telemetry::init().expect("valid log settings");
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, database) = match pg_database() {
        Some((url, database)) => (url, Some(database)),
        None => (
            format!("sqlite://{}/mstream.sqlite3", dir.path().display()),
            None,
        ),
    };
    let mut settings = Settings::defaults();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.database.url = url;
    settings.database.pool_size = 8;
    settings.media.root = dir.path().join("content");
    settings.auth.bcrypt_cost = 4;
    settings.secret_key = Some("test-secret-key".into());
    // Tests make many requests from one address and one admin: generous
    // budgets unless a test sets small ones.
    settings.throttle.user_per_minute = 100_000;
    settings.throttle.anon_per_minute = 100_000;
    tweak(&mut settings);
    // The server runs on its own thread and actix System, so that it (its
    // workers and its database pool) can be stopped and joined when the test
    // ends instead of outliving it until the process exits.
    let (started, ready) = std::sync::mpsc::channel();
    let server_settings = settings.clone();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match Application::build(server_settings) {
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
    let (port, handle) = ready
        .recv()
        .expect("server thread")
        .expect("application starts");
    let base = format!("http://127.0.0.1:{port}");
    let pool = mstream_db::DbPool::connect(&settings.database.url, 2).expect("second pool");
    let services = startup::services(&settings, pool);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        base,
        client,
        services,
        server: Some((handle, thread)),
        _dir: dir,
        _database: database,
    }
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

    /// Every file under the media root (staging included).
    pub fn media_files_on_disk(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.media_root(), &mut files);
        files
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
        let mut request = self.client.request(method, self.url(path));
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

    /// SQL statements the server has run so far (from `/metrics`).
    pub async fn queries_run(&self) -> u64 {
        self.metric("mstream_db_queries_total").await as u64
    }

    /// The value of an unlabelled sample in `/metrics`.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(self.url("/metrics"))
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
