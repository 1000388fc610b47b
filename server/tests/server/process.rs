//! The `regulars` binary as a person runs it: starts with no configuration, serves the demo,
//! refuses bad configuration naming the key, and shuts down cleanly on SIGTERM.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn regulars(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regulars"));
    command.current_dir(dir).env_remove("REGULARS_CONFIG").env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("REGULARS_") {
            command.env_remove(key);
        }
    }
    command
}

/// A plain HTTP/1.1 GET over a socket, so this test depends on nothing but std.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    http(port, "GET", path, "", None)
}

/// A plain HTTP/1.1 request with extra header lines (each ending in `\r\n`) and a JSON body.
fn http(port: u16, method: &str, path: &str, headers: &str, json: Option<&str>) -> Option<(u16, String)> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = json.map_or_else(String::new, |b| {
        format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}", b.len())
    });
    let body = if body.is_empty() { "\r\n".to_owned() } else { body };
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}{body}").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response))
}

pub(crate) fn wait_ready(child: &mut Child, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some((200, _)) = http_get(port, "/readyz") {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "the server exited before it was ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("not ready within 60 s");
}

pub(crate) fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[test]
fn starts_with_no_configuration_serves_the_demo_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = regulars(dir.path())
        .env("REGULARS_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&mut child, port);
    let (status, page) = http_get(port, "/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Demo Coffee"), "the demo chain is seeded on first start");
    assert!(dir.path().join("data/regulars.db").exists(), "SQLite at ./data/regulars.db by default");
    assert!(dir.path().join("data/identity-keys.toml").exists(), "identity keys generated beside it");
    // The admin API knows who is calling from where: the audit log has the peer's address.
    let login = r#"{"login":"demo-owner","password":"demo-owner-password"}"#;
    let (status, signed_in) = http(port, "POST", "/api/v1/session", "", Some(login)).unwrap();
    assert_eq!(status, 200, "{signed_in}");
    let cookie = signed_in.split("regulars_session=").nth(1).and_then(|c| c.split(';').next()).unwrap();
    let cookie = format!("Cookie: regulars_session={cookie}\r\n");
    let token = r#"{"name":"audit","permissions":["chain:read"]}"#;
    assert_eq!(http(port, "POST", "/api/v1/chains/1/tokens", &cookie, Some(token)).unwrap().0, 201);
    let (_, log) = http(port, "GET", "/api/v1/chains/1/events?kind=audit.", &cookie, None).unwrap();
    assert!(log.contains(r#""address":"127.0.0.1""#), "{log}");

    sigterm(&child);
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains("SIGTERM"), "{log}");

    // A second start on the existing database does not seed again.
    let mut again = regulars(dir.path())
        .env("REGULARS_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&mut again, port);
    sigterm(&again);
    assert!(again.wait().unwrap().success());
    let mut log = String::new();
    again.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(!log.contains("seeding the demo chain"), "{log}");
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = regulars(dir.path()).env("REGULARS_DATABASE_POOL_SIZE", "lots").arg("migrate").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database.pool_size") && stderr.contains("REGULARS_DATABASE_POOL_SIZE"), "{stderr}");

    std::fs::write(dir.path().join("regulars.toml"), "[server]\nlisten = \"nowhere\"\n").unwrap();
    let output = regulars(dir.path()).args(["--config", "regulars.toml", "migrate"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("server.listen") && stderr.contains("regulars.toml"), "{stderr}");

    let output = regulars(dir.path()).args(["--config", "missing.toml", "migrate"]).output().unwrap();
    assert!(!output.status.success(), "a named config file that does not exist is an error");

    std::fs::write(dir.path().join("pg.toml"), "[database]\nurl = \"postgres://postgres@127.0.0.1:5432/postgres\"\n")
        .unwrap();
    let output = regulars(dir.path()).args(["--config", "pg.toml"]).output().unwrap();
    assert!(!output.status.success(), "PostgreSQL without identity keys must not serve");
    assert!(String::from_utf8_lossy(&output.stderr).contains("identity.secret_keys"));
}

#[test]
fn secrets_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // An unreachable PostgreSQL with a password in the URL: start-up fails and must say why
    // without printing the password.
    let output = regulars(dir.path())
        .env("REGULARS_DATABASE_URL", "postgres://app:hunter2secret@127.0.0.1:1/regulars")
        .env("RUST_LOG", "debug")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("postgres"), "{stderr}");
    assert!(!stderr.contains("hunter2secret"), "the password leaked: {stderr}");
}

#[test]
fn i18n_check_passes_on_the_built_in_locales_and_fails_on_broken_ones() {
    let ok = Command::new(env!("CARGO_BIN_EXE_regulars")).args(["i18n", "check"]).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let broken = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../i18n/tests/fixtures/broken");
    let bad = Command::new(env!("CARGO_BIN_EXE_regulars")).args(["i18n", "check"]).arg(&broken).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains(".ftl:"), "findings name file:line");
}

#[test]
fn help_says_what_exists_and_what_does_not_yet() {
    let help = Command::new(env!("CARGO_BIN_EXE_regulars")).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("POS webhooks") && text.contains("status page"), "{text}");
    assert!(text.contains("not built yet"), "the portal and the API are not promised as there: {text}");
    let commands: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next()).collect();
    assert!(commands.contains(&"serve") && !commands.contains(&"bench"), "benchmarks are regulars-bench: {text}");
}
