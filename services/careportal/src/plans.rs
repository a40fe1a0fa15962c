//! `careportal plan offer`: a care plan print into the record, offered for signing.

use crate::config::Config;
use crate::failure::Failure;
use careportal_domain::audit::Origin;
use careportal_domain::people::ClientReference;
use careportal_domain::record::documents::DocumentKind;
use careportal_domain::time::{long_date, parse_date};
use careportal_store::Store;
use std::path::Path;

pub async fn offer(
    config: &Config,
    store: &dyn Store,
    slug: &str,
    reference: &str,
    file: &Path,
    date: &str,
    by: &str,
) -> Result<(), Failure> {
    let bad = |m: String| Failure::Failed(m);
    let tenant = store.tenant_by_slug(slug).await?.ok_or_else(|| bad(format!("geen tenant met slug \"{slug}\"")))?;
    let reference = ClientReference::parse(reference).map_err(|e| bad(format!("--client: {e}")))?;
    let client = store
        .client_by_reference(tenant.id, &reference)
        .await?
        .ok_or_else(|| bad(format!("--client: geen cliënt {reference} bij {slug}")))?;
    let date = parse_date("date", date).map_err(|e| bad(format!("--date: {e}")))?;
    let bytes = std::fs::read(file).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "dit bestand bestaat niet".to_owned(),
            std::io::ErrorKind::PermissionDenied => "geen toestemming om dit bestand te lezen".to_owned(),
            _ => format!("kan het bestand niet lezen ({e})"),
        };
        bad(format!("--file {}: {why}", file.display()))
    })?;
    let origin = Origin::system("cli");
    let blobs = config.blobs().await?;
    let title = format!("Begeleidingsplanafdruk van {}", long_date(date));
    let document = crate::documents::store_pdf(
        store,
        &blobs,
        tenant.id,
        &origin,
        client.id,
        DocumentKind::CarePlan,
        &title,
        date,
        bytes,
    )
    .await
    .map_err(|e| match e {
        Failure::Failed(m) => bad(format!("--file {}: {m}", file.display())),
        other => other,
    })?;
    let plan = store.offer_plan(tenant.id, &origin, client.id, document.id, date, by).await?;
    println!("{title} aangeboden ter ondertekening aan {reference} (plan {})", plan.id);
    Ok(())
}
