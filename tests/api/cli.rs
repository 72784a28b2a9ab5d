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
    mstream_on(&database.url, dir, args, env)
}

/// The binary run from `dir` on its own SQLite file there (cli.sqlite3),
/// for checks of configuration and arguments that no database affects.
fn mstream_sqlite(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let url = format!("sqlite://{}/cli.sqlite3", dir.display());
    mstream_on(&url, dir, args, env)
}

/// The binary, from `dir`, on the database at `url`, with `env` added.
fn command_on(url: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mstream"));
    command
        .current_dir(dir)
        .env_remove("MSTREAM_TEST_DATABASE_URL")
        .env("MSTREAM__DATABASE__URL", url)
        .env("MSTREAM__AUTH__BCRYPT_COST", "4")
        .env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs the binary with `args` (see [`command_on`]) to its end.
fn mstream_on(url: &str, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command_on(url, dir, env)
        .args(args)
        .output()
        .expect("mstream runs")
}

/// A catalog small enough to seed in a moment.
const SMALL_SEED: [&str; 9] = [
    "seed",
    "--contents",
    "2",
    "--artists",
    "2",
    "--users",
    "1",
    "--reviews",
    "1",
];

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
        .stdout(std::process::Stdio::piped())
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
    let root = http_get(port, "/");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drain.join().unwrap();
    assert!(status.success(), "graceful stop exits 0: {status:?}");
    // Checked once the server is stopped, so a failure leaves no process.
    assert!(root.starts_with("HTTP/1.1 302"), "{root}");
    assert!(root.contains("\r\nlocation: /api/\r\n"), "{root}");
    let mut banner = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut banner).unwrap();
    for line in [
        format!("listening on 127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}/api/\n"),
        format!("http://127.0.0.1:{port}/api/docs/\n"),
        format!("http://127.0.0.1:{port}/admin/\n"),
    ] {
        assert!(banner.contains(&line), "{line:?} in {banner}");
    }
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

/// The CLI's pool used to open connections on background threads that were
/// still inside libpq when the process exited: about one run in ten died of
/// SIGSEGV after its work was done.
#[test]
#[cfg_attr(
    not(mstream_pg_tests),
    ignore = "needs PostgreSQL: set MSTREAM_TEST_DATABASE_URL=postgres://… when building the tests"
)]
fn cli_commands_on_postgresql_exit_zero_every_time() {
    const RUNS: usize = 50;
    let (url, _database) = crate::helpers::pg_database().expect("MSTREAM_TEST_DATABASE_URL");
    let dir = tempfile::tempdir().unwrap();
    let password = [("MSTREAM_SUPERUSER_PASSWORD", "Root-pass-2026")];
    let check = |what: &str, run: usize, output: &Output| {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{what} run {run}: {:?}\n{}",
            output.status,
            stderr(output)
        );
    };
    for run in 0..RUNS {
        check(
            "migrate",
            run,
            &mstream_on(&url, dir.path(), &["migrate"], &[]),
        );
    }
    for run in 0..RUNS {
        let username = format!("root{run}");
        let email = format!("root{run}@example.com");
        let args = [
            "createsuperuser",
            "--username",
            &username,
            "--email",
            &email,
            "--noinput",
        ];
        check(
            "createsuperuser",
            run,
            &mstream_on(&url, dir.path(), &args, &password),
        );
    }
    for run in 0..RUNS {
        let output = mstream_on(&url, dir.path(), &["changepassword", "root0"], &password);
        check("changepassword", run, &output);
    }
    // `seed` fills an empty catalog once; later runs refuse with exit 1,
    // which must still be a normal exit, never a signal.
    let seeded = mstream_on(&url, dir.path(), &SMALL_SEED, &[]);
    check("seed", 0, &seeded);
    for run in 1..RUNS {
        let output = mstream_on(&url, dir.path(), &["seed", "--contents", "2"], &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "seed run {run}: {:?}\n{}",
            output.status,
            stderr(&output)
        );
    }
}

/// A raw HTTP/1.1 GET; returns the response's head and body as text.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The server's pool opens connections ahead of time; a SIGTERM right
/// after a request (which took the idle one, so another is being opened)
/// must still end in exit 0.
#[test]
#[cfg_attr(
    not(mstream_pg_tests),
    ignore = "needs PostgreSQL: set MSTREAM_TEST_DATABASE_URL=postgres://… when building the tests"
)]
fn serve_on_postgresql_exits_zero_on_sigterm_every_time() {
    const RUNS: usize = 50;
    let (url, _database) = crate::helpers::pg_database().expect("MSTREAM_TEST_DATABASE_URL");
    let dir = tempfile::tempdir().unwrap();
    for run in 0..RUNS {
        let mut server = crate::helpers::Served::start(&url, dir.path(), &[]);
        let (port, log) = (server.port, server.startup.clone());
        let ready = http_get(port, "/readyz");
        assert!(
            ready.starts_with("HTTP/1.1 200"),
            "run {run}: {ready}\n{log}"
        );
        let status = server.stop();
        assert_eq!(status.code(), Some(0), "run {run}: {status:?}\n{log}");
    }
}

#[test]
fn unknown_keys_are_reported_where_they_were_set() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/development.toml"),
        "[media]\nrot = \"elsewhere\"\n",
    )
    .unwrap();
    let typo = [("MSTREAM__SERVER__PROT", "9000")];
    let warned = mstream_sqlite(dir.path(), &["migrate"], &typo);
    let text = stderr(&warned);
    assert!(warned.status.success(), "{text}");
    assert!(
        text.contains("server.prot in MSTREAM__SERVER__PROT (did you mean server.port?)"),
        "{text}"
    );
    assert!(
        text.contains("media.rot in config/development.toml (did you mean media.root?)"),
        "{text}"
    );
    std::fs::rename(
        dir.path().join("config/development.toml"),
        dir.path().join("config/production.toml"),
    )
    .unwrap();
    let refused = mstream_sqlite(
        dir.path(),
        &["migrate"],
        &[("MSTREAM_ENV", "production"), ("DSK", "a-key"), typo[0]],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("server.prot"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("media.rot"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn configuration_errors_name_the_key_and_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "MSTREAM__SERVER__PORT",
            "99999",
            "server.port = 99999 (in MSTREAM__SERVER__PORT): must be a whole number from 0 to 65535",
        ),
        (
            "MSTREAM__MEDIA__PUBLIC",
            "maybe",
            "media.public = \"maybe\" (in MSTREAM__MEDIA__PUBLIC): must be true or false",
        ),
        (
            "MSTREAM__DATABASE__URL",
            "postgres://postgres@127.0.0.1:5432/",
            "a PostgreSQL URL must name its database",
        ),
    ];
    for (key, value, message) in cases {
        let output = mstream_sqlite(dir.path(), &["migrate"], &[(key, value)]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{key}={value}: {text}");
        assert!(text.contains(message), "{key}={value}: {text}");
        assert!(!text.contains("expected"), "no serde wording: {text}");
    }
    let down = mstream_sqlite(
        dir.path(),
        &["migrate"],
        &[(
            "MSTREAM__DATABASE__URL",
            "postgres://postgres@127.0.0.1:1/mstream",
        )],
    );
    let text = stderr(&down);
    assert_eq!(down.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with("mstream: database unavailable: "),
        "{text}"
    );
}

#[test]
fn serve_refuses_a_media_root_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-file"), b"").unwrap();
    let root = dir.path().join("a-file/content");
    let output = mstream_sqlite(
        dir.path(),
        &["serve", "--port", "0"],
        &[("MSTREAM__MEDIA__ROOT", root.to_str().unwrap())],
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("media.root"), "{text}");
    assert!(text.contains("not writable"), "{text}");
}

#[test]
fn serve_help_lists_its_flags_and_their_variables() {
    let dir = tempfile::tempdir().unwrap();
    let help = mstream_sqlite(dir.path(), &["serve", "--help"], &[]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for expected in [
        "--host",
        "MSTREAM__SERVER__HOST",
        "--port",
        "MSTREAM__SERVER__PORT",
        "--workers",
        "MSTREAM__SERVER__WORKERS",
        "--config",
        "MSTREAM_CONFIG",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}

#[test]
fn seeding_a_catalog_twice_says_why_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let small = SMALL_SEED;
    let first = mstream_sqlite(dir.path(), &small, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = mstream_sqlite(dir.path(), &small, &[]);
    let text = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{text}");
    assert!(!text.contains("non_field_errors"), "{text}");
}

/// `changepassword` on a terminal (a pseudo-terminal made by `script`)
/// explains a weak password and asks again, as Django's does.
#[test]
fn changepassword_asks_again_after_a_weak_password_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let made = mstream_sqlite(
        dir.path(),
        &[
            "createsuperuser",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--noinput",
        ],
        &[("MSTREAM_SUPERUSER_PASSWORD", "Root-pass-2026")],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let command = format!("{} changepassword root", env!("CARGO_BIN_EXE_mstream"));
    let url = format!("sqlite://{}/cli.sqlite3", dir.path().display());
    // The same environment, with script(1) giving the binary a terminal.
    let base = command_on(&url, dir.path(), &[]);
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path());
    for (key, value) in base.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let mut child = script
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        b"12345678\n12345678\nNew-root-pass-2026\nNew-root-pass-2026\n",
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("entirely numeric"), "{text}");
    assert!(text.contains("Password changed successfully"), "{text}");
}
