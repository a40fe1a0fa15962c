//! Care periods (EpisodeOfCare) beside `Patient.active`: when every period of a client has
//! ended, care ends on the last end date, which starts Siloah's removal of the accounts six
//! weeks later; a new period takes the end away again. A period that changed is read as a
//! change of its client, also when the Patient itself did not change.

use super::{SILOAH_SYSTEM, connect_siloah, done, run_now};
use careportal_domain::clock::Clock;
use careportal_domain::people::{ClientReference, Relation};
use careportal_domain::sync::SyncKind;
use careportal_tests::fhir::FhirServer;
use careportal_tests::{Backend, TestApp};
use chrono::NaiveDate;
use serde_json::{Value, json};

fn patient(reference: &str, given: &str, family: &str, last_updated: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "meta": {"lastUpdated": last_updated},
        "identifier": [{"system": SILOAH_SYSTEM, "value": reference}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "active": true
    })
}

pub(crate) fn episode(patient_id: &str, status: &str, start: &str, end: Option<&str>) -> Value {
    let mut period = json!({"start": start});
    if let Some(end) = end {
        period["end"] = json!(end);
    }
    json!({
        "resourceType": "EpisodeOfCare",
        "status": status,
        "patient": {"reference": format!("Patient/{patient_id}")},
        "managingOrganization": {"display": "Siloah"},
        "period": period
    })
}

fn day(month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, month, day)
}

pub async fn care_periods_that_end_end_the_clients_care(backend: Backend) {
    let server = FhirServer::start().await;
    // Written in the ECD long ago, Sanne before Thomas: the next pull's cursor (Thomas's
    // change less the overlap) no longer reads Sanne's Patient.
    let thomas = server.create(&patient("SIL-1001", "Thomas", "de Vries", "2026-10-01T08:00:00.000Z")).await;
    let sanne = server.create(&patient("SIL-1002", "Sanne", "Bakker", "2026-10-01T07:00:00.000Z")).await;
    let (thomas_id, sanne_id) = (thomas["id"].as_str().unwrap(), sanne["id"].as_str().unwrap());
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let clients = [SyncKind::Clients];
    let first = done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!(first.created, 2, "{first:?}");
    let client = |reference: &'static str| {
        let (app, tenant) = (&app, &tenant);
        async move {
            let reference = ClientReference::parse(reference).unwrap();
            app.store.client_by_reference(tenant.id, &reference).await.unwrap().unwrap()
        }
    };
    let sanne_client = client("SIL-1002").await;
    assert_eq!(sanne_client.care_ended_on, None);
    let marco =
        app.new_account("siloah", "marco@example.nl", "Marco Bakker", sanne_client.id, Relation::Representative).await;

    // Sanne's only care period ended on 1 October (Amsterdam time); her Patient is still
    // active and did not change. Thomas has an ended period and an open one.
    server.create(&episode(sanne_id, "finished", "2019-03-01", Some("2026-10-01T16:00:00+02:00"))).await;
    server.create(&episode(thomas_id, "finished", "2018-01-01", Some("2019-12-31"))).await;
    let thomas_now = server.create(&episode(thomas_id, "active", "2020-01-01", None)).await;
    // Not a care period: a cancelled intake says nothing.
    server.create(&episode(sanne_id, "cancelled", "2026-11-01", None)).await;
    let second = done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!(second.updated, 1, "{second:?}");
    assert!(second.skipped.is_empty(), "{second:?}");
    assert_eq!(client("SIL-1002").await.care_ended_on, day(10, 1));
    assert_eq!(client("SIL-1001").await.care_ended_on, None, "an open period keeps the care going");

    // Nothing new: nothing is written.
    let again = done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!(again.updated, 0, "{again:?}");

    // Six weeks after 1 October Siloah removes the accounts of Sanne's people.
    let round = careportal_worker::run_once(&app.jobs("test-worker")).await.unwrap();
    assert_eq!(round.access_ended, vec![("siloah".to_owned(), 1)], "{round:?}");
    assert!(app.store.account(tenant.id, marco).await.unwrap().is_none());

    // Thomas's open period ends without a date: the day the sync saw it, kept on later runs.
    let mut ended = thomas_now.clone();
    ended["status"] = json!("finished");
    server.update(&ended).await;
    let run = done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!(run.updated, 1, "{run:?}");
    let seen_on = client("SIL-1001").await.care_ended_on;
    assert_eq!(seen_on, Some(careportal_domain::time::local_date(app.clock.now())));
    // The ECD gives the date after all: it moves to it.
    ended["period"]["end"] = json!("2026-11-20");
    server.update(&ended).await;
    done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!(client("SIL-1001").await.care_ended_on, day(11, 20));

    // Care starts again: a new open period takes the end away.
    server.create(&episode(thomas_id, "active", "2026-12-01", None)).await;
    done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!(client("SIL-1001").await.care_ended_on, None);

    // The daily full read, which reads every period at once, comes to the same.
    app.clock.advance(chrono::Duration::hours(25));
    let full = done(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert_eq!((full.updated, full.unchanged), (0, 2), "{full:?}");
    assert_eq!(client("SIL-1002").await.care_ended_on, day(10, 1));
}
