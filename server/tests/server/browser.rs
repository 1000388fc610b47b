//! The owner portal in headless Chromium: `tests/browser/portal.test.mjs` (Playwright's
//! `playwright-core` driving Debian's `/usr/bin/chromium`, no browser download) against the
//! real `regulars` binary serving the demo chain. Screenshots of every page are left in
//! `<target>/tmp/browser-screenshots` (or `$REGULARS_SCREENSHOTS`).
//!
//! Needs Chromium and the npm package: `.ci/run` installs both. Without them the test prints
//! how to install them and passes on a developer machine; under `CI=true` it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::process::{free_port, regulars, sigterm, wait_ready};

/// How long the whole browser run may take.
const BUDGET: Duration = Duration::from_secs(240);

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser")
}

/// What is missing to run the browser tests, if anything.
fn missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("no Chromium at {chromium}: `apt-get install chromium` (or set CHROMIUM)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no Node.js: `apt-get install nodejs npm`".into());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        return Some("no playwright-core: `npm ci --prefix tests/browser`".into());
    }
    None
}

#[test]
fn the_portal_works_in_headless_chromium() {
    if let Some(what) = missing() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "the browser tests must run in CI: {what}");
        eprintln!("skipping the browser tests: {what}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = regulars(dir.path())
        .env("REGULARS_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(&mut server, port);
    let shots = std::env::var_os("REGULARS_SCREENSHOTS")
        .map_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots"), PathBuf::from);
    let mut node = Command::new("node")
        .args(["--test", "--test-reporter=spec", "portal.test.mjs"])
        .current_dir(browser_dir())
        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("SCREENSHOTS", &shots)
        .env("EXPECT_GUESTS", "50")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = node.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > BUDGET {
            let _ = node.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = node.wait_with_output().unwrap();
    sigterm(&server);
    let _ = server.wait();
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{report}\nscreenshots: {}", shots.display());
    let status = status.unwrap_or_else(|| panic!("the browser tests took longer than {BUDGET:?}"));
    assert!(status.success(), "the browser tests failed:\n{report}");
}
