//! Watch progress (`/api/progress/`): a user's position per media file and
//! "continue watching", through the typed client; the wire's error shapes
//! through raw JSON.

use mstream_client::{Client, Error, Upload};
use mstream_content::{Content, MediaFile, NewMediaFile, WatchPosition};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{db_execute, mp4, png, spawn_app, TestApp};
use crate::typed::{admin, content, name, user};

async fn media_of(admin: &Client, made: &Content, label: &str) -> MediaFile {
    admin
        .upload_media(
            &NewMediaFile {
                name: name(label),
                content: made.id,
            },
            Upload::bytes(format!("{label}.png"), png(1024)),
        )
        .await
        .unwrap()
}

fn at(position: f64, duration: Option<f64>) -> WatchPosition {
    WatchPosition::new(position, duration).unwrap()
}

async fn two_media(app: &TestApp) -> (Client, MediaFile, MediaFile) {
    let admin = admin(app).await;
    let (_, first) = content(&admin, "Heat").await;
    let (_, second) = content(&admin, "Ronin").await;
    let a = media_of(&admin, &first, "Heat 1080p").await;
    let b = media_of(&admin, &second, "Ronin 1080p").await;
    (admin, a, b)
}

#[tokio::test]
async fn continue_watching_lists_the_most_recent_first_and_drops_what_was_finished() {
    let app = spawn_app().await;
    let (_, heat, ronin) = two_media(&app).await;
    let viewer = user(&app, "viewer").await;

    let stored = viewer
        .record_progress(heat.id, &at(600.0, Some(6000.0)))
        .await
        .unwrap();
    assert_eq!(
        (stored.position, stored.duration, stored.finished),
        (600.0, Some(6000.0), false)
    );
    assert_eq!(stored.content_name, "Heat");
    assert_eq!(stored.media_name, "Heat 1080p");
    viewer
        .record_progress(ronin.id, &at(30.0, None))
        .await
        .unwrap();

    let page = viewer.continue_watching(None, 1).await.unwrap();
    assert_eq!(page.count, 2);
    let order: Vec<_> = page.results.iter().map(|p| p.media).collect();
    assert_eq!(order, [ronin.id, heat.id], "most recently watched first");

    // Watching Heat again moves it to the front, and replaces its position.
    viewer
        .record_progress(heat.id, &at(1200.0, Some(6000.0)))
        .await
        .unwrap();
    let page = viewer.continue_watching(None, 1).await.unwrap();
    assert_eq!(page.results[0].media, heat.id);
    assert_eq!(page.results[0].position, 1200.0);
    assert_eq!(viewer.progress(heat.id).await.unwrap().position, 1200.0);

    // Past 95 %: watched, gone from the list, still remembered.
    let done = viewer
        .record_progress(heat.id, &at(5800.0, Some(6000.0)))
        .await
        .unwrap();
    assert!(done.finished);
    let page = viewer.continue_watching(None, 1).await.unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(page.results[0].media, ronin.id);
    assert!(viewer.progress(heat.id).await.unwrap().finished);

    // Forgetting removes it.
    viewer.forget_progress(ronin.id).await.unwrap();
    assert_eq!(viewer.continue_watching(None, 1).await.unwrap().count, 0);
    assert!(matches!(
        viewer.progress(ronin.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        viewer.forget_progress(ronin.id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn progress_is_private_to_its_user_and_readable_by_admins() {
    let app = spawn_app().await;
    let (admin, heat, _) = two_media(&app).await;
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    alice
        .record_progress(heat.id, &at(42.0, Some(100.0)))
        .await
        .unwrap();

    assert_eq!(bob.continue_watching(None, 1).await.unwrap().count, 0);
    assert!(matches!(
        bob.progress(heat.id).await,
        Err(Error::NotFound(_))
    ));
    let alice_id = alice.me().await.unwrap().id;
    assert!(matches!(
        bob.continue_watching(Some(alice_id), 1).await,
        Err(Error::Forbidden(_))
    ));
    // Bob's own position in the same file is his alone.
    bob.record_progress(heat.id, &at(7.0, None)).await.unwrap();
    assert_eq!(alice.progress(heat.id).await.unwrap().position, 42.0);

    let seen_by_admin = admin.continue_watching(Some(alice_id), 1).await.unwrap();
    assert_eq!(seen_by_admin.count, 1);
    assert_eq!(seen_by_admin.results[0].user, alice_id);
    assert_eq!(seen_by_admin.results[0].position, 42.0);
}

#[tokio::test]
async fn progress_goes_with_its_media_file_and_its_user() {
    let app = spawn_app().await;
    let (admin, heat, ronin) = two_media(&app).await;
    let viewer = user(&app, "viewer").await;
    viewer
        .record_progress(heat.id, &at(1.0, None))
        .await
        .unwrap();
    viewer
        .record_progress(ronin.id, &at(2.0, None))
        .await
        .unwrap();
    admin.resource::<MediaFile>().delete(heat.id).await.unwrap();
    let page = viewer.continue_watching(None, 1).await.unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(page.results[0].media, ronin.id);
    // A position in a file that no longer exists is refused.
    assert!(matches!(
        viewer.record_progress(heat.id, &at(3.0, None)).await,
        Err(Error::NotFound(_))
    ));

    let viewer_id = viewer.me().await.unwrap().id;
    viewer.delete_account().await.unwrap();
    assert_eq!(
        admin
            .continue_watching(Some(viewer_id), 1)
            .await
            .unwrap()
            .count,
        0
    );
}

#[tokio::test]
async fn bad_reports_are_refused_with_drf_field_errors_and_change_nothing() {
    let app = spawn_app().await;
    let (_, heat, _) = two_media(&app).await;
    let token = app.signup("viewer").await.token;
    let path = format!("/api/progress/{}/", heat.id);

    let reply = app.put(&path, &token, json!({"position": 10})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);

    for (body, field, message) in [
        (json!({}), "position", "This field is required."),
        (
            json!({"position": "later"}),
            "position",
            "A valid number is required.",
        ),
        (
            json!({"position": -1}),
            "position",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            json!({"position": 120, "duration": 100}),
            "position",
            "Ensure this value is less than or equal to the duration.",
        ),
        (
            json!({"position": 1, "duration": 0}),
            "duration",
            "Ensure this value is greater than 0.",
        ),
    ] {
        let reply = app.put(&path, &token, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert_eq!(reply.body[field], json!([message]), "{body}");
    }
    let kept = app.get(&path, &token).await;
    assert_eq!(
        kept.body["position"],
        json!(10.0),
        "refused reports change nothing"
    );

    let anonymous = app
        .send(Method::PUT, &path, None, Some(&json!({"position": 1})))
        .await;
    assert_eq!(anonymous.status, 401);
    let unknown = app
        .put(
            "/api/progress/00000000-0000-4000-8000-000000000000/",
            &token,
            json!({"position": 1}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let not_an_id = app.get("/api/progress/nope/", &token).await;
    assert_eq!(not_an_id.status, 404);
    let bad_user = app.get("/api/progress/?user=nope", &token).await;
    assert_eq!(bad_user.status, 400);
    assert_eq!(bad_user.body["user"], json!(["Must be a valid UUID."]));
    for (path, allow) in [
        ("/api/progress/".to_owned(), "GET, HEAD, OPTIONS"),
        (path.clone(), "GET, PUT, DELETE, HEAD, OPTIONS"),
    ] {
        let options = app.send(Method::OPTIONS, &path, Some(&token), None).await;
        assert_eq!(options.status, 200, "{path}: {}", options.body);
        assert_eq!(options.header("allow"), Some(allow), "{path}");
        let post = app
            .send(Method::POST, &path, Some(&token), Some(&json!({})))
            .await;
        assert_eq!(post.status, 405, "{path}");
        assert_eq!(post.header("allow"), Some(allow), "{path}");
    }
    for page in ["2", "14383212550401820672"] {
        let past_the_end = app
            .get(&format!("/api/progress/?page={page}"), &token)
            .await;
        assert_eq!(past_the_end.status, 404, "page {page}");
        assert_eq!(past_the_end.body["detail"], "Invalid page.");
    }
}

/// `(position, duration, finished)` of a stored progress record.
fn stored(body: &serde_json::Value) -> (f64, Option<f64>, bool) {
    (
        body["position"].as_f64().unwrap(),
        body["duration"].as_f64(),
        body["finished"].as_bool().unwrap(),
    )
}

#[tokio::test]
async fn the_media_files_own_duration_wins_over_the_players() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Probed").await;
    let r = crate::media::upload(&app, &admin, &content, "film", mp4(4096), "film.mp4").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let media = r.body["id"].as_str().unwrap().to_owned();
    let token = app.signup("viewer").await.token;
    let path = format!("/api/progress/{media}/");
    let put = |body: serde_json::Value| {
        let (app, path, token) = (&app, &path, &token);
        async move {
            let r = app.put(path, token, body).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            stored(&r.body)
        }
    };
    let watching = || async { app.get("/api/progress/", &token).await.body };

    // Not packaged yet: the player's duration is all there is.
    let before = put(json!({"position": 58, "duration": 60})).await;
    assert_eq!(before, (58.0, Some(60.0), true));

    // The HLS job measured the file: 100 s (what a finished job records).
    db_execute(
        &app,
        &[&format!(
            "UPDATE media_jobs SET state = 'ready', progress = 100, run = 'r', \
             duration = 100.0 WHERE media_file_id = '{media}'"
        )],
    );
    // The player says 58 of 60 (finished); it is 58 of 100.
    let measured = put(json!({"position": 58, "duration": 60})).await;
    assert_eq!(measured, (58.0, Some(100.0), false));
    let list = watching().await;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["results"][0]["duration"].as_f64(), Some(100.0));
    // 96 of 100 is finished, whatever length the player believes.
    let done = put(json!({"position": 96, "duration": 1000})).await;
    assert_eq!(done, (96.0, Some(100.0), true));
    assert_eq!(watching().await["count"], 0);
    // Past the measured end (a player's rounding): the end.
    let past = put(json!({"position": 101})).await;
    assert_eq!(past, (100.0, Some(100.0), true));
    let read = app.get(&path, &token).await;
    assert_eq!(stored(&read.body), (100.0, Some(100.0), true));
}
