//! Observation (vital signs, nl-core zib2020) ↔ a measurement in Metingen.
//!
//! The kind comes from the LOINC code, the value from `valueQuantity` in UCUM units (grams
//! and metres are converted to the portal's kilograms and centimetres), the qualifier
//! ("Rectaal") from `method` or `bodySite`, who measured from a Practitioner performer and
//! where from an Organization performer ("Tharah - Afdeling Noord"). Codes the portal does
//! not offer are still shown, under the code's own name, as the ECD sent them.

use crate::reports::{instant, resource_key};
use careportal_domain::record::Source;
use careportal_domain::record::measurements::{Measurement, NewMeasurement, measure_kind};
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use serde_json::{Value, json};

/// A vital sign the portal knows: its LOINC code, the UCUM unit of its value, and the units
/// an ECD may use instead with the factor to the portal's unit.
struct Vital {
    loinc: &'static str,
    display: &'static str,
    kind: &'static str,
    ucum: &'static str,
    also: &'static [(&'static str, f64)],
}

const VITALS: &[Vital] = &[
    Vital { loinc: "29463-7", display: "Body weight", kind: "Gewicht", ucum: "kg", also: &[("g", 0.001)] },
    Vital { loinc: "8310-5", display: "Body temperature", kind: "Temperatuur", ucum: "Cel", also: &[] },
    Vital { loinc: "8867-4", display: "Heart rate", kind: "Pols", ucum: "/min", also: &[("{beats}/min", 1.0)] },
    Vital {
        loinc: "59408-5",
        display: "Oxygen saturation in Arterial blood by Pulse oximetry",
        kind: "Saturatie",
        ucum: "%",
        also: &[],
    },
    Vital {
        loinc: "15074-8",
        display: "Glucose [Moles/volume] in Blood",
        kind: "Bloedsuiker",
        ucum: "mmol/L",
        also: &[],
    },
    Vital { loinc: "8302-2", display: "Body height", kind: "Lengte", ucum: "cm", also: &[("m", 100.0)] },
];

/// Other LOINC codes that mean the same kind (oxygen saturation without the method).
const SYNONYMS: &[(&str, &str)] = &[("2708-6", "Saturatie")];

/// Qualifiers the ECD may write in English (SNOMED displays), read as the portal's words.
const QUALIFIER_WORDS: &[(&str, &str)] = &[
    ("rectal", "Rectaal"),
    ("oral", "Oraal"),
    ("tympanic", "Oor"),
    ("ear", "Oor"),
    ("axillary", "Oksel"),
    ("axilla", "Oksel"),
    ("forehead", "Voorhoofd"),
    ("temporal", "Voorhoofd"),
];

/// What an Observation says for the portal.
#[derive(Debug, Clone, PartialEq)]
pub enum MeasurementChange {
    Put {
        key: String,
        patient: String,
        measurement: NewMeasurement,
    },
    /// Entered in error or cancelled: take it out of the portal.
    Remove {
        key: String,
    },
    /// Not (yet) for the portal: a preliminary value, or an Observation that is not a single
    /// value (a blood pressure with components, a panel).
    Ignore,
}

/// Reads an Observation; `Err` says why it cannot be shown.
pub fn map_observation(resource: &Value) -> Result<MeasurementChange, String> {
    let key = resource_key(resource).ok_or("geen identifier en geen id")?;
    match resource.get("status").and_then(Value::as_str) {
        Some("entered-in-error" | "cancelled") => return Ok(MeasurementChange::Remove { key }),
        Some("final" | "amended" | "corrected") => {}
        Some("registered" | "preliminary") => return Ok(MeasurementChange::Ignore),
        other => return Err(format!("onbekende status {other:?}")),
    }
    let Some(quantity) = resource.get("valueQuantity") else {
        // A panel or a value that is not a number: nothing the Metingen page can draw.
        return Ok(MeasurementChange::Ignore);
    };
    let patient = crate::reports::patient_of(resource)?;
    let measured_at = instant(
        resource
            .get("effectiveDateTime")
            .or_else(|| resource.pointer("/effectivePeriod/start"))
            .or_else(|| resource.get("issued"))
            .and_then(Value::as_str)
            .ok_or("geen meetmoment")?,
    )?;
    let number = quantity.get("value").and_then(Value::as_f64).ok_or("geen waarde")?;
    let unit_code = quantity.get("code").or_else(|| quantity.get("unit")).and_then(Value::as_str).unwrap_or("");
    let loinc = loinc_code(resource);
    let vital = loinc.and_then(|code| {
        let kind = SYNONYMS.iter().find(|(c, _)| *c == code).map(|(_, kind)| *kind);
        VITALS.iter().find(|v| v.loinc == code || Some(v.kind) == kind)
    });
    let (kind, value, unit, qualifier) = match vital {
        Some(vital) => {
            let factor = if unit_code == vital.ucum {
                1.0
            } else {
                vital
                    .also
                    .iter()
                    .find(|(code, _)| *code == unit_code)
                    .map(|(_, factor)| *factor)
                    .ok_or_else(|| format!("eenheid \"{unit_code}\" hoort niet bij {}", vital.kind))?
            };
            let known = measure_kind(vital.kind).ok_or("meetsoort zonder beschrijving")?;
            let value = format!("{:.prec$}", number * factor, prec = known.decimals as usize);
            let qualifier = qualifier_of(resource, known.qualifiers);
            (known.label.to_owned(), value, known.unit.to_owned(), qualifier)
        }
        None => {
            let name = resource
                .pointer("/code/text")
                .or_else(|| resource.pointer("/code/coding/0/display"))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or("een meetsoort zonder naam")?;
            let unit = quantity.get("unit").or_else(|| quantity.get("code")).and_then(Value::as_str).unwrap_or("");
            (name.to_owned(), trim_number(number), unit.to_owned(), qualifier_of(resource, &[]))
        }
    };
    let performers: Vec<&Value> = resource.get("performer").and_then(Value::as_array).into_iter().flatten().collect();
    let display_of = |kind: &str| {
        performers
            .iter()
            .find(|p| p.get("type").and_then(Value::as_str) == Some(kind) || reference_type(p) == Some(kind))
            .and_then(|p| p.get("display").and_then(Value::as_str))
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
    };
    let measured_by = display_of("Practitioner")
        .or_else(|| display_of("PractitionerRole"))
        .or_else(|| {
            performers
                .iter()
                .filter(|p| reference_type(p) != Some("Organization"))
                .find_map(|p| p.get("display").and_then(Value::as_str).map(str::to_owned))
        })
        .unwrap_or_else(|| "Medewerker".to_owned());
    let measurement = NewMeasurement {
        kind,
        value,
        unit,
        qualifier,
        measured_at,
        location: display_of("Organization"),
        measured_by,
        author_account: None,
        source: Source::Ecd,
    };
    Ok(MeasurementChange::Put { key, patient, measurement })
}

/// The Observation the portal sends for a measurement someone wrote in it, with our own
/// identifier; None for a kind the portal does not know the LOINC code of.
pub fn to_observation(measurement: &Measurement, patient_id: &str) -> Option<Value> {
    let vital = VITALS.iter().find(|v| v.kind == measurement.kind)?;
    let value: f64 = measurement.value.parse().ok()?;
    let mut observation = json!({
        "resourceType": "Observation",
        "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(measurement.id.as_uuid())}],
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs", "display": "Vital Signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": vital.loinc, "display": vital.display}],
                 "text": vital.kind},
        "subject": {"reference": format!("Patient/{patient_id}")},
        "effectiveDateTime": measurement.measured_at.to_rfc3339(),
        "performer": [{"display": measurement.measured_by}],
        "valueQuantity": {"value": value, "unit": measurement.unit, "system": "http://unitsofmeasure.org", "code": vital.ucum},
    });
    if let Some(qualifier) = measurement.qualifier.as_deref().filter(|q| *q != "-") {
        observation["method"] = json!({"text": qualifier});
    }
    Some(observation)
}

fn loinc_code(resource: &Value) -> Option<&str> {
    resource
        .pointer("/code/coding")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("system").and_then(Value::as_str) == Some("http://loinc.org"))
        .and_then(|c| c.get("code").and_then(Value::as_str))
}

/// "Rectaal" from `method` or `bodySite` (text, else a coding's display), in the portal's
/// words when it is one of the kind's qualifiers; "-" when a kind with qualifiers has none,
/// as the manual shows ("37,0 °C (-)").
fn qualifier_of(resource: &Value, known: &[&str]) -> Option<String> {
    let text = ["method", "bodySite"].iter().find_map(|field| {
        let concept = resource.get(*field)?;
        concept
            .get("text")
            .or_else(|| concept.pointer("/coding/0/display"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    });
    let Some(text) = text else {
        return known.first().map(|q| (*q).to_owned());
    };
    if let Some(word) = known.iter().find(|q| q.eq_ignore_ascii_case(text)) {
        return Some((*word).to_owned());
    }
    let lower = text.to_lowercase();
    QUALIFIER_WORDS
        .iter()
        .find(|(english, _)| lower.split(|c: char| !c.is_alphabetic()).any(|w| w == *english))
        .map(|(_, dutch)| (*dutch).to_owned())
        .or_else(|| Some(text.to_owned()))
}

fn reference_type(performer: &Value) -> Option<&str> {
    performer.get("reference").and_then(Value::as_str).and_then(|r| r.split('/').next())
}

/// 56 → "56", 56.25 → "56.25": a value the portal has no decimals rule for, as sent.
fn trim_number(number: f64) -> String {
    let text = format!("{number}");
    if text.contains('e') { format!("{number:.3}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use careportal_domain::ClientId;
    use careportal_domain::ids::MeasurementId;

    fn temperature() -> Value {
        json!({
            "resourceType": "Observation", "id": "o1", "status": "final",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.3", "value": "M-1"}],
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": "2023-04-24T06:00:00+02:00",
            "performer": [{"reference": "Practitioner/x", "display": "Femke Jansen"},
                          {"reference": "Organization/y", "display": "Tharah - Afdeling Noord"}],
            "method": {"coding": [{"system": "http://snomed.info/sct", "code": "364246001", "display": "Rectal temperature"}]},
            "valueQuantity": {"value": 39.1, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"}
        })
    }

    fn put(resource: &Value) -> NewMeasurement {
        match map_observation(resource).unwrap() {
            MeasurementChange::Put { measurement, .. } => measurement,
            other => panic!("not a measurement: {other:?}"),
        }
    }

    #[test]
    fn a_temperature_reads_as_the_manual_shows_it() {
        let m = put(&temperature());
        assert_eq!((m.kind.as_str(), m.value.as_str(), m.unit.as_str()), ("Temperatuur", "39.1", "°C"));
        assert_eq!(m.qualifier.as_deref(), Some("Rectaal"));
        assert_eq!(m.measured_by, "Femke Jansen");
        assert_eq!(m.location.as_deref(), Some("Tharah - Afdeling Noord"));
        assert_eq!(m.measured_at.to_rfc3339(), "2023-04-24T04:00:00+00:00");
        let mut plain = temperature();
        plain.as_object_mut().unwrap().remove("method");
        assert_eq!(put(&plain).qualifier.as_deref(), Some("-"), "37,0 °C (-)");
    }

    #[test]
    fn units_are_converted_and_numbers_keep_the_kinds_decimals() {
        let mut weight = temperature();
        weight["code"] = json!({"coding": [{"system": "http://loinc.org", "code": "29463-7"}]});
        weight["valueQuantity"] =
            json!({"value": 56000, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"});
        weight.as_object_mut().unwrap().remove("method");
        let m = put(&weight);
        assert_eq!((m.kind.as_str(), m.value.as_str(), m.unit.as_str(), m.qualifier), ("Gewicht", "56.0", "kg", None));
        weight["valueQuantity"] = json!({"value": 56, "unit": "lb", "code": "[lb_av]"});
        assert_eq!(map_observation(&weight).unwrap_err(), "eenheid \"[lb_av]\" hoort niet bij Gewicht");
    }

    #[test]
    fn corrections_and_other_kinds() {
        let mut wrong = temperature();
        wrong["status"] = json!("entered-in-error");
        assert!(matches!(map_observation(&wrong).unwrap(), MeasurementChange::Remove { .. }));
        wrong["status"] = json!("preliminary");
        assert_eq!(map_observation(&wrong).unwrap(), MeasurementChange::Ignore);
        let mut other = temperature();
        other["code"] = json!({"coding": [{"system": "http://loinc.org", "code": "9279-1"}], "text": "Ademhaling"});
        other["valueQuantity"] = json!({"value": 16, "unit": "/min", "code": "/min"});
        let m = put(&other);
        assert_eq!((m.kind.as_str(), m.value.as_str(), m.unit.as_str()), ("Ademhaling", "16", "/min"));
    }

    #[test]
    fn a_portal_measurement_goes_out_and_comes_back_the_same() {
        let written = Measurement {
            id: MeasurementId::new(),
            client: ClientId::new(),
            kind: "Temperatuur".to_owned(),
            value: "37.0".to_owned(),
            unit: "°C".to_owned(),
            qualifier: Some("Oksel".to_owned()),
            measured_at: chrono::DateTime::parse_from_rfc3339("2026-11-30T08:15:00Z").unwrap().to_utc(),
            location: Some("Cliëntportaal".to_owned()),
            measured_by: "Willem de Vries".to_owned(),
            author_account: None,
            source: Source::Portal,
        };
        let mut sent = to_observation(&written, "p1").unwrap();
        // A server re-serialises numbers: 37.0 comes back as 37.
        sent["valueQuantity"]["value"] = json!(37);
        let MeasurementChange::Put { key, patient, measurement } = map_observation(&sent).unwrap() else {
            panic!("not a measurement")
        };
        assert_eq!(key, careportal_domain::sync::own_ecd_key(written.id.as_uuid()));
        assert_eq!(patient, "p1");
        assert_eq!(
            (measurement.kind, measurement.value, measurement.unit, measurement.qualifier),
            (written.kind, written.value, written.unit, written.qualifier)
        );
        assert_eq!(measurement.measured_at, written.measured_at);
        assert_eq!(measurement.measured_by, written.measured_by);
    }
}
