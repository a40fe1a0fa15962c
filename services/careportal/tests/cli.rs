//! The `careportal` binary as an operator uses it: exit codes and messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the binary in `dir` with only the given CAREPORTAL_* variables.
fn careportal(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_careportal"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("CAREPORTAL_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A copy of a repository tenant and its policy in a fresh `tenants/` + `policies/` tree.
fn copy_tenant(slug: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let tenant = root.path().join("tenants").join(slug);
    let policy = root.path().join("policies").join(slug);
    std::fs::create_dir_all(&tenant).unwrap();
    std::fs::create_dir_all(&policy).unwrap();
    for file in ["tenant.toml", "logo.svg"] {
        std::fs::copy(repo().join("tenants").join(slug).join(file), tenant.join(file)).unwrap();
    }
    for file in ["model.conf", "policy.csv"] {
        std::fs::copy(repo().join("policies").join(slug).join(file), policy.join(file)).unwrap();
    }
    root
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_repository_tenants_validate() {
    for slug in ["siloah", "salem"] {
        let output = careportal(&repo(), &["tenant", "validate", &format!("tenants/{slug}")], &[]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{slug}: {stderr}");
        assert!(stdout.contains("in orde"));
    }
}

#[test]
fn validation_names_file_key_and_reason() {
    let cases = [
        ("tagline = ", "motto = \"x\"\ntagline = ", "branding.motto", "onbekende sleutel"),
        ("primary = \"#1d4f91\"", "primary = \"#1d4f9g\"", "branding.primary", "geen kleur"),
        ("[modules.home]", "[modules.home]\n[modules.teleportatie]", "modules.teleportatie", "onbekende module"),
        ("primary = \"#1d4f91\"", "primary = \"#ffdd00\"", "branding.primary", "contrast"),
        ("second_factor = \"every_login\"", "second_factor = \"soms\"", "auth.second_factor", "onbekende waarde"),
        ("min_length = 8", "min_length = 4", "auth.password.min_length", "8 tot 64"),
        ("every_minutes = 10", "every_minutes = 0", "sync.schedule.messages.every_minutes", "1 tot 1440"),
    ];
    for (from, to, key, reason) in cases {
        let root = copy_tenant("siloah");
        let file = root.path().join("tenants/siloah/tenant.toml");
        edit(&file, from, to);
        let output = careportal(root.path(), &["tenant", "validate", "tenants/siloah"], &[]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{to}: {stderr}");
        let line = stderr.lines().find(|l| l.contains(key)).unwrap_or_else(|| panic!("{key} not in {stderr}"));
        assert!(line.starts_with("tenants/siloah/tenant.toml: "), "{line}");
        assert!(line.contains(reason), "{line}");
    }
}

#[test]
fn a_broken_policy_or_logo_is_refused() {
    let root = copy_tenant("siloah");
    std::fs::write(root.path().join("policies/siloah/policy.csv"), "p, client, home\n").unwrap();
    let output = careportal(root.path(), &["tenant", "validate", "tenants/siloah"], &[]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("policy.csv: regel 1: verwacht 3"), "{stderr}");

    let root = copy_tenant("salem");
    std::fs::write(root.path().join("tenants/salem/logo.svg"), "<svg onload=\"alert(1)\"></svg>").unwrap();
    let output = careportal(root.path(), &["tenant", "validate", "tenants/salem"], &[]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("logo.svg: branding.logo"), "{stderr}");
}

#[test]
fn an_unknown_template_override_is_refused() {
    let root = copy_tenant("salem");
    let templates = root.path().join("tenants/salem/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("landingpage.html"), "x").unwrap();
    let output = careportal(root.path(), &["tenant", "validate", "tenants/salem"], &[]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("landingpage.html") && stderr.contains("geen basissjabloon"), "{stderr}");
}

#[test]
fn sync_run_says_what_it_did_or_why_not() {
    let root = copy_tenant("salem");
    let env = [("CAREPORTAL_DATA_DIR", "data")];
    let output = careportal(root.path(), &["tenant", "apply", "tenants/salem"], &env);
    assert!(output.status.success(), "{:?}", text(&output));
    let output = careportal(root.path(), &["sync", "run", "--tenant", "salem"], &env);
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    assert!(text(&output).0.contains("koppeling demo, geen ECD gekoppeld"), "{:?}", text(&output));
    let output = careportal(root.path(), &["sync", "status"], &env);
    assert!(text(&output).0.contains("salem\tkoppeling demo: geen ECD gekoppeld"), "{:?}", text(&output));
    let output = careportal(root.path(), &["sync", "run", "--tenant", "salem", "--kind", "rapportages"], &env);
    assert_eq!(output.status.code(), Some(2), "{:?}", text(&output));
    assert!(text(&output).1.contains("kies uit clients, network, reports"), "{:?}", text(&output));
    let output = careportal(root.path(), &["sync", "run", "--tenant", "nergens"], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("geen tenant met slug \"nergens\""), "{:?}", text(&output));
}

#[test]
fn apply_list_and_export_round_trip() {
    let root = copy_tenant("salem");
    let env = [("CAREPORTAL_DATA_DIR", "data")];
    let output = careportal(root.path(), &["tenant", "apply", "tenants/salem"], &env);
    assert!(output.status.success(), "{:?}", text(&output));
    assert!(text(&output).0.contains("tenant salem aangemaakt (versie 1)"));
    let output = careportal(root.path(), &["tenant", "apply", "tenants/salem"], &env);
    assert!(text(&output).0.contains("tenant salem bijgewerkt (versie 2)"));

    let (list, _) = text(&careportal(root.path(), &["tenant", "list"], &env));
    assert_eq!(list.lines().count(), 1);
    assert!(list.starts_with("salem\tSalem\tversie 2\tclientportaal.salem.nl"), "{list}");

    let output = careportal(root.path(), &["tenant", "export", "salem"], &env);
    assert!(output.status.success());
    let exported = text(&output).0;
    assert!(exported.contains("slug = \"salem\""));
    // What export writes, validate accepts.
    std::fs::write(root.path().join("tenants/salem/tenant.toml"), &exported).unwrap();
    let output = careportal(root.path(), &["tenant", "validate", "tenants/salem"], &env);
    assert!(output.status.success(), "{:?}", text(&output));

    let output = careportal(root.path(), &["tenant", "export", "bestaat-niet"], &env);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn demo_loads_both_tenants_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tenants = repo().join("tenants");
    let env = [("CAREPORTAL_DATA_DIR", data.to_str().unwrap()), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    let output = careportal(dir.path(), &["demo", "--if-empty"], &env);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("demo siloah: 4 cliënten, 6 accounts"), "{stdout}");
    assert!(stdout.contains("demo salem: 3 cliënten, 7 accounts"), "{stdout}");
    let output = careportal(dir.path(), &["demo", "--if-empty"], &env);
    assert!(text(&output).0.contains("overgeslagen"));
    // Without --if-empty it runs again and changes nothing.
    let output = careportal(dir.path(), &["demo"], &env);
    assert!(output.status.success(), "{:?}", text(&output));
    let (list, _) = text(&careportal(dir.path(), &["tenant", "list"], &env));
    assert_eq!(list.lines().count(), 2);
}

/// #11: the platform operator suspends a tenant and resumes it; the list says which is
/// suspended, and a sync of a suspended tenant is refused.
#[test]
fn a_tenant_is_suspended_and_resumed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tenants = repo().join("tenants");
    let env = [("CAREPORTAL_DATA_DIR", data.to_str().unwrap()), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    assert!(careportal(dir.path(), &["demo"], &env).status.success());
    let (said, _) = text(&careportal(dir.path(), &["tenant", "suspend", "siloah"], &env));
    assert!(said.contains("is opgeschort: het portaal toont alleen een melding en verstuurt niets."), "{said}");
    let (again, _) = text(&careportal(dir.path(), &["tenant", "suspend", "siloah"], &env));
    assert!(again.contains("was al opgeschort"), "{again}");
    let (list, _) = text(&careportal(dir.path(), &["tenant", "list"], &env));
    let siloah = list.lines().find(|l| l.starts_with("siloah")).unwrap();
    assert!(siloah.ends_with("\topgeschort"), "{list}");
    assert!(!list.lines().find(|l| l.starts_with("salem")).unwrap().contains("opgeschort"));
    let sync = careportal(dir.path(), &["sync", "run", "--tenant", "siloah"], &env);
    assert!(!sync.status.success() && text(&sync).1.contains("is opgeschort"), "{:?}", text(&sync));
    let (resumed, _) = text(&careportal(dir.path(), &["tenant", "resume", "siloah"], &env));
    assert!(resumed.contains("is hervat"), "{resumed}");
    let unknown = careportal(dir.path(), &["tenant", "suspend", "nergens"], &env);
    assert!(!unknown.status.success() && text(&unknown).1.contains("geen tenant met slug \"nergens\""));
}

/// #11: `tenant export SLUG DIR` writes the whole tenant back, and `tenant apply` of that
/// folder on an empty database makes the same tenant: the same configuration, the logo and
/// the rights model byte for byte, the same rules (comments are not kept in the database).
#[test]
fn a_tenant_exported_to_a_folder_applies_again_as_the_same_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = repo().join("tenants");
    let first = dir.path().join("eerste");
    let env = [("CAREPORTAL_DATA_DIR", first.to_str().unwrap()), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    assert!(careportal(dir.path(), &["demo"], &env).status.success());
    let out = dir.path().join("uit");
    let exported = careportal(dir.path(), &["tenant", "export", "siloah", out.to_str().unwrap()], &env);
    assert!(exported.status.success(), "{:?}", text(&exported));
    let again = careportal(dir.path(), &["tenant", "export", "siloah", out.to_str().unwrap()], &env);
    assert!(!again.status.success() && text(&again).1.contains("bestaat al"), "never over what is there");

    let second = dir.path().join("tweede");
    let env2 =
        [("CAREPORTAL_DATA_DIR", second.to_str().unwrap()), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    let folder = out.join("tenants").join("siloah");
    let applied = careportal(dir.path(), &["tenant", "apply", folder.to_str().unwrap()], &env2);
    assert!(applied.status.success(), "{:?}", text(&applied));
    let toml = |slug: &str, env: &[(&str, &str)]| text(&careportal(dir.path(), &["tenant", "export", slug], env)).0;
    assert_eq!(toml("siloah", &env), toml("siloah", &env2), "the same configuration");
    let read = |path: PathBuf| std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(read(folder.join("logo.svg")), read(tenants.join("siloah").join("logo.svg")));
    let policies = repo().join("policies").join("siloah");
    assert_eq!(read(out.join("policies/siloah/model.conf")), read(policies.join("model.conf")));
    let rules = |bytes: Vec<u8>| -> Vec<String> {
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(str::trim).collect::<Vec<_>>().join(", "))
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    };
    assert_eq!(rules(read(out.join("policies/siloah/policy.csv"))), rules(read(policies.join("policy.csv"))));

    // A tenant with a template override keeps it, byte for byte.
    let linde = repo().join("tests/fixtures/tenants/de-linde");
    assert!(careportal(dir.path(), &["tenant", "apply", linde.to_str().unwrap()], &env).status.success());
    let exported = careportal(dir.path(), &["tenant", "export", "de-linde", out.to_str().unwrap()], &env);
    assert!(exported.status.success(), "{:?}", text(&exported));
    let folder = out.join("tenants").join("de-linde");
    assert!(careportal(dir.path(), &["tenant", "apply", folder.to_str().unwrap()], &env2).status.success());
    assert_eq!(read(folder.join("templates/landing.html")), read(linde.join("templates/landing.html")));
    assert_eq!(toml("de-linde", &env), toml("de-linde", &env2));
}

#[test]
fn a_bad_configuration_value_stops_with_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("CAREPORTAL_LISTEN", "localhost", "listen = \"localhost\" (uit CAREPORTAL_LISTEN)"),
        ("CAREPORTAL_DATABASE_URL", "mysql://db", "database_url = \"mysql://db\""),
        ("CAREPORTAL_MODE", "test", "mode = \"test\""),
        ("CAREPORTAL_HTTPS", "misschien", "https = \"misschien\""),
        ("CAREPORTAL_SMTP_URL", "imap://mail", "smtp_url = \"imap://mail\""),
        ("CAREPORTAL_MAIL_FROM", "geen-adres", "mail_from = \"geen-adres\""),
        ("CAREPORTAL_TRUSTED_PROXIES", "10.0.0.5,lb", "trusted_proxies = \"10.0.0.5,lb\""),
    ];
    for (key, value, expected) in cases {
        let output = careportal(dir.path(), &["config", "print"], &[(key, value)]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{key}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn the_config_file_and_environment_layer_in_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("careportal.toml"), "listen = \"127.0.0.1:9000\"\nlog_level = \"debug\"\n").unwrap();
    let (stdout, _) = text(&careportal(dir.path(), &["config", "print"], &[]));
    assert!(stdout.contains("listen = \"127.0.0.1:9000\""), "{stdout}");
    let (stdout, _) = text(&careportal(dir.path(), &["config", "print"], &[("CAREPORTAL_LISTEN", "127.0.0.1:9100")]));
    assert!(stdout.contains("listen = \"127.0.0.1:9100\""), "environment wins: {stdout}");
    assert!(stdout.contains("log_level = \"debug\""));
    // Numbers from the environment, as from the file.
    std::fs::write(dir.path().join("careportal.toml"), "worker_interval_seconds = 20\n").unwrap();
    let (stdout, _) = text(&careportal(dir.path(), &["config", "print"], &[]));
    assert!(stdout.contains("worker_interval_seconds = 20"), "{stdout}");
    let env = [
        ("CAREPORTAL_WORKER_INTERVAL_SECONDS", "45"),
        ("CAREPORTAL_HEADER_TIMEOUT_SECONDS", "3"),
        ("CAREPORTAL_REQUEST_TIMEOUT_SECONDS", "30"),
    ];
    let (stdout, stderr) = text(&careportal(dir.path(), &["config", "print"], &env));
    assert!(
        stdout.contains("worker_interval_seconds = 45")
            && stdout.contains("header_timeout_seconds = 3")
            && stdout.contains("request_timeout_seconds = 30"),
        "{stdout}{stderr}"
    );
    let (stdout, _) = text(&careportal(dir.path(), &["config", "print"], &[]));
    assert!(stdout.contains("request_timeout_seconds = 120"), "the default: {stdout}");
    let output = careportal(dir.path(), &["config", "print"], &[("CAREPORTAL_REQUEST_TIMEOUT_SECONDS", "1")]);
    assert_eq!(output.status.code(), Some(2), "a deadline shorter than five seconds is refused");
    std::fs::write(dir.path().join("careportal.toml"), "listen = \"127.0.0.1:9000\"\nlog_level = \"debug\"\n").unwrap();

    std::fs::write(dir.path().join("other.toml"), "lissen = \"x\"\n").unwrap();
    let output = careportal(dir.path(), &["config", "print"], &[("CAREPORTAL_CONFIG", "other.toml")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("lissen"));
}

#[test]
fn production_refuses_to_serve_without_a_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let plain =
        [("CAREPORTAL_MODE", "production"), ("CAREPORTAL_LISTEN", "127.0.0.1:0"), ("CAREPORTAL_DATA_DIR", "data")];
    let output = careportal(dir.path(), &["serve"], &plain);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("https = true verplicht"), "no production over plain HTTP: {stderr}");
    let env = [plain.as_slice(), &[("CAREPORTAL_HTTPS", "true")]].concat();
    let output = careportal(dir.path(), &["serve"], &env);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("secret_key ontbreekt"), "{stderr}");
    let key = [("CAREPORTAL_SECRET_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")];
    let output = careportal(dir.path(), &["serve"], &[env.as_slice(), key.as_slice()].concat());
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("smtp_url ontbreekt"), "no mail silently written to disk in production: {stderr}");
    // Demo people with a known password never reach a production database.
    let output = careportal(dir.path(), &["demo"], &[env.as_slice(), key.as_slice()].concat());
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("careportal demo weigert in productie"), "{stderr}");
    let listed = careportal(dir.path(), &["tenant", "list"], &[env.as_slice(), key.as_slice()].concat());
    assert_eq!(listed.status.code(), Some(0), "{:?}", text(&listed));
    assert!(!text(&listed).0.contains("siloah"), "no demo tenant was loaded: {:?}", text(&listed));
    let output = careportal(dir.path(), &["config", "print"], &[("CAREPORTAL_SECRET_KEY", "c2VjcmV0")]);
    assert_eq!(output.status.code(), Some(2), "a key that is not 32 bytes is refused");
    assert!(!text(&output).1.contains("c2VjcmV0"), "the bad secret is not echoed");
}

#[test]
fn sqlite_files_are_never_created_outside_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("typo/careportal.db");
    let url = format!("sqlite://{}", elsewhere.display());
    let env = [("CAREPORTAL_DATA_DIR", "data"), ("CAREPORTAL_DATABASE_URL", url.as_str())];
    let output = careportal(dir.path(), &["migrate"], &env);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("buiten de datamap"), "{stderr}");
    assert!(!elsewhere.exists());
    // Inside the data folder it is made.
    let output = careportal(dir.path(), &["migrate"], &[("CAREPORTAL_DATA_DIR", "data")]);
    assert!(output.status.success(), "{:?}", text(&output));
    assert!(dir.path().join("data/careportal.db").exists());
    // Health data: the folder and the database are this user's alone, whatever the umask.
    use std::os::unix::fs::PermissionsExt;
    for made in ["data", "data/careportal.db"] {
        let mode = std::fs::metadata(dir.path().join(made)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{made} is {mode:o}");
    }
}

/// The FHIR test server of tests/fhir (medplum's router in Node), killed when dropped.
struct FhirServer {
    child: std::process::Child,
    port: u16,
}

impl FhirServer {
    fn start() -> Self {
        use std::io::{BufRead, BufReader};
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("node")
            .arg(repo().join("tests/fhir/server.mjs"))
            .arg(port.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("node, with npm ci in tests/fhir (make test-deps)");
        let stdout = child.stdout.take().unwrap();
        assert!(BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.starts_with("ready")));
        Self { child, port }
    }

    /// POSTs a JSON body to the FHIR base, over a plain socket (the binary's tests need no
    /// HTTP client of their own).
    fn post(&self, body: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "POST /fhir/R4 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sync_run_with_a_fhir_ecd_fills_the_client_list_and_status_says_how_it_went() {
    let server = FhirServer::start();
    let loaded = server.post(&std::fs::read_to_string(repo().join("tests/fixtures/fhir/patients.json")).unwrap());
    assert!(loaded.starts_with("HTTP/1.1 200"), "{loaded}");
    let root = copy_tenant("siloah");
    let base_url = format!("http://127.0.0.1:{}/fhir/R4", server.port);
    edit(
        &root.path().join("tenants/siloah/tenant.toml"),
        "connector = \"demo\"",
        &format!(
            "connector = \"fhir\"\n[sync.fhir]\nbase_url = \"{base_url}\"\n\
             client_identifier_system = \"urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1\""
        ),
    );
    let env = [("CAREPORTAL_DATA_DIR", "data")];
    let output = careportal(root.path(), &["tenant", "apply", "tenants/siloah"], &env);
    assert!(output.status.success(), "{:?}", text(&output));

    // One Patient has no name: it is named and skipped, the rest comes in, and the exit
    // code says not everything could be read.
    let output = careportal(root.path(), &["sync", "run", "--tenant", "siloah"], &env);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout} {stderr}");
    assert!(stdout.contains("clients\t3 nieuw\t0 gewijzigd"), "{stdout}");
    assert!(stdout.contains("reports\t0 nieuw") && stdout.contains("outbox\t0 nieuw"), "{stdout}");
    assert!(stderr.contains("overgeslagen: geen naam"), "{stderr}");
    let output = careportal(root.path(), &["client", "list", "--tenant", "siloah"], &env);
    assert!(text(&output).0.contains("SIL-1001\tThomas de Vries"), "{:?}", text(&output));

    let output = careportal(root.path(), &["sync", "run", "--tenant", "siloah", "--kind", "clients"], &env);
    assert!(text(&output).0.contains("clients\t0 nieuw\t0 gewijzigd\t3 ongewijzigd"), "{:?}", text(&output));

    let output = careportal(root.path(), &["sync", "status", "--tenant", "siloah"], &env);
    let (stdout, _) = text(&output);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("siloah\tnaar het ECD: 0 wachtend, 0 geparkeerd"), "{stdout}");
    assert!(stdout.contains("siloah\tclients\tiedere 15 minuten\tlaatst gestart 20"), "{stdout}");
    assert!(stdout.contains("siloah\toutbox\tiedere minuut"), "{stdout}");
    assert!(stdout.contains("0 nieuw, 0 gewijzigd, 3 ongewijzigd, 0 verwijderd, 0 wacht, 1 overgeslagen"), "{stdout}");

    // The server is gone: the line says so, and status keeps it.
    drop(server);
    let output = careportal(root.path(), &["sync", "run", "--tenant", "siloah", "--kind", "clients"], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).0.contains("clients\tmislukt: de FHIR-server op"), "{:?}", text(&output));
    let output = careportal(root.path(), &["sync", "status"], &env);
    assert!(text(&output).0.contains("niet bereikbaar"), "{:?}", text(&output));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["worker", "--help"],
        vec!["migrate", "--help"],
        vec!["tenant", "--help"],
        vec!["tenant", "apply", "--help"],
        vec!["demo", "--help"],
        vec!["config", "print", "--help"],
        vec!["sync", "run", "--help"],
        vec!["sync", "status", "--help"],
    ] {
        let output = careportal(&repo(), &args, &[]);
        assert!(output.status.success(), "{args:?}");
        assert!(text(&output).0.contains("Usage"), "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn serve_logs_request_ids_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_careportal"));
    command.current_dir(dir.path()).arg("serve").stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("CAREPORTAL_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
        .env("CAREPORTAL_LISTEN", "127.0.0.1:0")
        .env("CAREPORTAL_DATA_DIR", "data")
        .env("CAREPORTAL_LOG_FORMAT", "json")
        // The request comes "from our load balancer", whose request id is kept.
        .env("CAREPORTAL_TRUSTED_PROXIES", "127.0.0.1");
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // "Careportal luistert op 127.0.0.1:PORT (sqlite)."
    let address = first.split_whitespace().nth(3).unwrap_or_else(|| panic!("no address in {first:?}")).to_owned();

    let mut stream = TcpStream::connect(&address).unwrap();
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: proef-1234abcd\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exits 0 after SIGTERM: {status:?}");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let line =
        stderr.lines().find(|l| l.contains("proef-1234abcd")).unwrap_or_else(|| panic!("no request id in {stderr}"));
    assert!(line.starts_with('{') && line.contains("\"request_id\":\"proef-1234abcd\""), "{line}");
    assert!(stderr.contains("stopsignaal ontvangen"), "{stderr}");
    assert!(stderr.contains("worker gestopt"), "the worker finishes too: {stderr}");
}

/// #14: `/metrics` on its own address (not on the portal's), by route template and never by
/// path, with the pool, the outbox per tenant and the request durations; it stops with serve.
#[cfg(unix)]
#[test]
fn metrics_are_served_on_their_own_address_and_name_no_path() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::Stdio;

    let get = |address: &str, host: &str, path: &str| {
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    };
    let dir = tempfile::tempdir().unwrap();
    let tenants = repo().join("tenants");
    let env = [("CAREPORTAL_DATA_DIR", "data"), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    assert!(careportal(dir.path(), &["demo"], &env).status.success());
    let mut command = Command::new(env!("CARGO_BIN_EXE_careportal"));
    command.current_dir(dir.path()).args(["serve", "--no-worker"]).stdout(Stdio::piped()).stderr(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("CAREPORTAL_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command.envs(env).env("CAREPORTAL_LISTEN", "127.0.0.1:0").env("CAREPORTAL_METRICS_LISTEN", "127.0.0.1:0");
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut portal, mut metrics) = (None, None);
    while metrics.is_none() {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "serve said no metrics address");
        if line.starts_with("Careportal luistert op") {
            portal = line.split_whitespace().nth(3).map(str::to_owned);
        }
        if let Some(url) = line.trim().strip_prefix("Metrics op http://") {
            metrics = url.strip_suffix("/metrics").map(str::to_owned);
        }
    }
    let (portal, metrics) = (portal.unwrap(), metrics.unwrap());
    assert!(get(&portal, "siloah.localhost", "/inloggen").starts_with("HTTP/1.1 200"));
    get(&portal, "siloah.localhost", "/wachtwoord-herstellen/GeheimHersteltoken1234567890");
    assert!(get(&portal, "siloah.localhost", "/metrics").starts_with("HTTP/1.1 404"), "not on the portal's hosts");

    let text = get(&metrics, "metrics", "/metrics");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    for expected in [
        "careportal_http_requests_total{route=\"/inloggen\",method=\"GET\",status=\"200\"} 1",
        "careportal_http_requests_total{route=\"/wachtwoord-herstellen/{token}\"",
        "careportal_http_request_duration_seconds_bucket{route=\"/inloggen\",le=\"0.05\"}",
        "careportal_db_pool_connections{state=\"max\"} 10",
        "careportal_db_up 1",
        "careportal_outbox_waiting{tenant=\"siloah\",channel=\"email\"} 0",
        "careportal_outbox_waiting{tenant=\"salem\",channel=\"sms\"} 0",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains("GeheimHersteltoken"), "a path's token never becomes a label");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success(), "serve and its metrics stop cleanly");
}

fn mails_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir).map(|e| e.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "eml"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

#[test]
fn invitations_follow_the_tenants_style_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tenants = repo().join("tenants");
    let env = [("CAREPORTAL_DATA_DIR", data.to_str().unwrap()), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    assert!(careportal(dir.path(), &["demo"], &env).status.success());

    let (list, _) = text(&careportal(dir.path(), &["client", "list", "--tenant", "siloah"], &env));
    assert_eq!(
        list.lines().next(),
        Some("SIL-1003\tDaan Bakker\t2004-01-23"),
        "by family name, then given name: {list}"
    );
    assert_eq!(list.lines().count(), 4);
    assert!(list.contains("SIL-1001\tThomas de Vries\t1994-03-12"));

    // Siloah: a one-time password by e-mail.
    let invite = |tenant: &str, email: &str, name: &str, client: &str, relation: &str| {
        careportal(
            dir.path(),
            &[
                "user",
                "invite",
                "--tenant",
                tenant,
                "--email",
                email,
                "--name",
                name,
                "--client",
                client,
                "--relation",
                relation,
            ],
            &env,
        )
    };
    let output = invite("siloah", "mira.bakker@example.nl", "Mira Bakker", "SIL-1002", "representative");
    assert!(output.status.success(), "{:?}", text(&output));
    assert!(text(&output).0.contains("uitnodiging verstuurd naar mira.bakker@example.nl"));
    let mails = mails_in(&data.join("outbox/mail"));
    let mail = mails.last().unwrap().replace("=\r\n", "");
    assert!(mail.contains("To: mira.bakker@example.nl"), "{mail}");
    assert!(mail.contains("Gebruikersnaam: mira.bakker@example.nl"));
    assert!(mail.contains("Eenmalig wachtwoord: "));
    assert!(mail.contains("183 dagen geldig"), "Siloah: half a year");
    assert!(!mail.contains("Sanne"), "no client data in the invitation");

    // A number from the registration form becomes the SMS factor; a bad one is refused
    // before anything is made.
    let with_phone = |email: &str, phone: &str| {
        careportal(
            dir.path(),
            &[
                "user",
                "invite",
                "--tenant",
                "siloah",
                "--email",
                email,
                "--name",
                "Nadia Bakker",
                "--client",
                "SIL-1003",
                "--relation",
                "representative",
                "--phone",
                phone,
            ],
            &env,
        )
    };
    let output = with_phone("nadia@example.nl", "06-1234");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("--phone"), "{:?}", text(&output));
    let output = with_phone("nadia@example.nl", "06 12 34 56 78");
    assert!(output.status.success(), "{:?}", text(&output));
    let mail = mails_in(&data.join("outbox/mail")).last().unwrap().replace("=\r\n", "");
    assert!(mail.contains("U krijgt dan een SMS-code op uw mobiele nummer"), "{mail}");
    assert!(mail.contains("78") && !mail.contains("12345678"), "the number is masked: {mail}");

    // Siloah allows two representatives besides the client; SIL-1001 has two.
    let output = invite("siloah", "derde@example.nl", "Derde Persoon", "SIL-1001", "representative");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("hoogstens 2"), "{:?}", text(&output));

    // Salem: an activation link.
    let output = invite("salem", "bram.jansen@example.nl", "Bram Jansen", "SAL-2002", "contact");
    assert!(output.status.success(), "{:?}", text(&output));
    let mail = mails_in(&data.join("outbox/mail")).last().unwrap().replace("=\r\n", "").replace("=3D", "=");
    assert!(mail.contains("http://salem.localhost:8080/wachtwoord-herstellen/"), "{mail}");
    assert!(!mail.contains("Eenmalig wachtwoord"));

    // An existing account is asked to accept access to another client: no new account, no
    // link until the person accepts, one e-mail that says so.
    let before = mails_in(&data.join("outbox/mail")).len();
    let output = invite("salem", "bram.jansen@example.nl", "Bram Jansen", "SAL-2003", "contact");
    assert!(
        text(&output).0.contains("bestaand account bram.jansen@example.nl is uitgenodigd voor SAL-2003 als contact"),
        "{:?}",
        text(&output)
    );
    let mails = mails_in(&data.join("outbox/mail"));
    assert_eq!(mails.len(), before + 1);
    let mail = mails.last().unwrap().replace("=\r\n", "");
    assert!(mail.contains("Zonder uw bevestiging krijgt u geen toegang"), "{mail}");

    let output = invite("salem", "x@example.nl", "X", "SAL-2002", "contact");
    assert!(text(&output).1.contains("--name"), "{:?}", text(&output));
    let output = invite("salem", "x@example.nl", "Xander Y", "SAL-9999", "contact");
    assert!(text(&output).1.contains("geen cliënt SAL-9999"), "{:?}", text(&output));
}

/// `serve` on a free port of 127.0.0.1 with `env`, killed when dropped; its address.
struct Served {
    child: std::process::Child,
    address: String,
}

impl Served {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader};
        let mut command = Command::new(env!("CARGO_BIN_EXE_careportal"));
        command.current_dir(dir).args(["serve", "--no-worker"]).stdout(std::process::Stdio::piped());
        for (key, _) in std::env::vars() {
            if key.starts_with("CAREPORTAL_") {
                command.env_remove(key);
            }
        }
        command.env("CAREPORTAL_LISTEN", "127.0.0.1:0").env("CAREPORTAL_DATA_DIR", "data");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.strip_prefix("Careportal luistert op ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep reading what it prints, so it never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Served { child, address }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_client_that_dribbles_its_headers_is_cut_off_and_others_are_served() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[("CAREPORTAL_HEADER_TIMEOUT_SECONDS", "1")]);

    // Slowloris: half a request, then nothing. The server hangs up after the header timeout.
    let mut slow = TcpStream::connect(&served.address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: siloah.localhost\r\nX-Langzaam: ").unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = slow.read_to_end(&mut answer);
    let waited = started.elapsed();
    // Closed (a reset, since our half request is left unread), not left open until our
    // own read timeout.
    let closed = match &read {
        Ok(_) => true,
        Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
    };
    assert!(closed, "the server closes the connection rather than leaving it open: {read:?}");
    assert!(waited < Duration::from_secs(5), "cut off after about a second, not {waited:?}");
    assert!(waited >= Duration::from_millis(900), "but not before the timeout: {waited:?}");

    // Whoever sends a whole request meanwhile is answered, with the peer address known.
    let mut quick = TcpStream::connect(&served.address).unwrap();
    quick.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    quick.write_all(b"GET /healthz HTTP/1.1\r\nHost: siloah.localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    quick.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn audit_verify_passes_a_sound_log_and_names_the_first_changed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tenants = repo().join("tenants");
    let env = [("CAREPORTAL_DATA_DIR", data.to_str().unwrap()), ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap())];
    assert!(careportal(dir.path(), &["demo"], &env).status.success());

    let output = careportal(dir.path(), &["audit", "checkpoint"], &env);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("siloah: controlepunt bij #"), "{stdout}");
    let output = careportal(dir.path(), &["audit", "verify"], &env);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("siloah: ") && stdout.contains("keten heel; 1 controlepunt(en)"), "{stdout}");
    assert!(stdout.contains("salem: "), "{stdout}");

    let output = careportal(dir.path(), &["audit", "prune"], &env);
    assert!(text(&output).0.contains("siloah: 0 vermelding(en) ouder dan 5 jaar opgeschoond"), "{:?}", text(&output));

    // Somebody with the database file, not the secret key, changes entry 3 of Siloah.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", data.join("careportal.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut conn).await.unwrap();
        let changed = sqlx::query(
            "UPDATE audit_log SET actor = 'system:niemand' WHERE seq = 3 \
             AND tenant_id = (SELECT id FROM tenants WHERE slug = 'siloah')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(changed.rows_affected(), 1);
        conn.close().await.unwrap();
    });
    let output = careportal(dir.path(), &["audit", "verify", "--tenant", "siloah"], &env);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("siloah: 2 vermeldingen, KETEN GEBROKEN: #3 ("), "{stdout}");
    assert!(stdout.contains("de vermelding is gewijzigd"), "{stdout}");
    assert!(stderr.contains("het logboek van siloah is niet meer wat er geschreven werd"), "{stderr}");
    // Salem's chain is its own and still whole.
    let output = careportal(dir.path(), &["audit", "verify", "--tenant", "salem"], &env);
    assert!(output.status.success(), "{:?}", text(&output));
}

/// The password hash of `username` in the SQLite database at `db`.
fn password_hash(db: &Path, username: &str) -> String {
    use sqlx::Connection;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let hash: String = sqlx::query_scalar(
            "SELECT c.password_hash FROM credentials c JOIN accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id \
             WHERE a.username = ?1",
        )
        .bind(username)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        hash
    })
}

/// #16: `--config FILE` decides where everything goes; `demo` run again keeps a password a
/// person has since changed; `staff add` and `plan offer` say in Dutch what is wrong with
/// their input and exit 1.
#[test]
fn a_config_file_demo_again_and_wrong_staff_and_plan_input() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "data_dir = \"./elders\"\ntenants_dir = \"{}\"\npolicies_dir = \"{}\"\n",
        repo().join("tenants").display(),
        repo().join("policies").display()
    );
    std::fs::write(dir.path().join("other.toml"), config).unwrap();
    let with = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--config", "other.toml"]);
        careportal(dir.path(), &all, &[])
    };
    let output = with(&["demo"]);
    assert!(output.status.success(), "{:?}", text(&output));
    let db = dir.path().join("elders/careportal.db");
    assert!(db.exists() && !dir.path().join("data").exists(), "the data went where the file said");
    let (printed, _) = text(&with(&["config", "print"]));
    assert!(printed.contains("data_dir = \"./elders\""), "{printed}");

    // A demo person changes their password (here: in the database); demo again keeps it.
    let username = "ingrid.devries@example.nl";
    let before = password_hash(&db, username);
    let output = with(&["demo"]);
    assert!(output.status.success(), "{:?}", text(&output));
    assert_eq!(password_hash(&db, username), before, "demo again leaves existing passwords alone");

    for (args, expected) in [
        (
            vec!["--tenant", "nope", "--email", "a@b.nl", "--name", "Lisa Smit", "--role", "admin"],
            "geen tenant met slug \"nope\"",
        ),
        (
            vec!["--tenant", "siloah", "--email", "geen", "--name", "Lisa Smit", "--role", "admin"],
            "--email: \"geen\" is geen geldig e-mailadres",
        ),
        (
            vec!["--tenant", "siloah", "--email", "lisa@siloah.nl", "--name", "Lisa Smit", "--role", "baas"],
            "kies admin, coordinator of privacy",
        ),
        (
            vec!["--tenant", "siloah", "--email", "lisa@siloah.nl", "--name", "", "--role", "admin"],
            "--name: Vul een naam in",
        ),
    ] {
        let mut all = vec!["staff", "add"];
        all.extend(args);
        let output = with(&all);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{all:?}: {stderr}");
        assert!(stderr.contains(expected), "{all:?}: {stderr}");
    }

    std::fs::write(dir.path().join("geen.pdf"), "geen pdf").unwrap();
    for (client, file, date, expected) in [
        ("SIL-9999", "geen.pdf", "2026-11-20", "--client: geen cliënt SIL-9999 bij siloah"),
        ("SIL-1001", "geen.pdf", "2026-11-20", "dit is geen PDF-document"),
        ("SIL-1001", "ontbreekt.pdf", "2026-11-20", "--file ontbreekt.pdf: dit bestand bestaat niet"),
        ("SIL-1001", "geen.pdf", "gisteren", "--date"),
    ] {
        let args = ["plan", "offer", "--tenant", "siloah", "--client", client, "--file", file, "--date", date];
        let output = with(&args);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

/// #16: the background work (here: signing the audit log's first checkpoints) runs in
/// `serve` and in `careportal worker`, and not in `serve --no-worker`, which leaves it to a
/// worker process of its own.
#[test]
fn the_worker_runs_in_serve_and_alone_but_not_in_serve_no_worker() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = repo().join("tenants");
    let policies = repo().join("policies");
    let env_for = |data: &'static str| {
        [
            ("CAREPORTAL_DATA_DIR", data),
            ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap()),
            ("CAREPORTAL_POLICIES_DIR", policies.to_str().unwrap()),
            ("CAREPORTAL_LISTEN", "127.0.0.1:0"),
        ]
    };
    let signed = |data: &'static str| {
        let (stdout, stderr) = text(&careportal(dir.path(), &["audit", "verify"], &env_for(data)));
        assert!(stdout.contains("keten heel"), "{stdout}{stderr}");
        !stdout.contains("nog geen controlepunt")
    };
    // Runs the command on `data` until its first checkpoint is signed or six seconds went by
    // (far past a worker's first round), stops it with SIGTERM; whether it signed.
    let run = |args: &[&str], data: &'static str| {
        assert!(careportal(dir.path(), &["demo"], &env_for(data)).status.success());
        assert!(!signed(data), "nothing signed before");
        let mut command = Command::new(env!("CARGO_BIN_EXE_careportal"));
        command.current_dir(dir.path()).args(args);
        command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        for (key, _) in std::env::vars() {
            if key.starts_with("CAREPORTAL_") {
                command.env_remove(key);
            }
        }
        command.envs(env_for(data));
        let mut child = command.spawn().unwrap();
        let mut done = false;
        for _ in 0..30 {
            std::thread::sleep(std::time::Duration::from_millis(200));
            done = signed(data);
            if done {
                break;
            }
        }
        let stopped = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(stopped.success());
        assert!(child.wait().unwrap().success(), "{args:?} stops cleanly on SIGTERM");
        done
    };
    assert!(!run(&["serve", "--no-worker"], "zonder"), "serve --no-worker does no background work");
    assert!(run(&["worker"], "worker"), "careportal worker does");
    assert!(run(&["serve"], "met"), "and serve does, with its own worker");
}

/// The PostgreSQL server the suites use (TEST_POSTGRES_URL), as `postgres://…/<database>`.
fn postgres_url(database: &str) -> String {
    let admin =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    format!("{}/{database}", admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base))
}

fn on_postgres(sql: &str) {
    use sqlx::Connection;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut admin = sqlx::PgConnection::connect(&postgres_url("postgres")).await.unwrap();
        sqlx::query(sql).execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
    });
}

/// #16: the operator's commands on PostgreSQL, as in production: migrate, demo, the tenant
/// and client lists, a staff member, a plan offered, and the audit log verified.
#[test]
fn the_command_line_works_on_postgresql() {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // Named as the suites name theirs, so a leftover is swept by the next run.
    let name = format!("careportal_t_{seconds}_cli{}", std::process::id());
    on_postgres(&format!("CREATE DATABASE {name}"));
    struct DropAfter(String);
    impl Drop for DropAfter {
        fn drop(&mut self) {
            on_postgres(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0));
        }
    }
    let _drop = DropAfter(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let url = postgres_url(&name);
    let tenants = repo().join("tenants");
    let policies = repo().join("policies");
    let env = [
        ("CAREPORTAL_DATABASE_URL", url.as_str()),
        ("CAREPORTAL_DATA_DIR", "data"),
        ("CAREPORTAL_TENANTS_DIR", tenants.to_str().unwrap()),
        ("CAREPORTAL_POLICIES_DIR", policies.to_str().unwrap()),
    ];
    let ok = |args: &[&str]| {
        let output = careportal(dir.path(), args, &env);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{args:?}: {stdout}{stderr}");
        stdout
    };
    ok(&["migrate"]);
    let demo = ok(&["demo"]);
    assert!(demo.contains("demo siloah: 4 cliënten, 6 accounts"), "{demo}");
    let list = ok(&["tenant", "list"]);
    assert!(list.contains("siloah") && list.contains("salem"), "{list}");
    let clients = ok(&["client", "list", "--tenant", "siloah"]);
    assert!(clients.contains("SIL-1001"), "{clients}");
    let staff = ok(&[
        "staff",
        "add",
        "--tenant",
        "siloah",
        "--email",
        "lisa@siloah.nl",
        "--name",
        "Lisa Smit",
        "--role",
        "coordinator",
    ]);
    assert!(staff.contains("lisa@siloah.nl"), "{staff}");
    let pdf = dir.path().join("plan.pdf");
    std::fs::write(&pdf, careportal_documents::TextDocument::new("Siloah", "Begeleidingsplan").render()).unwrap();
    let offered = ok(&[
        "plan",
        "offer",
        "--tenant",
        "siloah",
        "--client",
        "SIL-1001",
        "--file",
        pdf.to_str().unwrap(),
        "--date",
        "2026-11-20",
    ]);
    assert!(!offered.is_empty());
    ok(&["audit", "checkpoint"]);
    let verified = ok(&["audit", "verify"]);
    assert!(
        verified.contains("siloah") && verified.contains("keten heel") && verified.contains("controlepunt(en)"),
        "{verified}"
    );
    assert!(
        dir.path()
            .join("data")
            .read_dir()
            .map_or(true, |d| !d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "db"))),
        "no SQLite file beside a PostgreSQL deployment"
    );
}
