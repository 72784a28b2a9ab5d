//! Issue #19: the admin panel stays signed in across tabs. Its sign-in sets
//! an `HttpOnly; SameSite=Strict; Path=/` cookie that the server accepts
//! only together with the panel's own header (`X-Mstream-Panel: 1`), which
//! no other site can make a browser send: the cookie alone is no
//! credential, so a forged cross-site request carries none.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{reply, spawn_app, Reply, TestApp};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    panel: bool,
) -> Reply {
    let mut request = app.client.request(method, app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    if panel {
        request = request.header("X-Mstream-Panel", "1");
    }
    reply(request.send().await.unwrap()).await
}

async fn panel_sign_in(app: &TestApp, username: &str) -> (Reply, String) {
    let response = app
        .client
        .post(app.url("/user/login/"))
        .header("X-Mstream-Panel", "1")
        .json(&json!({"username": username, "password": "Correct-horse-9"}))
        .send()
        .await
        .unwrap();
    let r = reply(response).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let set = r
        .header("set-cookie")
        .expect("the panel's sign-in sets a cookie")
        .to_owned();
    (r, set)
}

#[tokio::test]
async fn the_panel_cookie_is_http_only_strict_and_set_only_for_the_panel() {
    let app = spawn_app().await;
    app.signup("alice").await;
    let (r, set) = panel_sign_in(&app, "alice").await;
    let token = r.body["token"].as_str().unwrap();
    assert!(set.starts_with(&format!("mstream_panel={token};")), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} missing: {set}");
    }
    // An API client's sign-in gets its token and no cookie.
    let plain = app
        .send(
            Method::POST,
            "/user/login/",
            None,
            Some(&json!({"username": "alice", "password": "Correct-horse-9"})),
        )
        .await;
    assert_eq!(plain.status, 200);
    assert!(plain.header("set-cookie").is_none());
}

#[tokio::test]
async fn the_cookie_signs_in_only_with_the_panel_header() {
    let app = spawn_app().await;
    app.signup("alice").await;
    let (r, _) = panel_sign_in(&app, "alice").await;
    let cookie = format!("mstream_panel={}", r.body["token"].as_str().unwrap());

    // A second tab: the browser sends the cookie, the panel its header.
    let me = send(&app, Method::GET, "/user/me/", Some(&cookie), true).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["username"], "alice");
    // The cookie alone (a form or link from another site) is no credential.
    let alone = send(&app, Method::GET, "/user/me/", Some(&cookie), false).await;
    assert_eq!(alone.status, 401, "{}", alone.body);
    let header_alone = send(&app, Method::GET, "/user/me/", None, true).await;
    assert_eq!(header_alone.status, 401);
    let forged = send(&app, Method::POST, "/user/logout/", Some(&cookie), false).await;
    assert_eq!(forged.status, 401, "a cross-site sign-out does nothing");
    let delete = send(&app, Method::DELETE, "/user/delete/", Some(&cookie), false).await;
    assert_eq!(delete.status, 401, "nor a cross-site account delete");
    assert_eq!(
        send(&app, Method::GET, "/user/me/", Some(&cookie), true)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_revokes_its_token() {
    let app = spawn_app().await;
    app.signup("alice").await;
    let (r, _) = panel_sign_in(&app, "alice").await;
    let cookie = format!("mstream_panel={}", r.body["token"].as_str().unwrap());
    let out = send(&app, Method::POST, "/user/logout/", Some(&cookie), true).await;
    assert_eq!(out.status, 204);
    let cleared = out
        .header("set-cookie")
        .expect("sign-out clears the cookie");
    assert!(cleared.starts_with("mstream_panel=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = send(&app, Method::GET, "/user/me/", Some(&cookie), true).await;
    assert_eq!(after.status, 401, "the token itself is revoked");
}

#[tokio::test]
async fn the_panel_page_keeps_its_strict_content_security_policy() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/admin/")).send().await.unwrap();
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
}
