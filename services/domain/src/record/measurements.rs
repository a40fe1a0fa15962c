//! Metingen: weight, temperature and the like, with when, where and by whom they were taken.
//! Values keep the precision they were written with ("56,0 kg" stays "56,0"), so they are
//! stored as decimal text and read as numbers only to draw a trend.

use super::Source;
use crate::ids::MeasurementId;
use crate::{AccountId, ClientId, DomainError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A kind of measurement (meetsoort) a person may add in the portal, with its unit, how
/// many decimals it takes, what values are believable, and how it may have been taken.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeasureKind {
    pub label: &'static str,
    pub unit: &'static str,
    pub decimals: u32,
    pub min: f64,
    pub max: f64,
    /// The ways of measuring ("Rectaal"); empty when there is nothing to choose.
    pub qualifiers: &'static [&'static str],
}

/// The kinds the portal offers for "Nieuwe meting". The ECD may send others; those are shown
/// but cannot be added here.
pub const MEASURE_KINDS: &[MeasureKind] = &[
    MeasureKind { label: "Gewicht", unit: "kg", decimals: 1, min: 0.5, max: 400.0, qualifiers: &[] },
    MeasureKind {
        label: "Temperatuur",
        unit: "°C",
        decimals: 1,
        min: 30.0,
        max: 45.0,
        qualifiers: &["-", "Rectaal", "Oraal", "Oor", "Oksel", "Voorhoofd"],
    },
    MeasureKind { label: "Pols", unit: "slagen/min", decimals: 0, min: 20.0, max: 250.0, qualifiers: &[] },
    MeasureKind { label: "Saturatie", unit: "%", decimals: 0, min: 50.0, max: 100.0, qualifiers: &[] },
    MeasureKind { label: "Bloedsuiker", unit: "mmol/l", decimals: 1, min: 0.5, max: 50.0, qualifiers: &[] },
    MeasureKind { label: "Lengte", unit: "cm", decimals: 0, min: 30.0, max: 250.0, qualifiers: &[] },
];

pub fn measure_kind(label: &str) -> Option<&'static MeasureKind> {
    MEASURE_KINDS.iter().find(|k| k.label.eq_ignore_ascii_case(label.trim()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measurement {
    pub id: MeasurementId,
    pub client: ClientId,
    /// Meetsoort, e.g. "Gewicht".
    pub kind: String,
    /// Decimal text with a point, e.g. "56.0".
    pub value: String,
    pub unit: String,
    pub qualifier: Option<String>,
    pub measured_at: DateTime<Utc>,
    /// Where it was taken (the location in the ECD, or "Cliëntportaal").
    pub location: Option<String>,
    /// Who took it or wrote it down.
    pub measured_by: String,
    pub author_account: Option<AccountId>,
    pub source: Source,
}

impl Measurement {
    /// "56,0 kg", "39,1 °C (Rectaal)": the manual's way of writing a value.
    pub fn display_value(&self) -> String {
        let mut text = format!("{} {}", self.value.replace('.', ","), self.unit);
        if let Some(qualifier) = &self.qualifier {
            text.push_str(&format!(" ({qualifier})"));
        }
        text
    }

    pub fn number(&self) -> Option<f64> {
        self.value.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasurement {
    pub kind: String,
    pub value: String,
    pub unit: String,
    pub qualifier: Option<String>,
    pub measured_at: DateTime<Utc>,
    pub location: Option<String>,
    pub measured_by: String,
    pub author_account: Option<AccountId>,
    pub source: Source,
}

/// A measurement as typed on the "Nieuwe meting" form, checked: the kind must be one the
/// portal offers, the value a believable number with the kind's decimals (a comma or a
/// point), the qualifier one of the kind's, the moment not in the future.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedMeasurement {
    pub kind: &'static str,
    pub unit: &'static str,
    pub value: String,
    pub qualifier: Option<String>,
}

pub fn check_measurement(kind: &str, value: &str, qualifier: &str) -> Result<TypedMeasurement, Vec<DomainError>> {
    let Some(kind) = measure_kind(kind) else {
        return Err(vec![DomainError::invalid("meetsoort", "Kies een meetsoort.")]);
    };
    let mut problems = Vec::new();
    let typed = value.trim().replace(',', ".");
    let value = match typed.parse::<f64>() {
        _ if typed.is_empty() => {
            problems.push(DomainError::invalid("waarde", format!("Vul de waarde in, in {}.", kind.unit)));
            None
        }
        Ok(number) if number.is_finite() && typed.chars().all(|c| c.is_ascii_digit() || c == '.') => {
            let decimals = typed.split_once('.').map_or(0, |(_, after)| after.len());
            if decimals > kind.decimals as usize {
                let message = match kind.decimals {
                    0 => format!("Vul een heel getal in, in {}.", kind.unit),
                    n => format!("Vul hoogstens {n} cijfer na de komma in."),
                };
                problems.push(DomainError::invalid("waarde", message));
                None
            } else if number < kind.min || number > kind.max {
                problems.push(DomainError::invalid(
                    "waarde",
                    format!(
                        "Een {} ligt tussen {} en {} {}. Kijk de waarde nog eens na.",
                        kind.label.to_lowercase(),
                        dutch_number(kind.min),
                        dutch_number(kind.max),
                        kind.unit
                    ),
                ));
                None
            } else {
                Some(format!("{number:.prec$}", prec = kind.decimals as usize))
            }
        }
        _ => {
            problems.push(DomainError::invalid(
                "waarde",
                format!("\"{}\" is geen getal. Vul alleen cijfers in, met een komma voor de decimalen.", value.trim()),
            ));
            None
        }
    };
    let qualifier = qualifier.trim();
    let qualifier = if kind.qualifiers.is_empty() {
        None
    } else if let Some(known) = kind.qualifiers.iter().find(|q| q.eq_ignore_ascii_case(qualifier)) {
        Some((*known).to_owned())
    } else {
        problems.push(DomainError::invalid("manier", "Kies hoe er gemeten is."));
        None
    };
    match value {
        Some(value) if problems.is_empty() => {
            Ok(TypedMeasurement { kind: kind.label, unit: kind.unit, value, qualifier })
        }
        _ => Err(problems),
    }
}

/// 0.5 → "0,5"; 400 → "400": as short as the number allows, with a decimal comma.
fn dutch_number(number: f64) -> String {
    format!("{number}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_with_a_comma_or_a_point() {
        let typed = check_measurement("Gewicht", "56,0", "").unwrap();
        assert_eq!((typed.kind, typed.value.as_str(), typed.unit), ("Gewicht", "56.0", "kg"));
        assert_eq!(check_measurement("gewicht", " 56 ", "").unwrap().value, "56.0");
        let typed = check_measurement("Temperatuur", "39.1", "rectaal").unwrap();
        assert_eq!(typed.qualifier.as_deref(), Some("Rectaal"));
    }

    #[test]
    fn unbelievable_or_unreadable_values_are_refused_with_a_reason() {
        for (kind, value) in [
            ("Gewicht", "5600"),
            ("Gewicht", "abc"),
            ("Gewicht", ""),
            ("Gewicht", "56,05"),
            ("Pols", "72,5"),
            ("Gewicht", "-3"),
            ("Gewicht", "1e2"),
        ] {
            let problems = check_measurement(kind, value, "").unwrap_err();
            assert!(
                problems.iter().any(|p| matches!(p, DomainError::Invalid { field: "waarde", .. })),
                "{kind} {value}"
            );
        }
        assert!(check_measurement("Temperatuur", "37,0", "").is_err(), "how was it measured?");
        assert!(check_measurement("Hoogte", "1", "").is_err());
    }

    #[test]
    fn the_manual_s_examples_read_back_as_written() {
        let measurement = Measurement {
            id: MeasurementId::new(),
            client: ClientId::new(),
            kind: "Temperatuur".into(),
            value: "39.1".into(),
            unit: "°C".into(),
            qualifier: Some("Rectaal".into()),
            measured_at: Utc::now(),
            location: None,
            measured_by: "Medewerker".into(),
            author_account: None,
            source: Source::Ecd,
        };
        assert_eq!(measurement.display_value(), "39,1 °C (Rectaal)");
        assert_eq!(measurement.number(), Some(39.1));
    }
}
