//! The portal the drill attacks, and the people and things in it: two tenants (Siloah with
//! fixed roles, Salem with rights per contact person), in each two families and two members
//! of staff, every family with one of everything an address can name. Each family's record
//! carries a secret word; no answer to anyone outside the family may ever contain it.

use crate::browser::{Browser, Http};
use careportal_documents::{TextDocument, sha256_hex};
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::ids::{AppointmentId, CarePlanId, DocumentId, PostId, QuestionnaireId};
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::documents::{DocumentKind, NewDocument};
use careportal_domain::record::reports::NewReport;
use careportal_domain::rights::{GRANTABLE, Grant};
use careportal_domain::signin::SessionStage;
use careportal_domain::staff::StaffRole;
use careportal_domain::{AccountId, ClientId};
use careportal_tests::{Backend, TestApp};

pub const TENANTS: [(&str, &str); 2] = [("siloah", "siloah.localhost"), ("salem", "salem.localhost")];

/// Who attacks: each role the portal knows, and nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Client,
    Representative,
    Contact,
    Coordinator,
    Admin,
    Anonymous,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Client, Role::Representative, Role::Contact, Role::Coordinator, Role::Admin, Role::Anonymous];

    /// An administrator works with every client of the tenant; a coordinator with family
    /// 0's client only (their caseload), so family 1 is as closed to them as to a family.
    pub fn sees_every_client(self) -> bool {
        self == Role::Admin
    }
}

/// One of everything of one family that has an address of its own.
#[derive(Debug, Clone)]
pub struct Objects {
    pub client: ClientId,
    pub reference: String,
    pub document: DocumentId,
    pub plan: CarePlanId,
    pub appointment: AppointmentId,
    pub post: PostId,
    pub questionnaire: QuestionnaireId,
    pub export: careportal_domain::ids::ExportId,
    /// An invitation waiting for this family's contact person (to a third client).
    pub invitation: uuid::Uuid,
    /// The contact person, who has a photo of their own.
    pub contact: AccountId,
    /// A live "Wachtwoord vergeten?" token of the representative.
    pub reset_token: String,
    /// Written in this family's report; seen by nobody outside the family.
    pub secret: String,
}

pub struct Family {
    pub slug: &'static str,
    /// 0 attacks, 1 is attacked.
    pub number: usize,
    pub host: &'static str,
    pub accounts: Vec<(Role, AccountId)>,
    pub objects: Objects,
}

pub struct World {
    pub app: TestApp,
    pub http: Http,
    /// Per tenant: family 0 attacks, family 1 is attacked; staff belong to family 0's entry.
    pub families: Vec<Family>,
}

impl World {
    pub async fn new(backend: Backend) -> World {
        let mut settings = careportal_tests::app::settings(true, false);
        // The drill speaks for many addresses through 127.0.0.1, as a load balancer would.
        settings.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        let app = TestApp::builder(backend).tenants(&["siloah", "salem"]).settings(settings).build().await;
        let address = app.listen().await;
        let http = Http::new(address, &TENANTS.map(|(_, host)| host));
        let mut families = Vec::new();
        for (slug, host) in TENANTS {
            for family in 0..2 {
                families.push(make_family(&app, slug, host, family).await);
            }
            // Staff of the tenant, with a dossier of their own as the suites give them.
            let tenant = app.tenant_id(slug).await;
            for (role, staff_role) in [(Role::Coordinator, StaffRole::Coordinator), (Role::Admin, StaffRole::Admin)] {
                let own = app.new_client(slug, &format!("STAFF-{slug}-{role:?}"), "Eigen Dossier").await;
                let name = format!("{role:?} Medewerker");
                let username = format!("{role:?}-{slug}@drill.example").to_lowercase();
                let account = app.new_account(slug, &username, &name, own, Relation::Client).await;
                app.store.add_staff_role(tenant, &Origin::system("drill"), account, staff_role).await.unwrap();
                let attackers = families.iter_mut().find(|f| f.slug == slug && f.number == 0).unwrap();
                if role == Role::Coordinator {
                    // Family 0's client is the coordinator's; family 1's is another coordinator's.
                    let caseload = [attackers.objects.client, own];
                    app.store.set_caseload(tenant, &Origin::system("drill"), account, &caseload).await.unwrap();
                }
                attackers.accounts.push((role, account));
            }
        }
        World { app, http, families }
    }

    /// The attacking family of `slug` (family 0).
    pub fn attackers(&self, slug: &str) -> &Family {
        self.families.iter().find(|f| f.slug == slug && f.number == 0).unwrap()
    }

    /// The attacked family of the same tenant (family 1).
    pub fn neighbours(&self, slug: &str) -> &Family {
        self.families.iter().find(|f| f.slug == slug && f.number == 1).unwrap()
    }

    /// The families of the other tenant.
    pub fn elsewhere(&self, slug: &str) -> Vec<&Family> {
        self.families.iter().filter(|f| f.slug != slug).collect()
    }

    /// A browser holding a signed-in session of `role` of `slug`'s attacking family (or none
    /// for Anonymous), with its CSRF cookie.
    pub async fn browser(&self, slug: &str, role: Role) -> Browser {
        let family = self.attackers(slug);
        match family.accounts.iter().find(|(r, _)| *r == role) {
            Some((_, account)) => self.browser_of(slug, *account).await,
            None => Browser::new(&self.http, family.host),
        }
    }

    /// A browser holding a signed-in session of `account` of `slug`.
    pub async fn browser_of(&self, slug: &str, account: AccountId) -> Browser {
        let (_, host) = TENANTS.iter().find(|(s, _)| *s == slug).unwrap();
        let mut browser = Browser::new(&self.http, host);
        let token = self.app.session(slug, account, SessionStage::Active).await;
        browser.cookies.insert("cp_session".to_owned(), token);
        browser
    }

    /// Every family's secret word but `own`'s.
    pub fn secrets_besides(&self, own: &str) -> Vec<String> {
        self.families.iter().map(|f| f.objects.secret.clone()).filter(|s| s != own).collect()
    }
}

async fn make_family(app: &TestApp, slug: &'static str, host: &'static str, family: usize) -> Family {
    let tenant = app.tenant_id(slug).await;
    let origin = Origin::system("drill");
    let reference = format!("DRILL-{slug}-{family}");
    let surname = ["Bakker", "Visser"][family];
    let client = app.new_client(slug, &reference, &format!("Thomas {surname}")).await;
    let mail = |who: &str| format!("{who}.{family}@{slug}.drill.example");
    let client_account =
        app.new_account(slug, &mail("client"), &format!("Thomas {surname}"), client, Relation::Client).await;
    let representative = app
        .new_account(slug, &mail("vertegenwoordiger"), &format!("Ingrid {surname}"), client, Relation::Representative)
        .await;
    let contact =
        app.new_account(slug, &mail("contact"), &format!("Willem {surname}"), client, Relation::Contact).await;
    // Salem's contact persons get every right the client can give; Siloah's roles are fixed.
    if slug == "salem" {
        let all: Vec<Grant> =
            GRANTABLE.iter().map(|(module, action, _)| Grant { module: *module, action: *action }).collect();
        app.store.set_grants(tenant, &origin, client, contact, &all).await.unwrap();
    }
    let secret = format!("GEHEIM-{}-{slug}-{family}", uuid::Uuid::new_v4().simple());
    let now = app.clock.now();
    let report = NewReport {
        written_at: now - chrono::Duration::hours(2),
        author: "Medewerker Jan Koster".into(),
        author_account: None,
        source: Source::Ecd,
        body: format!("Rapportage {secret}"),
    };
    app.store.add_report(tenant, &origin, client, &report).await.unwrap();

    let pdf = |kind: DocumentKind, title: &'static str| {
        let blobs = app.blobs();
        let store = app.store.clone();
        let secret = secret.clone();
        async move {
            let mut doc = TextDocument::new("Drill", title);
            doc.paragraph(&secret);
            let bytes = doc.render();
            let key = format!("drill/{}.pdf", DocumentId::new());
            let new = NewDocument {
                kind,
                title: title.to_owned(),
                date: now.date_naive() - chrono::Duration::days(3),
                blob_key: key.clone(),
                sha256: sha256_hex(&bytes),
                size: bytes.len() as i64,
                content_type: "application/pdf".into(),
            };
            blobs.put(tenant, &key, bytes, "application/pdf").await.unwrap();
            store.add_document(tenant, &Origin::system("drill"), client, &new).await.unwrap().id
        }
    };
    let document = pdf(DocumentKind::Evaluation, "Evaluatie").await;
    let print = pdf(DocumentKind::CarePlan, "Begeleidingsplan").await;
    let plan = app
        .store
        .offer_plan(tenant, &origin, client, print, now.date_naive() - chrono::Duration::days(3), "Lisa Smit")
        .await
        .unwrap()
        .id;
    let input = careportal_domain::record::agenda::AppointmentInput {
        title: format!("Afspraak {secret}"),
        starts_at: now + chrono::Duration::days(2),
        ends_at: now + chrono::Duration::days(2) + chrono::Duration::hours(1),
        location: None,
        notes: None,
        public: true,
    };
    let appointment = app
        .store
        .add_appointment(tenant, &origin, client, Source::Portal, Some(client_account), &input)
        .await
        .unwrap()
        .id;
    let photo = jpeg();
    let post = PostId::new();
    let photo_key = format!("prikbord/{post}.jpg");
    app.blobs().put(tenant, &photo_key, photo.clone(), "image/jpeg").await.unwrap();
    let new_post = careportal_domain::record::prikbord::Post {
        id: post,
        client,
        parent: None,
        author: client_account,
        author_name: format!("Thomas {surname}"),
        body: format!("Prikbord {secret}"),
        photo_key: Some(photo_key),
        created_at: now - chrono::Duration::hours(1),
    };
    app.store.add_post(tenant, &origin, &new_post).await.unwrap();
    let questions: Vec<careportal_domain::record::questionnaires::Question> =
        serde_json::from_value(serde_json::json!([{ "key": "q1", "text": "Hoe gaat het?", "kind": "text" }])).unwrap();
    let questionnaire = app
        .store
        .add_questionnaire(tenant, &origin, client, &format!("Vragenlijst {secret}"), None, &questions)
        .await
        .unwrap();
    let export = app.store.request_export(tenant, &origin, client, representative).await.unwrap();
    let third = app.new_client(slug, &format!("DRILL-{slug}-{family}-derde"), "Hendrik Jansen").await;
    app.store
        .invite_link(tenant, &origin, contact, third, Relation::Contact, now + chrono::Duration::days(14))
        .await
        .unwrap();
    let invitation = app.store.link_invitations(tenant, contact, now).await.unwrap()[0].id;
    let photo_key = format!("foto/{contact}.jpg");
    app.blobs().put(tenant, &photo_key, photo, "image/jpeg").await.unwrap();
    app.store.set_account_photo(tenant, &origin, contact, Some(&photo_key)).await.unwrap();
    let token = careportal_auth::Token::generate();
    app.store
        .create_password_reset(tenant, representative, &token.hash, now + chrono::Duration::hours(1))
        .await
        .unwrap();

    Family {
        slug,
        number: family,
        host,
        accounts: vec![
            (Role::Client, client_account),
            (Role::Representative, representative),
            (Role::Contact, contact),
        ],
        objects: Objects {
            client,
            reference,
            document,
            plan,
            appointment,
            post,
            questionnaire,
            export,
            invitation,
            contact,
            reset_token: token.plain,
            secret,
        },
    }
}

pub fn jpeg() -> Vec<u8> {
    careportal_tests::fixtures::photo(64, 48, image::ImageFormat::Jpeg)
}
