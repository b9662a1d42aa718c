"""A service's periodic jobs: the worker runs each at start, then every ``every_seconds``; failures are contained."""
from __future__ import annotations

from chassis.runtime import PeriodicJob, ServiceDefinition
from chassis.settings import ServiceSettings
from chassis.worker import PeriodicJobs

RUNTIME = object()  # what the worker hands every job: its Runtime


class Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def recording(calls: list, name: str):
    def run(runtime) -> None:
        calls.append((name, runtime))
    return run


def failing(runtime) -> None:
    raise RuntimeError("database down")


def test_each_job_runs_at_start_then_every_its_period():
    calls, clock = [], Clock()
    jobs = PeriodicJobs(RUNTIME, [PeriodicJob("fast", 10, recording(calls, "fast")),
                                  PeriodicJob("slow", 60, recording(calls, "slow"))], clock=clock)

    ran = [jobs.run_due()]
    for seconds in (5, 10, 20, 59, 60):
        clock.seconds = 1000.0 + seconds
        ran.append(jobs.run_due())

    assert ran == [["fast", "slow"], [], ["fast"], ["fast"], ["fast"], ["slow"]]
    assert {runtime for _, runtime in calls} == {RUNTIME}


def test_a_failing_job_is_tried_again_at_its_next_turn_and_does_not_stop_the_others():
    calls, clock = [], Clock()
    jobs = PeriodicJobs(RUNTIME, [PeriodicJob("broken", 10, failing),
                                  PeriodicJob("fine", 10, recording(calls, "fine"))], clock=clock)

    assert jobs.run_due() == ["broken", "fine"]
    clock.seconds += 10
    assert jobs.run_due() == ["broken", "fine"]
    assert len(calls) == 2


def test_a_service_has_no_periodic_jobs_unless_it_declares_some():
    definition = ServiceDefinition(name="demo", title="Demo", version="1", settings_cls=ServiceSettings,
                                   package="chassis")

    assert definition.periodic_jobs() == []
