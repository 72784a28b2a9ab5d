//! The real `mstream` binary: migrate, createsuperuser, bad configuration.

use std::process::{Command, Output};

use serde_json::json;

use crate::helpers::{spawn_app_with, TestDatabase};

/// Runs the binary in `dir` on `database` (the suite's kind of database).
fn mstream(
    dir: &std::path::Path,
    database: &TestDatabase,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mstream"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("MSTREAM_TEST_DATABASE_URL")
        .env("MSTREAM__DATABASE__URL", &database.url)
        .env("MSTREAM__AUTH__BCRYPT_COST", "4")
        .env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("mstream runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn createsuperuser_noinput_makes_an_admin_who_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path(), "cli.sqlite3");
    let migrated = mstream(dir.path(), &db, &["migrate"], &[]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("up to date"));
    let args = [
        "createsuperuser",
        "--username",
        "root",
        "--email",
        "root@example.com",
        "--noinput",
    ];
    let weak = mstream(
        dir.path(),
        &db,
        &args,
        &[("MSTREAM_SUPERUSER_PASSWORD", "12345678")],
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(
        stderr(&weak).contains("entirely numeric"),
        "{}",
        stderr(&weak)
    );
    let missing = mstream(dir.path(), &db, &args, &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("MSTREAM_SUPERUSER_PASSWORD"),
        "{}",
        stderr(&missing)
    );
    let made = mstream(
        dir.path(),
        &db,
        &args,
        &[("MSTREAM_SUPERUSER_PASSWORD", "Root-pass-2026")],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let again = mstream(
        dir.path(),
        &db,
        &args,
        &[("MSTREAM_SUPERUSER_PASSWORD", "Root-pass-2026")],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already taken"),
        "{}",
        stderr(&again)
    );

    let url = db.url.clone();
    let app = spawn_app_with(move |s| s.database.url = url).await;
    let login = app
        .send(
            reqwest::Method::POST,
            "/user/login/",
            None,
            Some(&json!({"username": "root", "password": "Root-pass-2026"})),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    let me = app
        .get("/user/me/", login.body["token"].as_str().unwrap())
        .await;
    assert_eq!(me.body["is_admin"], true);
}

#[test]
fn bad_configuration_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path(), "cli.sqlite3");
    for (key, value) in [
        ("MSTREAM__DATABASE__URL", "mysql://nope"),
        ("MSTREAM__SERVER__PORT", "99999"),
        ("MSTREAM__AUTH__BCRYPT_COST", "99"),
    ] {
        let output = mstream(dir.path(), &db, &["migrate"], &[(key, value)]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{key}={value}: {}",
            stderr(&output)
        );
        let text = stderr(&output);
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
        assert!(text.starts_with("mstream: configuration error:"), "{text}");
    }
    let production = mstream(
        dir.path(),
        &db,
        &["migrate"],
        &[("MSTREAM_ENV", "production")],
    );
    assert_eq!(production.status.code(), Some(2));
    assert!(
        stderr(&production).contains("secret key"),
        "{}",
        stderr(&production)
    );
    // Django's security.W009: short keys, or keys of few characters, are
    // refused in production; so is serving any host.
    let strong = "k7Qv9-x2Lp0sW4mZ8rT1yB6nC3dF5gH0jK2lN4pR6tV8xZ1aE3";
    for (weak, hosts) in [
        ("x", "example.com"),
        ("changeme", "example.com"),
        (&*"ab".repeat(40), "example.com"),
        (strong, ""),
    ] {
        let refused = mstream(
            dir.path(),
            &db,
            &["migrate"],
            &[
                ("MSTREAM_ENV", "production"),
                ("MSTREAM__SECRET_KEY", weak),
                ("MSTREAM__SERVER__ALLOWED_HOSTS", hosts),
            ],
        );
        let text = stderr(&refused);
        assert_eq!(refused.status.code(), Some(2), "{weak}: {text}");
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
        let why = if hosts.is_empty() {
            "allowed_hosts"
        } else {
            "strong secret key"
        };
        assert!(text.contains(why), "{text}");
    }
    let with_dsk = mstream(
        dir.path(),
        &db,
        &["migrate"],
        &[
            ("MSTREAM_ENV", "production"),
            ("DSK", strong),
            ("MSTREAM__SERVER__ALLOWED_HOSTS", "example.com"),
        ],
    );
    assert!(
        with_dsk.status.success(),
        "DSK is honoured: {}",
        stderr(&with_dsk)
    );
}

#[tokio::test]
async fn serve_migrates_answers_and_exits_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path(), "serve.sqlite3");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mstream"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("MSTREAM_TEST_DATABASE_URL")
        .env("MSTREAM__DATABASE__URL", &db.url)
        .env("MSTREAM__SERVER__PORT", port.to_string())
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("starting service") {
            break;
        }
    }
    assert!(
        log.contains("throwaway"),
        "development without a key warns: {log}"
    );
    // Keep draining stderr so the server never blocks on a full pipe.
    let drain = std::thread::spawn(move || lines.for_each(drop));
    let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200, "migrated and ready");
    let me = reqwest::get(format!("http://127.0.0.1:{port}/user/me/"))
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401, "the schema is in place");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drain.join().unwrap();
    assert!(status.success(), "graceful stop exits 0: {status:?}");
    if db.is_sqlite() {
        assert!(
            dir.path().join("serve.sqlite3").exists(),
            "the database was created"
        );
    }
}

/// README: `mstream changepassword USERNAME` sets the password and revokes
/// every token of the user — seen at once by a server that does not cache
/// tokens (`auth.token_cache_ms = 0`; the cache's window is documented).
#[tokio::test]
async fn changepassword_sets_the_password_and_revokes_every_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path(), "cli.sqlite3");
    let url = db.url.clone();
    let app = spawn_app_with(move |s| {
        s.database.url = url;
        s.auth.token_cache_ms = 0;
    })
    .await;
    let bob = app.signup("bob").await;
    let login = |password: &'static str| app.login("bob", password);
    let second = login("Correct-horse-9").await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for token in [&bob.token, &second] {
        assert_eq!(app.get("/user/me/", token).await.status, 200);
    }
    let unknown = mstream(
        dir.path(),
        &db,
        &["changepassword", "nobody"],
        &[("MSTREAM_SUPERUSER_PASSWORD", "Brand-new-pass-5")],
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));
    let changed = mstream(
        dir.path(),
        &db,
        &["changepassword", "bob"],
        &[("MSTREAM_SUPERUSER_PASSWORD", "Brand-new-pass-5")],
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    for token in [&bob.token, &second] {
        let me = app.get("/user/me/", token).await;
        assert_eq!(me.status, 401, "a token from before the change");
        assert_eq!(me.body, json!({"detail": "Invalid token."}));
    }
    assert_eq!(login("Correct-horse-9").await.status, 400, "old password");
    let fresh = login("Brand-new-pass-5").await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    let token = fresh.body["token"].as_str().unwrap();
    assert_eq!(app.get("/user/me/", token).await.status, 200);
}
