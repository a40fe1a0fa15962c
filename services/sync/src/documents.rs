//! DocumentReference → a document of the record: a Begeleidingsplanafdruk offered for
//! signing, a Begeleidingsplanevaluatie, a Factuur.
//!
//! Which kind a DocumentReference is comes from its `type` coding: LOINC 18776-5 (plan of
//! care note) or `care-plan` in [`KIND_SYSTEM`] for a care plan print, `evaluation` and
//! `invoice` in that system for the other two; other types are not for the portal. The
//! print is the PDF of `content[0].attachment`, inline (`data`) or behind its `url` (a
//! Binary on the same server); the title is `description` (else the type's text), the date
//! `date` in Amsterdam. `entered-in-error` and `superseded` take the document out (a care
//! plan print only while nobody has decided on it: a decision is evidence).
//!
//! A care plan print may name its CarePlan in `context.related`: then the plan's `status`
//! decides whether the print is offered (`draft` waits; `revoked` and `entered-in-error`
//! withdraw it as a withdrawn print would) and its `title` names a print without a
//! description.

use crate::reports::{instant, resource_key};
use base64::Engine;
use careportal_domain::record::documents::DocumentKind;
use chrono::NaiveDate;
use serde_json::Value;

/// The code system of the document kinds an ECD can tag its DocumentReferences with for the
/// portal, where no standard code says it.
pub const KIND_SYSTEM: &str = "https://careportal.nl/fhir/CodeSystem/document-kind";

/// Prints larger than this are refused: a plan or an invoice is a few hundred kilobytes.
pub const MAX_PRINT_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentChange {
    Put {
        key: String,
        patient: String,
        kind: DocumentKind,
        title: String,
        date: NaiveDate,
        content: Content,
    },
    Remove {
        key: String,
    },
    /// A print of a plan still in draft: not for the portal yet.
    Wait,
    Ignore,
}

/// The server id of the CarePlan a DocumentReference names in `context.related`.
pub fn plan_of(resource: &Value) -> Option<String> {
    resource
        .pointer("/context/related")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|r| r.get("reference").and_then(Value::as_str))
        .find_map(|r| r.rsplit_once("CarePlan/").map(|(_, id)| id.split('/').next().unwrap_or(id).to_owned()))
        .filter(|id| !id.is_empty())
}

/// Where the PDF is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Inline(Vec<u8>),
    Url(String),
}

/// `plan` is the CarePlan the resource names ([`plan_of`]), as the ECD has it.
pub fn map_document_reference(resource: &Value, plan: Option<&Value>) -> Result<DocumentChange, String> {
    let key = resource_key(resource).ok_or("geen identifier en geen id")?;
    match resource.get("status").and_then(Value::as_str) {
        Some("entered-in-error" | "superseded") => return Ok(DocumentChange::Remove { key }),
        Some("current") => {}
        other => return Err(format!("onbekende status {other:?}")),
    }
    let Some(kind) = kind_of(resource) else { return Ok(DocumentChange::Ignore) };
    let plan = plan.filter(|_| kind == DocumentKind::CarePlan);
    match plan.and_then(|p| p.get("status")).and_then(Value::as_str) {
        Some("draft") => return Ok(DocumentChange::Wait),
        Some("revoked" | "entered-in-error") => return Ok(DocumentChange::Remove { key }),
        _ => {}
    }
    let patient = crate::reports::patient_of(resource)?;
    let date = careportal_domain::time::local_date(instant(
        resource.get("date").and_then(Value::as_str).ok_or("geen datum (date)")?,
    )?);
    let default_title = match kind {
        DocumentKind::CarePlan => "Begeleidingsplanafdruk",
        DocumentKind::Evaluation => "Begeleidingsplanevaluatie",
        DocumentKind::Invoice => "Factuur",
    };
    let title = resource
        .get("description")
        .or_else(|| plan.and_then(|p| p.get("title")))
        .or_else(|| resource.pointer("/type/text"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(default_title)
        .to_owned();
    let attachment = resource.pointer("/content/0/attachment").ok_or("geen inhoud (content.attachment)")?;
    let content_type = attachment.get("contentType").and_then(Value::as_str).unwrap_or("");
    if content_type != "application/pdf" {
        return Err(format!("alleen PDF kan het portaal tonen, niet \"{content_type}\""));
    }
    let content = match (attachment.get("data").and_then(Value::as_str), attachment.get("url").and_then(Value::as_str))
    {
        (Some(data), _) => Content::Inline(
            base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| format!("data is geen base64: {e}"))?,
        ),
        (None, Some(url)) => Content::Url(url.to_owned()),
        (None, None) => return Err("de bijlage heeft geen data en geen url".to_owned()),
    };
    Ok(DocumentChange::Put { key, patient, kind, title, date, content })
}

fn kind_of(resource: &Value) -> Option<DocumentKind> {
    let codings = resource.pointer("/type/coding").and_then(Value::as_array)?;
    codings.iter().find_map(|c| {
        match (c.get("system").and_then(Value::as_str)?, c.get("code").and_then(Value::as_str)?) {
            ("http://loinc.org", "18776-5") | (KIND_SYSTEM, "care-plan") => Some(DocumentKind::CarePlan),
            (KIND_SYSTEM, "evaluation") => Some(DocumentKind::Evaluation),
            (KIND_SYSTEM, "invoice") => Some(DocumentKind::Invoice),
            _ => None,
        }
    })
}

/// Checks a print: a PDF, not too large.
pub fn check_print(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() > MAX_PRINT_BYTES {
        return Err(format!("de PDF is groter dan {} MB", MAX_PRINT_BYTES / 1024 / 1024));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err("de bijlage is geen PDF (begint niet met %PDF-)".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invoice() -> Value {
        json!({
            "resourceType": "DocumentReference", "id": "d1", "status": "current",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.8", "value": "F-2026-11"}],
            "type": {"coding": [{"system": KIND_SYSTEM, "code": "invoice"}]},
            "subject": {"reference": "Patient/p1"},
            "date": "2026-11-30T23:30:00Z",
            "description": "Factuur november 2026",
            "content": [{"attachment": {"contentType": "application/pdf", "data": "JVBERi0xLjQK"}}]
        })
    }

    #[test]
    fn an_invoice_with_its_pdf_inline() {
        let DocumentChange::Put { kind, title, date, content, .. } = map_document_reference(&invoice(), None).unwrap()
        else {
            panic!("not a document")
        };
        assert_eq!((kind, title.as_str()), (DocumentKind::Invoice, "Factuur november 2026"));
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), "23:30 UTC is 1 December in Amsterdam");
        assert_eq!(content, Content::Inline(b"%PDF-1.4\n".to_vec()));
    }

    #[test]
    fn other_types_wait_and_only_pdf_is_shown() {
        let mut other = invoice();
        other["type"] = json!({"coding": [{"system": "http://loinc.org", "code": "11506-3"}]});
        assert_eq!(map_document_reference(&other, None).unwrap(), DocumentChange::Ignore);
        let mut word = invoice();
        word["content"][0]["attachment"]["contentType"] = json!("application/msword");
        assert!(map_document_reference(&word, None).unwrap_err().starts_with("alleen PDF"));
        let mut gone = invoice();
        gone["status"] = json!("superseded");
        assert!(matches!(map_document_reference(&gone, None).unwrap(), DocumentChange::Remove { .. }));
        assert!(check_print(b"<html>").is_err() && check_print(b"%PDF-1.7").is_ok());
    }

    #[test]
    fn a_care_plan_print_follows_its_care_plan() {
        let mut print = invoice();
        print["type"] = json!({"coding": [{"system": "http://loinc.org", "code": "18776-5"}]});
        print.as_object_mut().unwrap().remove("description");
        print["context"] = json!({"related": [{"reference": "CarePlan/cp1/_history/2"}]});
        assert_eq!(plan_of(&print).as_deref(), Some("cp1"));
        let plan = |status: &str| json!({"resourceType": "CarePlan", "id": "cp1", "status": status, "title": "Begeleidingsplan 2027"});
        assert_eq!(map_document_reference(&print, Some(&plan("draft"))).unwrap(), DocumentChange::Wait);
        for withdrawn in ["revoked", "entered-in-error"] {
            assert!(matches!(
                map_document_reference(&print, Some(&plan(withdrawn))).unwrap(),
                DocumentChange::Remove { .. }
            ));
        }
        let DocumentChange::Put { title, .. } = map_document_reference(&print, Some(&plan("active"))).unwrap() else {
            panic!("an active plan's print is offered")
        };
        assert_eq!(title, "Begeleidingsplan 2027", "named by its plan");
        // Only a care plan print follows a plan: an invoice that names one is still an invoice.
        let mut named = invoice();
        named["context"] = json!({"related": [{"reference": "CarePlan/cp1"}]});
        assert!(matches!(map_document_reference(&named, Some(&plan("draft"))).unwrap(), DocumentChange::Put { .. }));
    }
}
