//! Composition (a progress note, LOINC 11506-3) → a report in Rapportages. The report is
//! keyed by the Composition's own identifier; `entered-in-error` removes it from the portal
//! and `amended` replaces its text.

use careportal_domain::record::reports::Report;
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};

/// The LOINC code of a progress note, the kind of Composition the connector asks for.
pub const PROGRESS_NOTE: &str = "http://loinc.org|11506-3";

/// What a Composition says for the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportChange {
    /// Show (or replace) the report.
    Put { key: String, patient: String, written_at: DateTime<Utc>, author: String, body: String },
    /// Remove it: entered in error.
    Remove { key: String },
    /// Not for the portal yet (a preliminary note).
    Ignore,
}

/// Reads a Composition; `Err` says why it cannot be shown.
pub fn map_composition(resource: &Value) -> Result<ReportChange, String> {
    let key = resource_key(resource).ok_or("geen identifier en geen id")?;
    match resource.get("status").and_then(Value::as_str) {
        Some("entered-in-error") => return Ok(ReportChange::Remove { key }),
        Some("final" | "amended") => {}
        Some("preliminary") => return Ok(ReportChange::Ignore),
        other => return Err(format!("onbekende status {other:?}")),
    }
    let patient = patient_of(resource)?;
    let written_at = instant(resource.get("date").and_then(Value::as_str).ok_or("geen datum")?)?;
    let author = resource
        .pointer("/author/0/display")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or("Medewerker")
        .to_owned();
    let sections: Vec<String> = resource
        .get("section")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.pointer("/text/div").and_then(Value::as_str))
        .map(plain_text)
        .filter(|t| !t.is_empty())
        .collect();
    let body = if sections.is_empty() {
        resource.pointer("/text/div").and_then(Value::as_str).map(plain_text).unwrap_or_default()
    } else {
        sections.join("\n\n")
    };
    if body.is_empty() {
        return Err("geen tekst".to_owned());
    }
    Ok(ReportChange::Put { key, patient, written_at, author, body })
}

/// The server id of the Patient a resource is about (`subject`).
pub(crate) fn patient_of(resource: &Value) -> Result<String, String> {
    patient_at(resource, "/subject/reference")
}

/// The server id of the Patient the reference at `pointer` names (`Patient/123`, a full
/// address, or with `/_history/2`), for the resources that name it elsewhere (`patient`).
pub(crate) fn patient_at(resource: &Value, pointer: &str) -> Result<String, String> {
    resource
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit_once("Patient/").map(|(_, id)| id.split('/').next().unwrap_or(id)))
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "geen verwijzing naar een Patient".to_owned())
}

/// The Composition the portal sends for a report someone wrote in it: a final progress note
/// with our own identifier, its text as narrative paragraphs that read back as the same text.
pub fn to_composition(report: &Report, patient_id: &str) -> Value {
    let paragraphs: Vec<String> = report
        .body
        .split("\n\n")
        .map(|p| p.lines().map(escape).collect::<Vec<_>>().join("<br/>"))
        .map(|p| format!("<p>{p}</p>"))
        .collect();
    let div = format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{}</div>", paragraphs.concat());
    json!({
        "resourceType": "Composition",
        "identifier": {"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(report.id.as_uuid())},
        "status": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}]},
        "subject": {"reference": format!("Patient/{patient_id}")},
        "date": report.written_at.to_rfc3339(),
        "author": [{"display": report.author}],
        "title": "Rapportage",
        "section": [{"title": "Rapportage", "text": {"status": "generated", "div": div}}],
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The resource's identifier as `system|value`; without one its server address, which is
/// the best there is.
pub fn resource_key(resource: &Value) -> Option<String> {
    let identifier = resource.get("identifier");
    let identifier = identifier.and_then(|i| i.as_array().and_then(|a| a.first())).or(identifier);
    if let Some(id) = identifier
        && let (Some(system), Some(value)) =
            (id.get("system").and_then(Value::as_str), id.get("value").and_then(Value::as_str))
    {
        return Some(format!("{system}|{value}"));
    }
    let kind = resource.get("resourceType").and_then(Value::as_str)?;
    let id = resource.get("id").and_then(Value::as_str)?;
    Some(format!("{kind}/{id}"))
}

/// A FHIR dateTime: with an offset as given; a date alone is midnight in Amsterdam, the
/// organisation's wall clock.
pub(crate) fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| careportal_domain::time::local_instant(day, NaiveTime::MIN))
        .ok_or_else(|| format!("datum \"{text}\""))
}

/// The text of a narrative `<div>`: tags dropped, paragraphs and line breaks kept as new
/// lines, the five XML entities read back.
pub(crate) fn plain_text(xhtml: &str) -> String {
    let mut out = String::new();
    let mut rest = xhtml;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else { break };
        let tag = rest[open + 1..open + close].trim_start_matches('/').to_ascii_lowercase();
        if tag.starts_with("br") || tag.starts_with("p") || tag.starts_with("li") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.join("\n").split("\n\n\n").collect::<Vec<_>>().join("\n\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(status: &str) -> Value {
        json!({
            "resourceType": "Composition", "id": "c1", "status": status,
            "identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2", "value": "R-1"},
            "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3"}]},
            "subject": {"reference": "Patient/p1"},
            "date": "2026-11-24T14:05:00+01:00",
            "author": [{"display": "Femke Jansen (begeleider)"}],
            "title": "Rapportage",
            "section": [{"text": {"status": "generated",
                "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Thomas heeft goed gegeten.</p><p>Wandeling &amp; muziek.</p></div>"}}]
        })
    }

    #[test]
    fn a_final_note_becomes_a_report_keyed_by_its_identifier() {
        let ReportChange::Put { key, patient, written_at, author, body } = map_composition(&note("final")).unwrap()
        else {
            panic!("not a report")
        };
        assert_eq!(key, "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2|R-1");
        assert_eq!(patient, "p1");
        assert_eq!(written_at.to_rfc3339(), "2026-11-24T13:05:00+00:00");
        assert_eq!(author, "Femke Jansen (begeleider)");
        assert_eq!(body, "Thomas heeft goed gegeten.\n\nWandeling & muziek.");
    }

    #[test]
    fn a_portal_report_goes_out_and_comes_back_the_same() {
        let report = Report {
            id: careportal_domain::ids::ReportId::new(),
            client: careportal_domain::ClientId::new(),
            written_at: DateTime::parse_from_rfc3339("2026-11-30T19:02:11.5+01:00").unwrap().to_utc(),
            author: "Willem de Vries".to_owned(),
            author_account: None,
            source: careportal_domain::record::Source::Portal,
            body: "Vanmiddag <samen> gewandeld & gepraat.\nHij was blij.\n\nMorgen bel ik.".to_owned(),
        };
        let sent = to_composition(&report, "p9");
        let ReportChange::Put { key, patient, written_at, author, body } = map_composition(&sent).unwrap() else {
            panic!("not a report")
        };
        assert_eq!(key, careportal_domain::sync::own_ecd_key(report.id.as_uuid()));
        assert_eq!((patient.as_str(), author.as_str()), ("p9", "Willem de Vries"));
        assert_eq!(written_at, report.written_at);
        assert_eq!(body, report.body);
    }

    #[test]
    fn corrections_remove_or_replace_and_drafts_wait() {
        assert!(matches!(map_composition(&note("amended")).unwrap(), ReportChange::Put { .. }));
        assert_eq!(
            map_composition(&note("entered-in-error")).unwrap(),
            ReportChange::Remove { key: "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2|R-1".to_owned() }
        );
        assert_eq!(map_composition(&note("preliminary")).unwrap(), ReportChange::Ignore);
        let mut empty = note("final");
        empty["section"] = json!([]);
        assert_eq!(map_composition(&empty).unwrap_err(), "geen tekst");
        let mut no_id = note("final");
        no_id.as_object_mut().unwrap().remove("identifier");
        assert!(matches!(map_composition(&no_id).unwrap(), ReportChange::Put { key, .. } if key == "Composition/c1"));
    }
}
