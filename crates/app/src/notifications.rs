//! Notifications (C7): the in-app inbox and the e-mail outbox. A use case calls [`App::notify`]
//! inside its own transaction, so a notification exists exactly when its cause does. Texts are
//! written by the caller to carry nothing its recipient may not read (no names, no narrative:
//! what happened and where to look); the page a notification links to asks the policy again.
//!
//! The outbox is delivered by [`App::deliver_outbox`] through a [`Mailer`] the operator
//! configures (`serve --smtp-url`); without one, messages wait in the outbox.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use chrono::Duration;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use taskforce_domain::access::{Action, Resource, ResourceKind};
use taskforce_domain::notifications::*;
use taskforce_domain::*;
use taskforce_store::{notifications as db, structure as org_db, Tx};

/// Where e-mail goes: an SMTP server, or a folder of `.eml` files (for operators testing a
/// set-up, and for tests).
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    /// `smtp://user:pass@host:587?tls=required`, `smtps://…` (lettre's URL form), or
    /// `file:///path/to/folder`.
    pub fn from_url(url: &str, from: &str) -> std::result::Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from {from:?}: {e}"))?;
        let transport = if let Some(path) = url.strip_prefix("file://") {
            std::fs::create_dir_all(path).map_err(|e| format!("mail folder {path}: {e}"))?;
            Transport::Folder(AsyncFileTransport::new(path))
        } else {
            Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("--smtp-url: {e}"))?
                    .build(),
            )
        };
        Ok(Self { from, transport })
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> std::result::Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().map_err(|e| format!("address {to:?}: {e}"))?)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Folder(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

impl App {
    /// Puts a notification in `member`'s inbox and, when they have an e-mail address, in the
    /// outbox, inside the caller's transaction.
    pub(crate) async fn notify(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        member: MemberId,
        draft: NotificationDraft,
    ) -> Result<Notification> {
        let notification = Notification {
            id: NotificationId(self.new_id()),
            task_force_id: tf,
            member_id: member,
            kind: draft.kind,
            subject: draft.subject,
            body: draft.body,
            link: draft.link,
            created_at: self.clock().now(),
            read_at: None,
        };
        let email = org_db::member(tx.conn(), tf, member)
            .await?
            .filter(|m| m.active && !m.email.is_empty())
            .map(|m| m.email);
        let outbox = email.as_deref().map(|e| (OutboxId(self.new_id()), e));
        db::insert(tx, &notification, outbox).await?;
        Ok(notification)
    }

    fn inbox_resource(actor: &Actor, tf: TaskForceId) -> Result<Resource<'static>> {
        let member = actor
            .principal()
            .map(|p| p.member_id)
            .ok_or(AppError::NotFound)?;
        Ok(Resource {
            owner_member: Some(member),
            ..Resource::in_task_force(ResourceKind::Notification, tf)
        })
    }

    /// The actor's own notifications, newest first (reading one's inbox is not audited: it
    /// holds no case content).
    pub async fn inbox(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        unread_only: bool,
    ) -> Result<Vec<Notification>> {
        let resource = Self::inbox_resource(actor, tf)?;
        self.authorize(actor, Action::List, &resource, "inbox")
            .await?;
        let member = resource.owner_member.ok_or(AppError::NotFound)?;
        let mut conn = self.store().conn().await?;
        Ok(db::inbox(&mut conn, tf, member, unread_only, 200).await?)
    }

    /// How many of the actor's notifications are unread (the header's badge).
    pub async fn unread_notifications(&self, actor: &Actor, tf: TaskForceId) -> Result<i64> {
        let Some(member) = actor.principal().map(|p| p.member_id) else {
            return Ok(0);
        };
        let mut conn = self.store().conn().await?;
        Ok(db::unread_count(&mut conn, tf, member).await?)
    }

    /// Marks one of the actor's notifications read (all, when `id` is `None`); another
    /// member's notification is not found.
    pub async fn mark_notifications_read(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: Option<NotificationId>,
    ) -> Result<u64> {
        let resource = Self::inbox_resource(actor, tf)?;
        let member = resource.owner_member.ok_or(AppError::NotFound)?;
        if let Some(id) = id {
            let mut conn = self.store().conn().await?;
            let found = db::get(&mut conn, tf, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let theirs = Resource {
                owner_member: Some(found.member_id),
                ..Resource::in_task_force(ResourceKind::Notification, tf)
            };
            if found.member_id != member {
                // Audited as a denial, answered as not found.
                let _ = self
                    .authorize(actor, Action::Update, &theirs, &id.to_string())
                    .await;
                return Err(AppError::NotFound);
            }
        }
        self.authorize(actor, Action::Update, &resource, "inbox")
            .await?;
        let mut tx = self.store().begin().await?;
        let n = db::mark_read(&mut tx, tf, member, id, self.clock().now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Sends what is due in the outbox through `mailer`; each message is claimed first (so
    /// another instance does not send it too), then marked sent, or failed with a retry time.
    /// Returns (sent, failed).
    pub async fn deliver_outbox(&self, mailer: &Mailer) -> Result<(usize, usize)> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let due = db::claim_due(&mut tx, now, Duration::minutes(5), 50).await?;
        tx.commit().await?;
        let (mut sent, mut failed) = (0, 0);
        for message in due {
            let result = mailer
                .send(&message.to_address, &message.subject, &message.body)
                .await;
            if let Err(e) = &result {
                tracing::warn!(outbox = %message.id, error = %e, "e-mail not sent");
                failed += 1;
            } else {
                sent += 1;
            }
            let mut tx = self.store().begin().await?;
            db::record_attempt(
                &mut tx,
                message.id,
                self.clock().now(),
                result.err().as_deref(),
            )
            .await?;
            tx.commit().await?;
        }
        Ok((sent, failed))
    }

    /// The background work due now: consent-expiry notices, overdue referrals, the outbox.
    /// `serve` runs it every minute; it is safe to run from several instances at once.
    pub async fn run_due_work(&self, mailer: Option<&Mailer>) -> Result<()> {
        self.notice_expiring_consents().await?;
        self.fire_sla_breaches().await?;
        if let Some(mailer) = mailer {
            self.deliver_outbox(mailer).await?;
        }
        Ok(())
    }
}
