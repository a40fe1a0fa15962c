//! Configuration: built-in defaults, then `careportal.toml` (or `$CAREPORTAL_CONFIG`), then
//! `CAREPORTAL_*` environment variables (nested keys with `__`).
//!
//! figment gathers the layers; each key is then parsed here by hand, so that a bad value
//! stops start-up with one line naming the key, the value, where it came from and what is
//! expected.

use base64::Engine;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use figment::value::Value;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

const ENV_PREFIX: &str = "CAREPORTAL_";
const KEYS: [&str; 23] = [
    "mode",
    "database_url",
    "listen",
    "metrics_listen",
    "data_dir",
    "secret_key",
    "secret_key_file",
    "https",
    "log_format",
    "log_level",
    "tenants_dir",
    "policies_dir",
    "max_connections",
    "worker_interval_seconds",
    "header_timeout_seconds",
    "request_timeout_seconds",
    "smtp_url",
    "mail_from",
    "sms",
    "sns_endpoint",
    "s3_bucket",
    "s3_endpoint",
    "trusted_proxies",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The embedded default: `<slug>.localhost` hosts, a secret key made on first start.
    Development,
    /// Refuses to start without a secret key; only configured hostnames.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub mode: Mode,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Where Prometheus reads `/metrics`; None: not served. Never the portal's own address.
    pub metrics_listen: Option<SocketAddr>,
    pub data_dir: PathBuf,
    secret_key: Option<SecretKey>,
    secret_key_file: Option<PathBuf>,
    pub https: bool,
    pub log_format: LogFormat,
    pub log_level: String,
    pub tenants_dir: PathBuf,
    pub policies_dir: PathBuf,
    pub max_connections: u32,
    pub worker_interval_seconds: u64,
    /// How long a client may take to send a request's headers (slowloris).
    pub header_timeout_seconds: u64,
    /// How long one request may take in all, body included (a stuck handler or a body
    /// trickled in): then the branded 503.
    pub request_timeout_seconds: u64,
    /// None: e-mail goes to `<data_dir>/outbox/mail/` (development only).
    smtp_url: Option<String>,
    pub mail_from: String,
    /// "file" (development: `<data_dir>/outbox/sms.jsonl`) or "sns".
    sms_via_sns: bool,
    sns_endpoint: Option<String>,
    /// None: documents live in `<data_dir>/documents/` (development only).
    s3_bucket: Option<String>,
    s3_endpoint: Option<String>,
    /// Load balancers whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// 32 random bytes that sign sessions and encrypt secrets at rest. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok().or_else(|| decode_hex(text))?;
        bytes.try_into().ok().map(Self)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// A configuration problem: exit code 2, one line.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuratiefout: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

struct Layers {
    figment: Figment,
}

impl Layers {
    /// The value of `key` as text, and where it came from; None when no layer sets it.
    fn get(&self, key: &str) -> Result<Option<(String, String)>, ConfigError> {
        let value = match self.figment.find_value(key) {
            Ok(value) => value,
            Err(_) => return Ok(None),
        };
        let source = self.source(key, &value);
        let text = match &value {
            Value::String(_, s) => s.clone(),
            Value::Char(_, c) => c.to_string(),
            Value::Bool(_, b) => b.to_string(),
            // From the environment "30" arrives as an unsigned number, from TOML as a signed
            // one: both are whole numbers (a missing case here made every numeric
            // CAREPORTAL_ variable read as empty).
            Value::Num(_, n) => n
                .to_u128()
                .map(|u| u.to_string())
                .or_else(|| n.to_i128().map(|i| i.to_string()))
                .or_else(|| n.to_f64().map(|f| f.to_string()))
                .unwrap_or_default(),
            Value::Empty(..) => String::new(),
            Value::Dict(..) | Value::Array(..) => {
                return Err(ConfigError(format!("{key} ({source}): verwacht één waarde, geen lijst of tabel")));
            }
        };
        Ok(Some((text, source)))
    }

    fn source(&self, key: &str, value: &Value) -> String {
        let Some(metadata) = self.figment.get_metadata(value.tag()) else {
            return "?".to_owned();
        };
        match &metadata.source {
            Some(figment::Source::File(path)) => path.display().to_string(),
            _ if metadata.name.contains("environment") => format!("{ENV_PREFIX}{}", key.to_uppercase()),
            _ => metadata.name.to_string(),
        }
    }
}

fn bad(key: &str, value: &str, source: &str, expected: &str) -> ConfigError {
    ConfigError(format!("{key} = \"{value}\" (uit {source}): verwacht {expected}"))
}

impl Config {
    /// Loads the layers. `file` is `--config`, else `$CAREPORTAL_CONFIG`, else
    /// `careportal.toml` when it exists.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let from_env = std::env::var_os("CAREPORTAL_CONFIG").map(PathBuf::from);
        let explicit = file.map(Path::to_path_buf).or(from_env);
        let path = explicit.clone().unwrap_or_else(|| PathBuf::from("careportal.toml"));
        let mut figment = Figment::new();
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("kan {} niet lezen: {e}", path.display())))?;
            let table: toml::Table =
                text.parse().map_err(|e| ConfigError(format!("{}: geen geldige TOML: {e}", path.display())))?;
            if let Some(unknown) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(ConfigError(format!(
                    "{unknown} (uit {}): onbekende sleutel; bekend zijn: {}",
                    path.display(),
                    KEYS.join(", ")
                )));
            }
            figment = figment.merge(Toml::file(&path));
        } else if let Some(explicit) = explicit {
            return Err(ConfigError(format!("configuratiebestand {} bestaat niet", explicit.display())));
        }
        for (name, _) in std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v))) {
            if let Some(key) = name.strip_prefix(ENV_PREFIX) {
                let key = key.to_lowercase();
                if key != "config" && !KEYS.contains(&key.split("__").next().unwrap_or_default()) {
                    eprintln!("waarschuwing: {name} is geen bekende instelling en wordt genegeerd");
                }
            }
        }
        figment = figment.merge(
            Env::prefixed(ENV_PREFIX)
                .split("__")
                .filter(|k| KEYS.iter().any(|known| k.as_str().eq_ignore_ascii_case(known))),
        );
        Self::from_layers(&Layers { figment })
    }

    fn from_layers(layers: &Layers) -> Result<Self, ConfigError> {
        let text = |key: &str| layers.get(key);

        let mode = match text("mode")? {
            None => Mode::Development,
            Some((v, _)) if v == "development" => Mode::Development,
            Some((v, _)) if v == "production" => Mode::Production,
            Some((v, s)) => return Err(bad("mode", &v, &s, "development of production")),
        };
        let data_dir = match text("data_dir")? {
            None => PathBuf::from("./data"),
            Some((v, s)) if v.trim().is_empty() => return Err(bad("data_dir", &v, &s, "een map")),
            Some((v, _)) => PathBuf::from(v),
        };
        let database_url = match text("database_url")? {
            None => format!("sqlite://{}", data_dir.join("careportal.db").display()),
            Some((v, s)) => {
                if !(v.starts_with("sqlite:") || v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                    return Err(bad(
                        "database_url",
                        &redact_url(&v),
                        &s,
                        "sqlite://pad/bestand.db of postgres://gebruiker@host/db",
                    ));
                }
                v
            }
        };
        let listen = match text("listen")? {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some((v, s)) => {
                v.parse().map_err(|_| bad("listen", &v, &s, "een adres met poort, zoals 127.0.0.1:8080"))?
            }
        };
        let metrics_listen = match text("metrics_listen")? {
            None => None,
            Some((v, s)) => Some(
                v.parse().map_err(|_| bad("metrics_listen", &v, &s, "een adres met poort, zoals 127.0.0.1:9464"))?,
            ),
        };
        if metrics_listen == Some(listen) && listen.port() != 0 {
            return Err(ConfigError(format!(
                "metrics_listen = \"{listen}\" is het adres van het portaal zelf; kies een eigen adres voor de metrics"
            )));
        }
        let secret_key = match text("secret_key")? {
            None => None,
            Some((v, s)) => Some(SecretKey::parse(&v).ok_or_else(|| {
                bad("secret_key", "<verborgen>", &s, "32 bytes als base64 (44 tekens) of hex (64 tekens)")
            })?),
        };
        let secret_key_file = text("secret_key_file")?.map(|(v, _)| PathBuf::from(v));
        let https = parse_bool(&text, "https", false)?;
        if mode == Mode::Production && !https {
            // Without it cookies go out without Secure and no HSTS is sent: a session could
            // leave over plain HTTP. Behind a TLS proxy the portal is still reached over HTTPS.
            return Err(ConfigError(
                "https staat uit: in productie is https = true verplicht (CAREPORTAL_HTTPS=true), ook achter een \
                 load balancer die TLS afhandelt"
                    .to_owned(),
            ));
        }
        let log_format = match text("log_format")? {
            None => {
                if mode == Mode::Production {
                    LogFormat::Json
                } else {
                    LogFormat::Pretty
                }
            }
            Some((v, _)) if v == "pretty" => LogFormat::Pretty,
            Some((v, _)) if v == "json" => LogFormat::Json,
            Some((v, s)) => return Err(bad("log_format", &v, &s, "pretty of json")),
        };
        let log_level = match text("log_level")? {
            None => "info".to_owned(),
            Some((v, s)) => {
                if tracing_subscriber::EnvFilter::try_new(&v).is_err() {
                    return Err(bad("log_level", &v, &s, "een niveau zoals info, debug of careportal=debug,info"));
                }
                v
            }
        };
        let tenants_dir = text("tenants_dir")?.map_or_else(|| PathBuf::from("./tenants"), |(v, _)| PathBuf::from(v));
        let policies_dir = text("policies_dir")?.map_or_else(|| PathBuf::from("./policies"), |(v, _)| PathBuf::from(v));
        let max_connections = parse_number(&text, "max_connections", 10, 1, 1000)?;
        let worker_interval_seconds = u64::from(parse_number(&text, "worker_interval_seconds", 30, 1, 3600)?);
        let header_timeout_seconds = u64::from(parse_number(&text, "header_timeout_seconds", 10, 1, 120)?);
        let request_timeout_seconds = u64::from(parse_number(&text, "request_timeout_seconds", 120, 5, 3600)?);
        let smtp_url = match text("smtp_url")? {
            None => None,
            Some((v, s)) => {
                if !(v.starts_with("smtp://") || v.starts_with("smtps://")) {
                    return Err(bad(
                        "smtp_url",
                        &redact_url(&v),
                        &s,
                        "smtp://gebruiker:wachtwoord@host:587?tls=required of smtps://host:465",
                    ));
                }
                Some(v)
            }
        };
        let mail_from = match text("mail_from")? {
            None => "noreply@careportal.localhost".to_owned(),
            Some((v, s)) => {
                if careportal_domain::people::Email::parse(&v).is_err() {
                    return Err(bad("mail_from", &v, &s, "een e-mailadres, zoals noreply@clientportaal.nl"));
                }
                v
            }
        };

        let sms_via_sns = match text("sms")? {
            None => mode == Mode::Production,
            Some((v, _)) if v == "sns" => true,
            Some((v, _)) if v == "file" && mode == Mode::Development => false,
            Some((v, s)) => return Err(bad("sms", &v, &s, "sns (of file, alleen in development)")),
        };
        let sns_endpoint = match text("sns_endpoint")? {
            None => None,
            Some((v, s)) => {
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    return Err(bad("sns_endpoint", &v, &s, "een adres zoals http://127.0.0.1:5000"));
                }
                Some(v)
            }
        };

        let s3_bucket = match text("s3_bucket")? {
            None => None,
            Some((v, s)) => {
                let fine = (3..=63).contains(&v.len())
                    && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
                if !fine {
                    return Err(bad("s3_bucket", &v, &s, "een bucketnaam: 3 tot 63 kleine letters, cijfers, - of ."));
                }
                Some(v)
            }
        };
        let s3_endpoint = match text("s3_endpoint")? {
            None => None,
            Some((v, s)) => {
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    return Err(bad("s3_endpoint", &v, &s, "een adres zoals http://127.0.0.1:5000"));
                }
                Some(v)
            }
        };

        let trusted_proxies = match text("trusted_proxies")? {
            None => Vec::new(),
            Some((v, s)) => v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| p.parse::<std::net::IpAddr>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    bad("trusted_proxies", &v, &s, "IP-adressen gescheiden door komma's, zoals 10.0.0.5,10.0.0.6")
                })?,
        };

        Ok(Self {
            mode,
            database_url,
            listen,
            metrics_listen,
            data_dir,
            secret_key,
            secret_key_file,
            https,
            log_format,
            log_level,
            tenants_dir,
            policies_dir,
            max_connections,
            worker_interval_seconds,
            header_timeout_seconds,
            request_timeout_seconds,
            smtp_url,
            mail_from,
            sms_via_sns,
            sns_endpoint,
            s3_bucket,
            s3_endpoint,
            trusted_proxies,
        })
    }

    /// Where the record's documents live: S3 when `s3_bucket` is set; in development
    /// otherwise `<data_dir>/documents/`. Production refuses to run without S3, so no
    /// document ends up on one instance's disk where the others cannot read it.
    pub async fn blobs(&self) -> Result<careportal_documents::Blobs, ConfigError> {
        match &self.s3_bucket {
            Some(bucket) => Ok(careportal_documents::Blobs::s3(bucket, self.s3_endpoint.as_deref()).await),
            None if self.mode == Mode::Production => Err(ConfigError(
                "s3_bucket ontbreekt: in productie staan documenten in S3 (CAREPORTAL_S3_BUCKET)".to_owned(),
            )),
            None => Ok(careportal_documents::Blobs::folder(self.data_dir.join("documents"))),
        }
    }

    /// E-mail and SMS transports as configured.
    pub async fn transports(&self) -> Result<careportal_delivery::Transports, ConfigError> {
        let sms = if self.sms_via_sns {
            careportal_delivery::SmsSender::sns(self.sns_endpoint.as_deref()).await
        } else {
            careportal_delivery::SmsSender::file(self.data_dir.join("outbox").join("sms.jsonl"))
        };
        Ok(careportal_delivery::Transports { mail: self.mailer()?, sms })
    }

    /// The e-mail transport: SMTP when `smtp_url` is set; in development otherwise the
    /// folder `<data_dir>/outbox/mail/`. Production refuses to run without SMTP, so no mail
    /// silently lands on a disk nobody reads.
    pub fn mailer(&self) -> Result<careportal_delivery::Mailer, ConfigError> {
        match &self.smtp_url {
            Some(url) => careportal_delivery::Mailer::smtp(url, &self.mail_from).map_err(|e| ConfigError(e.to_string())),
            None if self.mode == Mode::Production => Err(ConfigError(
                "smtp_url ontbreekt: in productie is CAREPORTAL_SMTP_URL verplicht (smtp://gebruiker:wachtwoord@host:587?tls=required)"
                    .to_owned(),
            )),
            None => Ok(careportal_delivery::Mailer::folder(self.data_dir.join("outbox").join("mail"), &self.mail_from)),
        }
    }

    /// The secret key: configured, read from `secret_key_file`, or, in development only,
    /// created once in the data folder with owner-only permissions.
    pub fn secret_key(&self) -> Result<SecretKey, ConfigError> {
        if let Some(key) = &self.secret_key {
            return Ok(key.clone());
        }
        if let Some(path) = &self.secret_key_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("secret_key_file = \"{}\": kan niet lezen: {e}", path.display())))?;
            return SecretKey::parse(&text).ok_or_else(|| {
                bad(
                    "secret_key_file",
                    &path.display().to_string(),
                    "config",
                    "een bestand met 32 bytes als base64 of hex",
                )
            });
        }
        if self.mode == Mode::Production {
            return Err(ConfigError(
                "secret_key ontbreekt: in productie is CAREPORTAL_SECRET_KEY of CAREPORTAL_SECRET_KEY_FILE verplicht \
                 (32 bytes als base64, bijvoorbeeld uit `openssl rand -base64 32`)"
                    .to_owned(),
            ));
        }
        let path = self.data_dir.join("secret.key");
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("kan {} niet lezen: {e}", path.display())))?;
            return SecretKey::parse(&text).ok_or_else(|| {
                ConfigError(format!(
                    "{} bevat geen geldige sleutel; verwijder het bestand om een nieuwe te maken",
                    path.display()
                ))
            });
        }
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        ensure_private_dir(&self.data_dir)?;
        write_private(&path, base64::engine::general_purpose::STANDARD.encode(bytes).as_bytes())
            .map_err(|e| ConfigError(format!("kan {} niet schrijven: {e}", path.display())))?;
        Ok(SecretKey(bytes))
    }

    /// The effective configuration as TOML, secrets hidden.
    pub fn print(&self) -> String {
        let secret = if self.secret_key.is_some() {
            "<verborgen>".to_owned()
        } else if self.secret_key_file.is_some() {
            "<uit secret_key_file>".to_owned()
        } else if self.mode == Mode::Development {
            format!("<in {}>", self.data_dir.join("secret.key").display())
        } else {
            "<ontbreekt>".to_owned()
        };
        let mut out = String::new();
        let mut line = |key: &str, value: String| out.push_str(&format!("{key} = {value}\n"));
        let quoted = |s: &str| format!("{s:?}");
        line(
            "mode",
            quoted(match self.mode {
                Mode::Development => "development",
                Mode::Production => "production",
            }),
        );
        line("database_url", quoted(&redact_url(&self.database_url)));
        line("listen", quoted(&self.listen.to_string()));
        if let Some(metrics) = &self.metrics_listen {
            line("metrics_listen", quoted(&metrics.to_string()));
        }
        line("data_dir", quoted(&self.data_dir.display().to_string()));
        line("secret_key", quoted(&secret));
        if let Some(file) = &self.secret_key_file {
            line("secret_key_file", quoted(&file.display().to_string()));
        }
        line("https", self.https.to_string());
        line(
            "log_format",
            quoted(match self.log_format {
                LogFormat::Pretty => "pretty",
                LogFormat::Json => "json",
            }),
        );
        line("log_level", quoted(&self.log_level));
        line("tenants_dir", quoted(&self.tenants_dir.display().to_string()));
        line("policies_dir", quoted(&self.policies_dir.display().to_string()));
        line("max_connections", self.max_connections.to_string());
        line("worker_interval_seconds", self.worker_interval_seconds.to_string());
        line("header_timeout_seconds", self.header_timeout_seconds.to_string());
        line("request_timeout_seconds", self.request_timeout_seconds.to_string());
        let smtp = self.smtp_url.as_deref().map_or_else(
            || format!("<geen: e-mail naar {}>", self.data_dir.join("outbox").join("mail").display()),
            redact_url,
        );
        line("smtp_url", quoted(&smtp));
        line("mail_from", quoted(&self.mail_from));
        let sms = if self.sms_via_sns {
            "sns".to_owned()
        } else {
            format!("file ({})", self.data_dir.join("outbox").join("sms.jsonl").display())
        };
        line("sms", quoted(&sms));
        let proxies: Vec<String> = self.trusted_proxies.iter().map(ToString::to_string).collect();
        line("trusted_proxies", quoted(&proxies.join(",")));
        if let Some(endpoint) = &self.sns_endpoint {
            line("sns_endpoint", quoted(endpoint));
        }
        let documents = match &self.s3_bucket {
            Some(bucket) => format!("s3://{bucket}"),
            None => format!("folder ({})", self.data_dir.join("documents").display()),
        };
        line("s3_bucket", quoted(&documents));
        if let Some(endpoint) = &self.s3_endpoint {
            line("s3_endpoint", quoted(endpoint));
        }
        out
    }
}

type TextOf<'a> = dyn Fn(&str) -> Result<Option<(String, String)>, ConfigError> + 'a;

fn parse_bool(text: &TextOf<'_>, key: &str, default: bool) -> Result<bool, ConfigError> {
    match text(key)? {
        None => Ok(default),
        Some((v, s)) => match v.to_lowercase().as_str() {
            "true" | "1" | "yes" | "ja" => Ok(true),
            "false" | "0" | "no" | "nee" => Ok(false),
            _ => Err(bad(key, &v, &s, "true of false")),
        },
    }
}

fn parse_number(text: &TextOf<'_>, key: &str, default: u32, min: u32, max: u32) -> Result<u32, ConfigError> {
    match text(key)? {
        None => Ok(default),
        Some((v, s)) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| bad(key, &v, &s, &format!("een heel getal van {min} tot {max}"))),
    }
}

/// Hides the password in a database URL.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

pub fn ensure_private_dir(dir: &Path) -> Result<(), ConfigError> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| ConfigError(format!("data_dir: kan {} niet maken: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    fn layers(pairs: &[(&str, &str)]) -> Layers {
        let mut figment = Figment::new();
        for (k, v) in pairs {
            figment = figment.merge(Serialized::default(k, v));
        }
        Layers { figment }
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let config = Config::from_layers(&layers(&[])).unwrap();
        assert_eq!(config.mode, Mode::Development);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(config.database_url, "sqlite://./data/careportal.db");
    }

    #[test]
    fn metrics_need_an_address_of_their_own() {
        let same = [("listen", "127.0.0.1:8080"), ("metrics_listen", "127.0.0.1:8080")];
        let error = Config::from_layers(&layers(&same)).err().unwrap().to_string();
        assert!(error.contains("eigen adres"), "{error}");
        let error = Config::from_layers(&layers(&[("metrics_listen", "9464")])).err().unwrap().to_string();
        assert!(error.contains("127.0.0.1:9464"), "{error}");
        let own = Config::from_layers(&layers(&[("metrics_listen", "127.0.0.1:9464")])).unwrap();
        assert_eq!(own.metrics_listen.map(|a| a.port()), Some(9464));
        assert_eq!(Config::from_layers(&layers(&[])).unwrap().metrics_listen, None, "off unless asked");
    }

    #[test]
    fn a_bad_value_names_key_value_and_expectation() {
        let error = Config::from_layers(&layers(&[("listen", "localhost")])).err().unwrap().to_string();
        assert!(error.contains("listen = \"localhost\""), "{error}");
        assert!(error.contains("127.0.0.1:8080"), "{error}");
        let error = Config::from_layers(&layers(&[("database_url", "mysql://x")])).err().unwrap().to_string();
        assert!(error.contains("database_url"), "{error}");
        let error = Config::from_layers(&layers(&[("max_connections", "0")])).err().unwrap().to_string();
        assert!(error.contains("1 tot 1000"), "{error}");
    }

    #[test]
    fn production_needs_a_secret_key() {
        let config = Config::from_layers(&layers(&[("mode", "production"), ("https", "true")])).unwrap();
        let error = config.secret_key().err().unwrap().to_string();
        assert!(error.contains("secret_key ontbreekt"), "{error}");
    }

    /// #16: production keeps documents in S3, mail on SMTP and SMS on SNS; none falls back
    /// to a folder on one instance's disk.
    #[tokio::test]
    async fn production_needs_s3_smtp_and_sends_sms_by_sns() {
        let production = [("mode", "production"), ("https", "true")];
        let config = Config::from_layers(&layers(&production)).unwrap();
        let error = config.blobs().await.err().unwrap().to_string();
        assert!(error.contains("s3_bucket ontbreekt"), "{error}");
        let error = config.mailer().err().unwrap().to_string();
        assert!(error.contains("smtp_url ontbreekt"), "{error}");
        assert!(config.sms_via_sns, "SMS by SNS unless told otherwise");
        let error = Config::from_layers(&layers(&[production[0], production[1], ("sms", "file")])).err().unwrap();
        assert!(error.to_string().contains("sms = \"file\""), "{error}");
        let development = Config::from_layers(&layers(&[])).unwrap();
        assert!(!development.sms_via_sns, "development writes SMS to the outbox folder");
        let bad = Config::from_layers(&layers(&[("s3_bucket", "Mijn_Bucket")])).err().unwrap().to_string();
        assert!(bad.contains("bucketnaam"), "{bad}");
    }

    /// #16: the secret key from a file (as a mounted Kubernetes Secret gives it), and a
    /// file that cannot be read or holds no key stops the start with its name.
    #[test]
    fn the_secret_key_comes_from_secret_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret.key");
        let key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=";
        std::fs::write(&file, format!("{key}\n")).unwrap();
        let path = file.display().to_string();
        let production = [("mode", "production"), ("https", "true"), ("secret_key_file", path.as_str())];
        let config = Config::from_layers(&layers(&production)).unwrap();
        assert_eq!(config.secret_key().unwrap().bytes(), &[b'A'; 32]);
        assert!(!config.print().contains(key), "the key is never printed");
        std::fs::write(&file, "geen sleutel").unwrap();
        let error = config.secret_key().err().unwrap().to_string();
        assert!(error.contains("secret_key_file") && error.contains("32 bytes"), "{error}");
        let missing = dir.path().join("ontbreekt.key").display().to_string();
        let config =
            Config::from_layers(&layers(&[production[0], production[1], ("secret_key_file", &missing)])).unwrap();
        let error = config.secret_key().err().unwrap().to_string();
        assert!(error.contains("kan niet lezen") && error.contains("ontbreekt.key"), "{error}");
    }

    #[test]
    fn production_needs_https() {
        let error = Config::from_layers(&layers(&[("mode", "production")])).err().unwrap().to_string();
        assert!(error.contains("https = true verplicht"), "{error}");
        assert!(Config::from_layers(&layers(&[("mode", "production"), ("https", "true")])).is_ok());
    }

    #[test]
    fn development_makes_a_private_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = Config::from_layers(&layers(&[("data_dir", data.to_str().unwrap())])).unwrap();
        let first = config.secret_key().unwrap();
        let second = config.secret_key().unwrap();
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join("secret.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn print_hides_secrets() {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let config = Config::from_layers(&layers(&[
            ("secret_key", key.as_str()),
            ("database_url", "postgres://app:hunter2@db/careportal"),
        ]))
        .unwrap();
        let printed = config.print();
        assert!(!printed.contains(&key));
        assert!(!printed.contains("hunter2"));
        assert!(printed.contains("<verborgen>"));
    }
}
