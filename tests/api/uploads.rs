//! SPEC §5: an upload that never finishes leaves no file and no row — when
//! the client goes away halfway, and when the server is killed mid-upload
//! and started again.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::Value as Json;

use crate::helpers::{eventually, spawn_app_with, TestApp, TestDatabase};

pub const BOUNDARY: &str = "mstream-test-boundary";

/// Files in the staging folders with their sizes.
pub fn staged(root: &Path) -> Vec<(PathBuf, u64)> {
    crate::helpers::files_under(&root.join(".tmp"))
        .into_iter()
        .map(|p| {
            let size = p.metadata().map_or(0, |m| m.len());
            (p, size)
        })
        .collect()
}

/// Every file under the media root's stored folder.
fn stored(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root.join("content"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect()
}

/// Opens a raw connection and sends the headers, the text parts and the
/// first `sent` bytes of a file part that announces `announced` bytes in
/// all: an upload that is still in flight. The file starts as an MP4 does.
pub fn start_upload(
    port: u16,
    token: &str,
    content: &str,
    sent: usize,
    announced: usize,
) -> TcpStream {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nUnfinished\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n{content}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"film.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let length = head.len() + announced + tail.len();
    let mut socket = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        socket,
        "POST /api/conmediafile/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: Token {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n{head}"
    )
    .expect("headers sent");
    let mp4 = crate::helpers::mp4(64);
    socket.write_all(&mp4).expect("body sent");
    let chunk = vec![0x5a_u8; 64 * 1024];
    let mut left = sent.saturating_sub(mp4.len());
    while left > 0 {
        let n = left.min(chunk.len());
        socket.write_all(&chunk[..n]).expect("body sent");
        left -= n;
    }
    socket.flush().expect("flushed");
    socket
}

pub fn port_of(app: &TestApp) -> u16 {
    app.base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

async fn media_count(app: &TestApp, token: &str) -> Json {
    app.get("/api/conmediafile/", token).await.body["count"].clone()
}

#[tokio::test]
async fn a_client_that_disconnects_halfway_leaves_no_file_and_no_row() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Alien").await;
    let root = app.media_root();
    let socket = start_upload(
        port_of(&app),
        &admin,
        content["id"].as_str().unwrap(),
        2 * 1024 * 1024,
        8 * 1024 * 1024,
    );
    // The bytes go to disk as they arrive, not to memory.
    assert!(
        eventually(|| staged(&root).iter().any(|(_, size)| *size >= 1024 * 1024)).await,
        "the upload is staged while it streams: {:?}",
        staged(&root)
    );
    drop(socket);
    assert!(
        eventually(|| staged(&root).is_empty()).await,
        "the abandoned upload is removed: {:?}",
        staged(&root)
    );
    assert!(stored(&root).is_empty(), "{:?}", stored(&root));
    assert_eq!(media_count(&app, &admin).await, 0);
    // The name was never taken.
    assert_eq!(
        app.get("/api/conmediafile/?name=Unfinished", &admin)
            .await
            .body["count"],
        0
    );
}

/// `mstream serve` as its own process over `database` and `media`.
struct Server(Child);

impl Server {
    async fn start(database: &str, media: &Path, port: u16) -> Self {
        let dir = media.parent().expect("media root has a parent");
        let log_path = dir.join("server.log");
        let log = std::fs::File::create(&log_path).expect("server log");
        let server = Self(
            Command::new(env!("CARGO_BIN_EXE_mstream"))
                .arg("serve")
                .current_dir(dir)
                .stdout(log.try_clone().expect("server log"))
                .stderr(log)
                .env_remove("MSTREAM_TEST_DATABASE_URL")
                .env("MSTREAM__DATABASE__URL", database)
                .env("MSTREAM__MEDIA__ROOT", media)
                .env("MSTREAM__SERVER__PORT", port.to_string())
                .env("MSTREAM__SECRET_KEY", "test-secret-key")
                .env("MSTREAM__THROTTLE__USER_PER_MINUTE", "0")
                .env("MSTREAM__THROTTLE__ANON_PER_MINUTE", "0")
                .env("RUST_LOG", "warn")
                .spawn()
                .expect("mstream serve starts"),
        );
        let health = format!("http://127.0.0.1:{port}/healthz");
        let client = reqwest::Client::new();
        // Bounded (60 s: a busy CI machine starts it slowly), and a server
        // that exited is reported at once.
        let mut server = server;
        for _ in 0..3000 {
            if client.get(&health).send().await.is_ok() {
                return server;
            }
            if let Ok(Some(status)) = server.0.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("mstream serve exited before answering: {status}\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("mstream serve did not answer on {port}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn a_server_killed_mid_upload_cleans_up_when_it_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path(), "killed.sqlite3");
    let database = db.url.clone();
    let media = dir.path().join("media");
    let settings = {
        let database = database.clone();
        let media = media.clone();
        move |s: &mut mstream::Settings| {
            s.database.url = database;
            s.media.root = media;
        }
    };
    // An admin and a content, made through the API of a first server.
    let (admin, content) = {
        let app = spawn_app_with(settings.clone()).await;
        let admin = app.admin().await;
        let content = app.content(&admin, "Brazil").await;
        (admin, content["id"].as_str().unwrap().to_owned())
    };

    let port = free_port();
    let mut server = Server::start(&database, &media, port).await;
    let _socket = start_upload(port, &admin, &content, 3 * 1024 * 1024, 64 * 1024 * 1024);
    assert!(
        eventually(|| staged(&media).iter().any(|(_, size)| *size >= 1024 * 1024)).await,
        "the upload is staged while it streams: {:?}",
        staged(&media)
    );
    // SIGKILL: no destructor, no cleanup; the half-written file stays.
    server.0.kill().expect("SIGKILL");
    server.0.wait().expect("reaped");
    assert_eq!(staged(&media).len(), 1, "a crash leaves the staged file");

    let restarted = spawn_app_with(settings).await;
    assert!(
        staged(&media).is_empty(),
        "start-up removes what the crash left: {:?}",
        staged(&media)
    );
    assert!(stored(&media).is_empty(), "{:?}", stored(&media));
    assert_eq!(media_count(&restarted, &admin).await, 0);
}
