//! A PostgreSQL server of the drill's own, on a free port in a temporary folder, so it can be
//! restarted (crashed, even) without touching the shared server every other suite uses.
//! Debian's server binaries (`/usr/lib/postgresql/<version>/bin`); as root they run as the
//! `postgres` user, since PostgreSQL refuses to run as root.

use std::path::PathBuf;
use std::process::Command;

pub struct Cluster {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

fn server_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server binaries in /usr/lib/postgresql (apt-get install postgresql)")
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort_by_key(|path| {
        path.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    versions.pop().expect("an initdb under /usr/lib/postgresql/*/bin")
}

impl Cluster {
    /// initdb and start; trust authentication for `postgres` on 127.0.0.1 only.
    pub fn start(port: u16) -> Self {
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("careportal-pg-{}-{port}", std::process::id()));
        let cluster = Self { port, dir, bin: server_bin(), as_postgres };
        let data = cluster.dir.display().to_string();
        cluster.run("mkdir", &["-p", &data]);
        cluster.run(
            &cluster.tool("initdb"),
            &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"],
        );
        cluster.pg_ctl(&["start"]);
        cluster
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server as a crash would (no shutdown checkpoint: it recovers from its log)
    /// and starts it again.
    pub fn crash_and_restart(&self) {
        self.pg_ctl(&["-m", "immediate", "restart"]);
    }

    fn tool(&self, name: &str) -> String {
        self.bin.join(name).display().to_string()
    }

    fn pg_ctl(&self, action: &[&str]) {
        let data = self.dir.display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {data} -c max_connections=60", self.port);
        let mut args = vec!["-D", data.as_str(), "-l", log.as_str(), "-o", options.as_str(), "-w", "-s"];
        args.extend_from_slice(action);
        self.run(&self.tool("pg_ctl"), &args);
    }

    fn run(&self, program: &str, args: &[&str]) {
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", program]);
            command
        } else {
            Command::new(program)
        };
        let output = command.args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.display().to_string();
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &self.tool("pg_ctl")]);
            command
        } else {
            Command::new(self.tool("pg_ctl"))
        };
        let _ = command.args(["-D", &data, "-m", "immediate", "-s", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
