//! Concurrent writers that race on the same rows (SPEC §4: "under
//! concurrent writes the stored value must equal the mean of the reviews
//! that exist"; a reference deleted meanwhile is the client's 400, never a
//! 500). On PostgreSQL these are READ COMMITTED races; on SQLite writers
//! are serialised, and the same outcomes must hold.

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp};

/// Every content whose stored rating or count differs from its reviews.
async fn wrong_ratings(app: &TestApp, admin: &str) -> Vec<String> {
    let contents = app.get("/api/contents/?page_size=100", admin).await.body;
    let mut wrong = Vec::new();
    for content in contents["results"].as_array().unwrap() {
        let id = content["id"].as_str().unwrap();
        let reviews = app
            .get(&format!("/api/reviews/?content={id}&page_size=100"), admin)
            .await
            .body;
        let ratings: Vec<i64> = reviews["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rating"].as_i64().unwrap())
            .collect();
        let (sum, count) = (ratings.iter().sum::<i64>(), ratings.len() as i64);
        // The mean as an exact fraction: stored * count == sum.
        let stored = content["rating"].as_f64().unwrap();
        let mean_ok = (stored * count as f64 - sum as f64).abs() < 1e-9;
        if content["reviews_count"] != json!(count) || !mean_ok {
            wrong.push(format!(
                "{}: stored {stored} over {}, reviews sum {sum} over {count}",
                content["name"], content["reviews_count"]
            ));
        }
    }
    wrong
}

#[tokio::test]
async fn a_review_moved_back_and_forth_concurrently_leaves_no_phantom_rating() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let first = app.content(&admin, "First").await["id"].clone();
    let second = app.content(&admin, "Second").await["id"].clone();
    let author = app.signup("mover").await;
    for trial in 0..10 {
        let review = app
            .post(
                "/api/reviews/",
                &author.token,
                json!({"content": first, "title": "t", "review": "r", "rating": 5}),
            )
            .await;
        assert_eq!(review.status, 201, "{}", review.body);
        let path = format!("/api/reviews/{}/", review.body["id"].as_str().unwrap());
        let moves = (0..6).map(|n| {
            let target = if n % 2 == 0 { &second } else { &first };
            app.patch(&path, &author.token, json!({ "content": target }))
        });
        for reply in join_all(moves).await {
            assert_eq!(reply.status, 200, "trial {trial}: {}", reply.body);
        }
        let wrong = wrong_ratings(&app, &admin).await;
        assert!(wrong.is_empty(), "trial {trial}: {wrong:?}");
        assert_eq!(app.delete(&path, &author.token).await.status, 204);
    }
}

#[tokio::test]
async fn an_account_deleted_while_its_owner_posts_reviews_leaves_exact_ratings() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut contents = Vec::new();
    for n in 0..12 {
        contents.push(app.content(&admin, &format!("Film {n}")).await["id"].clone());
    }
    for trial in 0..3 {
        let user = app.signup(&format!("leaver{trial}")).await;
        let posts = contents.iter().map(|content| {
            app.post(
                "/api/reviews/",
                &user.token,
                json!({"content": content, "title": "t", "review": "r", "rating": 3}),
            )
        });
        let deletion = app.delete("/user/delete/", &user.token);
        let (posted, deleted) = futures_util::join!(join_all(posts), deletion);
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        for reply in posted {
            // Before the deletion: 201; after it: the token is gone.
            assert!(
                [201, 401].contains(&reply.status),
                "{} {}",
                reply.status,
                reply.body
            );
        }
        let wrong = wrong_ratings(&app, &admin).await;
        assert!(wrong.is_empty(), "trial {trial}: {wrong:?}");
    }
}

#[tokio::test]
async fn a_review_of_a_content_being_deleted_is_refused_not_failed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let viewer = app.signup("racer").await;
    let mut statuses = Vec::new();
    for n in 0..15 {
        let id = app.content(&admin, &format!("Doomed {n}")).await["id"].clone();
        let path = format!("/api/contents/{}/", id.as_str().unwrap());
        let review = app.post(
            "/api/reviews/",
            &viewer.token,
            json!({"content": id, "title": "t", "review": "r", "rating": 2}),
        );
        let (review, deleted) = futures_util::join!(review, app.delete(&path, &admin));
        assert_eq!(deleted.status, 204);
        if review.status == 400 {
            assert_eq!(
                review.body,
                json!({"content": [format!("Invalid pk \"{}\" - object does not exist.", id.as_str().unwrap())]})
            );
        }
        statuses.push(review.status);
    }
    assert!(
        statuses.iter().all(|s| [201, 400].contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_content_created_while_its_genre_is_deleted_is_refused_not_failed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let base = app.content(&admin, "Base").await;
    let mut statuses = Vec::new();
    for n in 0..15 {
        let genre = app
            .create(&admin, "genre", json!({"name": format!("Fleeting {n}")}))
            .await;
        let body = json!({
            "name": format!("New {n}"), "about": "x",
            "genre": [genre["id"]], "cast": base["cast"],
            "parental_control_tags": base["parental_control_tags"], "type": base["type"],
        });
        let path = format!("/api/genre/{}/", genre["id"].as_str().unwrap());
        let (created, deleted) = futures_util::join!(
            app.post("/api/contents/", &admin, body),
            app.delete(&path, &admin)
        );
        assert_eq!(deleted.status, 204);
        if created.status == 400 {
            assert!(created.body.get("genre").is_some(), "{}", created.body);
        }
        statuses.push(created.status);
    }
    assert!(
        statuses.iter().all(|s| [201, 400].contains(s)),
        "{statuses:?}"
    );
}
