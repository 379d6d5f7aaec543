//! Rate limits per client address on the doors that answer without a session (sign-in now, the
//! public tip form later). Kept in memory: each instance limits on its own, which bounds what
//! one address can try against any one instance; the account lockout, kept in the database,
//! bounds guessing across instances.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            sign_in: RateLimiter::keyed(Quota::per_minute(n)),
        }
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
