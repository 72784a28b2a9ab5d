//! Issue #20 in the panel: a media file's HLS packaging, as an admin sees it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::json;

use crate::harness::{with_browser, with_browser_and, Browser, PASSWORD};

#[tokio::test]
#[ignore = "needs chromium, chromium-driver and ffmpeg: run by .ci/browser.sh (--ignored)"]
async fn a_media_file_page_follows_its_packaging_until_ready() {
    with_browser_and(
        "packaging",
        |s| s.hls.retry_base_secs = 0,
        |mut b| async move {
            b.account("editor", true).await;
            let token = b.token("editor").await;
            b.app.content(&token, "Big Buck Bunny").await;

            b.open("/admin/").await;
            b.sign_in("editor", PASSWORD).await;
            b.click("nav a[data-resource='conmediafile']").await;
            b.click("#new").await;
            b.fill("#f-name", "Trailer").await;
            b.pick("content", "bunny", "Big Buck Bunny").await;
            choose_file(&b, &clip_path()).await;
            b.click("#save").await;
            b.find_text("#record-label", "Trailer").await;
            // No worker runs in this server: the job waits, and the page says so.
            b.find_text("#packaging-state", "queued").await;
            b.find("#packaging-progress").await;
            b.find_text("#media-duration", "—").await;
            b.driver
                .execute(
                    "document.getElementById('packaging').scrollIntoView()",
                    vec![],
                )
                .await
                .expect("scroll");
            b.shot("queued").await;

            // A worker packages it; the page, polling, shows the outcome
            // without a reload.
            assert!(b.app.services.hls.run_once().await.unwrap(), "one job");
            b.find_text("#packaging-state", "ready").await;
            b.find_text("#media-duration", "0:04").await;
            let poster = b.find("img#poster").await;
            let loaded = b
                .driver
                .execute(
                    "const i = arguments[0]; return i.complete && i.naturalWidth;",
                    vec![poster.to_json().expect("element")],
                )
                .await
                .expect("poster script");
            assert!(
                loaded.json().as_u64().unwrap_or(0) > 0,
                "the poster image loads: {:?}",
                loaded.json()
            );
            b.driver
                .execute(
                    "document.getElementById('packaging').scrollIntoView()",
                    vec![],
                )
                .await
                .expect("scroll");
            b.shot("ready").await;

            // The list shows each file's packaging state.
            b.click("nav a[data-resource='conmediafile']").await;
            b.find_text("#list tbody td[data-label='Packaging']", "ready")
                .await;
            b.shot("list").await;
            b
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs chromium, chromium-driver and ffmpeg: run by .ci/browser.sh (--ignored)"]
async fn a_packaged_media_file_plays_over_hls_in_the_panel() {
    with_browser_and(
        "hls-player",
        |s| {
            s.hls.worker = true;
            s.hls.retry_base_secs = 0;
        },
        |mut b| async move {
            b.account("editor", true).await;
            let token = b.token("editor").await;
            b.app.content(&token, "Big Buck Bunny").await;

            b.open("/admin/").await;
            b.sign_in("editor", PASSWORD).await;
            b.click("nav a[data-resource='conmediafile']").await;
            b.click("#new").await;
            b.fill("#f-name", "Trailer").await;
            b.pick("content", "bunny", "Big Buck Bunny").await;
            choose_file(&b, &clip_path()).await;
            b.click("#save").await;
            b.find_text("#record-label", "Trailer").await;
            // The server's own worker packages it; the page polls until ready.
            b.find_text("#packaging-state", "ready").await;
            b.driver.refresh().await.expect("reload");
            b.find_text("#record-label", "Trailer").await;
            play_over_hls(&b, &["native-hls", "hls.js"]).await;
            b.shot("hls-playing").await;
            // The same with hls.js, whatever the browser supports natively.
            prefer_hls_js(&b).await;
            b.driver.refresh().await.expect("reload");
            b.find_text("#record-label", "Trailer").await;
            play_over_hls(&b, &["hls.js"]).await;
            b.shot("hlsjs-playing").await;
            b
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs chromium, chromium-driver and ffmpeg: run by .ci/browser.sh (--ignored)"]
async fn the_player_moves_to_hls_when_packaged_without_a_reload() {
    with_browser_and(
        "hls-switch",
        |s| s.hls.retry_base_secs = 0,
        |mut b| async move {
            let (token, content) = editor_with_a_content(&b).await;
            // One media file per player, packaged in turn.
            for (name, expected) in PLAYERS {
                if expected == ["hls.js"] {
                    prefer_hls_js(&b).await;
                }
                let media = tus_clip(&b, &token, &content, name).await;
                b.open(&format!("/admin/#/conmediafile/{media}")).await;
                b.find_text("#record-label", name).await;
                b.find_text("#packaging-state", "queued").await;
                b.find("video#player[data-source='progressive']").await;
                switch_while_playing(&mut b, &media, expected).await;
            }
            b
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs chromium, chromium-driver and ffmpeg: run by .ci/browser.sh (--ignored)"]
async fn a_player_on_hls_moves_to_the_new_run_when_the_bytes_are_packaged_again() {
    with_browser_and(
        "hls-rerun",
        |s| s.hls.retry_base_secs = 0,
        |mut b| async move {
            let (token, content) = editor_with_a_content(&b).await;
            for (name, expected) in PLAYERS {
                if expected == ["hls.js"] {
                    prefer_hls_js(&b).await;
                }
                let media = tus_clip(&b, &token, &content, name).await;
                assert!(b.app.services.hls.run_once().await.unwrap(), "one job");
                let first = run_of(&b, &token, &media).await;
                b.open(&format!("/admin/#/conmediafile/{media}")).await;
                b.find_text("#record-label", name).await;
                b.find_text("#packaging-state", "ready").await;
                let player = b.find(&format!("video#player[data-run='{first}']")).await;
                let source = player.attr("data-source").await.expect("data-source");
                assert!(
                    expected.contains(&source.as_deref().unwrap_or_default()),
                    "{source:?}"
                );
                pause_at_two_seconds(&b, &media).await;
                b.shot(&format!("{name}-first-run")).await;
                let (updated_before, link_before) = shown_record(&b).await;

                // Someone replaces the bytes (another tab, the API) and
                // they are packaged again: the first run's folder goes.
                tus_replace(&b, &token, &media).await;
                assert!(b.app.services.hls.run_once().await.unwrap(), "one job");
                let second = run_of(&b, &token, &media).await;
                assert_ne!(first, second);
                follows_the_new_run(&b, &media, &second).await;
                b.shot(&format!("{name}-second-run")).await;
                // The card beside the player shows the new record too.
                let now = b
                    .app
                    .get(&format!("/api/conmediafile/{media}/"), &token)
                    .await;
                let stored = now.body["file"]
                    .as_str()
                    .unwrap()
                    .split('?')
                    .next()
                    .unwrap()
                    .to_owned();
                let (updated_after, link_after) = shown_record(&b).await;
                assert_ne!(updated_after, updated_before, "the new bytes' time");
                assert_ne!(link_after, link_before);
                assert!(
                    stored.ends_with(&link_after),
                    "{link_after} is not {stored}"
                );
            }
            b
        },
    )
    .await;
}

/// A player whose packaging run was removed (its bytes replaced and
/// packaged again) moves to the new run as soon as its stream fails, not
/// at the page's next poll. The poll is put ten minutes away, so only the
/// failure can make the page ask; the player reloads its stream as one
/// that plays past its buffer does, and finds the old run gone.
#[tokio::test]
#[ignore = "needs chromium, chromium-driver and ffmpeg: run by .ci/browser.sh (--ignored)"]
async fn a_player_whose_run_is_removed_asks_for_the_new_one_at_once() {
    with_browser_and(
        "hls-gone",
        |s| s.hls.retry_base_secs = 0,
        |b| async move {
            let (token, content) = editor_with_a_content(&b).await;
            b.driver
                .execute("localStorage.setItem('mstream.watchMs', '600000')", vec![])
                .await
                .expect("a far poll");
            let media = tus_clip(&b, &token, &content, "Trailer").await;
            assert!(b.app.services.hls.run_once().await.unwrap(), "one job");
            let first = run_of(&b, &token, &media).await;
            b.open(&format!("/admin/#/conmediafile/{media}")).await;
            b.find_text("#packaging-state", "ready").await;
            let player = b.find(&format!("video#player[data-run='{first}']")).await;
            // This Chromium plays HLS itself; a failing native stream is
            // the element's `error` event.
            assert_eq!(
                player
                    .attr("data-source")
                    .await
                    .expect("data-source")
                    .as_deref(),
                Some("native-hls")
            );
            tus_replace(&b, &token, &media).await;
            assert!(b.app.services.hls.run_once().await.unwrap(), "one job");
            let second = run_of(&b, &token, &media).await;
            assert_ne!(first, second);
            b.driver
                .execute("document.querySelector('video#player').load()", vec![])
                .await
                .expect("reload the stream");
            b.find(&format!("video#player[data-run='{second}']")).await;
            b
        },
    )
    .await;
}

/// What the media file's card shows: its `updated` time, and the path of
/// its "Open the file" link.
async fn shown_record(b: &Browser) -> (String, String) {
    let shown = b
        .driver
        .execute(
            r#"const link = document.querySelector("dd[data-field='file'] .media > a");
                return [document.querySelector("dd[data-field='updated']").textContent,
                        new URL(link.href).pathname];"#,
            vec![],
        )
        .await
        .expect("the card")
        .json()
        .clone();
    (
        shown[0].as_str().unwrap_or_default().to_owned(),
        shown[1].as_str().unwrap_or_default().to_owned(),
    )
}

/// The packaging run a media file's `hls_url` names.
/// A media file's name and the players that may play it: whatever the
/// browser picks (this Chromium also plays HLS natively), then hls.js
/// (after [`prefer_hls_js`]).
const PLAYERS: [(&str, &[&str]); 2] = [
    ("Trailer", &["native-hls", "hls.js"]),
    ("Teaser", &["hls.js"]),
];

/// Makes the panel use hls.js even where the browser plays HLS natively.
async fn prefer_hls_js(b: &Browser) {
    b.driver
        .execute("localStorage.setItem('mstream.player', 'hls.js')", vec![])
        .await
        .expect("prefer hls.js");
}

/// An admin "editor" signed in to the panel, with a content to attach
/// media files to; returns the editor's token and the content's id.
async fn editor_with_a_content(b: &Browser) -> (String, String) {
    b.account("editor", true).await;
    let token = b.token("editor").await;
    let content = b.app.content(&token, "Big Buck Bunny").await;
    let content = content["id"].as_str().unwrap().to_owned();
    b.open("/admin/").await;
    b.sign_in("editor", PASSWORD).await;
    b.find("#whoami").await;
    (token, content)
}

async fn run_of(b: &Browser, token: &str, media: &str) -> String {
    let r = b
        .app
        .get(&format!("/api/conmediafile/{media}/"), token)
        .await;
    let url = r.body["hls_url"].as_str().expect("ready: an hls_url");
    let mut parts = url.split('?').next().unwrap().rsplit('/');
    parts.nth(1).expect("…/<run>/master.m3u8").to_owned()
}

/// Replaces a media file's bytes with the clip over tus, in one request.
async fn tus_replace(b: &Browser, token: &str, media: &str) {
    let clip = include_bytes!("../fixtures/hls.mp4").to_vec();
    let replaced = reqwest::Client::new()
        .post(b.app.url("/api/uploads/"))
        .header("Authorization", format!("Token {token}"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", clip.len().to_string())
        .header("Upload-Metadata", format!("media {}", B64.encode(media)))
        .header("Content-Type", "application/offset+octet-stream")
        .body(clip)
        .send()
        .await
        .expect("tus upload");
    assert_eq!(replaced.status(), 201);
}

/// Pauses the page's player at 2 s of its stream (marking the document,
/// to tell a reload).
async fn pause_at_two_seconds(b: &Browser, media: &str) {
    let paused = b
        .driver
        .execute_async(
            r#"const [marker, done] = arguments;
                window.mstreamSamePage = marker;
                const v = document.querySelector('video#player');
                const timer = setTimeout(() => done({stage: 'timeout', ready: v.readyState}), 15000);
                const seek = () => {
                    v.addEventListener('seeked', () => {
                        clearTimeout(timer);
                        done({stage: 'seeked', time: v.currentTime, paused: v.paused});
                    }, {once: true});
                    v.currentTime = 2;
                };
                v.muted = true;
                if (v.readyState >= 1) { seek(); }
                else { v.addEventListener('loadedmetadata', seek, {once: true}); }"#,
            vec![json!(media)],
        )
        .await
        .expect("seek script");
    let paused = paused.json();
    assert_eq!(paused["stage"], "seeked", "{paused}");
    assert_eq!(paused["paused"], true, "{paused}");
}

/// Waits (the page polls every 10 s once packaging is final) for the
/// player to be on run `run` in the same document, still paused at 2 s,
/// and checks it then plays from there without an error.
async fn follows_the_new_run(b: &Browser, media: &str, run: &str) {
    let after = b
        .driver
        .execute_async(
            r#"const [run, done] = arguments;
                const v = document.querySelector('video#player');
                const report = (stage) => done({stage, time: v.currentTime,
                    paused: v.paused, ready: v.readyState, run: v.dataset.run || null,
                    error: v.error && v.error.code,
                    hlsError: v.dataset.hlsError || null,
                    marker: window.mstreamSamePage || null});
                const deadline = Date.now() + 40000;
                const check = () => {
                    if (v.dataset.run === run && v.readyState >= 2 && !v.seeking && v.currentTime > 0) report('moved');
                    else if (Date.now() > deadline) report('timeout');
                    else setTimeout(check, 50);
                };
                check();"#,
            vec![json!(run)],
        )
        .await
        .expect("follow script");
    let after = after.json();
    assert_eq!(after["stage"], "moved", "{after}");
    assert_eq!(after["marker"], json!(media), "not reloaded: {after}");
    assert_eq!(after["paused"], true, "stays paused: {after}");
    let time = after["time"].as_f64().unwrap_or(0.0);
    assert!((1.9..2.1).contains(&time), "kept its position: {after}");
    // The new run's segments are there: it plays on from 2 s.
    let played = b
        .driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
                const v = document.querySelector('video#player');
                const report = (stage) => done({stage, time: v.currentTime,
                    error: v.error && v.error.code, hlsError: v.dataset.hlsError || null});
                const timer = setTimeout(() => report('timeout'), 15000);
                v.addEventListener('timeupdate', () => {
                    if (v.currentTime > 2.2) { clearTimeout(timer); report('played'); }
                });
                v.play().catch((e) => report('play refused: ' + e));"#,
            vec![],
        )
        .await
        .expect("play script");
    let played = played.json();
    assert_eq!(played["stage"], "played", "{played}");
    assert!(
        played["error"].is_null() && played["hlsError"].is_null(),
        "{played}"
    );
}

/// On a queued media file's page: plays the progressive file from 2 s,
/// slowed down (it must still be playing when the stream is ready),
/// packages it, and checks the page's player moved to an HLS source in
/// `expected` in the same document (a marker on `window` survives),
/// still playing from where it was.
async fn switch_while_playing(b: &mut crate::harness::Browser, media: &str, expected: &[&str]) {
    let started = b
        .driver
        .execute_async(
            r#"const [marker, done] = arguments;
                window.mstreamSamePage = marker;
                const v = document.querySelector('video#player');
                const timer = setTimeout(() => done({stage: 'timeout', ready: v.readyState}), 15000);
                const go = () => {
                    v.addEventListener('playing', () => {
                        clearTimeout(timer);
                        done({stage: 'playing', time: v.currentTime});
                    }, {once: true});
                    v.muted = true;
                    // The slowest rate Chromium allows: 2 s of clip left
                    // last 32 s.
                    v.playbackRate = 0.0625;
                    v.currentTime = 2;
                    v.play().catch((e) => done({stage: 'play refused', error: String(e)}));
                };
                if (v.readyState >= 1) { go(); }
                else { v.addEventListener('loadedmetadata', go, {once: true}); }"#,
            vec![json!(media)],
        )
        .await
        .expect("play script");
    assert_eq!(started.json()["stage"], "playing", "{}", started.json());
    b.shot("progressive-playing").await;

    assert!(b.app.services.hls.run_once().await.unwrap(), "one job");
    b.find_text("#packaging-state", "ready").await;
    let player = b
        .find("video#player[data-source='native-hls'], video#player[data-source='hls.js']")
        .await;
    let source = player
        .attr("data-source")
        .await
        .expect("data-source")
        .unwrap_or_default();
    assert!(expected.contains(&source.as_str()), "{source}");
    // Once the new source has data and is not seeking any more, it plays
    // on from where the file was (a fresh source would start paused at 0).
    let after = b
        .driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
                const v = document.querySelector('video#player');
                const report = (stage) => done({stage, time: v.currentTime,
                    paused: v.paused, ready: v.readyState, src: v.currentSrc,
                    error: v.error && v.error.code,
                    hlsError: v.dataset.hlsError || null,
                    marker: window.mstreamSamePage || null});
                const deadline = Date.now() + 15000;
                const check = () => {
                    if (v.readyState >= 2 && !v.seeking && v.currentTime > 0 && !v.paused) report('playing');
                    else if (Date.now() > deadline) report('timeout');
                    else setTimeout(check, 50);
                };
                check();"#,
            vec![],
        )
        .await
        .expect("switch script");
    let after = after.json();
    assert_eq!(after["stage"], "playing", "{after}");
    assert_eq!(
        after["marker"],
        json!(media),
        "the page was not reloaded: {after}"
    );
    let time = after["time"].as_f64().unwrap_or(0.0);
    assert!((1.9..3.0).contains(&time), "kept its position: {after}");
    assert!(
        after["error"].is_null() && after["hlsError"].is_null(),
        "{after}"
    );
    b.shot(&format!("{source}-playing")).await;
}

/// Plays the page's player, seeks to 2 s and checks it got there from an
/// HLS source in `expected`, without an error.
async fn play_over_hls(b: &crate::harness::Browser, expected: &[&str]) {
    let player = b.find("video#player").await;
    let source = player
        .attr("data-source")
        .await
        .expect("data-source")
        .unwrap_or_default();
    eprintln!("the panel's player uses {source}");
    assert!(
        expected.contains(&source.as_str()),
        "the player streams HLS, not the file: {source}"
    );
    let played = b
        .driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
                    const v = document.querySelector('video#player');
                    const report = (stage) => done({stage, ready: v.readyState,
                        time: v.currentTime, duration: v.duration,
                        error: v.error && v.error.code,
                        hlsError: v.dataset.hlsError || null, src: v.currentSrc});
                    const timer = setTimeout(() => report('timeout'), 20000);
                    const seek = () => {
                        v.addEventListener('seeked', () => {
                            const check = () => v.readyState >= 2
                                ? (clearTimeout(timer), report('seeked'))
                                : setTimeout(check, 20);
                            check();
                        }, {once: true});
                        v.currentTime = 2;
                    };
                    v.addEventListener('error', () => report('error'));
                    v.muted = true;
                    if (v.readyState >= 2) { seek(); }
                    else { v.addEventListener('loadeddata', seek, {once: true}); }
                    v.play().catch(() => {});"#,
            vec![],
        )
        .await
        .expect("playback script");
    let played = played.json();
    assert_eq!(played["stage"], "seeked", "{played}");
    assert!(played["time"].as_f64().unwrap_or(0.0) >= 2.0, "{played}");
    assert!(
        played["error"].is_null() && played["hlsError"].is_null(),
        "{played}"
    );
    assert!(
        (played["duration"].as_f64().unwrap_or(0.0) - 4.0).abs() < 0.5,
        "{played}"
    );
}

/// The first tus chunk the panel sends (4 MiB).
const CHUNK: usize = 4 * 1024 * 1024;

/// The committed H.264/AAC clip (160×120, 4 s), as a path to choose.
fn clip_path() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/hls.mp4")
        .canonicalize()
        .expect("the HLS fixture")
        .display()
        .to_string()
}

/// A few MiB that sniff as MP4: the clip, padded to 6 MiB (two 4 MiB
/// chunks at most), in a temporary folder kept as long as the guard.
fn padded_clip() -> (Vec<u8>, tempfile::TempDir, String) {
    let mut bytes = include_bytes!("../fixtures/hls.mp4").to_vec();
    let mut i = 0u32;
    while bytes.len() < 6 * 1024 * 1024 {
        bytes.push((i.wrapping_mul(2_654_435_761) >> 24) as u8);
        i += 1;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("master.mp4");
    std::fs::write(&file, &bytes).expect("the file");
    let path = file.display().to_string();
    (bytes, dir, path)
}

/// A media file of `content` named `name` holding the clip, made over tus
/// in one request (creation-with-upload); its id.
async fn tus_clip(b: &Browser, token: &str, content: &str, name: &str) -> String {
    let clip = include_bytes!("../fixtures/hls.mp4").to_vec();
    let meta = format!("content {},name {}", B64.encode(content), B64.encode(name));
    let created = reqwest::Client::new()
        .post(b.app.url("/api/uploads/"))
        .header("Authorization", format!("Token {token}"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", clip.len().to_string())
        .header("Upload-Metadata", meta)
        .header("Content-Type", "application/offset+octet-stream")
        .body(clip)
        .send()
        .await
        .expect("tus upload");
    assert_eq!(created.status(), 201);
    created
        .headers()
        .get("Mstream-Media-File")
        .expect("the media file made")
        .to_str()
        .unwrap()
        .to_owned()
}

/// On a media file form: chooses `path` and saves with the test hook that
/// stops the upload after its first chunk, as a dropped connection would
/// leave it, and waits for the form to say so.
async fn save_stopping_after_one_chunk(b: &Browser, path: &str) {
    b.driver
        .execute("window.mstreamTusStopAfter = 1", vec![])
        .await
        .expect("hook");
    choose_file(b, path).await;
    b.click("#save").await;
    b.find_text("#form-errors", &format!("stopped at {CHUNK} bytes"))
        .await;
}

async fn choose_file(b: &Browser, path: &str) {
    b.find("#f-file")
        .await
        .send_keys(path)
        .await
        .expect("choose file");
}

/// The last upload went on from the server's offset after the first
/// chunk instead of starting over.
async fn assert_resumed_mid_way(b: &Browser) {
    let from = b
        .driver
        .execute(
            "return sessionStorage.getItem('mstream.resumedFrom')",
            vec![],
        )
        .await
        .expect("resumed from");
    assert_eq!(from.json(), &json!(CHUNK.to_string()), "resumed mid-way");
}

/// The media file record holds exactly `bytes`.
fn assert_holds(media: &serde_json::Value, bytes: &[u8]) {
    use sha2::{Digest, Sha256};
    assert_eq!(media["size"], bytes.len(), "{media}");
    assert_eq!(
        media["sha256"],
        hex::encode(Sha256::digest(bytes)),
        "{media}"
    );
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run by .ci/browser.sh (--ignored)"]
async fn an_upload_stopped_mid_way_resumes_after_a_reload() {
    with_browser("tus-resume", |mut b| async move {
        b.account("editor", true).await;
        let token = b.token("editor").await;
        b.app.content(&token, "Big Buck Bunny").await;
        let (bytes, _dir, path) = padded_clip();

        b.open("/admin/").await;
        b.sign_in("editor", PASSWORD).await;
        b.click("nav a[data-resource='conmediafile']").await;
        b.click("#new").await;
        b.fill("#f-name", "Master").await;
        b.pick("content", "bunny", "Big Buck Bunny").await;
        save_stopping_after_one_chunk(&b, &path).await;
        b.shot("stopped").await;

        // A reload, the same file picked again: it goes on from the server's
        // offset instead of starting over.
        b.driver.refresh().await.expect("reload");
        b.fill("#f-name", "Master").await;
        b.pick("content", "bunny", "Big Buck Bunny").await;
        choose_file(&b, &path).await;
        b.click("#save").await;
        b.find_text("#record-label", "Master").await;
        assert_resumed_mid_way(&b).await;
        b.shot("resumed").await;

        let list = b.app.get("/api/conmediafile/?name=Master", &token).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_holds(&list.body["results"][0], &bytes);
        b
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run by .ci/browser.sh (--ignored)"]
async fn replacing_a_media_files_bytes_goes_over_tus_and_resumes_after_a_reload() {
    with_browser("tus-replace", |mut b| async move {
        b.account("editor", true).await;
        let token = b.token("editor").await;
        let content = b.app.content(&token, "Big Buck Bunny").await;
        let content = content["id"].as_str().unwrap().to_owned();
        let media = tus_clip(&b, &token, &content, "Master").await;
        let (bytes, _dir, path) = padded_clip();

        b.open("/admin/").await;
        b.sign_in("editor", PASSWORD).await;
        b.open(&format!("/admin/#/conmediafile/{media}/edit")).await;
        b.find("#f-file").await;
        save_stopping_after_one_chunk(&b, &path).await;
        b.shot("stopped").await;
        let before = b
            .app
            .get(&format!("/api/conmediafile/{media}/"), &token)
            .await;
        assert_holds(&before.body, include_bytes!("../fixtures/hls.mp4"));

        // A reload of the edit form, the same file picked again (and a new
        // name, saved with it): the bytes go on from the server's offset.
        b.driver.refresh().await.expect("reload");
        b.fill("#f-name", "Master (recut)").await;
        choose_file(&b, &path).await;
        b.click("#save").await;
        b.find_text("#record-label", "Master (recut)").await;
        assert_resumed_mid_way(&b).await;
        b.shot("replaced").await;

        // The same media file holds the new bytes; no other was made.
        let after = b
            .app
            .get(&format!("/api/conmediafile/{media}/"), &token)
            .await;
        assert_eq!(after.status, 200, "{}", after.body);
        assert_holds(&after.body, &bytes);
        assert_eq!(after.body["name"], "Master (recut)");
        let all = b
            .app
            .get(&format!("/api/conmediafile/?content={content}"), &token)
            .await;
        assert_eq!(all.body["count"], 1, "{}", all.body);
        b
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run by .ci/browser.sh (--ignored)"]
async fn a_user_page_shows_what_they_are_watching() {
    with_browser("continue-watching", |mut b| async move {
        b.account("editor", true).await;
        b.account("carol", false).await;
        let admin = b.token("editor").await;
        let carol = b.token("carol").await;
        let content = b.app.content(&admin, "Big Buck Bunny").await;
        let media = tus_clip(&b, &admin, content["id"].as_str().unwrap(), "Trailer").await;
        // Carol stopped at 1:05 of 2:00.
        let r = b
            .app
            .put(
                &format!("/api/progress/{media}/"),
                &carol,
                json!({"position": 65.0, "duration": 120.0}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let users = b.app.get("/api/users/?search=carol", &admin).await;
        assert_eq!(users.status, 200, "{}", users.body);
        let id = users.body["results"][0]["id"].as_str().unwrap().to_owned();

        b.open("/admin/").await;
        b.sign_in("editor", PASSWORD).await;
        b.open(&format!("/admin/#/users/{id}")).await;
        b.find_text("#watching td", "Trailer").await;
        b.find_text("#watching td", "Big Buck Bunny").await;
        b.find_text("#watching td.position", "1:05 / 2:00").await;
        b.shot("user-page").await;

        // Someone with nothing unfinished.
        let editor = b.app.get("/api/users/?search=editor", &admin).await;
        let id = editor.body["results"][0]["id"].as_str().unwrap().to_owned();
        b.open(&format!("/admin/#/users/{id}")).await;
        b.find_text("#watching", "Nothing started").await;
        b
    })
    .await;
}
