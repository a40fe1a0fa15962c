//! `TestApp`: the real router over a fresh database, driven in-process through public HTTP
//! only, with a clock the test controls.

use crate::db::{Backend, TestDb};
use crate::fixtures;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use careportal_domain::AccountId;
use careportal_domain::audit::Origin;
use careportal_domain::clock::{Clock, ManualClock};
use careportal_store::Store;
use careportal_web::{AppState, WebSettings, app};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

/// Web settings for tests: a fixed key and the cheapest Argon2 cost, so flows run fast; the
/// real cost is tested in the auth crate.
pub fn settings(dev_hosts: bool, https: bool) -> WebSettings {
    let hasher = careportal_auth::PasswordHasher::with_params(8, 1, 1).unwrap();
    let mut settings = WebSettings::new(dev_hosts, https, &[7u8; 32], hasher);
    // The suites make hundreds of refused logins; the timing test sets its own floor.
    settings.answer_floor = std::time::Duration::ZERO;
    settings
}

fn transports_in(dir: &std::path::Path) -> careportal_delivery::Transports {
    careportal_delivery::Transports {
        mail: careportal_delivery::Mailer::folder(dir.join("mail"), "noreply@careportal.test"),
        sms: careportal_delivery::SmsSender::file(dir.join("sms.jsonl")),
    }
}

pub struct TestApp {
    pub store: Arc<dyn Store>,
    pub clock: ManualClock,
    pub db: TestDb,
    router: axum::Router,
    blobs: careportal_documents::Blobs,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent, for documents.
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub struct TestAppBuilder {
    backend: Backend,
    tenants: Vec<&'static str>,
    settings: WebSettings,
    blobs: Option<careportal_documents::Blobs>,
    max_connections: u32,
}

impl TestAppBuilder {
    /// Keep documents here (e.g. S3 on moto) instead of the test's own folder.
    pub fn blobs(mut self, blobs: careportal_documents::Blobs) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Load only these fixture tenants (default: all three).
    pub fn tenants(mut self, slugs: &[&'static str]) -> Self {
        self.tenants = slugs.to_vec();
        self
    }

    pub fn settings(mut self, settings: WebSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The database pool's size (default 4; the binary's default is 10, which the bench uses).
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections;
        self
    }

    pub async fn build(self) -> TestApp {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let db = TestDb::new(self.backend, shared.clone()).await;
        let store = db.portal_store_sized(shared.clone(), self.max_connections).await;
        for slug in &self.tenants {
            store.apply_tenant(&Origin::system("test"), &fixtures::bundle(slug).await).await.unwrap();
        }
        let transports = transports_in(db.dir.path());
        let blobs = self.blobs.unwrap_or_else(|| careportal_documents::Blobs::folder(db.dir.path().join("documents")));
        let state = AppState::new(store.clone(), self.settings, shared, transports, blobs.clone()).unwrap();
        TestApp { store, clock, db, router: app(state), blobs }
    }
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            tenants: fixtures::ALL.to_vec(),
            settings: settings(true, false),
            blobs: None,
            max_connections: 4,
        }
    }

    pub async fn new(backend: Backend) -> Self {
        Self::builder(backend).build().await
    }

    /// A second portal instance on the same database, as behind a load balancer.
    pub fn second_instance(&self, settings: WebSettings) -> axum::Router {
        let state =
            AppState::new(self.store.clone(), settings, Arc::new(self.clock.clone()), self.transports(), self.blobs())
                .unwrap();
        app(state)
    }

    /// Where this app keeps documents (every instance shares it, as they would share S3).
    pub fn blobs(&self) -> careportal_documents::Blobs {
        self.blobs.clone()
    }

    /// The background worker's jobs on this app's store and clock, as worker `owner`.
    pub fn jobs(&self, owner: &str) -> careportal_worker::Jobs {
        careportal_worker::Jobs {
            store: self.store.clone(),
            clock: Arc::new(self.clock.clone()),
            transports: Arc::new(self.transports()),
            secret_box: settings(true, false).keys.secret_box.clone(),
            audit_key: careportal_app::audit::AuditKey::derive(&[7u8; 32]),
            blobs: Arc::new(self.blobs()),
            owner: owner.to_owned(),
        }
    }

    /// The development sinks of this app: one .eml file per mail, one JSON line per SMS.
    pub fn transports(&self) -> careportal_delivery::Transports {
        transports_in(self.db.dir.path())
    }

    /// Waits until the outbox holds nothing left to send: what the web process sends in the
    /// background (and any worker) has then landed in the sinks, so a count read after this
    /// is final, not merely "at least".
    pub async fn drained(&self) {
        let waiting = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";
        for _ in 0..200 {
            if self.db.count(waiting, &[]).await == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the outbox still had messages to send after five seconds");
    }

    /// Every SMS sent, once the outbox is drained.
    pub async fn sms_sent(&self) -> Vec<String> {
        self.drained().await;
        self.sms_now()
    }

    /// Every e-mail sent, oldest first, once the outbox is drained.
    pub async fn mails_sent(&self) -> Vec<String> {
        self.drained().await;
        self.mails_now()
    }

    /// The SMS written so far (JSON lines), waiting up to two seconds for `at_least`.
    pub async fn sms(&self, at_least: usize) -> Vec<String> {
        for _ in 0..40 {
            let lines = self.sms_now();
            if lines.len() >= at_least {
                return lines;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {at_least} SMS in {}", self.db.dir.path().join("sms.jsonl").display());
    }

    /// The e-mails written so far, oldest first, waiting up to two seconds for `at_least`
    /// (the web process sends right after the request, in the background).
    pub async fn mails(&self, at_least: usize) -> Vec<String> {
        for _ in 0..40 {
            let mails = self.mails_now();
            if mails.len() >= at_least {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {at_least} e-mails in {}", self.db.dir.path().join("mail").display());
    }

    /// The development SMS sink as it is now: one JSON line per SMS.
    fn sms_now(&self) -> Vec<String> {
        let path = self.db.dir.path().join("sms.jsonl");
        std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    /// The development mail sink as it is now: one .eml file per mail, oldest first.
    fn mails_now(&self) -> Vec<String> {
        let dir = self.db.dir.path().join("mail");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect()
            })
            .unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
    }

    /// A cookie-keeping client for one host.
    pub fn client(&self, host: &str) -> crate::client::TestClient {
        crate::client::TestClient::new(self.router.clone(), host)
    }

    /// An account in `slug` linked to a new client, with `password` (one-time if
    /// `must_change`). Returns the account id.
    pub async fn person(&self, slug: &str, username: &str, password: &str, must_change: bool) -> AccountId {
        use careportal_domain::people::{
            ClientReference, Email, NewAccount, NewClient, PersonName, Relation, Username,
        };
        let tenant = self.store.tenant_by_slug(slug).await.unwrap().unwrap().id;
        let origin = Origin::system("test");
        let account = self
            .store
            .create_account(
                tenant,
                &origin,
                &NewAccount {
                    username: Username::parse(username).unwrap(),
                    email: Email::parse(username).unwrap(),
                    name: PersonName::new("Anna", None, "Jansen").unwrap(),
                },
            )
            .await
            .unwrap();
        let reference = format!("C-{}", account.id.as_uuid().simple());
        let client = self
            .store
            .create_client(
                tenant,
                &origin,
                &NewClient {
                    reference: ClientReference::parse(&reference).unwrap(),
                    name: PersonName::new("Thomas", Some("de"), "Vries").unwrap(),
                    birth_date: None,
                },
            )
            .await
            .unwrap();
        self.store.link_account(tenant, &origin, account.id, client.id, Relation::Representative).await.unwrap();
        let hash = settings(true, false).hasher.hash_blocking(password).unwrap();
        let expires = must_change.then(|| self.clock.now() + chrono::Duration::days(183));
        self.store.set_password(tenant, &origin, account.id, &hash, must_change, expires).await.unwrap();
        account.id
    }

    pub async fn tenant_id(&self, slug: &str) -> careportal_domain::TenantId {
        self.store.tenant_by_slug(slug).await.unwrap().unwrap().id
    }

    /// Makes `account` a Coördinator zorg of `slug` with every client the tenant has now in
    /// their caseload (a coordinator sees only the clients assigned to them).
    pub async fn coordinator_of_every_client(&self, slug: &str, account: AccountId) {
        use careportal_domain::staff::StaffRole;
        let tenant = self.tenant_id(slug).await;
        let origin = Origin::system("test");
        self.store.add_staff_role(tenant, &origin, account, StaffRole::Coordinator).await.unwrap();
        let all: Vec<_> = self.store.clients(tenant).await.unwrap().iter().map(|c| c.id).collect();
        self.store.set_caseload(tenant, &origin, account, &all).await.unwrap();
    }

    /// A client of `slug` with a full name such as "Thomas de Vries".
    pub async fn new_client(&self, slug: &str, reference: &str, name: &str) -> careportal_domain::ClientId {
        use careportal_domain::people::{ClientReference, NewClient, PersonName};
        let new = NewClient {
            reference: ClientReference::parse(reference).unwrap(),
            name: PersonName::parse_full(name).unwrap(),
            birth_date: None,
        };
        self.store.create_client(self.tenant_id(slug).await, &Origin::system("test"), &new).await.unwrap().id
    }

    /// An account of `slug` linked to `client` as `relation`, without a password: tests of
    /// the record sign it in with [`TestApp::signed_in`].
    pub async fn new_account(
        &self,
        slug: &str,
        username: &str,
        name: &str,
        client: careportal_domain::ClientId,
        relation: careportal_domain::people::Relation,
    ) -> AccountId {
        use careportal_domain::people::{Email, NewAccount, PersonName, Username};
        let tenant = self.tenant_id(slug).await;
        let origin = Origin::system("test");
        let new = NewAccount {
            username: Username::parse(username).unwrap(),
            email: Email::parse(username).unwrap(),
            name: PersonName::parse_full(name).unwrap(),
        };
        let account = self.store.create_account(tenant, &origin, &new).await.unwrap();
        self.store.link_account(tenant, &origin, account.id, client, relation).await.unwrap();
        account.id
    }

    /// A client for `host` holding a signed-in (active) session of `account`, made directly
    /// in the store: the sign-in suite walks the real way in; the record's tests start past it.
    pub async fn signed_in(&self, host: &str, slug: &str, account: AccountId) -> crate::client::TestClient {
        let token = self.session(slug, account, careportal_domain::signin::SessionStage::Active).await;
        let mut client = self.client(host);
        client.cookies.insert("cp_session".to_owned(), token);
        client
    }

    /// A session of `account` at `stage`, made in the store: the `cp_session` cookie's value.
    pub async fn session(
        &self,
        slug: &str,
        account: AccountId,
        stage: careportal_domain::signin::SessionStage,
    ) -> String {
        let tenant = self.tenant_id(slug).await;
        let token = careportal_auth::Token::generate();
        let new = careportal_domain::signin::NewSession {
            token_hash: token.hash.clone(),
            account,
            stage,
            expires_at: self.clock.now() + chrono::Duration::hours(8),
            ip: None,
            user_agent: None,
        };
        self.store.create_session(tenant, &new).await.unwrap();
        token.plain
    }

    pub async fn get(&self, host: &str, path: &str) -> TestResponse {
        send(&self.router, host, path).await
    }

    /// Serves this app on 127.0.0.1 through the binary's own accept loop (header timeout,
    /// body timeout, peer addresses), for tools that talk real HTTP to a running portal.
    pub async fn listen(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = self.router.clone();
        tokio::spawn(careportal_web::serve(
            listener,
            router,
            std::time::Duration::from_secs(10),
            std::future::pending::<()>(),
        ));
        address
    }
}

pub async fn send(router: &axum::Router, host: &str, path: &str) -> TestResponse {
    let request = Request::builder().uri(path).header("host", host).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
}
