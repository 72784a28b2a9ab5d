//! The admin panel as the server serves it (what a browser fetches); the
//! panel's behaviour is tested in a real browser by tests/browser.

use crate::helpers::spawn_app;

async fn fetch(app: &crate::helpers::TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn the_panel_is_served_from_the_binary_with_types_and_caching_headers() {
    let app = spawn_app().await;

    let r = fetch(&app, "/admin").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], "/admin/");

    let r = fetch(&app, "/admin/").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let etag = r.headers()["etag"].clone();
    let html = r.text().await.expect("html");
    assert!(
        html.contains(r#"<script type="module" src="app.js">"#),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing is loaded from elsewhere"
    );

    // Revalidation costs no transfer.
    let r = app
        .client
        .get(app.url("/admin/"))
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 304);

    for (asset, kind) in [
        ("admin.css", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
    ] {
        let r = fetch(&app, &format!("/admin/{asset}")).await;
        assert_eq!(r.status(), 200, "{asset}");
        assert_eq!(r.headers()["content-type"], kind, "{asset}");
        assert_eq!(r.headers()["cache-control"], "no-cache", "{asset}");
    }
    assert_eq!(fetch(&app, "/admin/nothing.js").await.status(), 404);
}

#[tokio::test]
async fn every_module_the_panel_imports_is_served_and_nothing_comes_from_the_internet() {
    let app = spawn_app().await;
    let mut pending = vec!["app.js".to_owned()];
    let mut seen = Vec::new();
    while let Some(module) = pending.pop() {
        if seen.contains(&module) {
            continue;
        }
        let r = fetch(&app, &format!("/admin/{module}")).await;
        assert_eq!(r.status(), 200, "{module} is served");
        let source = r.text().await.expect("source");
        assert!(
            !source.contains("https://") && !source.contains("http://"),
            "{module} loads nothing from elsewhere"
        );
        for line in source.lines().filter(|l| l.starts_with("import ")) {
            let target = line
                .split("from '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .expect("an import path");
            pending.push(target.trim_start_matches("./").to_owned());
        }
        seen.push(module);
    }
    assert!(seen.len() >= 3, "{seen:?}");
}

#[tokio::test]
async fn resources_json_describes_every_api_resource_from_its_declaration() {
    let app = spawn_app().await;
    let r = fetch(&app, "/admin/resources.json").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    let resources = body["resources"].as_array().expect("a list");
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();

    // The same resources as the API root, plus users.
    let root = fetch(&app, "/api/")
        .await
        .json::<serde_json::Value>()
        .await
        .expect("root");
    for name in root.as_object().expect("root map").keys() {
        assert!(
            names.contains(&name.as_str()),
            "{name} missing from {names:?}"
        );
    }
    assert!(names.contains(&"users"));

    let find = |name: &str| {
        resources
            .iter()
            .find(|r| r["name"] == name)
            .expect("declared")
            .clone()
    };
    let contents = find("contents");
    assert_eq!(contents["noun"], "content");
    assert_eq!(contents["label"], "name");
    let field = |r: &serde_json::Value, name: &str| {
        r["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == name)
            .expect("field")
            .clone()
    };
    let name = field(&contents, "name");
    assert_eq!(
        (
            name["kind"].as_str(),
            name["max"].as_u64(),
            name["write"].as_str()
        ),
        (Some("text"), Some(70), Some("required"))
    );
    assert_eq!(
        (
            name["search"].as_bool(),
            name["order"].as_bool(),
            name["unique"].as_bool()
        ),
        (Some(true), Some(true), Some(true))
    );
    let genre = field(&contents, "genre");
    assert_eq!(
        (
            genre["kind"].as_str(),
            genre["to"].as_str(),
            genre["names"].as_str()
        ),
        (Some("refs"), Some("genre"), Some("genre_name"))
    );
    let kind = field(&contents, "type");
    assert_eq!(
        (kind["kind"].as_str(), kind["to"].as_str()),
        (Some("ref"), Some("contype"))
    );
    assert_eq!(field(&contents, "rating")["write"], "read_only");
    assert_eq!(field(&contents, "rating")["range"], true);
    assert_eq!(
        field(&find("conmediafile"), "file")["write"],
        "required_on_create"
    );
    assert_eq!(field(&find("reviews"), "rating")["max"], 5);

    // Users are listed and edited, never created or deleted, through /api/.
    let users = find("users");
    assert_eq!(
        (users["create"].as_bool(), users["delete"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(field(&users, "is_admin")["kind"], "bool");
    assert_eq!(find("genre")["create"], true);
}
