//! `OPTIONS` answers DRF's metadata on API paths, and every method an
//! `Allow` header lists is served.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn options_describes_a_resource_and_its_fields_to_those_who_may_write() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .send(Method::OPTIONS, "/api/genre/", Some(&admin), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("allow"), Some("GET, POST, HEAD, OPTIONS"));
    assert_eq!(r.body["name"], "Genre List");
    assert_eq!(r.body["renders"], json!(["application/json"]));
    assert_eq!(r.body["parses"], json!(["application/json"]));
    assert!(r.body["description"].as_str().unwrap().len() > 10);
    let post = &r.body["actions"]["POST"];
    assert_eq!(
        post["name"],
        json!({"type": "string", "required": true, "read_only": false, "label": "Name", "max_length": 70})
    );
    assert_eq!(post["id"]["read_only"], true);
    assert_eq!(post["created"]["type"], "datetime");

    let media = app
        .send(Method::OPTIONS, "/api/conmediafile/", Some(&admin), None)
        .await;
    assert_eq!(media.body["actions"]["POST"]["file"]["type"], "file upload");
    assert_eq!(
        media.body["parses"][0], "multipart/form-data",
        "{}",
        media.body
    );

    let anonymous = app.send(Method::OPTIONS, "/api/genre/", None, None).await;
    assert_eq!(anonymous.status, 200);
    assert!(
        anonymous.body.get("actions").is_none(),
        "{}",
        anonymous.body
    );

    let viewer = app.signup("viewer").await;
    let contents = app
        .send(Method::OPTIONS, "/api/contents/", Some(&viewer.token), None)
        .await;
    assert!(contents.body.get("actions").is_none(), "{}", contents.body);
    let reviews = app
        .send(Method::OPTIONS, "/api/reviews/", Some(&viewer.token), None)
        .await;
    let rating = &reviews.body["actions"]["POST"]["rating"];
    assert_eq!(rating["type"], "integer");
    assert_eq!(
        (rating["min_value"].clone(), rating["max_value"].clone()),
        (json!(0), json!(5))
    );
}

#[tokio::test]
async fn options_on_an_entity_offers_put_only_to_who_may_replace_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Heat").await;
    let author = app.signup("author").await;
    let other = app.signup("other").await;
    let review = app
        .create(
            &author.token,
            "reviews",
            json!({"content": content["id"], "title": "Good", "review": "Yes", "rating": 4}),
        )
        .await;
    let path = format!("/api/reviews/{}/", review["id"].as_str().unwrap());
    let own = app
        .send(Method::OPTIONS, &path, Some(&author.token), None)
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.body["name"], "Review Instance");
    assert_eq!(
        own.header("allow"),
        Some("GET, PUT, PATCH, DELETE, HEAD, OPTIONS")
    );
    assert_eq!(own.body["actions"]["PUT"]["title"]["max_length"], 70);
    let theirs = app
        .send(Method::OPTIONS, &path, Some(&other.token), None)
        .await;
    assert!(theirs.body.get("actions").is_none(), "{}", theirs.body);

    let genre = format!("/api/contents/{}/", content["id"].as_str().unwrap());
    let admin_view = app.send(Method::OPTIONS, &genre, Some(&admin), None).await;
    assert_eq!(admin_view.body["actions"]["PUT"]["genre"]["required"], true);
    let missing = app
        .send(
            Method::OPTIONS,
            "/api/contents/00000000-0000-4000-8000-000000000000/",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(missing.status, 200);
    assert!(missing.body.get("actions").is_none(), "{}", missing.body);
}

#[tokio::test]
async fn every_method_an_allow_header_lists_is_served() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Alien").await;
    let user = format!("/api/users/{}/", {
        let me = app.get("/user/me/", &admin).await;
        me.body["id"].as_str().unwrap().to_owned()
    });
    let paths = [
        "/api/".to_owned(),
        "/api/genre/".to_owned(),
        format!("/api/contents/{}/", content["id"].as_str().unwrap()),
        "/api/users/".to_owned(),
        user,
        "/api/catalog/".to_owned(),
        format!("/api/catalog/{}/", content["id"].as_str().unwrap()),
        "/user/me/".to_owned(),
        "/user/login/".to_owned(),
    ];
    for path in &paths {
        let options = app.send(Method::OPTIONS, path, Some(&admin), None).await;
        assert_eq!(options.status, 200, "OPTIONS {path}: {}", options.body);
        let allow = options.header("allow").unwrap().to_owned();
        for method in allow.split(", ") {
            // Only safe methods are sent; the others are checked for not
            // being refused as a method by their 405 Allow headers below.
            if matches!(method, "GET" | "HEAD") {
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                let r = app.send(method.clone(), path, Some(&admin), None).await;
                assert_eq!(r.status, 200, "{method} {path} is in Allow: {allow}");
            }
        }
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if allow.split(", ").any(|m| m == method) {
                continue;
            }
            let r = app
                .send(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    path,
                    Some(&admin),
                    None,
                )
                .await;
            assert_eq!(r.status, 405, "{method} {path}, not in Allow: {allow}");
            assert_eq!(r.header("allow"), Some(allow.as_str()), "{method} {path}");
        }
    }
    let head = app
        .send(Method::HEAD, "/api/genre/", Some(&admin), None)
        .await;
    assert_eq!(head.body, serde_json::Value::Null, "HEAD has no body");
}

#[tokio::test]
async fn probes_answer_other_methods_with_405() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        let trace = app
            .send(Method::from_bytes(b"TRACE").unwrap(), path, None, None)
            .await;
        assert_eq!(trace.status, 405, "TRACE {path}");
        assert_eq!(trace.header("allow"), Some("GET, HEAD"), "{path}");
        let head = app.send(Method::HEAD, path, None, None).await;
        assert_eq!(head.status, 200, "HEAD {path}");
    }
}
