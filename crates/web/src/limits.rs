//! Rate limits per client address on the doors that answer without a session (sign-in now, the
//! public tip form later). Kept in memory: each instance limits on its own, which bounds what
//! one address can try against any one instance; the account lockout, kept in the database,
//! bounds guessing across instances.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Public tip forms and additions per client address and minute.
const TIPS_PER_MINUTE: NonZeroU32 = match NonZeroU32::new(6) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    /// The public tip form and receipt-code additions: a few a minute from one address is
    /// plenty for a person and little for a script.
    tips: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            sign_in: RateLimiter::keyed(Quota::per_minute(n)),
            tips: RateLimiter::keyed(Quota::per_minute(TIPS_PER_MINUTE)),
        }
    }

    /// Whether one more public tip form (or addition) from `ip` is allowed now.
    pub fn allow_tip(&self, ip: IpAddr) -> bool {
        let allowed = self.tips.check_key(&ip).is_ok();
        if self.tips.len() > 100_000 {
            self.tips.retain_recent();
        }
        allowed
    }

    /// Whether one more attempt from `ip` is allowed now.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let allowed = self.sign_in.check_key(&ip).is_ok();
        if self.sign_in.len() > 100_000 {
            self.sign_in.retain_recent();
        }
        allowed
    }
}
