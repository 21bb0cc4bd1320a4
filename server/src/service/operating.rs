//! What the people who run the server watch: the send queue, messages awaiting a receipt, the
//! Open Dental sync's lag, the database pool and disk. Read fresh at each metrics scrape.

use super::{ServiceResult, Services};
use crate::store;
use crate::store::sending::Channel;
use crate::telemetry::{AwaitingReceipt, OperatingFigures, QueueFigure, SyncFigure};

/// Receipts normally come within minutes; older messages still without one are left out.
const AWAITING_RECEIPT_WITHIN_MINUTES: i64 = 24 * 60;

impl Services {
    pub async fn operating_figures(&self) -> ServiceResult<OperatingFigures> {
        let mut conn = self.store.pool().acquire().await?;
        let prefs = store::office::preferences(&mut conn).await?;
        let now = self.clock.now(&prefs);
        let mut figures = OperatingFigures::default();
        for channel in Channel::ALL {
            let (due, oldest) = store::sending::due_figures(&mut conn, channel, now).await?;
            let oldest_due_seconds = oldest.map_or(0, |at| at.seconds_until(now).max(0));
            figures.queues.push(QueueFigure { channel: channel.label(), due, oldest_due_seconds });
            let since = now.plus_minutes(-AWAITING_RECEIPT_WITHIN_MINUTES);
            for (clinic_num, count) in store::sending::awaiting_receipt_by_clinic(&mut conn, channel, since).await? {
                figures.awaiting_receipt.push(AwaitingReceipt { channel: channel.label(), clinic_num, count });
            }
        }
        drop(conn);
        if self.opendental.is_some() {
            let status = super::sync::status(self).await?;
            figures.sync = Some(SyncFigure {
                last_success: status.last_success,
                // Never synced yet reads as no lag; the alerts watch `last_success == 0` for that.
                lag_seconds: if status.last_success > 0 { (status.now - status.last_success).max(0) } else { 0 },
                interval_seconds: status.interval,
                waiting_writes: status.waiting_writes,
                refused_writes: status.refused_writes,
            });
        }
        figures.pool = self.store.pool_figure();
        figures.disk = self.store.disk_figure();
        Ok(figures)
    }
}
