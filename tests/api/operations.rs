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
