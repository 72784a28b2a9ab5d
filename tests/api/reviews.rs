//! SPEC §4: reviews, ownership and the rating mean.

use futures_util::future::join_all;
use serde_json::{json, Value as Json};

use crate::helpers::{spawn_app, TestApp};

async fn content_rating(app: &TestApp, admin: &str, id: &str) -> (f64, i64) {
    let c = app.get(&format!("/api/contents/{id}/"), admin).await.body;
    (
        c["rating"].as_f64().unwrap(),
        c["reviews_count"].as_i64().unwrap(),
    )
}

fn review(content: &Json, rating: i64) -> Json {
    json!({"content": content["id"], "title": "t", "review": "r", "rating": rating})
}

#[tokio::test]
async fn the_mean_follows_every_change() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let speed = app.content(&admin, "Speed").await;
    let mid = matrix["id"].as_str().unwrap();
    let bob = app.signup("bob").await;
    let carol = app.signup("carol").await;
    let b = app.create(&bob.token, "reviews", review(&matrix, 5)).await;
    assert_eq!(b["user"], bob.id.as_str());
    app.create(
        &carol.token,
        "reviews",
        json!({"content": matrix["id"], "title": "t", "review": "r", "rating": 2, "user": bob.id}),
    )
    .await;
    assert_eq!(content_rating(&app, &admin, mid).await, (3.5, 2));
    let bid = b["id"].as_str().unwrap();
    assert_eq!(
        app.patch(
            &format!("/api/reviews/{bid}/"),
            &bob.token,
            json!({"rating": 3})
        )
        .await
        .status,
        200
    );
    assert_eq!(content_rating(&app, &admin, mid).await, (2.5, 2));
    let moved = app
        .patch(
            &format!("/api/reviews/{bid}/"),
            &bob.token,
            json!({"content": speed["id"]}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(content_rating(&app, &admin, mid).await, (2.0, 1));
    assert_eq!(
        content_rating(&app, &admin, speed["id"].as_str().unwrap()).await,
        (3.0, 1)
    );
    assert_eq!(
        app.delete(&format!("/api/reviews/{bid}/"), &bob.token)
            .await
            .status,
        204
    );
    assert_eq!(
        content_rating(&app, &admin, speed["id"].as_str().unwrap()).await,
        (0.0, 0)
    );
    // Deleting the author's account removes their reviews from the mean.
    assert_eq!(app.delete("/user/delete/", &carol.token).await.status, 204);
    assert_eq!(content_rating(&app, &admin, mid).await, (0.0, 0));
}

#[tokio::test]
async fn only_the_author_edits_and_admins_only_delete() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let bob = app.signup("bob").await;
    let eve = app.signup("eve").await;
    let r = app.create(&bob.token, "reviews", review(&matrix, 4)).await;
    let path = format!("/api/reviews/{}/", r["id"].as_str().unwrap());
    assert_eq!(
        app.get(&path, &eve.token).await.status,
        200,
        "anyone signed in reads reviews"
    );
    assert_eq!(app.get("/api/reviews/", &eve.token).await.body["count"], 1);
    assert_eq!(
        app.patch(&path, &eve.token, json!({"rating": 0}))
            .await
            .status,
        403
    );
    assert_eq!(app.delete(&path, &eve.token).await.status, 403);
    assert_eq!(
        app.patch(&path, &admin, json!({"rating": 0})).await.status,
        403
    );
    assert_eq!(app.get(&path, &bob.token).await.body["rating"], 4);
    assert_eq!(
        app.send(reqwest::Method::GET, "/api/reviews/", None, None)
            .await
            .status,
        401
    );
    assert_eq!(
        app.delete(&path, &admin).await.status,
        204,
        "admins moderate"
    );
}

#[tokio::test]
async fn bad_reviews_are_refused_without_rating_drift() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let bob = app.signup("bob").await;
    app.create(&bob.token, "reviews", review(&matrix, 4)).await;
    let cases = [
        (json!(6), "Ensure this value is less than or equal to 5."),
        (
            json!(-1),
            "Ensure this value is greater than or equal to 0.",
        ),
        (json!(2.5), "A valid integer is required."),
        (json!("five"), "A valid integer is required."),
    ];
    let carol = app.signup("carol").await;
    for (rating, message) in cases {
        let r = app
            .post(
                "/api/reviews/",
                &carol.token,
                json!({"content": matrix["id"], "title": "t", "review": "r", "rating": rating}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.body, json!({"rating": [message]}));
    }
    let missing = app
        .post(
            "/api/reviews/",
            &carol.token,
            json!({"title": "t", "review": "r", "rating": 1}),
        )
        .await;
    assert_eq!(
        missing.body,
        json!({"content": ["This field is required."]})
    );
    let unknown = uuid::Uuid::new_v4();
    let r = app
        .post(
            "/api/reviews/",
            &carol.token,
            json!({"content": unknown, "title": "t", "review": "r", "rating": 1}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"content": [format!("Invalid pk \"{unknown}\" - object does not exist.")]})
    );
    let twice = app
        .post("/api/reviews/", &bob.token, review(&matrix, 1))
        .await;
    assert_eq!(twice.status, 400);
    assert_eq!(
        twice.body,
        json!({"non_field_errors": ["You have already reviewed this content."]})
    );
    assert_eq!(
        content_rating(&app, &admin, matrix["id"].as_str().unwrap()).await,
        (4.0, 1)
    );
}

#[tokio::test]
async fn concurrent_reviews_keep_the_mean_exact() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(app.signup(&format!("user{i}")).await);
    }
    let creates = users
        .iter()
        .enumerate()
        .map(|(i, u)| app.post("/api/reviews/", &u.token, review(&matrix, (i % 6) as i64)));
    let replies = join_all(creates).await;
    assert!(
        replies.iter().all(|r| r.status == 201),
        "{:?}",
        replies
            .iter()
            .map(|r| (r.status, r.body.to_string()))
            .collect::<Vec<_>>()
    );
    // Now half update while the other half delete, all at once. The outcome
    // is fixed whatever the interleaving: the ten even-numbered reviews
    // remain, rated (i / 2) % 6 = 0, 1, 2, 3, 4, 5, 0, 1, 2, 3 — sum 21.
    let ops = replies.iter().zip(&users).enumerate().map(|(i, (r, u))| {
        let path = format!("/api/reviews/{}/", r.body["id"].as_str().unwrap());
        let app = &app;
        async move {
            if i % 2 == 0 {
                app.patch(&path, &u.token, json!({"rating": (i / 2) % 6}))
                    .await
                    .status
            } else {
                app.delete(&path, &u.token).await.status
            }
        }
    });
    let statuses = join_all(ops).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 204),
        "{statuses:?}"
    );
    let mid = matrix["id"].as_str().unwrap();
    assert_eq!(content_rating(&app, &admin, mid).await, (21.0 / 10.0, 10));
    let remaining = app
        .get(
            &format!("/api/reviews/?content={mid}&page_size=100"),
            &admin,
        )
        .await;
    let mut kept: Vec<&str> = remaining.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    kept.sort_unstable();
    let mut expected: Vec<&str> = replies
        .iter()
        .step_by(2)
        .map(|r| r.body["id"].as_str().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(kept, expected, "exactly the updated reviews remain");
}

#[tokio::test]
async fn simultaneous_duplicate_reviews_give_exactly_one_201() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let matrix = app.content(&admin, "The Matrix").await;
    let bob = app.signup("bob").await;
    let replies =
        join_all((0..8).map(|i| app.post("/api/reviews/", &bob.token, review(&matrix, i % 6))))
            .await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "{statuses:?}"
    );
    let created = replies.iter().find(|r| r.status == 201).unwrap();
    let rating = created.body["rating"].as_i64().unwrap() as f64;
    assert_eq!(
        content_rating(&app, &admin, matrix["id"].as_str().unwrap()).await,
        (rating, 1)
    );
}
