//! Prikbord: posts everyone with access to the portal reads, replies everyone sees, photos
//! (cleaned of metadata before they are stored). The author removes their own post; the
//! client (or their representative) removes any, after a confirmation.

use super::reports::EXPIRED_FORM;
use super::{Care, field_errors, moment};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::upload::read_upload;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_documents::{MAX_PHOTO_BYTES, clean_photo_off_thread};
use careportal_domain::DomainError;
use careportal_domain::ids::PostId;
use careportal_domain::people::Relation;
use careportal_domain::record::prikbord::{Post, post_text};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use serde::{Deserialize, Serialize};

const LIMIT: u32 = 300;

#[derive(Debug, Serialize)]
struct PostView {
    id: String,
    author: String,
    moment: String,
    body: String,
    photo: Option<String>,
    may_delete: bool,
    replies: Vec<PostView>,
}

fn may_delete(care: &Care, post: &Post) -> bool {
    let relation = care.current.as_ref().map(|l| l.relation);
    care.may(Module::Prikbord, Action::Write)
        && (post.author == care.signed_in.account.id
            || matches!(relation, Some(Relation::Client | Relation::Representative)))
}

fn view(care: &Care, post: &Post, replies: Vec<PostView>) -> PostView {
    PostView {
        id: post.id.to_string(),
        author: post.author_name.clone(),
        moment: moment(post.created_at),
        body: post.body.clone(),
        photo: post.photo_key.as_ref().map(|_| format!("/prikbord/{}/foto", post.id)),
        may_delete: may_delete(care, post),
        replies,
    }
}

async fn board(
    care: &Care,
    jar: CookieJar,
    text: &str,
    problems: &[DomainError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let link = care.require(Module::Prikbord, Action::Read).await?;
    let posts = care.state.store.posts(care.tenant.id, link.client.id, LIMIT).await?;
    care.audit_read(Module::Prikbord, format!("{} berichten", posts.len())).await?;
    let views: Vec<PostView> = posts
        .iter()
        .filter(|p| p.parent.is_none())
        .map(|top| {
            let mut replies: Vec<&Post> = posts.iter().filter(|r| r.parent == Some(top.id)).collect();
            replies.sort_by_key(|r| r.created_at);
            view(care, top, replies.into_iter().map(|r| view(care, r, Vec::new())).collect())
        })
        .collect();
    let (jar, mut context) = care.context(jar, Module::Prikbord);
    context.insert("posts", &views);
    context.insert("may_write", &care.may(Module::Prikbord, Action::Write));
    context.insert("text", text);
    context.insert("errors", &field_errors(problems));
    render(&care.state, &care.tenant, "record/prikbord.html", &context, status, jar).await
}

pub async fn page(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    board(&care, jar, "", &[], StatusCode::OK).await
}

fn author(care: &Care) -> String {
    match care.current.as_ref().map(|l| l.relation) {
        Some(relation) => super::reports::author_name(care, relation),
        None => care.signed_in.account.name.full(),
    }
}

/// POST /prikbord (multipart): a post, with a photo if one was chosen.
pub async fn create(care: Care, jar: CookieJar, multipart: Multipart) -> Result<Response, AppError> {
    let link = care.require(Module::Prikbord, Action::Write).await?.clone();
    let too_big = || DomainError::invalid("foto", "Deze foto is te groot: hoogstens 10 MB.");
    let upload = read_upload(multipart, "foto").await;
    let (csrf, text, photo) = (upload.field("csrf").to_owned(), upload.field("tekst").to_owned(), upload.file);
    if upload.too_large {
        return board(&care, jar, &text, &[too_big()], StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    if !crate::session::csrf_ok(&care.state, &jar, &csrf) {
        return board(&care, jar, &text, &[DomainError::invalid("tekst", EXPIRED_FORM)], StatusCode::FORBIDDEN).await;
    }
    let mut problems = Vec::new();
    let cleaned = if photo.is_empty() {
        None
    } else {
        clean_photo_off_thread(photo).await.map_err(|e| problems.push(DomainError::invalid("foto", e.to_string()))).ok()
    };
    let body = post_text(&text, cleaned.is_some()).map_err(|p| problems.push(p)).ok();
    let Some(body) = body.filter(|_| problems.is_empty()) else {
        return board(&care, jar, &text, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let id = PostId::new();
    let photo_key = match cleaned {
        Some(bytes) => {
            let key = format!("prikbord/{id}.jpg");
            care.state
                .blobs
                .put(care.tenant.id, &key, bytes, "image/jpeg")
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Some(key)
        }
        None => None,
    };
    let post = Post {
        id,
        client: link.client.id,
        parent: None,
        author: care.signed_in.account.id,
        author_name: author(&care),
        body,
        photo_key,
        created_at: care.state.clock.now(),
    };
    care.state.store.add_post(care.tenant.id, &care.origin(), &post).await?;
    Ok(Redirect::to(&format!("/prikbord#bericht-{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    reactie: String,
    #[serde(default)]
    csrf: String,
}

pub async fn reply(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, AppError> {
    let link = care.require(Module::Prikbord, Action::Write).await?.clone();
    let parent: PostId = id.parse().map_err(|_| AppError::NotFound)?;
    care.state.store.post(care.tenant.id, link.client.id, parent).await?.ok_or(AppError::NotFound)?;
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        return Ok(Redirect::to("/prikbord").into_response());
    }
    let body = match post_text(&form.reactie, false) {
        Ok(body) => body,
        Err(DomainError::Invalid { message, .. }) => {
            let problem = DomainError::invalid("reactie", message.replace("of kies een foto", "als reactie"));
            return board(&care, jar, "", &[problem], StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(other) => return Err(other.into()),
    };
    let post = Post {
        id: PostId::new(),
        client: link.client.id,
        parent: Some(parent),
        author: care.signed_in.account.id,
        author_name: author(&care),
        body,
        photo_key: None,
        created_at: care.state.clock.now(),
    };
    care.state.store.add_post(care.tenant.id, &care.origin(), &post).await?;
    Ok(Redirect::to(&format!("/prikbord#bericht-{parent}")).into_response())
}

/// GET /prikbord/{id}/foto: the cleaned photo, for whoever may read the prikbord.
pub async fn photo(care: Care, Path(id): Path<String>) -> Result<Response, AppError> {
    let link = care.require(Module::Prikbord, Action::Read).await?;
    let id: PostId = id.parse().map_err(|_| AppError::NotFound)?;
    let post = care.state.store.post(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)?;
    let key = post.photo_key.ok_or(AppError::NotFound)?;
    care.audit_read(Module::Prikbord, format!("foto bij {}", post.id)).await?;
    super::photo_response(&care, Some(key)).await
}

async fn deletable(care: &Care, id: &str) -> Result<Post, AppError> {
    let link = care.require(Module::Prikbord, Action::Write).await?;
    let id: PostId = id.parse().map_err(|_| AppError::NotFound)?;
    let post = care.state.store.post(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)?;
    if !may_delete(care, &post) {
        return Err(AppError::NotFound);
    }
    Ok(post)
}

pub async fn delete_form(care: Care, jar: CookieJar, Path(id): Path<String>) -> Result<Response, AppError> {
    let post = deletable(&care, &id).await?;
    care.audit_read(Module::Prikbord, format!("bericht {} verwijderen", post.id)).await?;
    let (jar, mut context) = care.context(jar, Module::Prikbord);
    context.insert("title", "Bericht verwijderen");
    context.insert("post", &view(&care, &post, Vec::new()));
    render(&care.state, &care.tenant, "record/post_delete.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let post = deletable(&care, &id).await?;
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        return Ok(Redirect::to(&format!("/prikbord/{id}/verwijderen")).into_response());
    }
    let photos = care.state.store.delete_post(care.tenant.id, &care.origin(), post.client, post.id).await?;
    for key in photos {
        if let Err(error) = care.state.blobs.delete(care.tenant.id, &key).await {
            // The post is gone and nothing links to the photo; say so for the operator.
            tracing::warn!(%error, "foto van een verwijderd prikbordbericht bleef staan");
        }
    }
    Ok(Redirect::to("/prikbord").into_response())
}

pub const MAX_UPLOAD: usize = MAX_PHOTO_BYTES + 64 * 1024;
