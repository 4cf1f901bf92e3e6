"""One app replica for the replica tests: a JobService on the store EASEL_DATABASE_URL names, polling every pending
gccai task against the simulator, until it is killed. Usage: python -m tests.replica_worker SIM_URL KEY LEASE_S"""

from __future__ import annotations

import faulthandler
import signal
import sys
import time

from easel.jobs.job_service import JobService
from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.store import Store

FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=300.0)


def main() -> None:
    faulthandler.register(signal.SIGUSR1)       # a stuck replica's threads, on demand, for a failing test
    sim_url, key, lease_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
    svc = JobService(Store(), poll_schedule=FAST, recover=False)
    svc.poller.lease_s = lease_s
    svc.register(ProviderClient(simulated_profile(get_profile("gccai"), sim_url), key))
    svc.poller.start()
    svc.poller.wake()
    print(svc.owner, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
