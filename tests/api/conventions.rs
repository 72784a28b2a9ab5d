//! SPEC §1: the conventions of the wire.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{reply, spawn_app};

#[tokio::test]
async fn paths_without_a_slash_redirect_or_are_served() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app.get("/api/genre?page=1", &admin).await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/api/genre/?page=1"));
    let created = app
        .post("/api/genre", &admin, json!({"name": "Drama"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn bad_bodies_get_clear_4xx_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let send = |content_type: &'static str, body: Vec<u8>| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let response = app
                .client
                .post(app.url("/api/genre/"))
                .header("Authorization", format!("Token {admin}"))
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            reply(response).await
        }
    };
    let malformed = send("application/json", b"{\"name\": ".to_vec()).await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - "),
        "{}",
        malformed.body
    );
    let wrong_type = send("text/plain", b"name=Drama".to_vec()).await;
    assert_eq!(wrong_type.status, 415);
    assert_eq!(
        wrong_type.body["detail"],
        "Unsupported media type \"text/plain\" in request."
    );
    let huge = send(
        "application/json",
        format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)).into_bytes(),
    )
    .await;
    assert_eq!(huge.status, 413);
    let not_object = send("application/json", b"[1, 2]".to_vec()).await;
    assert_eq!(not_object.status, 400);
    assert_eq!(
        not_object.body["non_field_errors"][0],
        "Invalid data. Expected a dictionary, but got list."
    );
    let list = app.get("/api/genre/", &admin).await;
    assert_eq!(list.body["count"], 0, "nothing was created");
}

#[tokio::test]
async fn auth_failures_are_401_with_the_token_challenge() {
    let app = spawn_app().await;
    let anonymous = app.send(Method::GET, "/api/genre/", None, None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.body,
        json!({"detail": "Authentication credentials were not provided."})
    );
    assert_eq!(anonymous.header("www-authenticate"), Some("Token"));
    let bad = app
        .get("/api/genre/", "0000000000000000000000000000000000000000")
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body, json!({"detail": "Invalid token."}));
    let user = app.signup("bob").await;
    let forbidden = app.get("/api/genre/", &user.token).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.body,
        json!({"detail": "You do not have permission to perform this action."})
    );
}

#[tokio::test]
async fn unknown_paths_ids_and_methods() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let malformed = app.get("/api/genre/not-a-uuid/", &admin).await;
    assert_eq!(malformed.status, 404);
    assert_eq!(malformed.body, json!({"detail": "Not found."}));
    let unknown = app
        .get(&format!("/api/genre/{}/", uuid::Uuid::new_v4()), &admin)
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(app.get("/api/nothing/", &admin).await.status, 404);
    assert_eq!(app.get("/nowhere/", &admin).await.status, 404);
    let method = app.delete("/api/genre/", &admin).await;
    assert_eq!(method.status, 405);
    assert_eq!(
        method.body,
        json!({"detail": "Method \"DELETE\" not allowed."})
    );
    assert!(method.header("allow").unwrap().contains("POST"));
}

#[tokio::test]
async fn root_probes_and_timestamps() {
    let app = spawn_app().await;
    let root = app.send(Method::GET, "/api/", None, None).await;
    assert_eq!(root.status, 200);
    let links = root.body.as_object().unwrap();
    assert_eq!(links.len(), 10);
    assert_eq!(links["genre"], format!("{}/api/genre/", app.base));
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let admin = app.admin().await;
    let genre = app.create(&admin, "genre", json!({"name": "Drama"})).await;
    for field in ["created", "updated"] {
        let text = genre[field].as_str().unwrap();
        assert_eq!(text.len(), 27, "{text}");
        assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
    }
    assert_uuid(&genre["id"]);
    let bob = app.signup("bob").await;
    assert_uuid(&json!(bob.id));
    let content = app.content(&admin, "Alien").await;
    for id in [
        &content["id"],
        &content["type"],
        &content["genre"][0],
        &content["cast"][0],
    ] {
        assert_uuid(id);
    }
}

/// A lower-case hyphenated UUID: 8-4-4-4-12 hex digits.
pub fn assert_uuid(id: &serde_json::Value) {
    let text = id
        .as_str()
        .unwrap_or_else(|| panic!("an id is a string: {id}"));
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    assert_eq!(lengths, [8, 4, 4, 4, 12], "UUID groups of {text:?}");
    assert!(
        groups.iter().all(|g| g
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))),
        "lower-case hex digits in {text:?}"
    );
}

#[tokio::test]
async fn forwarded_headers_shape_urls_only_from_trusted_proxies() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/"))
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let root = reply(response).await;
    assert_eq!(
        root.body["genre"],
        format!("{}/api/genre/", app.base),
        "untrusted peer: headers ignored"
    );
    let trusting = crate::helpers::spawn_app_with(|s| {
        s.server.trusted_proxies = vec!["127.0.0.1".into()];
        s.server.allowed_hosts = Some(vec!["127.0.0.1".into(), "media.example".into()]);
    })
    .await;
    let response = trusting
        .client
        .get(trusting.url("/api/"))
        .header("X-Forwarded-Host", "media.example")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reply(response).await.body["genre"],
        "https://media.example/api/genre/"
    );
}

/// SPEC §1: `HEAD` without the slash is redirected like `GET`, and the
/// redirect leads to a `HEAD` that answers with the `GET`'s headers.
#[tokio::test]
async fn head_follows_the_slash_redirect() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create(&admin, "genre", json!({"name": "Drama"})).await;
    let head = |path: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.client
                .head(app.url(&path))
                .header("Authorization", format!("Token {admin}"))
                .send()
                .await
                .unwrap()
        }
    };
    let redirected = head("/api/genre?page=1".into()).await;
    assert_eq!(redirected.status().as_u16(), 301);
    let location = redirected.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(location, "/api/genre/?page=1");
    let followed = head(location.clone()).await;
    assert_eq!(followed.status().as_u16(), 200);
    assert_eq!(followed.headers()["content-type"], "application/json");
    let got = app.get(&location, &admin).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        followed.headers()["content-length"],
        got.body.to_string().len().to_string().as_str(),
        "the GET's length"
    );
    for path in ["/api/", "/user/me/", "/api/catalog/"] {
        assert_eq!(
            head(path.into()).await.status().as_u16(),
            200,
            "HEAD {path}"
        );
    }
    assert!(
        followed.bytes().await.unwrap().is_empty(),
        "HEAD has no body"
    );
}

/// SPEC §1: every create answers 201 with a `Location` that reads back the
/// created entity — for each resource (media files: tests/api/media.rs).
#[tokio::test]
async fn every_create_has_a_location_that_reads_it_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Heat").await;
    let plan = app
        .create(&admin, "submodels", json!({"name": "Gold"}))
        .await;
    let bob = app.signup("bob").await;
    let creates = [
        ("genre", admin.clone(), json!({"name": "Noir"})),
        ("parcontag", admin.clone(), json!({"name": "R"})),
        ("contype", admin.clone(), json!({"type": "Series"})),
        (
            "artists",
            admin.clone(),
            json!({"name": "Al Pacino", "about": "x"}),
        ),
        (
            "contents",
            admin.clone(),
            json!({"name": "Ronin", "about": "x", "genre": content["genre"],
                   "cast": content["cast"], "parental_control_tags": content["parental_control_tags"],
                   "type": content["type"]}),
        ),
        (
            "artconrelation",
            admin.clone(),
            json!({"artist": content["cast"][0], "content": content["id"], "relation": "Actor"}),
        ),
        (
            "reviews",
            bob.token.clone(),
            json!({"content": content["id"], "title": "t", "review": "r", "rating": 3}),
        ),
        ("submodels", admin.clone(), json!({"name": "Silver"})),
        (
            "submap",
            admin.clone(),
            json!({"user": bob.id, "plan": plan["id"]}),
        ),
    ];
    for (resource, token, body) in creates {
        let created = app.post(&format!("/api/{resource}/"), &token, body).await;
        assert_eq!(created.status, 201, "{resource}: {}", created.body);
        let id = created.body["id"].as_str().unwrap();
        let location = created.header("location").unwrap_or_default();
        assert_eq!(
            location,
            format!("{}/api/{resource}/{id}/", app.base),
            "{resource}"
        );
        let path = location.strip_prefix(&app.base).unwrap();
        let read = app.get(path, &token).await;
        assert_eq!(
            (read.status, &read.body),
            (200, &created.body),
            "{resource}"
        );
    }
}

/// SPEC §1: a 500 carries only `{"detail": "Internal server error."}`; the
/// cause stays in the server's log. (`/_fault/` exists in test builds only:
/// the `fault-injection` feature of mstream-api.)
#[tokio::test]
async fn a_500_shows_only_internal_server_error() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/_fault/")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 500);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers().contains_key("x-request-id"),
        "the id to find the cause by"
    );
    let headers = format!("{:?}", response.headers());
    let body = response.text().await.unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        json!({"detail": "Internal server error."})
    );
    for leak in ["injected", "password_hash", "users", "/srv/"] {
        assert!(
            !body.contains(leak) && !headers.contains(leak),
            "{leak}: {body} {headers}"
        );
    }
}
