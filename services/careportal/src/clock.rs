//! The deployment's clock. The binary runs on the system clock; the library crates take any
//! `Clock`, so their tests can move time.

use careportal_domain::clock::{Clock, SystemClock};
use std::sync::Arc;

pub fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
