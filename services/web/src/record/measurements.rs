//! Metingen: the latest measurements, "Alle metingen" filtered by meetsoort with a trend
//! chart (an SVG drawn here, with the values in the list beside it as its text), and
//! "Nieuwe meting".

use super::reports::{EXPIRED_FORM, author_name};
use super::{Care, field_errors, moment};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::DomainError;
use careportal_domain::record::Source;
use careportal_domain::record::measurements::{MEASURE_KINDS, Measurement, NewMeasurement, check_measurement};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_domain::time::{ZONE, local_instant, parse_date, parse_time, short_date};
use serde::{Deserialize, Serialize};

const LATEST: u32 = 10;
const ALL_LIMIT: u32 = 500;
/// Points in a trend chart: enough to see a course, few enough to read.
const CHART_POINTS: usize = 60;

#[derive(Debug, Serialize)]
struct MeasurementView {
    kind: String,
    value: String,
    moment: String,
    location: Option<String>,
    measured_by: String,
    from_portal: bool,
}

impl MeasurementView {
    fn of(m: &Measurement) -> Self {
        Self {
            kind: m.kind.clone(),
            value: m.display_value(),
            moment: moment(m.measured_at),
            location: m.location.clone(),
            measured_by: m.measured_by.clone(),
            from_portal: m.source == Source::Portal,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LatestQuery {
    opgeslagen: Option<String>,
}

pub async fn latest(care: Care, jar: CookieJar, Query(query): Query<LatestQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::Measurements, Action::Read).await?;
    let measurements = care.state.store.measurements(care.tenant.id, link.client.id, None, LATEST).await?;
    care.audit_read(Module::Measurements, format!("laatste {}", measurements.len())).await?;
    let (jar, mut context) = care.context(jar, Module::Measurements);
    context.insert("measurements", &measurements.iter().map(MeasurementView::of).collect::<Vec<_>>());
    context.insert("saved", &query.opgeslagen.is_some());
    context.insert("may_write", &care.may(Module::Measurements, Action::Write));
    render(&care.state, &care.tenant, "record/measurements.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AllQuery {
    meetsoort: Option<String>,
}

#[derive(Debug, Serialize)]
struct KindLink {
    label: String,
    href: String,
    current: bool,
}

pub async fn all(care: Care, jar: CookieJar, Query(query): Query<AllQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::Measurements, Action::Read).await?;
    let kinds = care.state.store.measurement_kinds(care.tenant.id, link.client.id).await?;
    // Only a kind the client has is a filter; anything else shows everything.
    let kind = query.meetsoort.filter(|k| kinds.contains(k));
    let measurements =
        care.state.store.measurements(care.tenant.id, link.client.id, kind.as_deref(), ALL_LIMIT).await?;
    care.audit_read(
        Module::Measurements,
        format!("alle, {}: {}", kind.as_deref().unwrap_or("alle soorten"), measurements.len()),
    )
    .await?;

    let mut links =
        vec![KindLink { label: "Alle soorten".into(), href: "/metingen/alle".into(), current: kind.is_none() }];
    links.extend(kinds.iter().map(|k| KindLink {
        label: k.clone(),
        href: format!(
            "/metingen/alle?meetsoort={}",
            url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>()
        ),
        current: kind.as_deref() == Some(k.as_str()),
    }));
    let chart = kind.as_ref().and_then(|k| Chart::draw(k, &measurements));
    let (jar, mut context) = care.context(jar, Module::Measurements);
    context.insert("title", "Alle metingen");
    context.insert("kind", &kind);
    context.insert("kinds", &links);
    context.insert("chart", &chart);
    context.insert("measurements", &measurements.iter().map(MeasurementView::of).collect::<Vec<_>>());
    context.insert("may_write", &care.may(Module::Measurements, Action::Write));
    render(&care.state, &care.tenant, "record/measurements_all.html", &context, StatusCode::OK, jar).await
}

/// A trend line of one kind of measurement, oldest on the left.
#[derive(Debug, Serialize)]
struct Chart {
    /// What the chart shows, in words, for people who cannot see it.
    description: String,
    points: String,
    dots: Vec<Dot>,
    top_label: String,
    bottom_label: String,
    first_date: String,
    last_date: String,
}

#[derive(Debug, Serialize)]
struct Dot {
    x: f64,
    y: f64,
}

impl Chart {
    const WIDTH: f64 = 640.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 20.0;
    const BOTTOM: f64 = 40.0;

    fn draw(kind: &str, newest_first: &[Measurement]) -> Option<Chart> {
        let mut series: Vec<(&Measurement, f64)> =
            newest_first.iter().take(CHART_POINTS).filter_map(|m| m.number().map(|n| (m, n))).collect();
        series.reverse();
        let (first, last) = (series.first()?, series.last()?);
        if series.len() < 2 {
            return None;
        }
        let low = series.iter().map(|(_, n)| *n).fold(f64::INFINITY, f64::min);
        let high = series.iter().map(|(_, n)| *n).fold(f64::NEG_INFINITY, f64::max);
        let spread = if (high - low).abs() < f64::EPSILON { 1.0 } else { high - low };
        let (t0, t1) = (first.0.measured_at.timestamp() as f64, last.0.measured_at.timestamp() as f64);
        let span = if t1 > t0 { t1 - t0 } else { 1.0 };
        let plot_w = Self::WIDTH - Self::LEFT - Self::RIGHT;
        let plot_h = Self::HEIGHT - Self::TOP - Self::BOTTOM;
        let dots: Vec<Dot> = series
            .iter()
            .map(|(m, n)| {
                let x = Self::LEFT + (m.measured_at.timestamp() as f64 - t0) / span * plot_w;
                let y = Self::TOP + (high - n) / spread * plot_h;
                Dot { x: (x * 10.0).round() / 10.0, y: (y * 10.0).round() / 10.0 }
            })
            .collect();
        let points = dots.iter().map(|d| format!("{},{}", d.x, d.y)).collect::<Vec<_>>().join(" ");
        let unit = &first.0.unit;
        let number = |n: f64| format!("{n}").replace('.', ",");
        Some(Chart {
            description: format!(
                "Verloop van {} over {} metingen: van {} op {} tot {} op {}; laagste {} {unit}, hoogste {} {unit}.",
                kind.to_lowercase(),
                series.len(),
                first.0.display_value(),
                short_date(first.0.measured_at),
                last.0.display_value(),
                short_date(last.0.measured_at),
                number(low),
                number(high),
            ),
            points,
            dots,
            top_label: format!("{} {unit}", number(high)),
            bottom_label: format!("{} {unit}", number(low)),
            first_date: short_date(first.0.measured_at),
            last_date: short_date(last.0.measured_at),
        })
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NewMeasurementForm {
    #[serde(default)]
    meetsoort: String,
    #[serde(default)]
    waarde: String,
    #[serde(default)]
    manier: String,
    #[serde(default)]
    datum: String,
    #[serde(default)]
    tijd: String,
    #[serde(default, skip_serializing)]
    csrf: String,
}

#[derive(Debug, Serialize)]
struct KindOption {
    label: &'static str,
    unit: &'static str,
}

async fn form_page(
    care: &Care,
    jar: CookieJar,
    form: &NewMeasurementForm,
    problems: &[DomainError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = care.context(jar, Module::Measurements);
    context.insert("title", "Nieuwe meting");
    context.insert("form", form);
    context.insert(
        "kinds",
        &MEASURE_KINDS.iter().map(|k| KindOption { label: k.label, unit: k.unit }).collect::<Vec<_>>(),
    );
    let qualifiers: Vec<&str> = MEASURE_KINDS.iter().flat_map(|k| k.qualifiers.iter().copied()).collect();
    context.insert("qualifiers", &qualifiers);
    context.insert("errors", &field_errors(problems));
    render(&care.state, &care.tenant, "record/measurement_new.html", &context, status, jar).await
}

pub async fn new_form(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    care.require(Module::Measurements, Action::Write).await?;
    let now = care.state.clock.now().with_timezone(&ZONE);
    let form = NewMeasurementForm {
        datum: now.format("%Y-%m-%d").to_string(),
        tijd: now.format("%H:%M").to_string(),
        ..Default::default()
    };
    form_page(&care, jar, &form, &[], StatusCode::OK).await
}

pub async fn create(care: Care, jar: CookieJar, Form(form): Form<NewMeasurementForm>) -> Result<Response, AppError> {
    let link = care.require(Module::Measurements, Action::Write).await?.clone();
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("waarde", EXPIRED_FORM);
        return form_page(&care, jar, &form, &[problem], StatusCode::FORBIDDEN).await;
    }
    let now = care.state.clock.now();
    let mut problems = Vec::new();
    let typed = check_measurement(&form.meetsoort, &form.waarde, &form.manier).map_err(|p| problems.extend(p)).ok();
    let date = parse_date("datum", &form.datum).map_err(|p| problems.push(p)).ok();
    let time = parse_time("tijd", &form.tijd).map_err(|p| problems.push(p)).ok();
    let measured_at = match (date, time) {
        (Some(date), Some(time)) => match local_instant(date, time) {
            Some(at) if at > now + chrono::Duration::minutes(5) => {
                problems.push(DomainError::invalid(
                    "datum",
                    "Een meting kan niet in de toekomst liggen. Kijk de datum en tijd na.",
                ));
                None
            }
            Some(at) => Some(at),
            None => {
                problems
                    .push(DomainError::invalid("tijd", "Deze tijd bestaat niet op die dag (de klok ging vooruit)."));
                None
            }
        },
        _ => None,
    };
    let (Some(typed), Some(measured_at)) = (typed, measured_at) else {
        return form_page(&care, jar, &form, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let new = NewMeasurement {
        kind: typed.kind.to_owned(),
        value: typed.value,
        unit: typed.unit.to_owned(),
        qualifier: typed.qualifier,
        measured_at,
        location: Some("Cliëntportaal".to_owned()),
        measured_by: author_name(&care, link.relation),
        author_account: Some(care.signed_in.account.id),
        source: Source::Portal,
    };
    care.state.store.add_measurement(care.tenant.id, &care.origin(), link.client.id, &new).await?;
    Ok(Redirect::to("/metingen?opgeslagen=1").into_response())
}
