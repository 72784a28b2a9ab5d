//! Issue #20: HLS packaging jobs, posters and durations (docs/hls.md).
//!
//! The servers here run no packaging worker (the harness turns it off);
//! the tests run workers themselves through `app.services.hls`, so that
//! "two workers" and "a worker that died" are exact. The tests that run
//! ffmpeg are ignored in `cargo test` and run by `.ci/hls.sh`.

use std::time::Duration;

use serde_json::{json, Value as Json};

use crate::helpers::{files_under, raw, spawn_app_with, TestApp};
use crate::media::upload;

/// The committed H.264/AAC clip: 160×120, 4 s.
const CLIP: &[u8] = include_bytes!("../fixtures/hls.mp4");

async fn app_with(tweak: impl FnOnce(&mut mstream::Settings)) -> (TestApp, String, Json) {
    let app = spawn_app_with(|s| {
        s.hls.retry_base_secs = 0;
        tweak(s);
    })
    .await;
    let admin = app.admin().await;
    let content = app.content(&admin, "Clip").await;
    (app, admin, content)
}

async fn entry_media(app: &TestApp, token: &str, content: &Json, media: &str) -> Json {
    let r = app
        .get(
            &format!("/api/catalog/{}/", content["id"].as_str().unwrap()),
            token,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["media"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == media)
        .cloned()
        .expect("the media file in the catalog entry")
}

async fn upload_clip(app: &TestApp, admin: &str, content: &Json, name: &str) -> String {
    let r = upload(app, admin, content, name, CLIP.to_vec(), "clip.mp4").await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// The run folders of a media file (what packaging left in place).
fn runs(app: &TestApp, media: &str) -> Vec<String> {
    let dir = app.media_root().join("hls").join(media);
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_stored_video_is_queued_for_packaging_and_other_media_are_not() {
    let (app, admin, content) = app_with(|_| {}).await;
    let video = upload(
        &app,
        &admin,
        &content,
        "film",
        crate::helpers::mp4(4096),
        "a.mp4",
    )
    .await;
    assert_eq!(video.status, 201, "{}", video.body);
    let image = upload(
        &app,
        &admin,
        &content,
        "still",
        crate::helpers::png(4096),
        "a.png",
    )
    .await;
    assert_eq!(image.status, 201, "{}", image.body);

    let film = entry_media(&app, &admin, &content, video.body["id"].as_str().unwrap()).await;
    assert_eq!(
        film["packaging"],
        json!({"state": "queued", "progress": 0, "reason": null})
    );
    assert_eq!(film["hls_url"], Json::Null);
    assert_eq!(film["poster_url"], Json::Null);
    assert_eq!(film["duration"], Json::Null);
    assert!(
        film["stream_url"].is_string(),
        "progressive stream meanwhile"
    );

    let still = entry_media(&app, &admin, &content, image.body["id"].as_str().unwrap()).await;
    assert_eq!(still["packaging"], Json::Null, "images are not packaged");
    assert_eq!(still["hls_url"], Json::Null);

    // The media file records say the same: on create, retrieve and list.
    assert_eq!(video.body["packaging"]["state"], "queued", "{}", video.body);
    assert_eq!(video.body["hls_url"], Json::Null);
    let id = video.body["id"].as_str().unwrap();
    let record = app.get(&format!("/api/conmediafile/{id}/"), &admin).await;
    assert_eq!(record.body["packaging"]["state"], "queued");
    assert_eq!(record.body["duration"], Json::Null);
    let listed = app.get("/api/conmediafile/", &admin).await;
    let results = listed.body["results"].as_array().unwrap();
    let states: Vec<&Json> = results.iter().map(|r| &r["packaging"]).collect();
    assert_eq!(results.len(), 2);
    assert!(states.contains(&&Json::Null) && states.iter().any(|s| s["state"] == "queued"));
}

#[tokio::test]
async fn a_failing_job_is_retried_then_failed_with_the_reason() {
    let (app, admin, content) = app_with(|s| {
        s.hls.ffprobe = "/nonexistent/ffprobe".into();
        s.hls.max_attempts = 2;
    })
    .await;
    let r = upload(
        &app,
        &admin,
        &content,
        "film",
        crate::helpers::mp4(4096),
        "a.mp4",
    )
    .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let worker = &app.services.hls;

    assert!(worker.run_once().await.unwrap(), "first attempt");
    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(media["packaging"]["state"], "queued", "retried: {media}");
    assert!(media["packaging"]["reason"]
        .as_str()
        .unwrap()
        .contains("ffprobe"));

    assert!(worker.run_once().await.unwrap(), "second attempt");
    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(media["packaging"]["state"], "failed", "{media}");
    assert!(media["packaging"]["reason"]
        .as_str()
        .unwrap()
        .contains("ffprobe"));
    assert_eq!(media["hls_url"], Json::Null);
    assert!(!worker.run_once().await.unwrap(), "nothing left to do");
}

#[tokio::test]
async fn the_packaged_output_of_a_deleted_media_file_is_swept() {
    let (app, admin, content) = app_with(|_| {}).await;
    let kept = upload_clip(&app, &admin, &content, "kept").await;
    let gone = upload_clip(&app, &admin, &content, "gone").await;
    // What a worker would have left (the packaging itself needs ffmpeg).
    for id in [&kept, &gone] {
        let run = app.media_root().join("hls").join(id).join("0".repeat(32));
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("master.m3u8"), "#EXTM3U\n").unwrap();
    }
    let r = app
        .delete(&format!("/api/conmediafile/{gone}/"), &admin)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(app.services.hls.sweep().await.unwrap(), 1);
    assert_eq!(
        runs(&app, &kept).len(),
        1,
        "a live media file's output stays"
    );
    assert!(!app.media_root().join("hls").join(&gone).exists());
}

/// The temporary folders in a media file's output folder.
fn temps(app: &TestApp, media: &str) -> Vec<String> {
    let dir = app.media_root().join("hls").join(media);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".tmp-"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn a_dead_workers_temporary_output_is_swept_and_a_live_workers_is_kept() {
    let (app, admin, content) = app_with(|_| {}).await;
    let busy = upload_clip(&app, &admin, &content, "busy").await;
    let idle = upload_clip(&app, &admin, &content, "idle").await;
    // A worker (another process, say) holds the first job and is
    // packaging into its own temporary folder right now.
    let live = app.services.hls.another_worker();
    let job = live.claim().await.unwrap().unwrap();
    let owner = job.lease_owner.unwrap();
    let busy_id = job.media_file.to_string();
    let idle_id = if busy_id == busy { &idle } else { &busy };
    let hls = app.media_root().join("hls");
    let own = format!(".tmp-{owner}-{}", "1".repeat(32));
    // What workers killed mid-job left: one under a name no lease holds,
    // one under the live worker's id in a media file it does not hold.
    let dead = format!(".tmp-1-{}-{}", "2".repeat(32), "3".repeat(32));
    for (media, name) in [(&busy_id, &own), (&busy_id, &dead), (idle_id, &own)] {
        let folder = hls.join(media).join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("seg0.m4s"), b"partial").unwrap();
    }

    assert_eq!(app.services.hls.sweep().await.unwrap(), 2);
    assert_eq!(
        temps(&app, &busy_id),
        vec![own.clone()],
        "the holder's stays"
    );
    assert!(temps(&app, idle_id).is_empty(), "a queued job's is stale");
    assert!(hls.join(&busy_id).join(&own).join("seg0.m4s").exists());
}

#[tokio::test]
async fn without_ffmpeg_the_server_starts_and_streams_progressively() {
    let (app, admin, content) = app_with(|s| {
        s.hls.worker = true;
        s.hls.ffmpeg = "/nonexistent/ffmpeg".into();
        s.hls.poll_interval_ms = 10;
    })
    .await;
    assert!(!app.services.hls.available().await);
    let id = upload_clip(&app, &admin, &content, "film").await;
    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(media["packaging"]["state"], "queued");
    let stream = app
        .client
        .get(media["stream_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.bytes().await.unwrap().as_ref(), CLIP);
}

async fn status_of(app: &TestApp, url: &str, range: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = app.client.get(url);
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// The URIs a playlist names (its non-comment lines, and `URI="…"`).
fn uris(playlist: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in playlist.lines().map(str::trim) {
        if let Some((_, rest)) = line.split_once("URI=\"") {
            found.extend(rest.split('"').next().map(str::to_owned));
        } else if !line.is_empty() && !line.starts_with('#') {
            found.push(line.to_owned());
        }
    }
    found
}

fn resolve(base: &str, relative: &str) -> String {
    reqwest::Url::parse(base)
        .unwrap()
        .join(relative)
        .unwrap()
        .to_string()
}

/// `url` with the signature's first hex digit changed.
fn tampered(url: &str) -> String {
    let parts: Vec<&str> = url.split('/').collect();
    let at = parts.iter().position(|p| *p == "hls").unwrap() + 2;
    let mut parts: Vec<String> = parts.into_iter().map(str::to_owned).collect();
    let first = if parts[at].starts_with('0') { "1" } else { "0" };
    parts[at] = format!("{first}{}", &parts[at][1..]);
    parts.join("/")
}

#[tokio::test]
#[ignore = "needs ffmpeg (.ci/hls.sh)"]
async fn a_packaged_video_plays_over_one_signed_prefix() {
    let (app, admin, content) = app_with(|_| {}).await;
    let id = upload_clip(&app, &admin, &content, "film").await;
    assert!(app.services.hls.run_once().await.unwrap());

    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(
        media["packaging"],
        json!({"state": "ready", "progress": 100, "reason": null})
    );
    let record = app.get(&format!("/api/conmediafile/{id}/"), &admin).await;
    assert_eq!(record.body["packaging"]["state"], "ready");
    assert!(record.body["hls_url"]
        .as_str()
        .unwrap()
        .ends_with("/master.m3u8"));
    let duration = media["duration"].as_f64().unwrap();
    assert!((duration - 4.0).abs() < 0.2, "duration {duration}");
    let master = media["hls_url"].as_str().unwrap().to_owned();
    assert!(master.ends_with("/master.m3u8"), "{master}");
    // The typed client's model reads the same fields.
    let entry = app
        .get(
            &format!("/api/catalog/{}/", content["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    let typed: mstream_content::CatalogEntry = serde_json::from_value(entry.body).unwrap();
    let packaging = typed.media[0].packaging.clone().unwrap();
    assert_eq!(
        (packaging.state.as_str(), packaging.progress),
        ("ready", 100)
    );
    // The same run (the signature may differ: each answer signs anew,
    // and a second may have passed since the first).
    let run_of = |url: &str| url.rsplit('/').take(3).collect::<Vec<_>>().join("/");
    assert_eq!(
        typed.media[0].hls_url.as_deref().map(run_of),
        Some(run_of(&master))
    );

    let (status, kind, body) = status_of(&app, &master, None).await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/vnd.apple.mpegurl");
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with("#EXTM3U"), "{text}");
    let variant = resolve(&master, &uris(&text)[0]);
    let (status, _, body) = status_of(&app, &variant, None).await;
    assert_eq!(status, 200);
    let playlist = String::from_utf8(body).unwrap();
    assert!(playlist.contains("#EXT-X-PLAYLIST-TYPE:VOD"), "{playlist}");
    assert!(playlist.contains("#EXT-X-ENDLIST"));
    let parts = uris(&playlist);
    assert!(parts.iter().any(|p| p.ends_with(".mp4")), "init: {parts:?}");
    let segments: Vec<String> = parts
        .iter()
        .filter(|p| p.ends_with(".m4s"))
        .cloned()
        .collect();
    assert!(!segments.is_empty(), "{parts:?}");
    let mut total = 0;
    for part in &parts {
        let (status, kind, body) = status_of(&app, &resolve(&variant, part), None).await;
        assert_eq!((status, kind.as_str()), (200, "video/mp4"), "{part}");
        total += body.len();
    }
    assert!(
        total > 10_000,
        "the segments carry the video: {total} bytes"
    );
    let segment = resolve(&variant, &segments[0]);
    let (status, kind, body) = status_of(&app, &segment, Some("bytes=0-99")).await;
    assert_eq!((status, kind.as_str(), body.len()), (206, "video/mp4", 100));

    let poster = media["poster_url"].as_str().unwrap();
    let (status, kind, body) = status_of(&app, poster, None).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(&body[..2], b"\xff\xd8", "a JPEG");

    // Tampered: the playlist and a segment are refused.
    for url in [&master, &segment] {
        let (status, _, _) = status_of(&app, &tampered(url), None).await;
        assert_eq!(status, 403, "{url}");
    }
    // Expired: a signature that was valid, for a time gone by.
    let run = master.rsplit('/').nth(1).unwrap();
    let signer = mstream_service::media::Signer::new("test-secret-key", 1, false);
    let (expires, signature) = signer.grant(&format!("hls/{id}/{run}"), 0).unwrap();
    for file in ["master.m3u8", &segments[0]] {
        let url = app.url(&format!("/hls/{expires}/{signature}/{id}/{run}/{file}"));
        let (status, _, _) = status_of(&app, &url, None).await;
        assert_eq!(status, 403, "expired {file}");
    }
    // Inside the signed prefix only: no way out, no dot-files.
    let grant: Vec<&str> = master.split('/').collect();
    let at = grant.iter().position(|p| *p == "hls").unwrap();
    let prefix = format!("/hls/{}/{}/{id}/{run}", grant[at + 1], grant[at + 2]);
    for path in [
        format!("{prefix}/../../../../content/"),
        format!("{prefix}/%2e%2e/%2e%2e/x"),
        format!("{prefix}/.ffmpeg.log"),
    ] {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let (status, _, _) = raw(&app, request.as_bytes()).await;
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
}

#[tokio::test]
#[ignore = "needs ffmpeg (.ci/hls.sh)"]
async fn a_job_whose_worker_died_is_finished_once_by_another_worker() {
    let (app, admin, content) = app_with(|_| {}).await;
    let id = upload_clip(&app, &admin, &content, "film").await;
    // A worker claims the job and dies: its lease (zero long) runs out.
    let dead = app.services.hls.another_worker().with_lease(Duration::ZERO);
    let claimed = dead.claim().await.unwrap().unwrap();
    // It had begun writing its temporary output when it died.
    let leftover = app.media_root().join("hls").join(&id).join(format!(
        ".tmp-{}-{}",
        claimed.lease_owner.unwrap(),
        "0".repeat(32)
    ));
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("seg0.m4s"), b"partial").unwrap();
    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(media["packaging"]["state"], "running");

    let live = app.services.hls.another_worker();
    assert!(live.run_once().await.unwrap(), "the abandoned job is taken");
    assert!(!live.run_once().await.unwrap(), "and done once");
    assert!(!dead.run_once().await.unwrap());
    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(media["packaging"]["state"], "ready");
    assert_eq!(runs(&app, &id).len(), 1);
    assert!(
        temps(&app, &id).is_empty(),
        "the dead worker's output is gone"
    );
}

#[tokio::test]
#[ignore = "needs ffmpeg (.ci/hls.sh)"]
async fn two_workers_never_package_the_same_file_twice() {
    let (app, admin, content) = app_with(|_| {}).await;
    let first = upload_clip(&app, &admin, &content, "one").await;
    let second = upload_clip(&app, &admin, &content, "two").await;
    let (a, b) = (
        app.services.hls.another_worker(),
        app.services.hls.another_worker(),
    );
    let mut done = 0;
    loop {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        let ran = usize::from(x.unwrap()) + usize::from(y.unwrap());
        if ran == 0 {
            break;
        }
        done += ran;
    }
    assert_eq!(done, 2, "one packaging per file");
    for id in [&first, &second] {
        assert_eq!(runs(&app, id).len(), 1, "{id}");
        let media = entry_media(&app, &admin, &content, id).await;
        assert_eq!(media["packaging"]["state"], "ready");
    }
    let temp = files_under(&app.media_root().join("hls"))
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(".tmp-"))
        .count();
    assert_eq!(temp, 0, "no temporary output left");
}

#[tokio::test]
#[ignore = "needs ffmpeg (.ci/hls.sh)"]
async fn the_servers_worker_packages_an_upload_and_replacing_it_packages_again() {
    let (app, admin, content) = app_with(|s| {
        s.hls.worker = true;
        s.hls.poll_interval_ms = 20;
    })
    .await;
    let id = upload_clip(&app, &admin, &content, "film").await;
    let ready = wait_ready(&app, &admin, &content, &id).await;
    let first = ready["hls_url"].as_str().unwrap().to_owned();

    let form = reqwest::multipart::Form::new()
        .text("name", "film")
        .text("content", content["id"].as_str().unwrap().to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(CLIP.to_vec()).file_name("again.mp4"),
        );
    let r = app
        .client
        .put(app.url(&format!("/api/conmediafile/{id}/")))
        .header("Authorization", format!("Token {admin}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let again = wait_ready(&app, &admin, &content, &id).await;
    let second = again["hls_url"].as_str().unwrap();
    assert_ne!(
        first.rsplit('/').nth(1),
        second.rsplit('/').nth(1),
        "a new run"
    );
    // The worker removes the other runs just after it records the new one
    // as ready (docs/decisions.md), so a reader may see `ready` first.
    assert!(
        crate::helpers::eventually(|| runs(&app, &id).len() == 1).await,
        "the old run is removed: {:?}",
        runs(&app, &id)
    );
}

/// Polls the catalog until the media file's packaging is ready (at most a
/// minute: the server's worker polls every 20 ms and the clip is 4 s).
async fn wait_ready(app: &TestApp, admin: &str, content: &Json, id: &str) -> Json {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let media = entry_media(app, admin, content, id).await;
        if media["packaging"]["state"] == "ready" && media["hls_url"].is_string() {
            return media;
        }
        assert_ne!(media["packaging"]["state"], "failed", "{media}");
        assert!(std::time::Instant::now() < deadline, "not ready: {media}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `ffprobe`'s height of the first video stream at `url`.
async fn probed_height(url: &str) -> u32 {
    let output = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["stream=height", "-of", "csv=p=0", url])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "ffprobe {url}: {output:?}");
    // A playlist's stream is listed once under its program and once more.
    let text = String::from_utf8_lossy(&output.stdout);
    let heights: Vec<u32> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().unwrap_or_else(|_| panic!("{text}")))
        .collect();
    assert!(!heights.is_empty(), "no video stream at {url}");
    assert!(heights.iter().all(|h| *h == heights[0]), "{text}");
    heights[0]
}

/// One `#EXT-X-STREAM-INF` of a master playlist: its attributes and URI.
fn variants(master: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = master.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if let Some(attributes) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            let uri = lines.next().unwrap_or_default().to_owned();
            found.push((attributes.to_owned(), uri));
        }
    }
    found
}

fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    attributes
        .split(',')
        .find_map(|a| a.strip_prefix(name)?.strip_prefix('='))
}

#[tokio::test]
async fn a_ladder_that_does_not_parse_stops_start_up() {
    // Settings built by the harness skip `Settings::validate`: the server
    // itself must refuse, not start without its ladder.
    let error = crate::helpers::try_spawn_app_with(|s| {
        s.hls.ladder = vec!["720:2800".into(), "nonsense".into()];
    })
    .await
    .err()
    .expect("start-up fails");
    assert!(
        error.starts_with("configuration: hls.ladder: \"nonsense\""),
        "{error}"
    );
}

#[tokio::test]
#[ignore = "needs ffmpeg (.ci/hls.sh)"]
async fn a_ladder_packages_each_rendition_at_its_height() {
    let (app, admin, content) = app_with(|s| {
        s.hls.ladder = vec!["120:300".into(), "72:100".into()];
    })
    .await;
    assert_eq!(
        app.services.hls.config().ladder.len(),
        2,
        "the ladder parses"
    );
    let id = upload_clip(&app, &admin, &content, "film").await;
    assert!(app.services.hls.run_once().await.unwrap());
    let media = entry_media(&app, &admin, &content, &id).await;
    assert_eq!(media["packaging"]["state"], "ready", "{media}");
    let master = media["hls_url"].as_str().unwrap().to_owned();

    let (status, _, body) = status_of(&app, &master, None).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    let found = variants(&text);
    assert_eq!(found.len(), 2, "one variant per rendition: {text}");
    let mut heights = Vec::new();
    for (attributes, uri) in &found {
        let bandwidth: u64 = attribute(attributes, "BANDWIDTH")
            .and_then(|b| b.parse().ok())
            .unwrap_or_else(|| panic!("BANDWIDTH in {attributes}"));
        let resolution = attribute(attributes, "RESOLUTION")
            .unwrap_or_else(|| panic!("RESOLUTION in {attributes}"));
        let (width, height) = resolution.split_once('x').unwrap();
        let (width, height): (u32, u32) = (width.parse().unwrap(), height.parse().unwrap());
        // The source is 4:3, and so is each rendition.
        assert_eq!(width * 3, height * 4, "{resolution}");
        assert!(bandwidth > 0, "{attributes}");

        let variant = resolve(&master, uri);
        let (status, _, body) = status_of(&app, &variant, None).await;
        assert_eq!(status, 200, "{variant}");
        let playlist = String::from_utf8(body).unwrap();
        assert!(playlist.contains("#EXT-X-ENDLIST"), "{playlist}");
        let parts = uris(&playlist);
        assert!(parts.iter().any(|p| p.ends_with(".m4s")), "{parts:?}");
        for part in &parts {
            let (status, kind, _) = status_of(&app, &resolve(&variant, part), None).await;
            assert_eq!((status, kind.as_str()), (200, "video/mp4"), "{part}");
        }
        assert_eq!(probed_height(&variant).await, height, "{variant}");
        heights.push(height);
    }
    heights.sort_unstable();
    assert_eq!(heights, vec![72, 120]);
    // A stranger's signature opens none of it.
    let (status, _, _) = status_of(&app, &tampered(&master), None).await;
    assert_eq!(status, 403);
}
