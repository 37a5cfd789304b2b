"""Every task on the site's one Huey queue, for the consumer to load:

    huey_consumer learnapp.tasks.huey

The queue is the notify package's (learnapp.notify.worker); importing the modules that
define tasks here registers them, so one consumer runs the sender and the report exports.
"""

from learnapp.notify.worker import huey
from learnapp.reports import jobs  # noqa: F401  (registers build_export)

__all__ = ["huey"]
