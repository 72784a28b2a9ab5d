//! Budgets that keep floods off the database (issue #16: random tokens
//! after an address's budget was spent still ran one query each).

use serde_json::json;

use crate::helpers::spawn_apps_with;

#[tokio::test]
async fn a_flood_of_random_tokens_is_refused_without_touching_the_database() {
    // One process: what it has cached is the point (with several, a token
    // one of them never saw is "unknown" there; docs/decisions.md).
    let app = spawn_apps_with(1, |s| s.throttle.anon_per_minute = 5).await;
    let admin = app.admin().await; // its sign-in is the address's first request
    let user = app.signup("steady").await; // and this the second
    assert_eq!(app.get("/user/me/", &user.token).await.status, 200);
    assert_eq!(app.get("/api/genre/", &admin).await.status, 200);

    let random = || uuid::Uuid::new_v4().simple().to_string() + "00000000";
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.get("/user/me/", &random()).await.status);
    }
    assert!(
        statuses.contains(&401),
        "bad tokens are looked up at first: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    let before = app.queries_run().await;
    for _ in 0..100 {
        assert_eq!(app.get("/user/me/", &random()).await.status, 429);
    }
    assert_eq!(
        app.queries_run().await - before,
        0,
        "100 refused random tokens ran statements"
    );

    // The flood throttles neither a signed-in user nor an admin of the
    // same address, even after an account write made their cached tokens
    // stale (they are looked up again, not refused).
    assert_eq!(app.get("/user/me/", &user.token).await.status, 200);
    let demote = app
        .patch(
            &format!("/api/users/{}/", user.id),
            &admin,
            json!({"is_admin": false}),
        )
        .await;
    assert_eq!(demote.status, 200, "{}", demote.body);
    assert_eq!(app.get("/user/me/", &user.token).await.status, 200);
    assert_eq!(app.get("/api/genre/", &admin).await.status, 200);
}

/// Issue #19: the admin panel must not throttle itself. With the default
/// budgets (60 a minute for users, `throttle.admin_per_minute` = 600 for
/// admins), 70 requests at once — more than a minute's user budget, even
/// if the burst took a few seconds to refill it — are all served for an
/// admin, while a user's are refused past the 60th.
#[tokio::test]
async fn an_admin_gets_past_the_users_60_a_minute_and_a_user_does_not() {
    let defaults = mstream_api::throttle::ThrottleSettings::default();
    assert_eq!(
        (defaults.user_per_minute, defaults.admin_per_minute),
        (60, 600)
    );
    let app = crate::helpers::spawn_app_with(|s| {
        s.throttle.user_per_minute = defaults.user_per_minute;
        s.throttle.admin_per_minute = defaults.admin_per_minute;
    })
    .await;
    let admin = app.admin().await;
    let user = app.signup("reader").await;
    let burst = |token: String, path: &'static str| {
        let app = &app;
        async move {
            let requests = (0..70).map(|_| {
                let token = token.clone();
                async move { app.get(path, &token).await.status }
            });
            futures_util::future::join_all(requests).await
        }
    };
    let (admin_statuses, user_statuses) = tokio::join!(
        burst(admin.clone(), "/api/genre/"),
        burst(user.token.clone(), "/user/me/"),
    );
    assert!(
        admin_statuses.iter().all(|s| *s == 200),
        "the admin is served past 60: {admin_statuses:?}"
    );
    let served = user_statuses.iter().filter(|s| **s == 200).count();
    let refused = user_statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(served + refused, 70, "{user_statuses:?}");
    assert!(
        (60..70).contains(&served),
        "the user is refused past 60: {user_statuses:?}"
    );
}
