//! SPEC §8: probes and start-up.

use diesel::{Connection, RunQueryDsl};

use crate::helpers::spawn_app;

async fn status(app: &crate::helpers::TestApp, path: &str) -> u16 {
    app.client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `/readyz` follows the database: 503 while PostgreSQL refuses
/// connections, 200 again once it accepts them. (PostgreSQL only: an SQLite
/// file cannot be taken away from a running process in the same way.)
#[tokio::test]
#[ignore = "PostgreSQL only: run with MSTREAM_TEST_DATABASE_URL=postgres://… and --ignored (.ci/run does)"]
async fn readyz_follows_the_database() {
    let admin_url = std::env::var("MSTREAM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
        .expect("MSTREAM_TEST_DATABASE_URL=postgres://… (this test takes PostgreSQL away)");
    let app = spawn_app().await;
    let admin = app.admin().await;
    assert_eq!(status(&app, "/readyz").await, 200);
    let database = app.database_name().expect("per-test database");
    let mut conn = diesel::PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false"))
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    ))
    .execute(&mut conn)
    .unwrap();
    assert_eq!(status(&app, "/readyz").await, 503);
    assert_eq!(
        status(&app, "/healthz").await,
        200,
        "the process itself is fine"
    );
    diesel::sql_query(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"))
        .execute(&mut conn)
        .unwrap();
    // Each process's readiness probe (as a load balancer sends them) finds
    // its cut connections and replaces them before traffic returns.
    for server in &app.servers {
        let ready = app.client.get(format!("{server}/readyz")).send().await;
        assert_eq!(ready.unwrap().status().as_u16(), 200);
    }
    assert_eq!(
        app.get("/api/genre/", &admin).await.status,
        200,
        "requests work again, on connections opened anew"
    );
}

#[tokio::test]
async fn start_up_refuses_an_unreachable_database_at_once() {
    let mut settings = mstream::Settings::defaults();
    settings.database.url = "postgres://nobody@127.0.0.1:1/none".into();
    settings.server.port = 0;
    let error = mstream::Application::build(settings)
        .err()
        .expect("start-up fails");
    let message = error.to_string();
    assert!(
        message.contains("cannot connect to PostgreSQL"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
}

/// A session of the test's own on the server's PostgreSQL database that
/// holds `contents` locked against every read until it is dropped.
fn lock_contents_table(app: &crate::helpers::TestApp) -> diesel::PgConnection {
    use diesel::connection::SimpleConnection;
    let admin_url = std::env::var("MSTREAM_TEST_DATABASE_URL")
        .expect("PostgreSQL only: set MSTREAM_TEST_DATABASE_URL");
    let database = app.database_name().expect("per-test database");
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => panic!("a database URL: {admin_url}"),
    };
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    conn.batch_execute("BEGIN; LOCK TABLE contents IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    conn
}

/// SPEC §8: a statement that runs too long is cancelled and answered 503
/// with `Retry-After`, and the server serves again at once.
#[tokio::test]
#[ignore = "PostgreSQL only: run with MSTREAM_TEST_DATABASE_URL=postgres://… and --ignored (.ci/run does)"]
async fn a_statement_past_its_timeout_is_answered_503() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.database.statement_timeout_ms = 300;
        s.database.read_cache_ms = 0;
    })
    .await;
    let admin = app.admin().await;
    let lock = lock_contents_table(&app);
    let reply = app.get("/api/contents/", &admin).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(
        reply.body,
        serde_json::json!({"detail": "Service temporarily unavailable, try again later."})
    );
    drop(lock);
    assert_eq!(app.get("/api/contents/", &admin).await.status, 200);
}

/// SPEC §8: a request that cannot get a pooled connection within
/// `database.acquire_timeout_ms` is answered 503 instead of queueing.
#[tokio::test]
#[ignore = "PostgreSQL only: run with MSTREAM_TEST_DATABASE_URL=postgres://… and --ignored (.ci/run does)"]
async fn a_request_that_finds_no_free_connection_is_answered_503() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.database.pool_size = 1;
        s.database.acquire_timeout_ms = 300;
        s.database.statement_timeout_ms = 0;
        s.database.read_cache_ms = 0;
        s.auth.token_cache_ms = 0;
    })
    .await;
    let admin = app.admin().await;
    let lock = lock_contents_table(&app);
    // The first request takes the only connection and waits on the lock.
    let stuck = app.get("/api/contents/", &admin);
    let waiting = async {
        tokio::task::yield_now().await;
        // Until the stuck request holds the connection, this one may get it
        // and wait on the lock too; retry until one is refused.
        let mut reply = app.get("/api/submodels/", &admin).await;
        while reply.status != 503 {
            reply = app.get("/api/submodels/", &admin).await;
        }
        reply
    };
    let refused = tokio::select! {
        reply = waiting => reply,
        _ = stuck => panic!("the stuck request finished while the table was locked"),
    };
    assert_eq!(refused.header("retry-after"), Some("1"));
    drop(lock);
    assert_eq!(app.get("/api/contents/", &admin).await.status, 200);
}
