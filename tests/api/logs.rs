//! The access log of a real `mstream serve`: one line per request, in text
//! and in JSON, read from the process's stderr.

use std::collections::HashMap;

use serde_json::{json, Value as Json};

use crate::helpers::Served;

/// What the test sent: (request id, status) of each request, by name.
struct Sent {
    ids: HashMap<&'static str, (String, u16)>,
    user: String,
}

/// Sends a fixed set of requests to `server`, then stops it and returns
/// what was sent and every line it logged.
async fn traffic(server: &mut Served) -> (Sent, Vec<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut ids = HashMap::new();
    let mut note = |name, response: &reqwest::Response| {
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        ids.insert(name, (id, response.status().as_u16()));
    };
    let signup = client
        .post(server.url("/user/signup/"))
        .json(&json!({
            "username": "logged", "email": "logged@example.com",
            "password": "Correct-horse-9", "confirm_password": "Correct-horse-9",
        }))
        .send()
        .await
        .unwrap();
    note("signup", &signup);
    let body: Json = signup.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let user = body["id"].as_str().unwrap().to_owned();
    let reviews = client
        .get(server.url("/api/reviews/?page_size=5"))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    note("reviews", &reviews);
    let anonymous = client.get(server.url("/api/genre/")).send().await.unwrap();
    note("anonymous", &anonymous);
    let media = client
        .get(server.url("/content/content/x.mp4?expires=99999999999&signature=0123456789abcdef"))
        .send()
        .await
        .unwrap();
    note("media", &media);
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    (Sent { ids, user }, server.rest())
}

fn start(dir: &std::path::Path, format: &str) -> Served {
    Served::start(
        &format!("sqlite://{}/logs.sqlite3", dir.display()),
        dir,
        &[("MSTREAM_LOG_FORMAT", format)],
    )
}

/// `key=value` pairs of a text line after its message.
fn text_fields(line: &str) -> Vec<(String, String)> {
    line.split_once(": request ")
        .map(|(_, fields)| fields)
        .unwrap_or_default()
        .split(' ')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
        .collect()
}

#[tokio::test]
async fn every_request_is_one_text_access_line_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), "text");
    let (sent, lines) = traffic(&mut server).await;
    for (name, (id, status)) in &sent.ids {
        let mentions: Vec<&String> = lines.iter().filter(|l| l.contains(id.as_str())).collect();
        assert_eq!(
            mentions.len(),
            1,
            "{name}: one line names request {id}, the access line: {mentions:#?}"
        );
        let line = mentions[0];
        assert!(line.contains("mstream::access"), "{line}");
        let fields = text_fields(line);
        let mut keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "no field repeated: {line}");
        let field = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{key} in {line}"))
        };
        assert_eq!(field("status"), status.to_string(), "{line}");
        assert_eq!(field("request_id"), id, "{line}");
        assert_eq!(field("client"), "127.0.0.1", "{line}");
        assert!(field("latency_ms").parse::<f64>().is_ok(), "{line}");
        assert!(field("bytes").parse::<u64>().unwrap() > 0, "{line}");
    }
    let line_of = |name: &str| {
        let id = &sent.ids[name].0;
        lines.iter().find(|l| l.contains(id.as_str())).unwrap()
    };
    let reviews = text_fields(line_of("reviews"));
    assert!(reviews.contains(&("method".into(), "GET".into())));
    assert!(reviews.contains(&("route".into(), "/api/reviews/".into())));
    assert!(reviews.contains(&("uri".into(), "/api/reviews/?page_size=5".into())));
    assert!(reviews.contains(&("user".into(), sent.user.clone())));
    let anonymous = line_of("anonymous");
    assert!(!anonymous.contains(" user="), "{anonymous}");
    assert!(
        anonymous.contains("error=\"authentication required\""),
        "a refused request says why, once: {anonymous}"
    );
    let media = line_of("media");
    assert!(media.contains("route=/content/{path}"), "{media}");
    assert!(media.contains("signature=REDACTED"), "{media}");
    assert!(
        !lines.iter().any(|l| l.contains("0123456789abcdef")),
        "no signature in the log"
    );
}

#[tokio::test]
async fn json_access_lines_are_flat_objects() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), "json");
    let (sent, lines) = traffic(&mut server).await;
    let objects: Vec<Json> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("JSON line: {l}")))
        .collect();
    let (id, _) = &sent.ids["reviews"];
    let access: Vec<&Json> = objects
        .iter()
        .filter(|o| o["request_id"] == json!(id))
        .collect();
    assert_eq!(access.len(), 1, "{access:#?}");
    let line = access[0];
    assert_eq!(line["target"], "mstream::access", "{line}");
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["method"], "GET", "{line}");
    assert_eq!(line["route"], "/api/reviews/", "{line}");
    assert_eq!(line["status"], 200, "{line}");
    assert_eq!(line["user"], json!(sent.user), "{line}");
    assert_eq!(line["client"], "127.0.0.1", "{line}");
    assert!(line["latency_ms"].is_f64(), "{line}");
    assert!(line["bytes"].as_u64().unwrap() > 0, "{line}");
    let media = objects
        .iter()
        .find(|o| o["request_id"] == json!(sent.ids["media"].0))
        .unwrap();
    assert!(
        media["uri"]
            .as_str()
            .unwrap()
            .ends_with("signature=REDACTED"),
        "{media}"
    );
}

#[test]
fn an_invalid_log_format_or_filter_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value) in [("MSTREAM_LOG_FORMAT", "xml"), ("RUST_LOG", "mstream=loud")] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mstream"))
            .arg("migrate")
            .current_dir(dir.path())
            .env_remove("MSTREAM_TEST_DATABASE_URL")
            .env(
                "MSTREAM__DATABASE__URL",
                format!("sqlite://{}/x.sqlite3", dir.path().display()),
            )
            .env(key, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{key}={value}: {stderr}");
        assert!(stderr.contains(key), "{stderr}");
    }
}
