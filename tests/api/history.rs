//! Issue #19: the admin history. Every create, update and delete made
//! through the API on a catalog resource or media file is recorded in the
//! write's own transaction, and admins read it at `/api/history/`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_edit_records_the_field_its_old_and_its_new_value() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let genre = app.create(&admin, "genre", json!({"name": "Drama"})).await;
    let id = genre["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/genre/{id}/"),
            &admin,
            json!({"name": "Comedy"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let history = app.get(&format!("/api/history/?object={id}"), &admin).await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(history.body["count"], 2);
    assert!(history.body["next"].is_null() && history.body["previous"].is_null());
    let newest = &history.body["results"][0];
    assert_eq!(newest["action"], "update", "newest first: {}", history.body);
    assert_eq!(newest["resource"], "genre");
    assert_eq!(newest["object"], id);
    assert_eq!(newest["object_repr"], "Comedy");
    assert_eq!(
        newest["changes"],
        json!({"name": {"old": "Drama", "new": "Comedy"}}),
        "only the changed field, not the timestamps"
    );
    assert!(newest["actor_name"].as_str().unwrap().starts_with("admin"));
    assert!(newest["time"].as_str().is_some());
    let created = &history.body["results"][1];
    assert_eq!(created["action"], "create");
    assert_eq!(
        created["changes"]["name"],
        json!({"old": null, "new": "Drama"})
    );

    let r = app.delete(&format!("/api/genre/{id}/"), &admin).await;
    assert_eq!(r.status, 204);
    let history = app
        .get(&format!("/api/history/?object={id}&page_size=1"), &admin)
        .await;
    assert_eq!(history.body["count"], 3);
    let deleted = &history.body["results"][0];
    assert_eq!(deleted["action"], "delete");
    assert_eq!(
        deleted["changes"]["name"],
        json!({"old": "Comedy", "new": null})
    );
    assert!(history.body["next"].as_str().unwrap().contains("page=2"));
}

#[tokio::test]
async fn a_refused_write_records_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let genre = app.create(&admin, "genre", json!({"name": "Drama"})).await;
    let id = genre["id"].as_str().unwrap();
    app.create(&admin, "genre", json!({"name": "Comedy"})).await;
    // Taken name (refused inside the transaction) and an empty name
    // (refused before it).
    let taken = app
        .patch(
            &format!("/api/genre/{id}/"),
            &admin,
            json!({"name": "Comedy"}),
        )
        .await;
    assert_eq!(taken.status, 400, "{}", taken.body);
    let empty = app
        .patch(&format!("/api/genre/{id}/"), &admin, json!({"name": ""}))
        .await;
    assert_eq!(empty.status, 400);
    // A content whose type does not exist: refused after the reference check.
    let bad = app
        .post(
            "/api/contents/",
            &admin,
            json!({"name": "X", "about": "x", "genre": [], "cast": [],
                   "parental_control_tags": [], "type": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    let history = app.get(&format!("/api/history/?object={id}"), &admin).await;
    assert_eq!(
        history.body["count"], 1,
        "only the create: {}",
        history.body
    );
    let all = app.get("/api/history/", &admin).await;
    assert_eq!(all.body["count"], 2, "two creates: {}", all.body);
    let contents = app.get("/api/history/?resource=contents", &admin).await;
    assert_eq!(contents.body["count"], 0);
}

#[tokio::test]
async fn only_admins_read_the_history_and_filters_narrow_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let other = app.admin().await;
    let user = app.signup("reader").await;
    app.create(&admin, "genre", json!({"name": "Drama"})).await;
    app.create(&other, "contype", json!({"type": "Movie"}))
        .await;

    let anonymous = app.send(Method::GET, "/api/history/", None, None).await;
    assert_eq!(anonymous.status, 401);
    let forbidden = app.get("/api/history/", &user.token).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.body,
        json!({"detail": "You do not have permission to perform this action."})
    );

    let all = app.get("/api/history/", &admin).await;
    assert_eq!(all.body["count"], 2);
    assert_eq!(
        all.body["results"][0]["resource"], "contype",
        "newest first"
    );
    let actor = all.body["results"][0]["actor"].as_str().unwrap().to_owned();
    let by_actor = app
        .get(&format!("/api/history/?actor={actor}"), &admin)
        .await;
    assert_eq!(by_actor.body["count"], 1);
    assert_eq!(by_actor.body["results"][0]["object_repr"], "Movie");
    let by_resource = app.get("/api/history/?resource=genre", &admin).await;
    assert_eq!(by_resource.body["count"], 1);
    assert_eq!(by_resource.body["results"][0]["object_repr"], "Drama");
    let bad = app.get("/api/history/?object=nope", &admin).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body, json!({"object": ["Enter a valid UUID."]}));
    let past = app.get("/api/history/?page=9", &admin).await;
    assert_eq!(past.status, 404);
}

/// Issue #19: before a delete, the admin sees what it takes with it.
#[tokio::test]
async fn a_content_types_delete_preview_lists_its_contents() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.signup("viewer").await;
    let first = app.content(&admin, "Arrival").await;
    let kind = first["type"].as_str().unwrap().to_owned();
    let second = json!({"name": "Heat", "about": "x", "genre": first["genre"],
        "cast": first["cast"], "parental_control_tags": first["parental_control_tags"],
        "type": kind});
    app.create(&admin, "contents", second).await;
    let artist = first["cast"][0].as_str().unwrap();
    app.create(
        &admin,
        "artconrelation",
        json!({"artist": artist, "content": first["id"], "relation": "Actor"}),
    )
    .await;

    let path = format!("/api/contype/{kind}/delete-preview/");
    let preview = app.get(&path, &admin).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(preview.body["resource"], "contype");
    assert_eq!(preview.body["name"], "Arrival type");
    let deletes = preview.body["deletes"].as_array().unwrap();
    assert_eq!(
        deletes[0],
        json!({"resource": "contype", "count": 1, "names": ["Arrival type"]})
    );
    assert_eq!(
        deletes[1],
        json!({"resource": "contents", "count": 2, "names": ["Arrival", "Heat"]})
    );
    assert_eq!(deletes[2]["resource"], "artconrelation");
    assert_eq!(deletes[2]["count"], 1);
    assert_eq!(deletes[2]["names"][0], "Arrival artist (Actor)");
    assert_eq!(deletes.len(), 3, "no media, no reviews: {}", preview.body);

    // A preview deletes nothing; a genre takes no entity with it.
    let genre = first["genre"][0].as_str().unwrap();
    let only = app
        .get(&format!("/api/genre/{genre}/delete-preview/"), &admin)
        .await;
    assert_eq!(only.body["deletes"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/contents/", &admin).await.body["count"], 2);

    assert_eq!(app.get(&path, &user.token).await.status, 403);
    let missing = format!("/api/contype/{}/delete-preview/", uuid::Uuid::new_v4());
    assert_eq!(app.get(&missing, &admin).await.status, 404);
}

/// The admin's endpoints are read-only: other methods get DRF's 405 with
/// an `Allow` that lists only what they serve.
#[tokio::test]
async fn the_history_and_the_preview_only_read() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let kind = app
        .create(&admin, "contype", json!({"type": "Movie"}))
        .await;
    let preview = format!(
        "/api/contype/{}/delete-preview/",
        kind["id"].as_str().unwrap()
    );
    for path in ["/api/history/", preview.as_str()] {
        let r = app
            .send(Method::POST, path, Some(&admin), Some(&json!({})))
            .await;
        assert_eq!(r.status, 405, "{path}");
        assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"), "{path}");
        assert_eq!(r.body, json!({"detail": "Method \"POST\" not allowed."}));
        // OPTIONS, which the Allow lists, answers DRF's metadata.
        let options = app.send(Method::OPTIONS, path, Some(&admin), None).await;
        assert_eq!(options.status, 200, "{path}: {}", options.body);
        assert_eq!(
            options.header("allow"),
            Some("GET, HEAD, OPTIONS"),
            "{path}"
        );
        assert!(options.body["name"].is_string(), "{path}: {}", options.body);
    }
    assert_eq!(app.get("/api/history/", &admin).await.body["count"], 1);
}

#[tokio::test]
async fn granting_admin_is_recorded_with_who_did_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.signup("promoted").await;
    let r = app
        .patch(
            &format!("/api/users/{}/", user.id),
            &admin,
            json!({"is_admin": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let history = app
        .get(&format!("/api/history/?object={}", user.id), &admin)
        .await;
    assert_eq!(history.body["count"], 1, "{}", history.body);
    let entry = &history.body["results"][0];
    assert_eq!(entry["resource"], "users");
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["object_repr"], "promoted");
    assert_eq!(
        entry["changes"]["is_admin"],
        json!({"old": false, "new": true})
    );
    assert!(entry["actor_name"].as_str().unwrap().starts_with("admin"));
}

#[tokio::test]
async fn reviews_are_recorded_with_their_author_and_a_moderators_delete() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Reviewed").await;
    let author = app.signup("critic").await;
    let review = app
        .create(
            &author.token,
            "reviews",
            json!({"content": content["id"], "title": "Fine", "review": "Fine.", "rating": 3}),
        )
        .await;
    let id = review["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/reviews/{id}/"),
            &author.token,
            json!({"rating": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.delete(&format!("/api/reviews/{id}/"), &admin)
            .await
            .status,
        204
    );
    let history = app.get(&format!("/api/history/?object={id}"), &admin).await;
    assert_eq!(history.body["count"], 3, "{}", history.body);
    let entries = history.body["results"].as_array().unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions, [json!("delete"), json!("update"), json!("create")]);
    assert!(
        entries[0]["actor_name"]
            .as_str()
            .unwrap()
            .starts_with("admin"),
        "the moderator"
    );
    assert_eq!(entries[1]["actor_name"], "critic", "the author");
    assert_eq!(entries[1]["changes"]["rating"], json!({"old": 3, "new": 5}));
    assert_eq!(entries[1]["resource"], "reviews");
}
