//! "Download mijn dossier" (AVG article 15): everything the portal holds about a client as
//! one ZIP — a readable PDF per part of the dossier, the original documents, and the same
//! data as a FHIR R4 Bundle — made by the worker (or right after the request) and offered to
//! the person who asked for a week. Making it reads the whole dossier and is logged as such;
//! downloading it is logged as the person's own read.

use careportal_documents::{Blobs, TextDocument};
use careportal_domain::ClientId;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::Relation;
use careportal_domain::record::documents::{DocumentKind, PlanStatus};
use careportal_domain::record::exports::{DossierExport, EXPORT_KEPT_DAYS};
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use careportal_domain::tenant::Tenant;
use careportal_domain::time::{TimeRange, clock_time, long_date, moment};
use careportal_store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// More than any client has; the store's reads take a limit.
const ALL: u32 = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("documentopslag: {0}")]
    Blob(#[from] careportal_documents::BlobError),
    #[error("ZIP: {0}")]
    Zip(String),
    #[error("de cliënt bestaat niet meer")]
    NoClient,
}

/// One file of the ZIP.
struct Entry {
    name: String,
    bytes: Vec<u8>,
}

/// Everything the portal holds about `client`, as the ZIP's files.
async fn files(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: &Tenant,
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, DossierError> {
    let (t, org) = (tenant.id, tenant.config.name.as_str());
    let person = store.client(t, client).await?.ok_or(DossierError::NoClient)?;
    let name = person.name.full();
    let patient = client.to_string();
    let made = format!("Gemaakt op {} om {}", long_date(careportal_domain::time::local_date(now)), clock_time(now));
    let pdf = |title: &str| {
        let mut doc = TextDocument::new(org, &format!("{title} van {name}"));
        doc.meta(&made);
        doc
    };
    let mut files = Vec::new();
    let mut fhir: Vec<Value> = Vec::new();
    let mut name_json = json!({"text": name, "family": person.name.family});
    name_json["given"] = json!([person.name.given]);
    let mut patient_json = json!({
        "resourceType": "Patient",
        "id": patient,
        "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": person.reference.as_str()}],
        "name": [name_json],
    });
    if let Some(born) = person.birth_date {
        patient_json["birthDate"] = json!(born.to_string());
    }
    fhir.push(patient_json);

    // Gegevens: who the client is to the portal, and who has access.
    let mut doc = pdf("Gegevens");
    doc.heading("Cliënt");
    doc.paragraph(&format!("Naam: {name}"));
    doc.paragraph(&format!("Cliëntnummer: {}", person.reference.as_str()));
    if let Some(born) = person.birth_date {
        doc.paragraph(&format!("Geboortedatum: {}", long_date(born)));
    }
    if let Some(ended) = person.care_ended_on {
        doc.paragraph(&format!("Einde zorg: {}", long_date(ended)));
    }
    doc.heading("Wie toegang heeft tot het dossier");
    let people = store.client_accounts(t, client).await?;
    for (account, relation) in &people {
        doc.paragraph(&format!("{} ({}), {}", account.name.full(), relation.label(), account.email.as_str()));
        if *relation != Relation::Client {
            fhir.push(json!({
                "resourceType": "RelatedPerson",
                "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(account.id.as_uuid())}],
                "patient": {"reference": format!("Patient/{patient}")},
                "relationship": [{"text": relation.label()}],
                "name": [{"text": account.name.full()}],
                "telecom": [{"system": "email", "value": account.email.as_str()}],
            }));
        }
    }
    files.push(Entry { name: "01-gegevens.pdf".into(), bytes: doc.render() });

    let reports = store.reports(t, client, TimeRange::ALL, ALL).await?;
    let mut doc = pdf("Rapportages");
    if reports.is_empty() {
        doc.paragraph("Er zijn geen rapportages.");
    }
    for report in &reports {
        doc.heading(&moment(report.written_at));
        doc.meta(&report.author);
        doc.paragraph(&report.body);
        fhir.push(careportal_sync::reports::to_composition(report, &patient));
    }
    files.push(Entry { name: "02-rapportages.pdf".into(), bytes: doc.render() });

    let measurements = store.measurements(t, client, None, ALL).await?;
    let mut doc = pdf("Metingen");
    if measurements.is_empty() {
        doc.paragraph("Er zijn geen metingen.");
    }
    for m in &measurements {
        let qualifier = m.qualifier.as_deref().map(|q| format!(" ({q})")).unwrap_or_default();
        doc.paragraph(&format!(
            "{} — {}: {} {}{qualifier}, door {}",
            moment(m.measured_at),
            m.kind,
            m.value,
            m.unit,
            m.measured_by
        ));
        if let Some(observation) = careportal_sync::measurements::to_observation(m, &patient) {
            fhir.push(observation);
        }
    }
    files.push(Entry { name: "03-metingen.pdf".into(), bytes: doc.render() });

    let consents = store.consents(t, client).await?;
    let changes = store.consent_changes(t, client, ALL).await?;
    let mut doc = pdf("Toestemmingen");
    if consents.is_empty() {
        doc.paragraph("Er zijn geen toestemmingen.");
    }
    for consent in &consents {
        let answer = match consent.granted {
            Some(true) => "ja",
            Some(false) => "nee",
            None => "nog niet beantwoord",
        };
        doc.paragraph(&format!("{}: {answer}", consent.question));
        if let Some(granted) = consent.granted {
            let mut resource = json!({
                "resourceType": "Consent",
                "status": "active",
                "scope": {"text": "Toestemming"},
                "category": [{"text": consent.question}],
                "patient": {"reference": format!("Patient/{patient}")},
                "provision": {"type": if granted { "permit" } else { "deny" }},
            });
            if let Some(at) = consent.changed_at {
                resource["dateTime"] = json!(at.to_rfc3339());
            }
            fhir.push(resource);
        }
    }
    if !changes.is_empty() {
        doc.heading("Wijzigingen");
        for change in &changes {
            let answer = if change.granted { "ja" } else { "nee" };
            doc.paragraph(&format!("{} — {}: {answer}, door {}", moment(change.at), change.question, change.by));
        }
    }
    files.push(Entry { name: "04-toestemmingen.pdf".into(), bytes: doc.render() });

    let messages = store.care_messages(t, client, ALL).await?;
    let mut doc = pdf("Berichten");
    if messages.is_empty() {
        doc.paragraph("Er zijn geen berichten met de zorg.");
    }
    for message in &messages {
        doc.heading(&moment(message.sent_at));
        doc.meta(&message.sender);
        doc.paragraph(&message.body);
        fhir.push(careportal_sync::messages::to_communication(message, &patient));
    }
    // Messages between the people of the network, each once.
    let mut network = BTreeMap::new();
    for (account, _) in &people {
        for message in store.network_messages(t, client, account.id, ALL).await? {
            network.insert((message.sent_at, message.id.to_string()), message);
        }
    }
    if !network.is_empty() {
        doc.heading("Berichten in het netwerk");
        for message in network.values().rev() {
            doc.meta(&format!(
                "{} — van {} aan {}",
                moment(message.sent_at),
                message.sender_name,
                message.recipient_name
            ));
            doc.paragraph(&message.body);
        }
    }
    files.push(Entry { name: "05-berichten.pdf".into(), bytes: doc.render() });

    let plans = store.care_plans(t, client).await?;
    let mut doc = pdf("Begeleidingsplannen");
    if plans.is_empty() {
        doc.paragraph("Er zijn geen begeleidingsplanafdrukken aangeboden.");
    }
    for plan in &plans {
        doc.heading(&format!("Begeleidingsplan van {}", long_date(plan.plan_date)));
        doc.meta(&format!("Aangeboden op {} door {}", moment(plan.offered_at), plan.offered_by));
        let status = match (&plan.status, &plan.decision) {
            (PlanStatus::Offered, _) => "Wacht op ondertekening.".to_owned(),
            (_, Some(d)) if d.signed => {
                format!("Ondertekend op {} door {} ({}).", moment(d.decided_at), d.decided_by, d.method)
            }
            (_, Some(d)) => format!(
                "Niet akkoord op {} door {}{}.",
                moment(d.decided_at),
                d.decided_by,
                d.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            _ => plan.status.as_str().to_owned(),
        };
        doc.paragraph(&status);
    }
    files.push(Entry { name: "06-begeleidingsplannen.pdf".into(), bytes: doc.render() });

    // The documents themselves, and a list of each kind.
    for (number, kind, title, empty) in [
        (7, DocumentKind::Evaluation, "Evaluaties", "Er zijn geen evaluaties."),
        (8, DocumentKind::Invoice, "Facturen", "Er zijn geen facturen."),
        (0, DocumentKind::CarePlan, "", ""),
    ] {
        let documents = store.documents(t, client, kind, None).await?;
        let mut doc = pdf(title);
        if documents.is_empty() {
            doc.paragraph(empty);
        }
        for document in &documents {
            let file = format!("documenten/{}-{}-{}.pdf", document.date, kind.as_str().replace('_', "-"), document.id);
            doc.paragraph(&format!("{}: {} (bestand {file})", long_date(document.date), document.title));
            if let Some(bytes) = blobs.get(t, &document.blob_key).await? {
                files.push(Entry { name: file.clone(), bytes });
            }
            fhir.push(json!({
                "resourceType": "DocumentReference",
                "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(document.id.as_uuid())}],
                "status": "current",
                "type": {"text": kind.as_str()},
                "subject": {"reference": format!("Patient/{patient}")},
                "date": document.created_at.to_rfc3339(),
                "description": document.title,
                "content": [{"attachment": {"contentType": document.content_type, "url": file, "title": document.title}}],
            }));
        }
        if number > 0 {
            files.push(Entry { name: format!("{number:02}-{}.pdf", title.to_lowercase()), bytes: doc.render() });
        }
    }

    let profile = store.profile(t, client).await?;
    let mut doc = pdf("Persoonsbeeld");
    if profile.is_empty() {
        doc.paragraph("Er is geen persoonsbeeld ingevuld.");
    }
    for section in &profile {
        doc.heading(&section.title);
        doc.paragraph(&section.body);
    }
    files.push(Entry { name: "09-persoonsbeeld.pdf".into(), bytes: doc.render() });

    let appointments = store.appointments(t, client, TimeRange::ALL, ALL).await?;
    let mut doc = pdf("Agenda");
    if appointments.is_empty() {
        doc.paragraph("Er staan geen afspraken in de agenda.");
    }
    for a in &appointments {
        let place = a.location.as_deref().map(|l| format!(", {l}")).unwrap_or_default();
        doc.heading(&a.title);
        doc.meta(&format!("{} tot {}{place}", moment(a.starts_at), clock_time(a.ends_at)));
        if let Some(notes) = &a.notes {
            doc.paragraph(notes);
        }
        fhir.push(careportal_sync::appointments::to_appointment(a, &patient));
    }
    files.push(Entry { name: "10-agenda.pdf".into(), bytes: doc.render() });

    let posts = store.posts(t, client, ALL).await?;
    let mut doc = pdf("Prikbord");
    if posts.is_empty() {
        doc.paragraph("Er staat niets op het prikbord.");
    }
    for post in &posts {
        let reply = if post.parent.is_some() { " (reactie)" } else { "" };
        doc.meta(&format!("{} — {}{reply}", moment(post.created_at), post.author_name));
        doc.paragraph(&post.body);
    }
    files.push(Entry { name: "11-prikbord.pdf".into(), bytes: doc.render() });

    let questionnaires = store.questionnaires(t, client).await?;
    let mut doc = pdf("Vragenlijsten");
    if questionnaires.is_empty() {
        doc.paragraph("Er zijn geen vragenlijsten.");
    }
    for q in &questionnaires {
        doc.heading(&q.title);
        doc.meta(&format!("Ontvangen op {}; {}", moment(q.received_at), q.status.as_str()));
        for question in &q.questions {
            let answer = q.answers.get(&question.key).map(String::as_str).unwrap_or("—");
            doc.paragraph(&format!("{}: {answer}", question.text));
        }
    }
    files.push(Entry { name: "12-vragenlijsten.pdf".into(), bytes: doc.render() });

    let bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.to_rfc3339(),
        "entry": fhir.into_iter().map(|resource| json!({"resource": resource})).collect::<Vec<_>>(),
    });
    let bundle = serde_json::to_vec_pretty(&bundle).map_err(|e| DossierError::Zip(e.to_string()))?;
    files.push(Entry { name: "fhir/dossier.json".into(), bytes: bundle });
    files.insert(
        0,
        Entry {
            name: "LEESMIJ.txt".into(),
            bytes: format!(
                "Dossier van {name} ({}) bij {org}, zoals het cliëntportaal het bewaart.\r\n{made}.\r\n\r\n\
                 De PDF-bestanden zijn per onderdeel leesbaar; de map documenten bevat de originele\r\n\
                 begeleidingsplanafdrukken, evaluaties en facturen; fhir/dossier.json bevat dezelfde\r\n\
                 gegevens als FHIR R4 (een Bundle), voor een ander zorgsysteem.\r\n",
                person.reference.as_str()
            )
            .into_bytes(),
        },
    );
    Ok(files)
}

/// The ZIP of the client's dossier.
pub async fn build(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: &Tenant,
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DossierError> {
    let files = files(store, blobs, tenant, client, now).await?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        zip.start_file(file.name, options).map_err(|e| DossierError::Zip(e.to_string()))?;
        zip.write_all(&file.bytes).map_err(|e| DossierError::Zip(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| DossierError::Zip(e.to_string()))?;
    Ok(cursor.into_inner())
}

/// Makes one waiting request: the ZIP into the blob store, the request ready for a week.
/// The whole dossier was read: logged (`dossier.made`) before the ZIP is offered.
pub async fn make(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: &Tenant,
    export: &DossierExport,
    now: DateTime<Utc>,
) -> Result<bool, DossierError> {
    let bytes = build(store, blobs, tenant, export.client, now).await?;
    let key = DossierExport::key_for(export.id);
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    blobs.put(tenant.id, &key, bytes, "application/zip").await?;
    let event = Origin::system("worker")
        .event(AuditAction::new("dossier.made"), Some(export.client), export.id.to_string())
        .on("dossier");
    store.append_audit(tenant.id, &event).await?;
    let until = now + chrono::Duration::days(EXPORT_KEPT_DAYS);
    Ok(store.export_ready(tenant.id, export.id, &key, size, until).await?)
}

/// What one round did with the tenant's requests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportRound {
    pub made: usize,
    pub failed: usize,
    pub expired: usize,
}

/// Makes the tenant's waiting requests and deletes the ZIPs whose week is over.
pub async fn run(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: &Tenant,
    now: DateTime<Utc>,
) -> Result<ExportRound, StoreError> {
    let mut round = ExportRound::default();
    for export in store.waiting_exports(tenant.id, 20).await? {
        match make(store, blobs, tenant, &export, now).await {
            Ok(true) => round.made += 1,
            Ok(false) => {}
            Err(DossierError::Store(error)) => return Err(error),
            Err(error) => {
                tracing::error!(tenant = %tenant.slug, export = %export.id, %error, "dossier-download mislukt");
                store.export_failed(tenant.id, export.id, &error.to_string()).await?;
                round.failed += 1;
            }
        }
    }
    for export in store.expired_exports(tenant.id, now).await? {
        if let Some(key) = &export.blob_key
            && let Err(error) = blobs.delete(tenant.id, key).await
        {
            // Tried again next round: the row stays ready (and past its time, so not offered).
            tracing::error!(tenant = %tenant.slug, export = %export.id, %error, "verlopen dossier-download niet verwijderd");
            continue;
        }
        store.export_expired(tenant.id, export.id).await?;
        round.expired += 1;
    }
    Ok(round)
}
