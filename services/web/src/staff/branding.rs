//! Beheer › Huisstijl (the tenant administrator): the portal's name and tagline, its four
//! colours and the contact for questions. Colours are checked by the same rules as
//! `tenant validate` (WCAG AA: 4.5:1 for text, 3:1 for the focus ring), each ratio shown
//! beside its pair; a colour that fails is refused with what was typed kept. "Voorbeeld
//! bekijken" shows the typed scheme on the page before anything is saved. A save is
//! versioned and audited as `tenant apply` is, and every instance serves it at once.

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Multipart, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::colour::Colour;
use careportal_domain::staff::StaffAction;
use careportal_domain::tenant::{Branding, ContrastPair, MAX_LOGO_BYTES, TenantConfig, check_svg, config_problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What people read in the header; longer does not fit at 360 px.
const NAME_MAX_CHARS: usize = 60;
const TAGLINE_MAX_CHARS: usize = 120;

/// The form as typed; every field text, so a wrong value is shown back as it was.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct BrandingForm {
    #[serde(default)]
    csrf: String,
    /// voorbeeld (show the preview) or opslaan.
    #[serde(default)]
    stap: String,
    #[serde(default)]
    portaalnaam: String,
    #[serde(default)]
    ondertitel: String,
    #[serde(default)]
    logotekst: String,
    #[serde(default)]
    hoofdkleur: String,
    #[serde(default)]
    accentkleur: String,
    #[serde(default)]
    achtergrondkleur: String,
    #[serde(default)]
    tekstkleur: String,
    #[serde(default)]
    servicedesk: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    telefoon: String,
    #[serde(default)]
    bereikbaar: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    handleiding: String,
    #[serde(default)]
    videos: String,
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// A field left empty is no value at all.
fn optional(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

impl BrandingForm {
    fn of(config: &TenantConfig) -> Self {
        let (b, s) = (&config.branding, &config.support);
        Self {
            portaalnaam: text(&config.portal_name),
            ondertitel: text(&b.tagline),
            logotekst: text(&b.logo_alt),
            hoofdkleur: b.primary.to_string(),
            accentkleur: b.accent.to_string(),
            achtergrondkleur: b.background.to_string(),
            tekstkleur: b.text.to_string(),
            servicedesk: s.name.clone(),
            email: text(&s.email),
            telefoon: text(&s.phone),
            bereikbaar: text(&s.hours),
            website: text(&s.website),
            handleiding: text(&s.manual_url),
            videos: text(&s.videos_url),
            ..Self::default()
        }
    }

    /// `base` with the four typed colours, when each is one.
    fn colours(&self, base: &Branding) -> Option<Branding> {
        Some(Branding {
            primary: Colour::parse(self.hoofdkleur.trim()).ok()?,
            accent: Colour::parse(self.accentkleur.trim()).ok()?,
            background: Colour::parse(self.achtergrondkleur.trim()).ok()?,
            text: Colour::parse(self.tekstkleur.trim()).ok()?,
            ..base.clone()
        })
    }

    /// The tenant's configuration with this form in it, or the problems by field name.
    fn apply(&self, mut config: TenantConfig) -> Result<TenantConfig, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        for (field, value) in [
            ("hoofdkleur", &self.hoofdkleur),
            ("accentkleur", &self.accentkleur),
            ("achtergrondkleur", &self.achtergrondkleur),
            ("tekstkleur", &self.tekstkleur),
        ] {
            if let Err(reason) = Colour::parse(value.trim()) {
                errors.insert(field.to_owned(), format!("{}.", capitalised(&reason)));
            }
        }
        if self.portaalnaam.trim().chars().count() > NAME_MAX_CHARS {
            errors.insert("portaalnaam".to_owned(), format!("Houd de naam op hoogstens {NAME_MAX_CHARS} tekens."));
        }
        if self.ondertitel.trim().chars().count() > TAGLINE_MAX_CHARS {
            errors.insert(
                "ondertitel".to_owned(),
                format!("Houd de ondertitel op hoogstens {TAGLINE_MAX_CHARS} tekens."),
            );
        }
        if let Some(branding) = self.colours(&config.branding) {
            config.branding = branding;
        }
        config.portal_name = optional(&self.portaalnaam);
        config.branding.tagline = optional(&self.ondertitel);
        config.branding.logo_alt = optional(&self.logotekst);
        let s = &mut config.support;
        s.name = self.servicedesk.trim().to_owned();
        s.email = optional(&self.email);
        s.phone = optional(&self.telefoon);
        s.hours = optional(&self.bereikbaar);
        s.website = optional(&self.website);
        s.manual_url = optional(&self.handleiding);
        s.videos_url = optional(&self.videos);
        for (key, reason) in config_problems(&config) {
            let field = match key.as_str() {
                "branding.primary" => "hoofdkleur",
                "branding.accent" => "accentkleur",
                "branding.text" => "tekstkleur",
                "support.name" => "servicedesk",
                "support" | "support.email" => "email",
                "support.phone" => "telefoon",
                "support.website" => "website",
                "support.manual_url" => "handleiding",
                "support.videos_url" => "videos",
                _ => "algemeen",
            };
            errors.entry(field.to_owned()).or_insert_with(|| format!("{}.", capitalised(&reason)));
        }
        if errors.is_empty() { Ok(config) } else { Err(errors) }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[derive(Debug, Serialize)]
struct Pair {
    what: String,
    ratio: String,
    needed: String,
    enough: bool,
}

/// Every pair of the scheme with its ratio, as the page lists them.
fn pairs(branding: &Branding) -> Vec<Pair> {
    branding
        .contrast_pairs()
        .iter()
        .map(|pair| Pair {
            what: capitalised(pair.what),
            ratio: careportal_domain::colour::ratio_text(pair.ratio),
            needed: format!("{}:1", pair.needed).replace('.', ","),
            enough: pair.enough(),
        })
        .collect()
}

fn passes(branding: &Branding) -> bool {
    branding.contrast_pairs().iter().all(ContrastPair::enough)
}

/// The address of the preview's stylesheet (the page's own CSP allows no inline style).
fn stylesheet(branding: &Branding) -> String {
    let hex = |c: Colour| c.to_string().trim_start_matches('#').to_owned();
    format!(
        "/beheer/huisstijl/voorbeeld.css?hoofdkleur={}&accentkleur={}&achtergrondkleur={}&tekstkleur={}",
        hex(branding.primary),
        hex(branding.accent),
        hex(branding.background),
        hex(branding.text)
    )
}

/// One input of the form, as the template shows it.
#[derive(Debug, Serialize)]
struct FieldView {
    name: &'static str,
    label: &'static str,
    value: String,
    hint: Option<&'static str>,
    kind: &'static str,
    max: Option<usize>,
    error: Option<String>,
    described_by: Option<String>,
}

#[derive(Debug, Serialize)]
struct Group {
    legend: &'static str,
    fields: Vec<FieldView>,
}

/// The form's fields in their groups: (name, label, hint, input type, most characters).
type Spec = (&'static str, &'static str, Option<&'static str>, &'static str, Option<usize>);

fn groups(form: &BrandingForm, errors: &BTreeMap<String, String>) -> Vec<Group> {
    let value = |name: &str| -> String {
        match name {
            "portaalnaam" => &form.portaalnaam,
            "ondertitel" => &form.ondertitel,
            "logotekst" => &form.logotekst,
            "hoofdkleur" => &form.hoofdkleur,
            "accentkleur" => &form.accentkleur,
            "achtergrondkleur" => &form.achtergrondkleur,
            "tekstkleur" => &form.tekstkleur,
            "servicedesk" => &form.servicedesk,
            "email" => &form.email,
            "telefoon" => &form.telefoon,
            "bereikbaar" => &form.bereikbaar,
            "website" => &form.website,
            "handleiding" => &form.handleiding,
            _ => &form.videos,
        }
        .clone()
    };
    let specs: [(&'static str, Vec<Spec>); 3] = [
        (
            "Naam en ondertitel",
            vec![
                (
                    "portaalnaam",
                    "Naam van het portaal",
                    Some("Leeg: Cliëntportaal met de naam van de organisatie."),
                    "text",
                    Some(NAME_MAX_CHARS),
                ),
                ("ondertitel", "Ondertitel", None, "text", Some(TAGLINE_MAX_CHARS)),
                ("logotekst", "Tekst bij het logo", Some("Voor wie het logo niet kan zien."), "text", None),
            ],
        ),
        (
            "Kleuren",
            vec![
                ("hoofdkleur", "Hoofdkleur", Some("Kop, knoppen en links, als #rrggbb."), "text", None),
                ("accentkleur", "Accentkleur", Some("De rand om wat de focus heeft."), "text", None),
                ("achtergrondkleur", "Achtergrondkleur", None, "text", None),
                ("tekstkleur", "Tekstkleur", None, "text", None),
            ],
        ),
        (
            "Hulp en contact",
            vec![
                ("servicedesk", "Wie beantwoordt vragen", Some("Bijvoorbeeld: Servicedesk."), "text", None),
                ("email", "E-mailadres", None, "email", None),
                ("telefoon", "Telefoonnummer", None, "tel", None),
                (
                    "bereikbaar",
                    "Bereikbaar",
                    Some("Bijvoorbeeld: maandag t/m vrijdag van 8.30 tot 16.30 uur."),
                    "text",
                    None,
                ),
                ("website", "Website", None, "url", None),
                ("handleiding", "Handleiding (webadres)", None, "url", None),
                ("videos", "Instructievideo's (webadres)", None, "url", None),
            ],
        ),
    ];
    specs
        .into_iter()
        .map(|(legend, fields)| Group {
            legend,
            fields: fields
                .into_iter()
                .map(|(name, label, hint, kind, max)| {
                    let error = errors.get(name).cloned();
                    let described: Vec<String> =
                        [hint.map(|_| format!("{name}-uitleg")), error.as_ref().map(|_| format!("{name}-fout"))]
                            .into_iter()
                            .flatten()
                            .collect();
                    FieldView {
                        name,
                        label,
                        value: value(name),
                        hint,
                        kind,
                        max,
                        error,
                        described_by: Some(described.join(" ")).filter(|d| !d.is_empty()),
                    }
                })
                .collect(),
        })
        .collect()
}

struct View<'a> {
    form: &'a BrandingForm,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
    general: Option<&'static str>,
    /// Why the uploaded logo was refused.
    logo_error: Option<String>,
}

async fn page_with(staff: &Staff, jar: CookieJar, view: View<'_>, status: StatusCode) -> Result<Response, AppError> {
    let scheme = view.form.colours(&staff.tenant.config.branding);
    let (jar, mut context) = staff.context(jar, "Huisstijl");
    context.insert("groups", &groups(view.form, &view.errors));
    context.insert("pairs", &scheme.as_ref().map(pairs));
    // The preview only with colours that pass: the page itself must stay readable.
    let preview = scheme.filter(passes);
    context.insert("preview_css", &preview.as_ref().map(stylesheet));
    let name = optional(&view.form.portaalnaam).unwrap_or_else(|| staff.tenant.config.portal_name());
    context.insert("preview_name", &name);
    context.insert("preview_tagline", &optional(&view.form.ondertitel));
    context.insert("errors", &view.errors);
    context.insert("notice", &view.notice);
    context.insert("general", &view.general);
    context.insert("logo_error", &view.logo_error);
    context.insert("logo_alt", &staff.tenant.config.branding.logo_alt);
    context.insert("logo_max_kb", &(MAX_LOGO_BYTES / 1024));
    render(&staff.state, &staff.tenant, "staff/branding.html", &context, status, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    opgeslagen: Option<String>,
    logo: Option<String>,
}

/// GET /beheer/huisstijl
pub async fn page(staff: Staff, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let form = BrandingForm::of(&staff.tenant.config);
    let notice = if query.opgeslagen.is_some() {
        Some("De huisstijl is opgeslagen. Iedereen ziet hem vanaf de volgende pagina die hij opent.")
    } else if query.logo.is_some() {
        Some("Het logo is opgeslagen. Iedereen ziet het vanaf de volgende pagina die hij opent.")
    } else {
        None
    };
    let view = View { form: &form, errors: BTreeMap::new(), notice, general: None, logo_error: None };
    page_with(&staff, jar, view, StatusCode::OK).await
}

/// POST /beheer/huisstijl: `stap=voorbeeld` shows the typed scheme, anything else saves.
pub async fn save(staff: Staff, jar: CookieJar, Form(form): Form<BrandingForm>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let general = Some(crate::record::reports::EXPIRED_FORM);
        let view = View { form: &form, errors: BTreeMap::new(), notice: None, general, logo_error: None };
        return page_with(&staff, jar, view, StatusCode::FORBIDDEN).await;
    }
    let config = match form.apply(staff.tenant.config.clone()) {
        Ok(config) => config,
        Err(errors) => {
            let general = Some("Er is nog niets opgeslagen. Kijk de velden met een melding na.");
            let view = View { form: &form, errors, notice: None, general, logo_error: None };
            return page_with(&staff, jar, view, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if form.stap == "voorbeeld" {
        let notice = Some("Hieronder ziet u het voorbeeld. Er is nog niets opgeslagen.");
        let view = View { form: &form, errors: BTreeMap::new(), notice, general: None, logo_error: None };
        return page_with(&staff, jar, view, StatusCode::OK).await;
    }
    staff.apply_config(config).await?;
    Ok(Redirect::to("/beheer/huisstijl?opgeslagen=1").into_response())
}

/// GET /beheer/huisstijl/voorbeeld.css: the typed colours for the preview's box only. Each
/// is parsed as a colour first, so nothing else ever reaches the stylesheet. The colours
/// come as the form's fields, without their '#'.
pub async fn preview_css(staff: Staff, Query(query): Query<BrandingForm>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let b = &staff.tenant.config.branding;
    let colour = |typed: &str, current: Colour| Colour::parse(&format!("#{typed}")).unwrap_or(current);
    let css = format!(
        ".brand-preview {{\n  --cp-primary: {};\n  --cp-accent: {};\n  --cp-background: {};\n  --cp-text: {};\n}}\n",
        colour(&query.hoofdkleur, b.primary),
        colour(&query.accentkleur, b.accent),
        colour(&query.achtergrondkleur, b.background),
        colour(&query.tekstkleur, b.text),
    );
    Ok(([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], css).into_response())
}

/// What a logo upload may be at most, with the rest of its form.
pub const MAX_LOGO_UPLOAD: usize = MAX_LOGO_BYTES + 64 * 1024;

/// POST /beheer/huisstijl/logo: a new logo (SVG), checked as `tenant validate` checks one.
pub async fn logo(staff: Staff, jar: CookieJar, multipart: Multipart) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let upload = crate::upload::read_upload(multipart, "logo").await;
    let form = BrandingForm::of(&staff.tenant.config);
    let refuse = |reason: String, status: StatusCode| {
        let view = View { form: &form, errors: BTreeMap::new(), notice: None, general: None, logo_error: Some(reason) };
        (view, status)
    };
    let (view, status) = if !crate::session::csrf_ok(&staff.state, &jar, upload.field("csrf")) {
        refuse(crate::record::reports::EXPIRED_FORM.to_owned(), StatusCode::FORBIDDEN)
    } else if upload.too_large || upload.file.len() > MAX_LOGO_BYTES {
        let reason = format!("Het logo is groter dan {} kB. Kies een kleiner bestand.", MAX_LOGO_BYTES / 1024);
        refuse(reason, StatusCode::PAYLOAD_TOO_LARGE)
    } else if upload.file.is_empty() {
        refuse("Kies een SVG-bestand met het logo.".to_owned(), StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        match String::from_utf8(upload.file).map_err(|_| "het logo is geen SVG-bestand".to_owned()).and_then(|svg| {
            check_svg(&svg)?;
            Ok(svg)
        }) {
            Ok(svg) => {
                staff.apply_logo(svg).await?;
                return Ok(Redirect::to("/beheer/huisstijl?logo=1").into_response());
            }
            Err(reason) => refuse(format!("{}.", capitalised(&reason)), StatusCode::UNPROCESSABLE_ENTITY),
        }
    };
    page_with(&staff, jar, view, status).await
}
