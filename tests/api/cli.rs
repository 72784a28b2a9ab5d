//! The real `mstream` binary: migrate, createsuperuser, bad configuration.

use std::process::{Command, Output};

use serde_json::json;

use crate::helpers::spawn_app_with;

fn mstream(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mstream"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("MSTREAM_TEST_DATABASE_URL")
        .env(
            "MSTREAM__DATABASE__URL",
            format!("sqlite://{}/cli.sqlite3", dir.display()),
        )
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
    let migrated = mstream(dir.path(), &["migrate"], &[]);
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
        &args,
        &[("MSTREAM_SUPERUSER_PASSWORD", "12345678")],
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(
        stderr(&weak).contains("entirely numeric"),
        "{}",
        stderr(&weak)
    );
    let missing = mstream(dir.path(), &args, &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("MSTREAM_SUPERUSER_PASSWORD"),
        "{}",
        stderr(&missing)
    );
    let made = mstream(
        dir.path(),
        &args,
        &[("MSTREAM_SUPERUSER_PASSWORD", "Root-pass-2026")],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let again = mstream(
        dir.path(),
        &args,
        &[("MSTREAM_SUPERUSER_PASSWORD", "Root-pass-2026")],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already taken"),
        "{}",
        stderr(&again)
    );

    let url = format!("sqlite://{}/cli.sqlite3", dir.path().display());
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
    for (key, value) in [
        ("MSTREAM__DATABASE__URL", "mysql://nope"),
        ("MSTREAM__SERVER__PORT", "99999"),
        ("MSTREAM__AUTH__BCRYPT_COST", "99"),
    ] {
        let output = mstream(dir.path(), &["migrate"], &[(key, value)]);
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
    let production = mstream(dir.path(), &["migrate"], &[("MSTREAM_ENV", "production")]);
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

#[test]
fn serve_migrates_answers_and_exits_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mstream"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("MSTREAM_TEST_DATABASE_URL")
        .env(
            "MSTREAM__DATABASE__URL",
            format!("sqlite://{}/serve.sqlite3", dir.path().display()),
        )
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
    let health = std::process::Command::new("curl")
        .args(["-s", &format!("http://127.0.0.1:{port}/readyz")])
        .output();
    if let Ok(health) = health {
        assert!(String::from_utf8_lossy(&health.stdout).contains("ok"));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful stop exits 0: {status:?}");
    assert!(
        dir.path().join("serve.sqlite3").exists(),
        "the database was created"
    );
}
