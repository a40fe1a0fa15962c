//! RelatedPerson (nl-core-ContactPerson) → the client's network as the ECD records it: who
//! the first and second contact person and the legal representative are (the role codes 01,
//! 02 and 24 of zib ContactPerson's RolCodelijst), with their e-mail address, so an
//! invitation of a representative can be checked against the ECD.

use careportal_domain::people::{ContactRole, EcdContact};
use serde_json::Value;

/// zib ContactPerson's RolCodelijst.
pub const ROLE_SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.22.472";

/// The server id of the client's Patient, with the contact; None for someone the ECD says is
/// no longer in the network (`active = false`).
pub fn map_related_person(resource: &Value) -> Result<(String, Option<EcdContact>), String> {
    let patient = crate::reports::patient_at(resource, "/patient/reference")?;
    if resource.get("active").and_then(Value::as_bool) == Some(false) {
        return Ok((patient, None));
    }
    let key = crate::reports::resource_key(resource).ok_or("geen identifier of id")?;
    let roles = resource
        .get("relationship")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("coding").and_then(Value::as_array))
        .flatten()
        .filter(|c| c.get("system").and_then(Value::as_str) == Some(ROLE_SYSTEM))
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .map(ContactRole::from_code)
        .collect();
    let telecom = |system: &str| {
        resource
            .get("telecom")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|t| t.get("system").and_then(Value::as_str) == Some(system))
            .and_then(|t| t.get("value").and_then(Value::as_str))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let email = telecom("email").map(str::to_lowercase);
    let phone = telecom("phone").map(str::to_owned);
    Ok((patient, Some(EcdContact { key, name: name(resource)?, roles, email, phone })))
}

/// The name as written (`text`), else the given names and the family name.
fn name(resource: &Value) -> Result<String, String> {
    let names: Vec<&Value> = resource.get("name").and_then(Value::as_array).into_iter().flatten().collect();
    let official = names
        .iter()
        .copied()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .or(names.first().copied());
    let official = official.ok_or("geen naam")?;
    if let Some(text) = official.get("text").and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()) {
        return Ok(text.to_owned());
    }
    let given: Vec<&str> =
        official.get("given").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let family = official.get("family").and_then(Value::as_str).unwrap_or_default();
    let full = format!("{} {family}", given.join(" "));
    let full = full.trim();
    if full.is_empty() { Err("geen naam".to_owned()) } else { Ok(full.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_names_and_addresses_are_read_as_nl_core_writes_them() {
        let person = json!({
            "resourceType": "RelatedPerson", "id": "rp1",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2", "value": "NW-1"}],
            "patient": {"reference": "Patient/p1"},
            "relationship": [
                {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]},
                {"coding": [{"system": ROLE_SYSTEM, "code": "24", "display": "Wettelijk vertegenwoordiger"}]}
            ],
            "name": [{"use": "official", "family": "de Vries", "given": ["Ingrid"]}],
            "telecom": [{"system": "phone", "value": "+31612345678"}, {"system": "email", "value": "Ingrid@Example.nl"}]
        });
        let (patient, contact) = map_related_person(&person).unwrap();
        let contact = contact.unwrap();
        assert_eq!(patient, "p1");
        assert_eq!(contact.key, "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2|NW-1");
        assert_eq!(contact.name, "Ingrid de Vries");
        assert_eq!(contact.roles, vec![ContactRole::LegalRepresentative]);
        assert!(contact.may_represent());
        assert_eq!(contact.email.as_deref(), Some("ingrid@example.nl"));
        assert_eq!(contact.phone.as_deref(), Some("+31612345678"));

        let neighbour = json!({"resourceType": "RelatedPerson", "id": "rp2", "patient": {"reference": "Patient/p1"},
            "relationship": [{"coding": [{"system": ROLE_SYSTEM, "code": "19", "display": "Buur"}]}],
            "name": [{"text": "Henk Jansen"}]});
        let contact = map_related_person(&neighbour).unwrap().1.unwrap();
        assert_eq!((contact.key.as_str(), contact.name.as_str()), ("RelatedPerson/rp2", "Henk Jansen"));
        assert!(!contact.may_represent(), "a neighbour is not a representative");

        let mut gone = neighbour.clone();
        gone["active"] = json!(false);
        assert_eq!(map_related_person(&gone).unwrap(), ("p1".to_owned(), None));
        let nameless = json!({"resourceType": "RelatedPerson", "id": "rp3", "patient": {"reference": "Patient/p1"}});
        assert_eq!(map_related_person(&nameless).unwrap_err(), "geen naam");
    }
}
