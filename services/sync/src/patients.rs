//! Patient (nl-core-Patient, zib Patient 2020) → the portal's client: the reference is the
//! identifier in the tenant's client system, the name keeps its voorvoegsels, and a Patient
//! that is no longer active, or whose care periods (EpisodeOfCare) have all ended, ends the
//! client's care.

use careportal_domain::people::{ClientReference, PersonName};
use chrono::NaiveDate;
use serde_json::Value;

const OWN_PREFIX: &str = "http://hl7.org/fhir/StructureDefinition/humanname-own-prefix";
const OWN_NAME: &str = "http://hl7.org/fhir/StructureDefinition/humanname-own-name";

/// What the portal keeps of a Patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    pub reference: ClientReference,
    pub name: PersonName,
    pub birth_date: Option<NaiveDate>,
    /// `active = false`: the organisation no longer cares for this person.
    pub active: bool,
}

/// `Ok(None)` for a Patient without an identifier in `system` (not a client of this
/// portal); `Err` names why a client's Patient cannot be read, so it is reported and skipped.
pub fn map_patient(resource: &Value, system: &str) -> Result<Option<PatientRecord>, String> {
    let Some(value) = identifier_in(resource, system) else { return Ok(None) };
    let reference = ClientReference::parse(value).map_err(|e| format!("cliëntnummer \"{value}\": {e}"))?;
    let name = person_name(resource)?;
    let birth_date = match resource.get("birthDate").and_then(Value::as_str) {
        None => None,
        // A partial date ("1950" or "1950-04") says too little to show as a birth date.
        Some(text) if text.len() < 10 => None,
        Some(text) => {
            Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("geboortedatum \"{text}\""))?)
        }
    };
    let active = resource.get("active").and_then(Value::as_bool).unwrap_or(true);
    Ok(Some(PatientRecord { reference, name, birth_date, active }))
}

/// What an EpisodeOfCare says of the client's care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Episode {
    /// planned, waitlist, active or onhold: the organisation cares for (or will care for)
    /// this person.
    Open,
    /// finished, on the Amsterdam date of `period.end` when it has one.
    Ended(Option<NaiveDate>),
}

/// `Ok(None)` for an episode that was never a care period (cancelled, entered in error);
/// with the server id of its Patient otherwise.
pub fn map_episode(resource: &Value) -> Result<Option<(String, Episode)>, String> {
    let patient = crate::reports::patient_at(resource, "/patient/reference")?;
    let episode = match resource.get("status").and_then(Value::as_str) {
        Some("planned" | "waitlist" | "active" | "onhold") => Episode::Open,
        Some("finished") => {
            let end = match resource.pointer("/period/end").and_then(Value::as_str) {
                None => None,
                Some(text) => Some(careportal_domain::time::local_date(crate::reports::instant(text)?)),
            };
            Episode::Ended(end)
        }
        Some("cancelled" | "entered-in-error") => return Ok(None),
        Some(other) => return Err(format!("onbekende status \"{other}\"")),
        None => return Err("geen status".to_owned()),
    };
    Ok(Some((patient, episode)))
}

/// The client's care end date from the Patient and its care periods. `Patient.active =
/// false` ends care; so do care periods that have all ended, on the last one's end date.
/// An end the ECD gives no date for is the day the sync first saw it (`already`, else
/// `today`), so it does not move on later runs.
pub fn care_end(active: bool, episodes: &[Episode], already: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
    let first_seen = already.unwrap_or(today);
    let open = episodes.contains(&Episode::Open);
    let ends: Vec<Option<NaiveDate>> = episodes
        .iter()
        .filter_map(|e| match e {
            Episode::Ended(day) => Some(*day),
            Episode::Open => None,
        })
        .collect();
    // The last period's end; a period without an end date makes the end undated.
    let last_end = if ends.contains(&None) { None } else { ends.iter().flatten().max().copied() };
    let ended_by_episodes = !open && !episodes.is_empty();
    match (active, ended_by_episodes) {
        (true, false) => None,
        (_, true) => Some(last_end.unwrap_or(first_seen)),
        (false, false) => Some(first_seen),
    }
}

/// The value of the resource's identifier in `system`.
pub fn identifier_in<'a>(resource: &'a Value, system: &str) -> Option<&'a str> {
    resource
        .get("identifier")?
        .as_array()?
        .iter()
        .find(|id| id.get("system").and_then(Value::as_str) == Some(system))?
        .get("value")?
        .as_str()
        .filter(|v| !v.trim().is_empty())
}

/// The official name (else the first), with the roepnaam of a `usual` name when there is
/// one, and the voorvoegsels from nl-core's own-prefix / own-name extensions. Without those
/// extensions the family text is read as "voorvoegsels achternaam".
fn person_name(resource: &Value) -> Result<PersonName, String> {
    let names: Vec<&Value> = resource.get("name").and_then(Value::as_array).into_iter().flatten().collect();
    let with_use = |u: &str| names.iter().copied().find(|n| n.get("use").and_then(Value::as_str) == Some(u));
    let official = with_use("official").or_else(|| names.first().copied()).ok_or("geen naam")?;
    let first_given = |name: &Value| {
        name.get("given").and_then(Value::as_array).and_then(|g| g.first()).and_then(Value::as_str).map(str::to_owned)
    };
    let given = with_use("usual").and_then(first_given).or_else(|| first_given(official)).ok_or("geen voornaam")?;
    let family_text = official.get("family").and_then(Value::as_str).unwrap_or_default();
    let extensions: Vec<&Value> =
        official.pointer("/_family/extension").and_then(Value::as_array).into_iter().flatten().collect();
    let extension = |url: &str| {
        extensions
            .iter()
            .find(|e| e.get("url").and_then(Value::as_str) == Some(url))
            .and_then(|e| e.get("valueString").and_then(Value::as_str))
    };
    match extension(OWN_NAME) {
        Some(own) => PersonName::new(&given, extension(OWN_PREFIX), own).map_err(|e| format!("naam: {e}")),
        None if family_text.trim().is_empty() => Err("geen achternaam".to_owned()),
        None => PersonName::parse_full(&format!("{given} {family_text}")).map_err(|e| format!("naam: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.999.1";

    #[test]
    fn nl_core_names_keep_their_voorvoegsels_and_the_roepnaam() {
        let patient = json!({
            "resourceType": "Patient",
            "identifier": [{"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "999911120"},
                           {"system": SYSTEM, "value": "SIL-1001"}],
            "name": [
                {"use": "official", "family": "de Vries", "given": ["Thomas", "Johannes"],
                 "_family": {"extension": [{"url": OWN_PREFIX, "valueString": "de"}, {"url": OWN_NAME, "valueString": "Vries"}]}},
                {"use": "usual", "given": ["Tom"]}
            ],
            "birthDate": "1990-04-03"
        });
        let record = map_patient(&patient, SYSTEM).unwrap().unwrap();
        assert_eq!(record.reference.as_str(), "SIL-1001");
        assert_eq!(record.name, PersonName::new("Tom", Some("de"), "Vries").unwrap());
        assert_eq!(record.birth_date, NaiveDate::from_ymd_opt(1990, 4, 3));
        assert!(record.active);
    }

    #[test]
    fn without_extensions_the_family_text_is_read_with_its_prefixes() {
        let patient = json!({"identifier": [{"system": SYSTEM, "value": "SAL-2001"}],
                             "name": [{"family": "van den Berg", "given": ["Johanna"]}], "active": false});
        let record = map_patient(&patient, SYSTEM).unwrap().unwrap();
        assert_eq!(record.name.full(), "Johanna van den Berg");
        assert_eq!(record.name.prefix.as_deref(), Some("van den"));
        assert!(!record.active);
        assert_eq!(record.birth_date, None);
    }

    fn episode(status: &str, end: Option<&str>) -> Value {
        let mut resource = json!({"resourceType": "EpisodeOfCare", "status": status,
                                  "patient": {"reference": "Patient/p1"}, "period": {"start": "2020-01-01"}});
        if let Some(end) = end {
            resource["period"]["end"] = json!(end);
        }
        resource
    }

    #[test]
    fn care_periods_end_care_when_all_have_ended() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let today = day(30);
        let (patient, ended) = map_episode(&episode("finished", Some("2026-11-20T23:30:00Z"))).unwrap().unwrap();
        assert_eq!(patient, "p1");
        assert_eq!(ended, Episode::Ended(Some(day(21))), "23:30 UTC is the next day in Amsterdam");
        let (_, open) = map_episode(&episode("active", None)).unwrap().unwrap();
        assert_eq!(map_episode(&episode("entered-in-error", None)).unwrap(), None);
        assert!(map_episode(&episode("finsihed", None)).unwrap_err().contains("finsihed"));

        // One period ended, another still open: care goes on.
        assert_eq!(care_end(true, &[ended, open], None, today), None);
        // All ended: on the last end date, also when the Patient is still active.
        let earlier = Episode::Ended(Some(day(3)));
        assert_eq!(care_end(true, &[earlier, ended], None, today), Some(day(21)));
        // Ended without a date: the first day the sync saw it, kept on later runs.
        assert_eq!(care_end(true, &[Episode::Ended(None)], None, today), Some(today));
        assert_eq!(care_end(true, &[Episode::Ended(None)], Some(day(2)), today), Some(day(2)));
        // No periods: only Patient.active counts; inactive wins over an open period.
        assert_eq!(care_end(true, &[], None, today), None);
        assert_eq!(care_end(false, &[], Some(day(2)), today), Some(day(2)));
        assert_eq!(care_end(false, &[open], None, today), Some(today));
        // A corrected end date in the ECD moves the portal's.
        assert_eq!(care_end(true, &[ended], Some(day(2)), today), Some(day(21)));
    }

    #[test]
    fn a_patient_outside_the_system_is_not_a_client_and_a_nameless_one_is_reported() {
        let other =
            json!({"identifier": [{"system": "urn:other", "value": "X"}], "name": [{"family": "A", "given": ["B"]}]});
        assert_eq!(map_patient(&other, SYSTEM).unwrap(), None);
        let nameless = json!({"identifier": [{"system": SYSTEM, "value": "SIL-9"}]});
        assert_eq!(map_patient(&nameless, SYSTEM).unwrap_err(), "geen naam");
        let bad_date = json!({"identifier": [{"system": SYSTEM, "value": "SIL-9"}],
                              "name": [{"family": "A", "given": ["B"]}], "birthDate": "1990-13-45"});
        assert!(map_patient(&bad_date, SYSTEM).unwrap_err().contains("geboortedatum"));
        let partial = json!({"identifier": [{"system": SYSTEM, "value": "SIL-9"}],
                             "name": [{"family": "A", "given": ["B"]}], "birthDate": "1950"});
        assert_eq!(map_patient(&partial, SYSTEM).unwrap().unwrap().birth_date, None);
    }
}
