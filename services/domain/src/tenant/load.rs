//! Reading a tenant folder and checking every value in it.

use super::TenantSlug;
use super::config::*;
use super::modules::Module;
use super::policy::RightsPolicy;
use crate::people::Email;
use crate::sync::SyncKind;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with a tenant folder: the file, the key in it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub file: PathBuf,
    pub key: String,
    pub reason: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.key, self.reason)
    }
}

/// Everything a tenant folder holds, checked and ready to store.
#[derive(Debug, Clone)]
pub struct TenantBundle {
    pub slug: TenantSlug,
    pub config: TenantConfig,
    pub logo_svg: String,
    /// Template overrides by name (`landing.html`, `partials/_footer.html`).
    pub templates: BTreeMap<String, String>,
    pub rights: RightsPolicy,
}

/// The largest logo a tenant may have.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
const MAX_TEMPLATE_BYTES: usize = 256 * 1024;
/// Reads `dir/tenant.toml`, its logo, its template overrides and its rights policy from
/// `policies_root/<rights.policy>/`. Returns every problem found, not just the first.
pub async fn load_dir(dir: &Path, policies_root: &Path) -> Result<TenantBundle, Vec<ConfigIssue>> {
    let toml_path = dir.join("tenant.toml");
    let issue =
        |file: &Path, key: &str, reason: String| ConfigIssue { file: file.to_path_buf(), key: key.to_owned(), reason };
    let text = std::fs::read_to_string(&toml_path)
        .map_err(|e| vec![issue(&toml_path, "-", format!("kan het bestand niet lezen: {e}"))])?;
    let config = parse_config(&text).map_err(|(key, reason)| vec![issue(&toml_path, &key, reason)])?;
    let mut issues: Vec<ConfigIssue> =
        check_config(&config).into_iter().map(|(key, reason)| issue(&toml_path, &key, reason)).collect();

    let folder_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if !folder_name.is_empty() && folder_name != config.slug {
        issues.push(issue(
            &toml_path,
            "slug",
            format!("\"{}\" hoort gelijk te zijn aan de mapnaam \"{folder_name}\"", config.slug),
        ));
    }
    let slug = TenantSlug::parse(&config.slug);

    let logo_path = dir.join(&config.branding.logo);
    let logo_svg = match std::fs::read_to_string(&logo_path) {
        Ok(svg) => {
            if let Err(reason) = check_svg(&svg) {
                issues.push(issue(&logo_path, "branding.logo", reason));
            }
            svg
        }
        Err(e) => {
            issues.push(issue(&toml_path, "branding.logo", format!("kan {} niet lezen: {e}", logo_path.display())));
            String::new()
        }
    };

    let templates = match read_templates(&dir.join("templates")) {
        Ok(templates) => templates,
        Err(problem) => {
            issues.push(problem);
            BTreeMap::new()
        }
    };

    let policy_dir = policies_root.join(&config.rights.policy);
    let rights = match read_policy(&policy_dir).await {
        Ok(rights) => Some(rights),
        Err((file, key, reason)) => {
            issues.push(issue(&policy_dir.join(file), &key, reason));
            None
        }
    };

    match (slug, rights) {
        (Ok(slug), Some(rights)) if issues.is_empty() => Ok(TenantBundle { slug, config, logo_svg, templates, rights }),
        _ => Err(issues),
    }
}

/// Parses tenant.toml text into typed config; on failure returns the key path and a Dutch
/// reason.
pub fn parse_config(text: &str) -> Result<TenantConfig, (String, String)> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let reason = e.message().to_owned();
        let at =
            e.span().map(|span| line_of(text, span.start)).map(|line| format!(" (regel {line})")).unwrap_or_default();
        ("-".to_owned(), format!("geen geldige TOML{at}: {reason}"))
    })?;
    serde_path_to_error::deserialize::<_, TenantConfig>(table).map_err(|e| {
        let path = e.path().to_string();
        // toml adds an "in `key`" context line; the path already says where.
        let inner = e.into_inner().message().to_owned();
        explain_serde(&path, &inner)
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map(|before| before.matches('\n').count() + 1).unwrap_or(1)
}

/// serde's messages are English and name the field last; say it in Dutch with the full key.
fn explain_serde(path: &str, message: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let key = join_key(path, field);
        let expected = expected.trim_start_matches(", expected ").replace("one of ", "een van ");
        let reason = if key.starts_with("modules.") && key.matches('.').count() == 1 {
            format!("onbekende module \"{field}\"; bekend zijn: {}", module_keys())
        } else {
            format!("onbekende sleutel; verwacht {expected}")
        };
        return (key, reason);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return (join_key(path, field), "deze sleutel is verplicht".to_owned());
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected.trim_start_matches(", expected ").replace("one of ", "een van ");
        return (path.to_owned(), format!("onbekende waarde \"{value}\"; verwacht {expected}"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return (path.to_owned(), format!("verkeerd soort waarde: {rest}"));
    }
    (path.to_owned(), message.to_owned())
}

/// serde_path_to_error's path already ends in an unknown field; a missing one it leaves out.
fn join_key(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." {
        field.to_owned()
    } else if path == field || path.ends_with(&format!(".{field}")) {
        path.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn module_keys() -> String {
    Module::ALL.iter().map(Module::key).collect::<Vec<_>>().join(", ")
}

/// The rules serde cannot express. Returns (key, reason) pairs.
/// What is wrong with a configuration, as `tenant validate` says it: (key, reason). For a
/// configuration changed in Beheer, checked by the same rules as one read from a file.
pub fn config_problems(config: &TenantConfig) -> Vec<(String, String)> {
    check_config(config)
}

fn check_config(config: &TenantConfig) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut bad = |key: &str, reason: String| out.push((key.to_owned(), reason));

    if let Err(reason) = TenantSlug::parse(&config.slug) {
        bad("slug", reason);
    }
    if config.name.trim().is_empty() {
        bad("name", "vul de naam van de organisatie in".to_owned());
    }
    let mut seen = BTreeSet::new();
    for (i, host) in config.hostnames.iter().enumerate() {
        let key = format!("hostnames[{i}]");
        if let Err(reason) = check_hostname(host) {
            bad(&key, reason);
        } else if host.ends_with(".localhost") {
            bad(
                &key,
                "een .localhost-naam is er al vanzelf in ontwikkeling; noem hier alleen productienamen".to_owned(),
            );
        }
        if !seen.insert(host.as_str()) {
            bad(&key, format!("\"{host}\" staat er twee keer in"));
        }
    }

    let b = &config.branding;
    for pair in b.contrast_pairs().iter().filter(|p| !p.enough()) {
        if pair.key == "branding.accent" {
            bad(pair.key, "de accentkleur (focusrand) moet minstens 3:1 contrast hebben met de achtergrond".to_owned());
        } else {
            let (what, ratio) = (pair.what, crate::colour::ratio_text(pair.ratio));
            bad(pair.key, format!("te weinig contrast voor {what}: {ratio}, WCAG AA vraagt minstens 4,5:1"));
        }
    }
    if b.logo.contains("..") || b.logo.starts_with('/') || !b.logo.ends_with(".svg") {
        bad("branding.logo", "noem een .svg-bestand naast tenant.toml".to_owned());
    }

    let s = &config.support;
    if s.name.trim().is_empty() {
        bad("support.name", "vul in wie vragen beantwoordt, bijvoorbeeld \"Servicedesk\"".to_owned());
    }
    if s.email.is_none() && s.phone.is_none() {
        bad("support", "geef minstens een e-mailadres of een telefoonnummer".to_owned());
    }
    if let Some(email) = &s.email
        && Email::parse(email).is_err()
    {
        bad("support.email", format!("\"{email}\" is geen geldig e-mailadres"));
    }
    if let Some(phone) = &s.phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !(8..=15).contains(&digits) || phone.chars().any(|c| !(c.is_ascii_digit() || " +-–()".contains(c))) {
            bad("support.phone", format!("\"{phone}\" is geen telefoonnummer"));
        }
    }
    for (key, url) in
        [("support.website", &s.website), ("support.manual_url", &s.manual_url), ("support.videos_url", &s.videos_url)]
    {
        if let Some(url) = url
            && (!(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace))
        {
            bad(key, format!("\"{url}\" is geen webadres (begin met https://)"));
        }
    }

    if config.modules.is_empty() {
        bad("modules", "zet minstens één module aan".to_owned());
    }
    for (key, settings) in &config.modules {
        if Module::from_key(key).is_none() {
            bad(&format!("modules.{key}"), format!("onbekende module \"{key}\"; bekend zijn: {}", module_keys()));
        }
        if let Some(label) = &settings.label
            && (label.trim().is_empty() || label.chars().count() > 40)
        {
            bad(&format!("modules.{key}.label"), "een label is 1 tot 40 tekens".to_owned());
        }
    }
    if !config.modules.contains_key(Module::Help.key()) {
        bad("modules.help", "iedere portal heeft een helppagina met het contact voor vragen".to_owned());
    }

    let a = &config.auth;
    if a.methods.is_empty() {
        bad("auth.methods", "bied minstens één tweede factor aan (totp of sms)".to_owned());
    }
    if a.methods.iter().collect::<BTreeSet<_>>().len() != a.methods.len() {
        bad("auth.methods", "een methode staat er twee keer in".to_owned());
    }
    if !(1..=365).contains(&a.device_trust_days) {
        bad("auth.device_trust_days", format!("{} valt buiten 1 tot 365", a.device_trust_days));
    }
    if !(1..=366).contains(&a.invitation_valid_days) {
        bad("auth.invitation_valid_days", format!("{} valt buiten 1 tot 366", a.invitation_valid_days));
    }
    if !(2..=120).contains(&a.idle_timeout_minutes) {
        bad("auth.idle_timeout_minutes", format!("{} valt buiten 2 tot 120", a.idle_timeout_minutes));
    }
    if !(1..=24).contains(&a.session_max_hours) {
        bad("auth.session_max_hours", format!("{} valt buiten 1 tot 24", a.session_max_hours));
    }
    for (i, country) in a.sms_countries.iter().enumerate() {
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            bad(&format!("auth.sms_countries[{i}]"), format!("\"{country}\" is geen landcode zoals NL of BE"));
        }
    }
    if let Some(sender) = &a.sms_sender {
        let ok = (1..=11).contains(&sender.len())
            && sender.chars().all(|c| c.is_ascii_alphanumeric())
            && sender.chars().any(|c| c.is_ascii_alphabetic());
        if !ok {
            bad("auth.sms_sender", format!("\"{sender}\": 1 tot 11 letters en cijfers, met minstens één letter"));
        }
    }
    if !(1..=1_000_000).contains(&a.sms_daily_cap) {
        bad("auth.sms_daily_cap", format!("{} valt buiten 1 tot 1000000", a.sms_daily_cap));
    }
    let p = &a.password;
    if !(8..=64).contains(&p.min_length) {
        bad("auth.password.min_length", format!("{} valt buiten 8 tot 64", p.min_length));
    }
    if p.max_age_days.is_some_and(|d| !(30..=3650).contains(&d)) {
        bad("auth.password.max_age_days", "kies 30 tot 3650 dagen, of laat de sleutel weg".to_owned());
    }
    if p.reuse_after_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        bad("auth.password.reuse_after_days", "kies 1 tot 3650 dagen, of laat de sleutel weg".to_owned());
    }
    if !(3..=100).contains(&a.lockout.max_failures) {
        bad("auth.lockout.max_failures", format!("{} valt buiten 3 tot 100", a.lockout.max_failures));
    }
    if !(1..=1440).contains(&a.lockout.lock_minutes) {
        bad("auth.lockout.lock_minutes", format!("{} valt buiten 1 tot 1440", a.lockout.lock_minutes));
    }

    if !(5..=100).contains(&config.audit.retention_years) {
        bad(
            "audit.retention_years",
            format!(
                "{} valt buiten 5 tot 100: het logboek blijft minstens vijf jaar bewaard (NEN 7513)",
                config.audit.retention_years
            ),
        );
    }

    let access = &config.access;
    if access.max_representatives.is_some_and(|n| n > 20) {
        bad("access.max_representatives", "hoogstens 20".to_owned());
    }
    if access.remove_accounts_days_after_care.is_some_and(|d| !(1..=3650).contains(&d)) {
        bad("access.remove_accounts_days_after_care", "kies 1 tot 3650 dagen".to_owned());
    }
    if access.messages_to.is_empty() && config.modules.contains_key(Module::Messages.key()) {
        bad("access.messages_to", "de module berichten staat aan; zeg wie de berichten ontvangt".to_owned());
    }

    if config.sync.connector != "demo" && config.sync.connector != "fhir" {
        bad("sync.connector", format!("onbekende koppeling \"{}\"; kies demo of fhir", config.sync.connector));
    }
    match (&config.sync.fhir, config.sync.connector.as_str()) {
        (None, "fhir") => bad(
            "sync.fhir",
            "de koppeling is fhir: geef [sync.fhir] met base_url en client_identifier_system".to_owned(),
        ),
        (Some(fhir), _) => {
            let url = fhir.base_url.trim();
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
                bad("sync.fhir.base_url", format!("\"{url}\" is geen webadres (begin met https://)"));
            }
            if fhir.client_identifier_system.trim().is_empty() {
                bad(
                    "sync.fhir.client_identifier_system",
                    "noem het systeem van het cliëntnummer, bijvoorbeeld urn:oid:…".to_owned(),
                );
            }
            if fhir.auth == super::FhirAuth::Bearer && fhir.token_file.is_none() && fhir.token_env.is_none() {
                bad("sync.fhir.auth", "bearer: geef token_file of token_env".to_owned());
            }
            match (&fhir.smart, fhir.auth) {
                (None, super::FhirAuth::Smart) => {
                    bad("sync.fhir.smart", "smart: geef [sync.fhir.smart] met client_id en private_key_file".to_owned())
                }
                (Some(smart), _) => {
                    if smart.client_id.trim().is_empty() {
                        bad("sync.fhir.smart.client_id", "noem de client_id die het ECD het portaal gaf".to_owned());
                    }
                    if smart.private_key_file.trim().is_empty() {
                        bad("sync.fhir.smart.private_key_file", "noem het bestand met de private sleutel".to_owned());
                    }
                    if smart.algorithm != "ES384" && smart.algorithm != "RS384" {
                        bad("sync.fhir.smart.algorithm", format!("\"{}\": kies ES384 of RS384", smart.algorithm));
                    }
                }
                (None, _) => {}
            }
            if !(1..=1000).contains(&fhir.page_size) {
                bad("sync.fhir.page_size", format!("{} valt buiten 1 tot 1000", fhir.page_size));
            }
        }
        (None, _) => {}
    }
    for (stream, settings) in &config.sync.schedule {
        let key = format!("sync.schedule.{stream}");
        // The keys are the kinds the sync runs, so a schedule can never name a stream that
        // is validated and then never run.
        if SyncKind::parse(stream).is_none() {
            let known: Vec<&str> = SyncKind::ALL.iter().map(SyncKind::as_str).collect();
            bad(&key, format!("onbekende soort gegevens; bekend zijn: {}", known.join(", ")));
        }
        if !(1..=1440).contains(&settings.every_minutes) {
            bad(&format!("{key}.every_minutes"), format!("{} valt buiten 1 tot 1440", settings.every_minutes));
        }
        if let Some(window) = &settings.window
            && parse_window(window).is_none()
        {
            bad(&format!("{key}.window"), format!("\"{window}\" is geen venster zoals \"08:30-00:30\""));
        }
    }
    if config.rights.policy.is_empty()
        || !config.rights.policy.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bad("rights.policy", "noem de map onder policies/ (letters, cijfers, - of _)".to_owned());
    }
    out
}

/// "08:30-00:30" → minutes after midnight of start and end. An end before the start runs
/// past midnight.
pub fn parse_window(text: &str) -> Option<(u32, u32)> {
    let (start, end) = text.split_once('-')?;
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && t.trim().len() == 5).then_some(h * 60 + m)
    };
    let (start, end) = (minutes(start)?, minutes(end)?);
    (start != end).then_some((start, end))
}

fn check_hostname(host: &str) -> Result<(), String> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').count() >= 2
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("\"{host}\" is geen hostnaam (kleine letters, bijvoorbeeld clientportaal.voorbeeld.nl)"))
    }
}

/// An SVG is served from our own origin, so it must not carry script. Beheer › Huisstijl
/// checks an uploaded logo with the same rule as `tenant validate`.
pub fn check_svg(svg: &str) -> Result<(), String> {
    if svg.len() > MAX_LOGO_BYTES {
        return Err(format!("het logo is groter dan {} kB", MAX_LOGO_BYTES / 1024));
    }
    let start = svg.trim_start();
    if !(start.starts_with("<svg") || start.starts_with("<?xml")) || !svg.contains("</svg>") {
        return Err("het logo is geen SVG-bestand".to_owned());
    }
    let lower = svg.to_lowercase();
    for forbidden in ["<script", "javascript:", "<foreignobject", " on", "<iframe", "<!entity"] {
        let hit = if forbidden == " on" {
            // Event handler attributes (onload=, onclick=…).
            lower.match_indices(" on").any(|(i, _)| {
                lower[i + 3..].chars().take_while(|c| c.is_ascii_alphabetic()).count() > 0
                    && lower[i + 3..].trim_start_matches(|c: char| c.is_ascii_alphabetic()).starts_with('=')
            })
        } else {
            lower.contains(forbidden)
        };
        if hit {
            return Err(format!("het logo bevat {} en dat mag niet in een SVG", forbidden.trim()));
        }
    }
    Ok(())
}

fn read_templates(dir: &Path) -> Result<BTreeMap<String, String>, ConfigIssue> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| ConfigIssue {
            file: current.clone(),
            key: "templates".to_owned(),
            reason: format!("kan de map niet lezen: {e}"),
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.strip_prefix(dir).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
            let problem = |reason: String| ConfigIssue { file: path.clone(), key: "templates".to_owned(), reason };
            if !name.ends_with(".html") {
                return Err(problem("alleen .html-sjablonen horen in deze map".to_owned()));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| problem(format!("kan het bestand niet lezen: {e}")))?;
            if text.len() > MAX_TEMPLATE_BYTES {
                return Err(problem("het sjabloon is te groot".to_owned()));
            }
            out.insert(name, text);
        }
    }
    Ok(out)
}

async fn read_policy(dir: &Path) -> Result<RightsPolicy, (String, String, String)> {
    let model = std::fs::read_to_string(dir.join("model.conf"))
        .map_err(|e| ("model.conf".to_owned(), "-".to_owned(), format!("kan het model niet lezen: {e}")))?;
    let rules = std::fs::read_to_string(dir.join("policy.csv"))
        .map_err(|e| ("policy.csv".to_owned(), "-".to_owned(), format!("kan de regels niet lezen: {e}")))?;
    RightsPolicy::parse(&model, &rules).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"
slug = "voorbeeld"
name = "Voorbeeld"
[branding]
logo = "logo.svg"
primary = "#1d4f91"
accent = "#b35c00"
[support]
name = "Servicedesk"
email = "help@voorbeeld.nl"
[modules]
home = {}
help = {}
[rights]
policy = "voorbeeld"
"##;

    /// #11: Beheer › Onderdelen places parts in the menu; the unplaced follow in the
    /// manual's order, and a renamed part keeps its place.
    #[test]
    fn the_menu_follows_the_tenants_places_then_the_manuals_order() {
        let text = MINIMAL.replace(
            "[modules]\nhome = {}\nhelp = {}",
            "[modules]\nhome = { order = 1 }\nhelp = { order = 2 }\nreports = { label = \"Dagboek\" }\nmy_details = {}",
        );
        let config = parse_config(&text).unwrap();
        assert!(check_config(&config).is_empty(), "{:?}", check_config(&config));
        let tenant = super::super::Tenant {
            id: crate::TenantId::new(),
            slug: TenantSlug::parse("voorbeeld").unwrap(),
            config,
            version: 1,
            updated_at: chrono::Utc::now(),
            suspended_at: None,
        };
        let menu: Vec<String> = tenant.modules().into_iter().map(|(_, label)| label).collect();
        assert_eq!(menu, ["Home", "Help", "Mijn gegevens", "Dagboek"]);
    }

    #[test]
    fn a_minimal_file_parses_with_nist_style_defaults() {
        let config = parse_config(MINIMAL).unwrap();
        assert!(check_config(&config).is_empty(), "{:?}", check_config(&config));
        assert_eq!(config.auth.password.min_length, 12);
        assert!(config.auth.password.require.is_empty());
        assert_eq!(config.auth.password.max_age_days, None);
        assert_eq!(config.portal_name(), "Cliëntportaal Voorbeeld");
    }

    #[test]
    fn the_audit_log_is_kept_at_least_five_years() {
        assert_eq!(parse_config(MINIMAL).unwrap().audit.retention_years, 5);
        let longer = parse_config(&format!("{MINIMAL}[audit]\nretention_years = 20\n")).unwrap();
        assert!(check_config(&longer).is_empty());
        let shorter = parse_config(&format!("{MINIMAL}[audit]\nretention_years = 2\n")).unwrap();
        let problems = check_config(&shorter);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "audit.retention_years");
        assert!(problems[0].1.contains("minstens vijf jaar"), "{problems:?}");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_path() {
        let text = MINIMAL.replace("[support]", "[support]\nfax = \"1\"");
        let (key, reason) = parse_config(&text).unwrap_err();
        assert_eq!(key, "support.fax");
        assert!(reason.contains("onbekende sleutel"), "{reason}");
    }

    #[test]
    fn an_unknown_module_is_named() {
        let text = MINIMAL.replace("help = {}", "help = {}\nteleportatie = {}");
        let config = parse_config(&text).unwrap();
        let issues = check_config(&config);
        assert!(
            issues.iter().any(|(k, r)| k == "modules.teleportatie" && r.contains("onbekende module")),
            "{issues:?}"
        );
    }

    #[test]
    fn a_schedule_names_a_kind_the_sync_runs() {
        // Every kind the sync runs can be scheduled, the write-back and documents included.
        for kind in crate::sync::SyncKind::ALL {
            let text = format!("{MINIMAL}\n[sync.schedule.{}]\nevery_minutes = 10\n", kind.as_str());
            let issues = check_config(&parse_config(&text).unwrap());
            assert!(issues.is_empty(), "{}: {issues:?}", kind.as_str());
        }
        // A name the sync does not run would be validated and then ignored: refused instead.
        let text = format!("{MINIMAL}\n[sync.schedule.care_plans]\nevery_minutes = 10\n");
        let issues = check_config(&parse_config(&text).unwrap());
        assert!(
            issues.iter().any(|(k, r)| k == "sync.schedule.care_plans"
                && r.contains("onbekende soort gegevens")
                && r.contains("documents")),
            "{issues:?}"
        );
    }

    #[test]
    fn a_bad_colour_is_named() {
        let text = MINIMAL.replace("#1d4f91", "#1d4f9z");
        let (key, reason) = parse_config(&text).unwrap_err();
        assert_eq!(key, "branding.primary");
        assert!(reason.contains("geen kleur"), "{reason}");
    }

    #[test]
    fn a_colour_without_contrast_is_refused() {
        let text = MINIMAL.replace("#1d4f91", "#f2c200");
        let issues = check_config(&parse_config(&text).unwrap());
        assert!(issues.iter().any(|(k, r)| k == "branding.primary" && r.contains("contrast")), "{issues:?}");
    }

    #[test]
    fn a_fhir_connector_needs_its_endpoint_and_a_way_to_sign_in() {
        let without = format!("{MINIMAL}\n[sync]\nconnector = \"fhir\"\n");
        let issues = check_config(&parse_config(&without).unwrap());
        assert!(issues.iter().any(|(k, _)| k == "sync.fhir"), "{issues:?}");

        let bearer = format!(
            "{MINIMAL}\n[sync]\nconnector = \"fhir\"\n[sync.fhir]\nbase_url = \"ecd.example.nl\"\n\
             client_identifier_system = \"\"\nauth = \"bearer\"\n"
        );
        let issues = check_config(&parse_config(&bearer).unwrap());
        for key in ["sync.fhir.base_url", "sync.fhir.client_identifier_system", "sync.fhir.auth"] {
            assert!(issues.iter().any(|(k, _)| k == key), "{key}: {issues:?}");
        }

        let good = format!(
            "{MINIMAL}\n[sync]\nconnector = \"fhir\"\n[sync.fhir]\nbase_url = \"https://ecd.example.nl/fhir/R4\"\n\
             client_identifier_system = \"urn:oid:2.16.840.1.113883.2.4.3.11.999.1\"\nauth = \"bearer\"\n\
             token_env = \"ECD_TOKEN\"\n"
        );
        let config = parse_config(&good).unwrap();
        assert!(check_config(&config).iter().all(|(k, _)| !k.starts_with("sync")), "{:?}", check_config(&config));
        let fhir = config.sync.fhir.unwrap();
        assert_eq!((fhir.auth, fhir.page_size), (super::super::FhirAuth::Bearer, 100));

        let (key, _) = parse_config(&good.replace("auth = \"bearer\"", "auth = \"oauth\"")).unwrap_err();
        assert_eq!(key, "sync.fhir.auth");

        // SMART Backend Services: its section is required and checked.
        let smart = good.replace("auth = \"bearer\"", "auth = \"smart\"");
        let issues = check_config(&parse_config(&smart).unwrap());
        assert!(issues.iter().any(|(k, _)| k == "sync.fhir.smart"), "{issues:?}");
        let with = format!(
            "{smart}[sync.fhir.smart]\nclient_id = \"\"\nprivate_key_file = \"/run/secrets/ecd.pem\"\nalgorithm = \"HS256\"\n"
        );
        let issues = check_config(&parse_config(&with).unwrap());
        for key in ["sync.fhir.smart.client_id", "sync.fhir.smart.algorithm"] {
            assert!(issues.iter().any(|(k, _)| k == key), "{key}: {issues:?}");
        }
        let fine = with.replace("client_id = \"\"", "client_id = \"careportal\"").replace("HS256", "ES384");
        let config = parse_config(&fine).unwrap();
        assert!(check_config(&config).iter().all(|(k, _)| !k.starts_with("sync")), "{:?}", check_config(&config));
        assert_eq!(config.sync.fhir.unwrap().smart.unwrap().scope, "system/*.read system/*.write");
    }

    #[test]
    fn a_missing_key_is_named() {
        let text = MINIMAL.replace("name = \"Servicedesk\"\n", "");
        let (key, reason) = parse_config(&text).unwrap_err();
        assert_eq!(key, "support.name");
        assert!(reason.contains("verplicht"));
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let (_, reason) = parse_config("slug = \"a\"\nname = ").unwrap_err();
        assert!(reason.contains("regel 2"), "{reason}");
    }

    #[test]
    fn sync_windows_parse() {
        assert_eq!(parse_window("08:30-00:30"), Some((510, 30)));
        assert_eq!(parse_window("8:30-00:30"), None);
        assert_eq!(parse_window("10:00-10:00"), None);
        assert_eq!(parse_window("25:00-01:00"), None);
    }

    #[test]
    fn svg_with_script_is_refused() {
        assert!(check_svg("<svg><script>alert(1)</script></svg>").is_err());
        assert!(check_svg("<svg onload=\"x()\"></svg>").is_err());
        assert!(check_svg("<svg viewBox=\"0 0 1 1\"><title>Logo</title></svg>").is_ok());
        assert!(check_svg("<html></html>").is_err());
    }
}
