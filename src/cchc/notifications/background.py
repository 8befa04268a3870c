"""The notifications' jobs and figures: each committed batch of messages is delivered by `notifications.deliver`
(retried with back-off); every minute `deliver_pending` sends what still waits (a queue that was down, a channel
configured late, a retry due); every 15 minutes officers are told of steps due within a day."""

from __future__ import annotations

from cchc.jobs import job, periodic, register_figures
from cchc.notifications import service

job(service.DELIVER_JOB, lambda session, notification_ids: service.deliver_many(session, notification_ids),
    retries=service.MAX_ATTEMPTS, backoff=service.RETRY_AFTER.total_seconds(),
    max_delay=service.MAX_DELAY.total_seconds(), title="Gửi thông báo")
periodic("notifications.deliver_pending", service.deliver_pending, minute="*", title="Gửi các thông báo đang chờ")
periodic("notifications.step_deadlines", service.announce_step_deadlines, minute="*/15",
         title="Báo cán bộ các bước sắp đến hạn")
register_figures("notifications", "Thông báo đã gửi", service.figures)
