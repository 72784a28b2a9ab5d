//! Running `ffprobe` and `ffmpeg` as child processes (tokio::process:
//! nothing blocks an async worker): `-nostdin`, under `nice`, killed when
//! their future is dropped (the server stops, or the lease is lost) and
//! when the server dies ([`super::child`]).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use mstream_db::jobs::Job;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::{child, HlsConfig, HlsService, Rendition, MASTER, POSTER};

/// Why packaging stopped.
#[derive(Debug)]
pub enum Failure {
    /// Another worker holds the job now.
    LeaseLost,
    /// ffmpeg or the file system failed; the reason is recorded.
    Failed(String),
}

/// What packaging learnt.
#[derive(Debug, Clone, Copy)]
pub struct Made {
    /// Seconds.
    pub duration: Option<f64>,
}

/// What the installed ffmpeg can do.
#[derive(Debug, Clone, Copy)]
pub struct Tools {
    /// It takes `-readrate` (ffmpeg 5.0 and later).
    paces: bool,
}

/// What ffmpeg can do, when both programs run (`-version`).
pub async fn tools(config: &HlsConfig) -> Option<Tools> {
    for program in [&config.ffmpeg, &config.ffprobe] {
        let mut command = Command::new(program);
        command
            .arg("-version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let ran = child::status(command).await;
        if !ran.is_ok_and(|s| s.success()) {
            return None;
        }
    }
    // ffmpeg 4 refuses an unknown option, and so every job: ask its help.
    let mut command = Command::new(&config.ffmpeg);
    command
        .args(["-hide_banner", "-h", "long"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let help = child::output(command).await.ok()?;
    let paces = String::from_utf8_lossy(&help.stdout)
        .lines()
        .any(|line| line.starts_with("-readrate "));
    Some(Tools { paces })
}

/// ffmpeg's `-readrate` (a multiple of real time) that reads a file of
/// `size` bytes and `duration` seconds at `bytes_per_sec`; `None` when
/// reading is not paced or the file's rate is unknown.
fn read_rate(size: u64, duration: Option<f64>, bytes_per_sec: u64) -> Option<f64> {
    let duration = duration.filter(|d| d.is_finite() && *d > 0.0)?;
    if bytes_per_sec == 0 || size == 0 {
        return None;
    }
    // Far below real time is a file of hundreds of Mbit/s; stay readable.
    Some((bytes_per_sec as f64 * duration / size as f64).max(0.05))
}

/// What ffprobe says of the input.
#[derive(Debug, Default)]
struct Probe {
    duration: Option<f64>,
    video: Option<String>,
    audio: Option<String>,
    height: Option<u32>,
}

/// Debian's `nice` (coreutils).
const NICE: &str = "/usr/bin/nice";

/// `program` under `nice` (when `nice` is there), stdin closed; started
/// by [`child`], which kills it with its future and with the process.
fn niced(program: &str, nice: bool) -> Command {
    let mut command = if nice {
        let mut c = Command::new(NICE);
        c.args(["-n", "19", program]);
        c
    } else {
        Command::new(program)
    };
    command.stdin(Stdio::null());
    command
}

async fn probe(config: &HlsConfig, source: &Path, nice: bool) -> Result<Probe, Failure> {
    let mut command = niced(&config.ffprobe, nice);
    command
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(source)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = child::output(command)
        .await
        .map_err(|e| Failure::Failed(format!("cannot run ffprobe: {e}")))?;
    if !output.status.success() {
        return Err(Failure::Failed(format!(
            "ffprobe refused the file: {}",
            tail(&String::from_utf8_lossy(&output.stderr))
        )));
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| Failure::Failed(format!("ffprobe's answer is no JSON: {e}")))?;
    let mut probe = Probe {
        duration: json
            .pointer("/format/duration")
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d > 0.0),
        ..Probe::default()
    };
    for stream in json
        .get("streams")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
    {
        let codec = stream
            .get("codec_name")
            .and_then(|c| c.as_str())
            .map(str::to_owned);
        match stream.get("codec_type").and_then(|t| t.as_str()) {
            Some("video") if probe.video.is_none() => {
                probe.video = codec;
                probe.height = stream
                    .get("height")
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|h| u32::try_from(h).ok());
            }
            Some("audio") if probe.audio.is_none() => probe.audio = codec,
            _ => {}
        }
    }
    if probe.video.is_none() {
        return Err(Failure::Failed("the file has no video stream".into()));
    }
    Ok(probe)
}

/// The last lines of ffmpeg's complaints, short enough for a reason.
fn tail(text: &str) -> String {
    let text = text.trim();
    let start = text.len().saturating_sub(400);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    text.get(start..).unwrap_or_default().to_owned()
}

fn push(args: &mut Vec<String>, items: &[&str]) {
    args.extend(items.iter().map(|s| (*s).to_owned()));
}

/// The ffmpeg arguments (after the input) that write the HLS output into
/// the current folder.
fn hls_arguments(config: &HlsConfig, probe: &Probe) -> Vec<String> {
    let copyable =
        probe.video.as_deref() == Some("h264") && probe.audio.as_deref().is_none_or(|a| a == "aac");
    let has_audio = probe.audio.is_some();
    let mut args: Vec<String> = Vec::new();
    let ladder: Vec<Rendition> = if config.ladder.is_empty() {
        Vec::new()
    } else {
        let source = probe.height.unwrap_or(u32::MAX);
        let mut fitting: Vec<Rendition> = config
            .ladder
            .iter()
            .copied()
            .filter(|r| r.height <= source)
            .collect();
        if fitting.is_empty() {
            fitting.extend(config.ladder.iter().min_by_key(|r| r.height).copied());
        }
        fitting
    };
    let segment = config.segment_secs.max(1).to_string();
    if ladder.is_empty() {
        push(&mut args, &["-map", "0:v:0"]);
        if has_audio {
            push(&mut args, &["-map", "0:a:0"]);
        }
        if copyable {
            push(&mut args, &["-c", "copy"]);
        } else {
            push(
                &mut args,
                &[
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "128k",
                    "-force_key_frames",
                ],
            );
            args.push(format!("expr:gte(t,n_forced*{segment})"));
        }
        push_hls_output(&mut args, &segment, "seg%d.m4s", &["stream.m3u8"]);
        return args;
    }
    let n = ladder.len();
    let mut filter = format!("[0:v:0]split={n}");
    for i in 0..n {
        filter.push_str(&format!("[s{i}]"));
    }
    for (i, r) in ladder.iter().enumerate() {
        filter.push_str(&format!(";[s{i}]scale=-2:{}[v{i}]", r.height));
    }
    push(&mut args, &["-filter_complex", &filter]);
    let mut map = Vec::new();
    for (i, r) in ladder.iter().enumerate() {
        push(&mut args, &["-map", &format!("[v{i}]")]);
        args.push(format!("-b:v:{i}"));
        args.push(format!("{}k", r.video_kbps));
        if has_audio {
            push(&mut args, &["-map", "0:a:0"]);
            map.push(format!("v:{i},a:{i}"));
        } else {
            map.push(format!("v:{i}"));
        }
    }
    push(
        &mut args,
        &[
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-force_key_frames",
        ],
    );
    args.push(format!("expr:gte(t,n_forced*{segment})"));
    if has_audio {
        push(&mut args, &["-c:a", "aac", "-b:a", "128k"]);
    }
    let map = map.join(" ");
    push_hls_output(
        &mut args,
        &segment,
        "v%v/seg%d.m4s",
        &["-var_stream_map", &map, "v%v/stream.m3u8"],
    );
    args
}

/// The HLS muxer's options shared by both layouts — fMP4 VOD segments of
/// `segment` seconds named by `segments`, and the master playlist — then
/// `tail` (the layout's own options and its playlist's name, last).
fn push_hls_output(args: &mut Vec<String>, segment: &str, segments: &str, tail: &[&str]) {
    push(args, &["-f", "hls", "-hls_time", segment]);
    push(
        args,
        &[
            "-hls_playlist_type",
            "vod",
            "-hls_segment_type",
            "fmp4",
            "-hls_flags",
            "independent_segments",
            "-hls_fmp4_init_filename",
            "init.mp4",
            "-hls_segment_filename",
            segments,
            "-master_pl_name",
            MASTER,
        ],
    );
    push(args, tail);
}

/// How often progress is written (and the lease renewed) at most, besides
/// every tenth of the way.
fn heartbeat_every(lease: Duration) -> Duration {
    (lease / 3).max(Duration::from_millis(200))
}

/// Packages `source` into `temp` (created here): playlists and segments,
/// then the poster. The caller moves `temp` into place.
pub async fn package(
    service: &HlsService,
    tools: Tools,
    job: &Job,
    source: &Path,
    temp: &Path,
) -> Result<Made, Failure> {
    let config = &service.config;
    tokio::fs::create_dir_all(temp)
        .await
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", temp.display())))?;
    let nice = tokio::fs::try_exists(NICE).await.unwrap_or(false);
    let probe = probe(config, source, nice).await?;
    let log_path = temp.join(".ffmpeg.log");
    let log = tokio::fs::File::create(&log_path)
        .await
        .map_err(|e| Failure::Failed(format!("cannot create the ffmpeg log: {e}")))?
        .into_std()
        .await;
    let mut command = niced(&config.ffmpeg, nice);
    command
        .current_dir(temp)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-y"]);
    if tools.paces {
        let size = tokio::fs::metadata(source).await.map_or(0, |m| m.len());
        if let Some(rate) = read_rate(size, probe.duration, config.read_bytes_per_sec) {
            command.arg("-readrate").arg(format!("{rate:.3}"));
        }
    }
    command
        .arg("-i")
        .arg(source)
        .args(hls_arguments(config, &probe))
        .args(["-progress", "pipe:1", "-nostats"])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log));
    let mut running = child::spawn(command)
        .await
        .map_err(|e| Failure::Failed(format!("cannot run ffmpeg: {e}")))?;
    let stdout = running
        .stdout
        .take()
        .ok_or_else(|| Failure::Failed("ffmpeg's output is not piped".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let total_us = probe.duration.map(|d| d * 1_000_000.0);
    let every = heartbeat_every(config.lease);
    let (mut beat_at, mut reported) = (Instant::now(), 0i32);
    while let Ok(Some(line)) = lines.next_line().await {
        let Some(done_us) = line
            .strip_prefix("out_time_us=")
            .or_else(|| line.strip_prefix("out_time_ms="))
            .and_then(|v| v.trim().parse::<f64>().ok())
        else {
            continue;
        };
        let progress = total_us.map_or(0, |total| {
            ((done_us / total * 100.0).clamp(0.0, 99.0)) as i32
        });
        if progress >= reported + 10 || beat_at.elapsed() >= every {
            match service.heartbeat(job.id, progress).await {
                Ok(true) => {}
                Ok(false) => return Err(Failure::LeaseLost),
                Err(error) => tracing::warn!(%error, "HLS worker: progress not recorded"),
            }
            beat_at = Instant::now();
            reported = progress;
        }
    }
    let status = running
        .wait()
        .await
        .map_err(|e| Failure::Failed(format!("ffmpeg vanished: {e}")))?;
    let complaints = tokio::fs::read_to_string(&log_path)
        .await
        .unwrap_or_default();
    let _ = tokio::fs::remove_file(&log_path).await;
    if !status.success() {
        return Err(Failure::Failed(format!(
            "ffmpeg failed ({status}): {}",
            tail(&complaints)
        )));
    }
    if !is_file(&temp.join(MASTER)).await {
        return Err(Failure::Failed("ffmpeg wrote no master playlist".into()));
    }
    poster(config, source, temp, probe.duration, nice).await?;
    Ok(Made {
        duration: probe.duration,
    })
}

async fn is_file(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.is_file())
}

/// One JPEG frame at a tenth of the way in.
async fn poster(
    config: &HlsConfig,
    source: &Path,
    temp: &Path,
    duration: Option<f64>,
    nice: bool,
) -> Result<(), Failure> {
    let at = duration.map_or(0.0, |d| d / 10.0);
    let mut command = niced(&config.ffmpeg, nice);
    command
        .current_dir(temp)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-y", "-ss"])
        .arg(format!("{at:.3}"))
        .arg("-i")
        .arg(source)
        .args(["-frames:v", "1", "-q:v", "3", "-f", "image2", POSTER])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let output = child::output(command)
        .await
        .map_err(|e| Failure::Failed(format!("cannot run ffmpeg for the poster: {e}")))?;
    if !output.status.success() || !is_file(&temp.join(POSTER)).await {
        return Err(Failure::Failed(format!(
            "no poster: {}",
            tail(&String::from_utf8_lossy(&output.stderr))
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_entries_parse() {
        assert_eq!(
            "720:2800".parse::<Rendition>(),
            Ok(Rendition {
                height: 720,
                video_kbps: 2800
            })
        );
        assert!("720".parse::<Rendition>().is_err());
        assert!("x:1".parse::<Rendition>().is_err());
    }

    #[test]
    fn reading_is_paced_to_the_configured_byte_rate() {
        // 600 MB of two hours at 4 MiB/s: 143 s, 50 times real time.
        let rate = read_rate(603_741_946, Some(7200.0), 4 * 1024 * 1024);
        assert!(rate.is_some_and(|r| (r - 50.02).abs() < 0.01), "{rate:?}");
        // A 100 Mbit/s master is read slower than it plays.
        let rate = read_rate(12_500_000 * 60, Some(60.0), 4 * 1024 * 1024);
        assert!(rate.is_some_and(|r| r < 1.0), "{rate:?}");
        assert_eq!(read_rate(1000, Some(10.0), 0), None, "0 turns pacing off");
        assert_eq!(read_rate(1000, None, 1024), None, "no duration, no rate");
        assert_eq!(read_rate(0, Some(10.0), 1024), None);
    }

    #[test]
    fn h264_aac_is_copied_and_anything_else_encoded() {
        let config = HlsConfig::default();
        let copy = Probe {
            duration: Some(4.0),
            video: Some("h264".into()),
            audio: Some("aac".into()),
            height: Some(120),
        };
        assert!(hls_arguments(&config, &copy).contains(&"copy".to_owned()));
        let vp9 = Probe {
            video: Some("vp9".into()),
            ..copy
        };
        let args = hls_arguments(&config, &vp9);
        assert!(args.contains(&"libx264".to_owned()) && !args.contains(&"copy".to_owned()));
    }
}
