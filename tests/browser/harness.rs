//! Starting chromedriver and Chromium, and small waiting helpers.

use std::future::Future;
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use futures_util::FutureExt;
use mstream_service::accounts::NewAccount;
use thirtyfour::prelude::*;
use thirtyfour::stringmatch::StringMatch;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{spawn_app_with, TestApp};

/// How long any one expectation may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);

/// Browser tests share the machine's cores: one Chromium at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The password of every account the browser signs in with.
pub const PASSWORD: &str = "Admin-pass-77";

/// A running app, a browser session on it, and where screenshots go.
pub struct Browser {
    pub app: TestApp,
    pub driver: WebDriver,
    test: &'static str,
    step: u32,
    shots: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-screenshots")
}

/// Starts `/usr/bin/chromedriver` on a free port and waits for its
/// "started successfully" line.
async fn chromedriver() -> (Child, u16) {
    let port = free_port();
    let mut child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts (apt-get install chromium-driver)");
    let stdout = child.stdout.take().expect("chromedriver stdout");
    let mut lines = BufReader::new(stdout).lines();
    let ready = async {
        while let Some(line) = lines.next_line().await.expect("chromedriver output") {
            if line.contains("started successfully") {
                return true;
            }
        }
        false
    };
    let ready = tokio::time::timeout(Duration::from_secs(30), ready).await;
    assert!(
        matches!(ready, Ok(true)),
        "chromedriver did not start: {ready:?}"
    );
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, port)
}

/// Runs `scenario` against a fresh app and a fresh headless Chromium;
/// the browser is shut down whether the scenario passes or panics.
pub async fn with_browser<F, Fut>(test: &'static str, scenario: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = Browser>,
{
    with_browser_and(test, |_| {}, scenario).await;
}

/// [`with_browser`] with the app's settings changed by `tweak` first.
pub async fn with_browser_and<F, Fut>(
    test: &'static str,
    tweak: impl FnOnce(&mut mstream::Settings),
    scenario: F,
) where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = Browser>,
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = spawn_app_with(|s| {
        s.throttle.user_per_minute = 100_000;
        s.throttle.anon_per_minute = 100_000;
        tweak(s);
    })
    .await;
    let (mut chromedriver, port) = chromedriver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").expect("binary");
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,860",
    ] {
        caps.add_arg(arg).expect("arg");
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
        .expect("arg");
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
        .await
        .expect("a Chromium session");
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let browser = Browser {
        app,
        driver: driver.clone(),
        test,
        step: 0,
        shots: shots.clone(),
    };
    let outcome = AssertUnwindSafe(scenario(browser)).catch_unwind().await;
    if outcome.is_err() {
        let _ = driver
            .screenshot(&shots.join(format!("{test}-failure.png")))
            .await;
    }
    let _ = driver.quit().await;
    let _ = chromedriver.kill().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

impl Browser {
    /// Opens `path` of the app.
    pub async fn open(&self, path: &str) {
        self.driver
            .goto(self.app.url(path))
            .await
            .expect("navigate");
    }

    /// Saves a screenshot named after the test, the step number and `what`.
    pub async fn shot(&mut self, what: &str) {
        self.step += 1;
        let file = self
            .shots
            .join(format!("{}-{:02}-{what}.png", self.test, self.step));
        self.driver.screenshot(&file).await.expect("screenshot");
    }

    /// The first element matching `css`, waiting for it to be shown.
    pub async fn find(&self, css: &str) -> WebElement {
        self.driver
            .query(By::Css(css))
            .ignore_errors(true)
            .wait(WAIT, POLL)
            .and_displayed()
            .first()
            .await
            .unwrap_or_else(|e| panic!("no visible {css}: {e}"))
    }

    /// The first element matching `css` whose text contains `text`.
    pub async fn find_text(&self, css: &str, text: &str) -> WebElement {
        self.driver
            .query(By::Css(css))
            .ignore_errors(true)
            .with_text(StringMatch::new(text).partial())
            .wait(WAIT, POLL)
            .first()
            .await
            .unwrap_or_else(|e| panic!("no {css} with text {text:?}: {e}"))
    }

    /// Waits until nothing matches `css` with text containing `text`.
    pub async fn gone_text(&self, css: &str, text: &str) {
        self.driver
            .query(By::Css(css))
            .ignore_errors(true)
            .with_text(StringMatch::new(text).partial())
            .wait(WAIT, POLL)
            .not_exists()
            .await
            .unwrap_or_else(|e| panic!("{css} with text {text:?} still there: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Replaces the text of the input `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Picks `label` in the related-object picker of `field` by searching
    /// for `search`.
    pub async fn pick(&self, field: &str, search: &str, label: &str) {
        self.fill(&format!("#f-{field}"), search).await;
        let option = format!(".picker[data-field='{field}'] button.option");
        // The options are re-rendered as each search answers (the one on
        // focus, then the typed one), so an option found a moment ago may
        // have been replaced: find it again.
        for attempt in 1.. {
            match self.find_text(&option, label).await.click().await {
                Ok(()) => break,
                Err(e)
                    if attempt < 20
                        && matches!(
                            e.as_inner(),
                            thirtyfour::error::WebDriverErrorInner::StaleElementReference(_)
                        ) => {}
                Err(e) => panic!("pick {label:?} in {field}: {e}"),
            }
        }
        self.find_text(&format!(".picker[data-field='{field}'] .chip"), label)
            .await;
    }

    /// Clicks the first `css` whose text contains `text`, finding it again
    /// if it was re-rendered between finding and clicking (a picker's
    /// options are, as each search answers).
    pub async fn click_text(&self, css: &str, text: &str) {
        for attempt in 1.. {
            match self.find_text(css, text).await.click().await {
                Ok(()) => break,
                Err(e)
                    if attempt < 20
                        && matches!(
                            e.as_inner(),
                            thirtyfour::error::WebDriverErrorInner::StaleElementReference(_)
                        ) => {}
                Err(e) => panic!("click {css} {text:?}: {e}"),
            }
        }
    }

    /// Signs in through the panel's form.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.fill("#login-username", username).await;
        self.fill("#login-password", password).await;
        self.click("#login-submit").await;
    }

    /// Makes an account as `createsuperuser` does (admin) or as sign-up
    /// would (not), with [`PASSWORD`].
    pub async fn account(&self, username: &str, is_admin: bool) {
        self.app
            .services
            .accounts
            .create_account(NewAccount {
                username: username.into(),
                email: format!("{username}@example.com"),
                password: PASSWORD.into(),
                is_admin,
            })
            .await
            .expect("account created");
    }

    /// A token for `username` (for setting up data through the API).
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .app
            .send(
                reqwest::Method::POST,
                "/user/login/",
                None,
                Some(&serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }
}
