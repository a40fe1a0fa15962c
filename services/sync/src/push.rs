//! The write-back: what people wrote in the portal (`ecd_outbox`) sent to the ECD as FHIR
//! resources with our own identifier, by conditional create, so a retry, a second worker or
//! a worker that died after sending never makes a double. A failure that may pass waits
//! (1, 2, 4 … minutes, honouring Retry-After); one that never will, or one that failed
//! [`MAX_PUSH_ATTEMPTS`] times, is parked and shown on the status page.

use crate::fhir::FhirError;
use crate::pull::Connection;
use crate::{KindOutcome, SyncError, measurements, reports};
use careportal_domain::audit::Origin;
use careportal_domain::ids::{CareMessageId, MeasurementId, ReportId};
use careportal_domain::sync::{
    MAX_PUSH_ATTEMPTS, OWN_IDENTIFIER_SYSTEM, own_ecd_key, own_identifier_value, retry_delay,
};
use careportal_store::{EcdItem, Upserted};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Every kind the portal queues for the ECD. A kind not named here would stay queued,
/// untouched, rather than be claimed and parked.
pub const PUSHED_KINDS: [&str; 8] = [
    "report",
    "measurement",
    "consent",
    "message",
    "appointment",
    "appointment_deleted",
    "questionnaire",
    "plan_decision",
];

/// Items per claim, and claims per run: a long backlog drains over several runs rather
/// than holding one worker for an hour.
const BATCH: u32 = 50;
const MAX_BATCHES: u32 = 20;
/// How long a claimed item is one worker's: far longer than one request may take.
const CLAIM_LEASE_SECONDS: i64 = 300;

/// Why one item did not go.
enum Failed {
    /// Try again later; `server_wide` stops the batch (the server is down or limits us).
    Later { error: String, retry_after: Option<u64>, server_wide: bool },
    /// Will not succeed by trying again.
    Never(String),
}

impl Connection<'_> {
    pub(crate) async fn push(&mut self) -> Result<KindOutcome, SyncError> {
        let mut outcome = KindOutcome::default();
        for _ in 0..MAX_BATCHES {
            let items = self.store.claim_ecd_items(self.tenant.id, &PUSHED_KINDS, BATCH, CLAIM_LEASE_SECONDS).await?;
            if items.is_empty() {
                break;
            }
            let mut stop: Option<String> = None;
            for item in &items {
                if let Some(error) = &stop {
                    // The server said no to everything for now: the rest of the batch waits
                    // with it, without a request each.
                    self.wait(item, error, None, &mut outcome).await?;
                    continue;
                }
                match self.send(item).await {
                    Ok(done) => {
                        let key = item_uuid(item).map(own_ecd_key);
                        self.store.ecd_item_sent(self.tenant.id, &Origin::system("sync"), item, key.as_deref()).await?;
                        match done {
                            Upserted::Created => outcome.created += 1,
                            Upserted::Updated => outcome.updated += 1,
                            Upserted::Unchanged => outcome.unchanged += 1,
                        }
                    }
                    Err(Failed::Later { error, retry_after, server_wide }) => {
                        self.wait(item, &error, retry_after, &mut outcome).await?;
                        if server_wide {
                            stop = Some(error);
                        }
                    }
                    Err(Failed::Never(error)) => self.park(item, &error, &mut outcome).await?,
                }
            }
            if stop.is_some() {
                break;
            }
        }
        Ok(outcome)
    }

    /// Sends one item: Created when the ECD did not have it yet, Unchanged when it did (an
    /// earlier try got through), Updated for an answer to something of the ECD's own.
    async fn send(&mut self, item: &EcdItem) -> Result<Upserted, Failed> {
        match item.kind.as_str() {
            "consent" => return self.send_consent(item).await,
            "appointment" | "appointment_deleted" => return self.send_appointment(item).await,
            "questionnaire" => return self.send_answers(item).await,
            "plan_decision" => return self.send_plan_decision(item).await,
            _ => {}
        }
        let id = item_id(item)?;
        let patient = self.patient_or_wait(item.client).await?;
        let (resource_type, body) = match item.kind.as_str() {
            "report" => {
                let report = self.store.report(self.tenant.id, ReportId::from_uuid(id)).await;
                match report.map_err(|e| failed(e.into()))? {
                    Some(report) => ("Composition", reports::to_composition(&report, &patient)),
                    None => return Err(Failed::Never("de rapportage bestaat niet meer".to_owned())),
                }
            }
            "measurement" => {
                let measurement = self.store.measurement(self.tenant.id, MeasurementId::from_uuid(id)).await;
                match measurement.map_err(|e| failed(e.into()))? {
                    Some(m) => match measurements::to_observation(&m, &patient) {
                        Some(observation) => ("Observation", observation),
                        None => {
                            return Err(Failed::Never(format!("meetsoort \"{}\" heeft geen LOINC-code", m.kind)));
                        }
                    },
                    None => return Err(Failed::Never("de meting bestaat niet meer".to_owned())),
                }
            }
            "message" => {
                let message = self.store.care_message(self.tenant.id, CareMessageId::from_uuid(id)).await;
                match message.map_err(|e| failed(e.into()))? {
                    Some(message) => ("Communication", crate::messages::to_communication(&message, &patient)),
                    None => return Err(Failed::Never("het bericht bestaat niet meer".to_owned())),
                }
            }
            other => return Err(Failed::Never(format!("onbekende soort \"{other}\""))),
        };
        self.create_ours(resource_type, &body, id).await
    }

    /// An appointment made Openbaar, changed, made private again or deleted: the ECD's copy
    /// (found by our identifier) is created, replaced or cancelled to match what the portal
    /// has now, however many changes were queued.
    async fn send_appointment(&mut self, item: &EcdItem) -> Result<Upserted, Failed> {
        let id = item_id(item)?;
        let current = self
            .store
            .appointment(self.tenant.id, item.client, careportal_domain::ids::AppointmentId::from_uuid(id))
            .await
            .map_err(|e| failed(e.into()))?
            .filter(|a| a.public);
        let identifier = format!("{OWN_IDENTIFIER_SYSTEM}|{}", own_identifier_value(id));
        let existing = self.find_by_key("Appointment", &identifier).await?.pop();
        match (current, existing) {
            (Some(appointment), existing) => {
                let patient = self.patient_or_wait(item.client).await?;
                let mut body = crate::appointments::to_appointment(&appointment, &patient);
                match existing {
                    None => self.create_ours("Appointment", &body, id).await,
                    Some(existing) => {
                        body["id"] = existing.get("id").cloned().unwrap_or(Value::Null);
                        self.update_or_wait("Appointment", &existing, &body).await
                    }
                }
            }
            (None, Some(existing)) if existing.get("status").and_then(Value::as_str) != Some("cancelled") => {
                let body = crate::appointments::cancelled(&existing);
                self.update_or_wait("Appointment", &existing, &body).await
            }
            // Private or deleted, and the ECD has nothing (or only a cancelled copy).
            (None, _) => Ok(Upserted::Unchanged),
        }
    }

    /// Sent answers: into the ECD's own QuestionnaireResponse when the ECD asked, else a new
    /// one of ours.
    async fn send_answers(&mut self, item: &EcdItem) -> Result<Upserted, Failed> {
        let id = item_id(item)?;
        let id = careportal_domain::ids::QuestionnaireId::from_uuid(id);
        let store_error = |e: careportal_store::StoreError| failed(e.into());
        let Some(questionnaire) =
            self.store.questionnaire(self.tenant.id, item.client, id).await.map_err(store_error)?
        else {
            return Err(Failed::Never("de vragenlijst bestaat niet meer".to_owned()));
        };
        let patient = self.patient_or_wait(item.client).await?;
        match self.store.questionnaire_ecd_key(self.tenant.id, id).await.map_err(store_error)? {
            Some(key) => {
                let Some(resource) = self.find_by_key("QuestionnaireResponse", &key).await?.pop() else {
                    return Err(Failed::Never("het ECD heeft deze vragenlijst niet meer".to_owned()));
                };
                let body = crate::questionnaires::answered(Some(&resource), &questionnaire, &patient);
                self.update_or_wait("QuestionnaireResponse", &resource, &body).await
            }
            None => {
                let body = crate::questionnaires::answered(None, &questionnaire, &patient);
                self.create_ours("QuestionnaireResponse", &body, id.as_uuid()).await
            }
        }
    }

    /// A care plan signed or rejected: a Consent with the evidence, once.
    async fn send_plan_decision(&mut self, item: &EcdItem) -> Result<Upserted, Failed> {
        let id = item_id(item)?;
        let store_error = |e: careportal_store::StoreError| failed(e.into());
        let plan_id = careportal_domain::ids::CarePlanId::from_uuid(id);
        let plan = self.store.care_plan(self.tenant.id, item.client, plan_id).await.map_err(store_error)?;
        let Some((plan, decision)) = plan.and_then(|p| p.decision.clone().map(|d| (p, d))) else {
            return Err(Failed::Never("het begeleidingsplan heeft geen beslissing".to_owned()));
        };
        let document = self.store.document(self.tenant.id, item.client, plan.document).await.map_err(store_error)?;
        let title = document.as_ref().map_or_else(|| "Begeleidingsplanafdruk".to_owned(), |d| d.title.clone());
        let print = match self.store.document_ecd_key(self.tenant.id, plan.document).await.map_err(store_error)? {
            None => None,
            Some(key) => {
                let found = self.find_by_key("DocumentReference", &key).await?.pop();
                found.and_then(|r| r.get("id").and_then(Value::as_str).map(|id| format!("DocumentReference/{id}")))
            }
        };
        let patient = self.patient_or_wait(item.client).await?;
        let body = crate::plans::to_consent(&plan, &decision, &patient, print.as_deref(), &title);
        self.create_ours("Consent", &body, id).await
    }

    /// Creates `body` unless the ECD already has the resource with our identifier for `id`.
    async fn create_ours(&self, kind: &str, body: &Value, id: uuid::Uuid) -> Result<Upserted, Failed> {
        let condition = format!("identifier={OWN_IDENTIFIER_SYSTEM}|{}", own_identifier_value(id));
        match self.fhir.create_if_none_exist(kind, body, &condition).await {
            Ok(created) if created.new => Ok(Upserted::Created),
            Ok(_) => Ok(Upserted::Unchanged),
            Err(error) => Err(failed(SyncError::Fhir(error))),
        }
    }

    /// The server id of the client's Patient; while the ECD does not have the client (a new
    /// client entered in both at once) the item waits.
    async fn patient_or_wait(&mut self, client: careportal_domain::ClientId) -> Result<String, Failed> {
        match self.patient_of_client(client).await {
            Ok(Some(patient)) => Ok(patient),
            Ok(None) => Err(Failed::Later {
                error: "de cliënt staat (nog) niet in het ECD".to_owned(),
                retry_after: None,
                server_wide: false,
            }),
            Err(error) => Err(failed(error)),
        }
    }

    /// The ECD's resources known by `key`: `Type/id` read by id, else `system|value` by
    /// identifier search.
    async fn find_by_key(&self, kind: &str, key: &str) -> Result<Vec<Value>, Failed> {
        let found = match key.strip_prefix(kind).and_then(|rest| rest.strip_prefix('/')) {
            Some(server_id) => self.fhir.read(kind, server_id).await.map(|r| r.into_iter().collect()),
            None => self.fhir.search_all(kind, &[("identifier", key.to_owned())]).await,
        };
        found.map_err(|e| failed(e.into()))
    }

    /// Writes `body` over `existing` on the version read; a 412 (changed in the ECD since)
    /// waits for the next try, which reads it again.
    async fn update_or_wait(&self, kind: &str, existing: &Value, body: &Value) -> Result<Upserted, Failed> {
        let id = existing.get("id").and_then(Value::as_str).unwrap_or_default();
        let version = existing.pointer("/meta/versionId").and_then(Value::as_str).map(|v| format!("W/\"{v}\""));
        match self.fhir.update(kind, id, body, version.as_deref()).await {
            Ok(()) => Ok(Upserted::Updated),
            Err(FhirError::Refused(412, error)) => Err(Failed::Later {
                error: format!("het ECD wijzigde het tegelijk: {error}"),
                retry_after: None,
                server_wide: false,
            }),
            Err(error) => Err(failed(SyncError::Fhir(error))),
        }
    }

    /// A consent answered in the portal: the ECD's own Consent, read now and written back
    /// with the answer the portal has now (a second change before this one went out is
    /// sent once, as it stands), on the version read, so a change made in the ECD meanwhile
    /// makes this try wait instead of being overwritten.
    async fn send_consent(&mut self, item: &EcdItem) -> Result<Upserted, Failed> {
        let consents = self.store.consents(self.tenant.id, item.client).await.map_err(|e| failed(e.into()))?;
        let Some(consent) = consents.into_iter().find(|c| c.key == item.item) else {
            return Err(Failed::Never("de toestemming bestaat niet meer in het portaal".to_owned()));
        };
        let Some(granted) = consent.granted else {
            return Err(Failed::Never("de toestemming heeft geen antwoord".to_owned()));
        };
        let mut found = self.find_by_key("Consent", &item.item).await?;
        if found.len() > 1 {
            return Err(Failed::Never(format!("het ECD heeft {} toestemmingen met deze sleutel", found.len())));
        }
        let Some(resource) = found.pop() else {
            return Err(Failed::Never("het ECD heeft deze toestemming niet".to_owned()));
        };
        let by = consent.changed_by.as_deref().unwrap_or("Cliëntportaal");
        let at = consent.changed_at.unwrap_or(self.now);
        let body = crate::consents::answered(&resource, granted, by, at);
        self.update_or_wait("Consent", &resource, &body).await
    }

    async fn wait(
        &self,
        item: &EcdItem,
        error: &str,
        retry_after: Option<u64>,
        outcome: &mut KindOutcome,
    ) -> Result<(), SyncError> {
        if item.attempts >= MAX_PUSH_ATTEMPTS {
            let error = format!("{error} (na {} pogingen)", item.attempts);
            return self.park(item, &error, outcome).await;
        }
        let mut delay = retry_delay(item.attempts);
        if let Some(seconds) = retry_after {
            delay = delay.max(chrono::Duration::seconds(i64::try_from(seconds.min(86_400)).unwrap_or(86_400)));
        }
        let at: DateTime<Utc> = self.now + delay;
        self.store.ecd_item_failed(self.tenant.id, item.id, error, Some(at)).await?;
        outcome.waiting += 1;
        Ok(())
    }

    async fn park(&self, item: &EcdItem, error: &str, outcome: &mut KindOutcome) -> Result<(), SyncError> {
        tracing::warn!(tenant = %self.tenant.slug, kind = %item.kind, item = %item.id, %error, "write-back geparkeerd");
        self.store.ecd_item_failed(self.tenant.id, item.id, error, None).await?;
        outcome.skipped.push((format!("{} {}", item.kind, item.item), error.to_owned()));
        Ok(())
    }
}

fn item_uuid(item: &EcdItem) -> Option<uuid::Uuid> {
    item.item.parse().ok()
}

/// The item's own id; an item whose id does not read will never go.
fn item_id(item: &EcdItem) -> Result<uuid::Uuid, Failed> {
    item_uuid(item).ok_or_else(|| Failed::Never(format!("onleesbaar id \"{}\"", item.item)))
}

fn failed(error: SyncError) -> Failed {
    match error {
        SyncError::Fhir(fhir) => {
            let retry_after = match &fhir {
                FhirError::RateLimited(seconds) => *seconds,
                _ => None,
            };
            let server_wide = matches!(
                fhir,
                FhirError::Unreachable(..)
                    | FhirError::RateLimited(_)
                    | FhirError::Server(_)
                    | FhirError::Unauthorized(_)
            );
            if fhir.may_pass_later() {
                Failed::Later { error: fhir.to_string(), retry_after, server_wide }
            } else {
                Failed::Never(fhir.to_string())
            }
        }
        // Our own database: the next run tries again.
        SyncError::Store(store) => {
            Failed::Later { error: format!("opslag: {store}"), retry_after: None, server_wide: true }
        }
    }
}
