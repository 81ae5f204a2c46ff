"""Exercise 07.cronjob-now reads a schedule's meaning, not its spelling.

"Every 15 minutes" has many spellings in cron; the check must take each of
them and refuse schedules that only look alike (office hours, weekdays, every
10 minutes, a missing quarter). The same schedules are tried on the live
cluster in tests/integration/test_checks_refuse_wrong_answers.py.
"""

from __future__ import annotations

import pytest

from k8slab._course.checks.nb07_workloads import cron_field, every_quarter_hour

EVERY_QUARTER_HOUR = ["*/15 * * * *", "0,15,30,45 * * * *", "0-59/15 * * * *",
                      "5,20,35,50 * * * *", "0/15 * * * ?", "*/15 0-23 1-31 JAN-DEC SUN-SAT",
                      "45,0,30,15 * * * *", "@every 15m"]
NOT_EVERY_QUARTER_HOUR = ["*/15 9-17 * * *", "*/15 * * * 1-5", "*/10 * * * *",
                          "0,15,30 * * * *", "15 * * * *", "*/15 * * *", "*/0 * * * *",
                          "60 * * * *", "every 15 minutes", "", "@hourly"]


@pytest.mark.parametrize("schedule", EVERY_QUARTER_HOUR)
def test_every_spelling_of_every_15_minutes_is_accepted(schedule):
    assert every_quarter_hour(schedule)


@pytest.mark.parametrize("schedule", NOT_EVERY_QUARTER_HOUR)
def test_schedules_that_only_look_alike_are_refused(schedule):
    assert not every_quarter_hour(schedule)


def test_a_field_expands_like_the_cronjob_controller_reads_it():
    assert cron_field("1-10/3", 0, 59) == {1, 4, 7, 10}
    assert cron_field("mon-fri", 0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")) \
        == {1, 2, 3, 4, 5}
    assert cron_field("10-5", 0, 59) is None and cron_field("*/x", 0, 59) is None
