//! A decision on a care plan print → the ECD: a Consent (scope treatment) with our own
//! identifier, `active` with provision permit when signed, `rejected` with deny when not,
//! the print it is about as `sourceReference` (the ECD's DocumentReference when the print
//! came from there), who decided as `performer`, when as `dateTime`, and the evidence the
//! portal keeps for the signature sheet in the extension [`EVIDENCE_EXTENSION`]: the
//! print's SHA-256, how the person confirmed (sms, totp), the masked number, the address and
//! browser, and the reason for a rejection.

use careportal_domain::record::documents::{CarePlan, PlanDecision};
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use serde_json::{Value, json};

pub const EVIDENCE_EXTENSION: &str = "https://careportal.nl/fhir/StructureDefinition/plan-decision-evidence";

/// `print`: the ECD's `DocumentReference/<id>` for the print, or None for one put in the
/// portal by hand (then its title is all the Consent can name).
pub fn to_consent(
    plan: &CarePlan,
    decision: &PlanDecision,
    patient_id: &str,
    print: Option<&str>,
    title: &str,
) -> Value {
    let mut evidence = vec![
        json!({"url": "sha256", "valueString": decision.document_sha256}),
        json!({"url": "method", "valueString": decision.method}),
    ];
    for (url, value) in [
        ("maskedPhone", &decision.masked_phone),
        ("ip", &decision.ip),
        ("userAgent", &decision.user_agent),
        ("reason", &decision.reason),
    ] {
        if let Some(value) = value {
            evidence.push(json!({"url": url, "valueString": value}));
        }
    }
    let source = match print {
        Some(reference) => json!({"reference": reference, "display": title}),
        None => json!({"display": title}),
    };
    json!({
        "resourceType": "Consent",
        "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(plan.id.as_uuid())}],
        "extension": [{"url": EVIDENCE_EXTENSION, "extension": evidence}],
        "status": if decision.signed { "active" } else { "rejected" },
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
        "category": [{"text": "Akkoord met het begeleidingsplan"}],
        "patient": {"reference": format!("Patient/{patient_id}")},
        "dateTime": decision.decided_at.to_rfc3339(),
        "performer": [{"display": decision.decided_by}],
        "sourceReference": source,
        "provision": {"type": if decision.signed { "permit" } else { "deny" }},
    })
}

/// Whether a Consent is one of these (so the pull of Toestemmingen leaves it alone).
pub fn is_plan_decision(resource: &Value) -> bool {
    resource
        .get("extension")
        .and_then(Value::as_array)
        .is_some_and(|e| e.iter().any(|x| x.get("url").and_then(Value::as_str) == Some(EVIDENCE_EXTENSION)))
}
