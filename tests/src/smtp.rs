//! A real SMTP server for tests: aiosmtpd (PyPI) writing each message into a Maildir.
//! `.ci/run` installs it into a virtualenv; TEST_PYTHON names that Python.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

fn python() -> String {
    std::env::var("TEST_PYTHON").unwrap_or_else(|_| {
        let venv = "/var/tmp/careportal-venv/bin/python";
        if Path::new(venv).exists() { venv.to_owned() } else { "python3".to_owned() }
    })
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpSink {
    pub async fn start(port: u16, maildir: &Path) -> Self {
        // An existing folder must already be a Maildir for Python's mailbox module.
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd must be installed (pip install aiosmtpd; TEST_PYTHON names the python)");
        // Owned from here on, so it is stopped on every way out, a failed start included.
        let sink = Self { child, port, maildir: maildir.to_path_buf() };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return sink;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let dir = self.maildir.join("new");
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).map(|e| e.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
