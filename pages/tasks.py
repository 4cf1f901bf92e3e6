"""Tasks: every job, sync or async, from any tab, session or process, live while anything is unfinished."""

from components import services, session
from components.task_list import render_task_list
from components.router import ensure_routed
from easel.core.i18n import _

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

render_task_list(store=services.get_store(), jobs_service=services.get_jobs(), session=session.current(),
                 title=_("Tasks"),
                 about=_("Every job from any tab, session or process. Jobs are saved before anything is sent, so a "
                         "refresh, a closed tab or a restart loses none. Provider tasks are followed by one poller "
                         "per server; results land in the gallery as they complete."))
