//! The real `careportal` binary as a process, for the drills that kill it or take its
//! database away: a portal in a folder of its own, started, killed and started again as an
//! operator (or a crash) would.
//!
//! The binary is the one cargo built beside the test (`target/<profile>/careportal`), or
//! `CAREPORTAL_BIN`. `make test` builds it first (`cargo test --workspace --no-run` builds
//! every binary); `make drill` depends on `make build`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CAREPORTAL_BIN") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/<test>-<hash> → target/<profile>/careportal
    let exe = std::env::current_exe().expect("the test's own path");
    let path = exe.parent().and_then(Path::parent).map(|dir| dir.join("careportal")).expect("a target folder");
    assert!(path.exists(), "{} does not exist: run `cargo build --bins` (make build) first", path.display());
    path
}

/// The repository's root (tenants/, policies/).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the repository").to_path_buf()
}

/// A portal's folder and settings; every command runs with exactly these `CAREPORTAL_*`.
pub struct Portal {
    pub dir: tempfile::TempDir,
    pub port: u16,
    env: Vec<(String, String)>,
}

impl Portal {
    /// A portal in a new folder, listening on `port`, with `database_url` (SQLite in its
    /// data folder when None).
    pub fn new(port: u16, database_url: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("a folder for the portal");
        let mut env = vec![
            ("CAREPORTAL_DATA_DIR".to_owned(), dir.path().join("data").display().to_string()),
            ("CAREPORTAL_TENANTS_DIR".to_owned(), repo().join("tenants").display().to_string()),
            ("CAREPORTAL_LISTEN".to_owned(), format!("127.0.0.1:{port}")),
            ("CAREPORTAL_LOG_LEVEL".to_owned(), "warn".to_owned()),
        ];
        if let Some(url) = database_url {
            env.push(("CAREPORTAL_DATABASE_URL".to_owned(), url.to_owned()));
        }
        Self { dir, port, env }
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The SQLite database's URL (the default in the data folder).
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("data").join("careportal.db").display())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command.current_dir(self.dir.path()).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("CAREPORTAL_") || key == "RUST_LOG" {
                command.env_remove(key);
            }
        }
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// Runs a command to its end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the careportal binary runs")
    }

    /// `careportal serve --no-worker`, once it answers `/readyz`; Err with what it said when
    /// it exits or is not ready within `patience`.
    pub async fn start(&self, patience: Duration) -> Result<Child, String> {
        let log = std::fs::File::create(self.dir.path().join("serve.log")).map_err(|e| e.to_string())?;
        let mut child = self
            .command(&["serve", "--no-worker"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("serve stopped ({status}): {}", self.log_tail()));
            }
            if self.ready().await {
                return Ok(child);
            }
            if started.elapsed() > patience {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("not ready within {patience:?}: {}", self.log_tail()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether `/readyz` answers 200 (the database is there).
    pub async fn ready(&self) -> bool {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(Ok(mut stream)) =
            tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(self.address())).await
        else {
            return false;
        };
        let request = "GET /readyz HTTP/1.1\r\nHost: siloah.localhost\r\nConnection: close\r\n\r\n";
        if stream.write_all(request.as_bytes()).await.is_err() {
            return false;
        }
        let mut head = [0u8; 12];
        matches!(
            tokio::time::timeout(Duration::from_secs(2), stream.read_exact(&mut head)).await,
            Ok(Ok(_)) if &head == b"HTTP/1.1 200"
        )
    }

    /// The last lines serve wrote to its log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }
}

/// SIGTERM, as an orchestrator stops a process; then waits for it.
pub fn terminate(child: &mut Child) -> std::io::Result<std::process::ExitStatus> {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status()?;
    child.wait()
}
