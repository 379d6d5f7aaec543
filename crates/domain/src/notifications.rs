//! Notifications (C7): a member's in-app inbox, and the e-mail outbox an operator connects to
//! SMTP. A notification says that something needs the member and links to it; it never carries
//! content of its own beyond what its kind states (a referral's need and urgency, a contact for
//! a deconfliction hit), so it can never show more than the page it links to, which asks the
//! policy again when opened.

use crate::ids::*;
use crate::structure::code_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a notification is about.
    NotificationKind {
        ReferralReceived = "referral_received", "New referral";
        ReferralUpdated = "referral_updated", "Referral update";
        SlaBreach = "sla_breach", "Referral overdue";
        ConsentExpiring = "consent_expiring", "Consent expiring soon";
        TaskAssigned = "task_assigned", "Task assigned to you";
        CaseReview = "case_review", "Case review";
        DeconflictionHit = "deconfliction_hit", "Possible overlap";
        OperationConflict = "operation_conflict", "Operation conflict";
        PossibleDuplicate = "possible_duplicate", "Possible duplicate";
    }
);

/// One notification in a member's inbox.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notification {
    pub id: NotificationId,
    pub task_force_id: TaskForceId,
    pub member_id: MemberId,
    pub kind: NotificationKind,
    /// One line, shown in the inbox and as the e-mail's subject.
    pub subject: String,
    /// A few lines, never case content.
    pub body: String,
    /// Where in the product it leads (a path, e.g. `/referrals/…`).
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A notification to send: to whom, and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationDraft {
    pub kind: NotificationKind,
    pub subject: String,
    pub body: String,
    pub link: String,
}

code_enum!(
    /// Where an outbox message stands.
    OutboxState {
        Pending = "pending", "Waiting to be sent";
        Sent = "sent", "Sent";
        Failed = "failed", "Failed (will not be retried)";
    }
);

/// An e-mail waiting in (or sent from) the outbox.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: OutboxId,
    pub task_force_id: TaskForceId,
    pub notification_id: NotificationId,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// When to try again after `attempts` failures: 1, 2, 4 … minutes, at most a day.
pub fn retry_after(attempts: i64) -> chrono::Duration {
    let minutes = 1_i64 << attempts.clamp(0, 10);
    chrono::Duration::minutes(minutes.min(24 * 60))
}
