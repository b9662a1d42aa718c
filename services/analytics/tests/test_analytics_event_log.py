"""The event log: every sales event consumed is logged with its facts (one by one and in batches), and
``analytics rebuild --facts`` replays it into facts and rollups equal, row for row, to the incremental result."""
from __future__ import annotations

import importlib.util
import random
import threading
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, inspect, select, update

from chassis import migrations
from chassis.events.consumer import EventConsumer
from chassis.events.envelope import CloudEvent
from chassis.testing.backends import backend_name
from analytics import event_log, rollups
from analytics.cli import rebuild_command
from analytics.domain.buckets import as_utc
from analytics.events import batch_handlers_by_type, handlers_by_type
from analytics.models.event_log import LoggedEvent
from analytics.models.sales import SalesLine, SalesRollup
from analytics.testing import SalesEvents, placed


def _sibling(name: str):
    """A sibling test module (tests are not a package under --import-mode=importlib): its scenario is reused."""
    spec = importlib.util.spec_from_file_location(f"analytics_tests_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_rollup_tests = _sibling("test_analytics_sales_rollups")
scenario, send_all = _rollup_tests.scenario, _rollup_tests.send_all


def facts(runtime) -> dict[str, list[tuple]]:
    """Every row of every sales fact table, as sorted plain tuples."""
    with runtime.uow() as uow:
        return {model.__tablename__: sorted(tuple(_plain(getattr(row, column.key)) for column in model.__table__.c)
                                            for row in uow.session.scalars(select(model)))
                for model in event_log.FACTS}


def _plain(value):
    return as_utc(value).replace(tzinfo=None) if isinstance(value, datetime) else value


def deliver_in_batches(events: SalesEvents, steps, size: int = 4) -> None:
    """``steps`` through the consumer's batch path: consecutive events of one type in one batch of ≤ ``size``."""
    consumer = EventConsumer(service=events.runtime.name, handlers=handlers_by_type(), new_uow=events.runtime.uow,
                             dead_letters=None, batch_handlers=batch_handlers_by_type())
    batch: list = []
    for event_type, data, moment in steps:
        event = replace(CloudEvent.new(event_type.split(".")[0], event_type, data),
                        time=moment.isoformat(timespec="microseconds"), id=str(uuid.uuid4()))
        events.sent.append(event)
        if batch and (batch[-1].type != event.type or len(batch) == size):
            assert set(consumer.apply_batch(batch)) == {"handled"}
            batch = []
        batch.append(event)
    if batch:
        assert set(consumer.apply_batch(batch)) == {"handled"}


def replay(runtime) -> tuple[int, int]:
    with runtime.uow() as uow:
        counts = event_log.replay(uow.session, batch=3)  # small batches: the keyset paging is exercised
        uow.commit()
    return counts


def logged_ids(runtime) -> list[str]:
    with runtime.uow() as uow:
        return list(uow.session.scalars(select(LoggedEvent.event_id)))


@pytest.mark.parametrize("seed", [1, 2])
def test_replaying_the_log_gives_the_incremental_facts_and_rollups_after_duplicates_and_disorder(app, seed):
    events, runtime = SalesEvents(app), app.extensions["chassis.runtime"]
    steps = scenario()
    random.Random(seed).shuffle(steps)
    send_all(events, steps[:7])
    deliver_in_batches(events, steps[7:])
    events.redeliver_all()
    events.redeliver_all(new_ids=True)
    incremental_facts, incremental_rollups = facts(runtime), events.rollups()
    assert len(logged_ids(runtime)) == 2 * len(steps)  # each event and its re-publication under a new id
    replayed, rows = replay(runtime)
    assert replayed == 2 * len(steps) and rows > 0
    assert facts(runtime) == incremental_facts
    assert events.rollups() == incremental_rollups


def test_every_event_consumed_is_logged_once_with_its_envelope(app):
    events, runtime = SalesEvents(app), app.extensions["chassis.runtime"]
    steps = scenario()
    send_all(events, steps[:2])
    deliver_in_batches(events, steps[2:])
    assert set(events.redeliver_all()) == {"duplicate"}
    with runtime.uow() as uow:
        rows = {row.event_id: (row.event_type, row.source, row.data, as_utc(row.occurred_at),
                               as_utc(row.received_at)) for row in uow.session.scalars(select(LoggedEvent))}
    assert set(rows) == {event.id for event in events.sent}
    for event in events.sent:
        event_type, source, data, occurred_at, received_at = rows[event.id]
        assert (event_type, source, data, occurred_at) == (event.type, event.source, event.data,
                                                           as_utc(event.occurred_at))
        assert received_at > occurred_at  # the scenario happened in March 2026


def test_logging_an_event_twice_keeps_one_row(app):
    events, runtime = SalesEvents(app), app.extensions["chassis.runtime"]
    send_all(events, scenario()[:1])
    with runtime.uow() as uow:
        event_log.record(uow.session, events.sent * 2)
        uow.commit()
    assert logged_ids(runtime) == [events.sent[0].id]


def test_the_rebuild_command_replays_the_log_into_lost_facts_and_wrong_rollups(app, monkeypatch):
    events, runtime = SalesEvents(app), app.extensions["chassis.runtime"]
    steps = scenario()
    random.Random(3).shuffle(steps)
    send_all(events, steps)
    events.redeliver_all(new_ids=True)
    incremental_facts, incremental_rollups = facts(runtime), events.rollups()
    with runtime.uow() as uow:  # facts and rollups gone wrong: the replay must not keep them
        uow.session.execute(delete(SalesLine).where(SalesLine.line_id == "l1"))
        uow.session.execute(update(SalesRollup).where(SalesRollup.scope == "vendor").values(gmv_minor=1))
        uow.commit()
    assert (facts(runtime), events.rollups()) != (incremental_facts, incremental_rollups)
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", runtime.settings.database_url)
    for option in ("--facts", "--from-events"):
        result = CliRunner().invoke(rebuild_command, [option, "--only", "sales"])
        assert result.exit_code == 0, result.output
        assert f"sales facts rebuilt from {2 * len(steps)} logged events" in result.output
        assert "sales rollups rebuilt" in result.output and "traffic" not in result.output
        assert facts(runtime) == incremental_facts
        assert events.rollups() == incremental_rollups


def test_a_replay_that_would_lose_facts_changes_nothing(app, monkeypatch):
    events, runtime = SalesEvents(app), app.extensions["chassis.runtime"]
    send_all(events, scenario())
    before_facts, before_rollups = facts(runtime), events.rollups()
    with runtime.uow() as uow:  # as if these had been consumed before the log existed
        uow.session.execute(delete(LoggedEvent).where(LoggedEvent.event_type == "order.placed"))
        uow.commit()
    with runtime.uow() as uow:
        with pytest.raises(event_log.IncompleteLog, match="sales_orders: 3, 0"):
            event_log.replay(uow.session)
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", runtime.settings.database_url)
    result = CliRunner().invoke(rebuild_command, ["--facts"])
    assert result.exit_code == 1 and "nothing changed" in result.output
    assert (facts(runtime), events.rollups()) == (before_facts, before_rollups)


@pytest.mark.skipif(backend_name() != "postgres", reason="SQLite has one writer at a time anyway")
def test_an_event_consumed_during_a_replay_waits_for_it_then_counts_once(app):
    events, runtime = SalesEvents(app), app.extensions["chassis.runtime"]
    steps = scenario()
    send_all(events, steps)
    late = placed("o4", "cus-3", steps[0][2], [("vo4a", "ven-a", 0, [("l9", "prd-1", "books", 1, 700)])])
    outcome: list[str] = []
    consumer = threading.Thread(target=lambda: outcome.append(events.send("order.placed", late, steps[0][2])))
    with runtime.uow() as uow:
        event_log.replay(uow.session)
        consumer.start()
        consumer.join(timeout=1)
        assert consumer.is_alive()  # its event log row waits for the replay's locks
        uow.commit()
    consumer.join(timeout=10)
    assert outcome == ["handled"]
    assert "o4" in {row[0] for row in facts(runtime)["sales_orders"]}
    incremental = events.rollups()
    with runtime.uow() as uow:
        rollups.rebuild(uow.session)
        uow.commit()
    assert events.rollups() == incremental
    assert replay(runtime)[0] == len(steps) + 1


def test_facts_cannot_be_replayed_for_traffic(app, monkeypatch):
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", app.extensions["chassis.runtime"].settings.database_url)
    result = CliRunner().invoke(rebuild_command, ["--facts", "--only", "traffic"])
    assert result.exit_code == 2 and "--only traffic" in result.output


def test_an_empty_log_replays_to_nothing(app):
    runtime = app.extensions["chassis.runtime"]
    assert replay(runtime) == (0, 0)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SalesRollup)) == 0


def test_the_event_log_revision_downgrades_to_0004_and_upgrades_again(app):
    runtime = app.extensions["chassis.runtime"]
    migrations.downgrade(runtime, "0004")
    assert "analytics_event_log" not in inspect(runtime.database.engine).get_table_names()
    assert "sales_orders" in inspect(runtime.database.engine).get_table_names()
    migrations.upgrade(runtime)
    assert "analytics_event_log" in inspect(runtime.database.engine).get_table_names()
