"""Deadline arithmetic: working days, calendar days, Shanghai wall clock. No database, no clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from complaints import calendar as cal
from complaints.calendar import (
    SHANGHAI,
    WorkCalendar,
    add_days,
    add_minutes,
    elapsed_fraction,
    end_of_local_day,
    next_local_time,
)

UTC = dt.UTC
END = dt.time.max


def sh(*args) -> dt.datetime:
    """A Shanghai wall-clock moment."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def span(first: str, last: str) -> set[dt.date]:
    a, b = d(first), d(last)
    return {a + dt.timedelta(days=i) for i in range((b - a).days + 1)}


def days_of(year: int) -> list[dt.date]:
    return sorted(span(f"{year}-01-01", f"{year}-12-31"))


# The State Council notices, written out independently of the holidays package.
OFFICIAL = {
    2025: {
        "off": span("2025-01-01", "2025-01-01")
        | span("2025-01-28", "2025-02-04")
        | span("2025-04-04", "2025-04-06")
        | span("2025-05-01", "2025-05-05")
        | span("2025-05-31", "2025-06-02")
        | span("2025-10-01", "2025-10-08"),
        "makeup": {d("2025-01-26"), d("2025-02-08"), d("2025-04-27"), d("2025-09-28")}
        | {d("2025-10-11")},
    },
    2026: {
        "off": span("2026-01-01", "2026-01-03")
        | span("2026-02-15", "2026-02-23")
        | span("2026-04-04", "2026-04-06")
        | span("2026-05-01", "2026-05-05")
        | span("2026-06-19", "2026-06-21")
        | span("2026-09-25", "2026-09-27")
        | span("2026-10-01", "2026-10-07"),
        "makeup": {d("2026-01-04"), d("2026-02-14"), d("2026-02-28"), d("2026-05-09")}
        | {d("2026-09-20"), d("2026-10-10")},
    },
}


@pytest.fixture
def public():
    return WorkCalendar()


def working_time(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Time between two moments that falls on working days (Shanghai dates), independently."""
    start, end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            lo = max(start, dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI))
            hi = min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, SHANGHAI))
            total += max(hi - lo, dt.timedelta(0))
        day += dt.timedelta(days=1)
    return total


def moments(first: dt.datetime, last: dt.datetime, step=dt.timedelta(minutes=37)):
    moment = first
    while moment <= last:
        yield moment
        moment += step


# --- WorkCalendar ----------------------------------------------------------------------


class TestWorkCalendar:
    @pytest.mark.parametrize("year", sorted(OFFICIAL))
    def test_every_day_of_the_year_matches_the_official_notice(self, public, year):
        off, makeup = OFFICIAL[year]["off"], OFFICIAL[year]["makeup"]
        for day in days_of(year):
            expected = day in makeup or (day.weekday() < 5 and day not in off)
            assert public.is_working_day(day) is expected, day

    @pytest.mark.parametrize(
        ("iso", "working"),
        [
            ("2025-09-28", True),  # Sunday, 调休
            ("2025-10-11", True),  # Saturday, 调休
            ("2025-10-01", False),
            ("2025-10-06", False),  # Mid-Autumn inside Golden Week
            ("2025-10-08", False),
            ("2025-10-09", True),
            ("2026-01-04", True),  # Sunday, 调休 for New Year 2026
            ("2026-02-14", True),  # Saturday before Spring Festival 2026
            ("2026-02-16", False),  # 除夕
            ("2026-02-23", False),  # Monday, last day of Spring Festival 2026
            ("2026-02-24", True),
            ("2026-02-28", True),  # Saturday, 调休
            ("2026-09-20", True),  # Sunday, 调休 for National Day 2026
            ("2026-10-07", False),
            ("2026-10-10", True),  # Saturday, 调休
            ("2025-11-15", False),  # ordinary Saturday
            ("2025-11-16", False),  # ordinary Sunday
            ("2025-11-17", True),  # ordinary Monday
        ],
    )
    def test_known_days(self, public, iso, working):
        assert public.is_working_day(d(iso)) is working

    def test_extra_day_off_wins_over_a_weekday_and_a_makeup_saturday(self):
        company = WorkCalendar({d("2025-11-17"): False, d("2025-10-11"): False})
        assert company.is_working_day(d("2025-11-17")) is False
        assert company.is_working_day(d("2025-10-11")) is False
        assert company.is_working_day(d("2025-11-18")) is True

    def test_extra_working_day_wins_over_a_sunday_and_a_public_holiday(self):
        company = WorkCalendar({d("2025-11-16"): True, d("2025-10-01"): True})
        assert company.is_working_day(d("2025-11-16")) is True
        assert company.is_working_day(d("2025-10-01")) is True
        assert company.is_working_day(d("2025-10-02")) is False

    def test_overrides_are_copied(self):
        source = {d("2025-11-16"): True}
        company = WorkCalendar(source)
        source[d("2025-11-16")] = False
        assert company.is_working_day(d("2025-11-16")) is True
        company.overrides[d("2025-11-16")] = False
        assert company.is_working_day(d("2025-11-16")) is True

    @pytest.mark.parametrize("year", [1900, 1949, 2101, 2500])
    def test_a_year_the_package_does_not_cover_falls_back_to_weekdays(self, public, year):
        for day in days_of(year):
            assert public.is_working_day(day) is (day.weekday() < 5), day

    def test_overrides_still_apply_in_an_uncovered_year(self):
        company = WorkCalendar({d("2101-01-02"): True, d("2101-01-03"): False})
        assert d("2101-01-02").weekday() == 6  # a Sunday
        assert company.is_working_day(d("2101-01-02")) is True
        assert company.is_working_day(d("2101-01-03")) is False

    def test_an_estimated_year_still_knows_fixed_holidays(self, public):
        # 2027 has no State Council notice in the package: estimated holidays, no 调休.
        assert public.is_working_day(d("2027-01-01")) is False
        assert public.is_working_day(d("2027-10-01")) is False

    def test_next_working_day(self, public):
        assert public.next_working_day(d("2025-09-30")) == d("2025-10-09")
        assert public.next_working_day(d("2025-10-10")) == d("2025-10-11")
        assert public.next_working_day(d("2025-12-31")) == d("2026-01-04")

    def test_holidays_object_is_cached_per_year(self):
        assert cal._china_holidays(2025) is cal._china_holidays(2025)
        assert cal._china_holidays(2025) is not cal._china_holidays(2026)
        assert cal._china_holidays(2101) is None

    @pytest.mark.parametrize("bad", [sh(2025, 10, 1, 12), "2025-10-01", None])
    def test_only_plain_dates(self, public, bad):
        with pytest.raises(TypeError):
            public.is_working_day(bad)
        with pytest.raises(TypeError):
            WorkCalendar({bad: True})


# --- add_days: calendar days -------------------------------------------------------------


class TestCalendarDays:
    @pytest.mark.parametrize(
        ("start", "days", "due"),
        [
            (sh(2025, 11, 14, 23, 30), 1, sh(2025, 11, 15, 23, 30)),  # across midnight
            (sh(2025, 9, 30, 10), 3, sh(2025, 10, 3, 10)),  # holidays do not matter
            (sh(2026, 1, 31, 10), 1, sh(2026, 2, 1, 10)),  # month end
            (sh(2026, 2, 27, 12), 2, sh(2026, 3, 1, 12)),  # February, not a leap year
            (sh(2028, 2, 28, 12), 2, sh(2028, 3, 1, 12)),  # leap year
            (sh(2026, 12, 31, 23, 30), 2, sh(2027, 1, 2, 23, 30)),  # year end
            (sh(2026, 12, 31, 23, 30), 0, sh(2026, 12, 31, 23, 30)),
            (sh(2025, 11, 15, 15), 10, sh(2025, 11, 25, 15)),  # received on a Saturday
        ],
    )
    def test_same_local_time_n_days_later(self, start, days, due):
        assert add_days(start, days, working=False, calendar=None) == due

    def test_utc_input_gives_shanghai_result(self):
        start = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 2026-12-01 00:30 in Shanghai
        due = add_days(start, 1, working=False, calendar=None)
        assert due == sh(2026, 12, 2, 0, 30)
        assert due.tzinfo is SHANGHAI
        assert (due.year, due.month, due.day, due.hour, due.minute) == (2026, 12, 2, 0, 30)

    def test_calendar_ignored_for_calendar_days(self):
        company = WorkCalendar({d("2025-11-15"): True})
        start = sh(2025, 11, 14, 9)
        assert add_days(start, 2, working=False, calendar=company) == sh(2025, 11, 16, 9)

    def test_always_exactly_n_times_24_hours(self):
        for start in moments(sh(2026, 12, 25), sh(2027, 1, 5)):
            for days in range(4):
                due = add_days(start, days, working=False)
                assert due - start == dt.timedelta(days=days)
                assert due.time() == start.time()


# --- add_days: working days --------------------------------------------------------------


class TestWorkingDaysReceivedOnAWorkingDay:
    @pytest.mark.parametrize(
        ("start", "days", "due"),
        [
            # Friday over an ordinary weekend.
            (sh(2025, 11, 14, 15), 1, sh(2025, 11, 17, 15)),
            (sh(2025, 11, 14, 15), 2, sh(2025, 11, 18, 15)),
            (sh(2025, 11, 14, 23, 59), 1, sh(2025, 11, 17, 23, 59)),
            # Within the week, crossing midnight keeps the time of day.
            (sh(2025, 11, 17, 0, 0), 1, sh(2025, 11, 18, 0, 0)),
            (sh(2025, 11, 17, 23, 59, 59, 999999), 3, sh(2025, 11, 20, 23, 59, 59, 999999)),
            # Golden Week 2025: after the holiday, counting the 调休 Saturday 10-11.
            (sh(2025, 9, 30, 10), 1, sh(2025, 10, 9, 10)),
            (sh(2025, 9, 30, 10), 2, sh(2025, 10, 10, 10)),
            (sh(2025, 9, 30, 10), 3, sh(2025, 10, 11, 10)),
            (sh(2025, 9, 30, 10), 4, sh(2025, 10, 13, 10)),
            # The 调休 Sunday 09-28 counts.
            (sh(2025, 9, 26, 10), 1, sh(2025, 9, 28, 10)),
            (sh(2025, 9, 26, 10), 2, sh(2025, 9, 29, 10)),
            # Received on the 调休 Saturday itself: a working day like any other.
            (sh(2025, 10, 11, 9), 1, sh(2025, 10, 13, 9)),
            # Spring Festival 2026: Saturday 02-14 works, 02-15..02-23 off, 02-28 works.
            (sh(2026, 2, 13, 14), 1, sh(2026, 2, 14, 14)),
            (sh(2026, 2, 13, 14), 2, sh(2026, 2, 24, 14)),
            (sh(2026, 2, 14, 14), 1, sh(2026, 2, 24, 14)),
            (sh(2026, 2, 27, 9), 1, sh(2026, 2, 28, 9)),
            # National Day 2026.
            (sh(2026, 9, 30, 11), 2, sh(2026, 10, 9, 11)),
            (sh(2026, 9, 30, 11), 3, sh(2026, 10, 10, 11)),
            # Month end into Labour Day 2026 (05-01..05-05 off).
            (sh(2026, 4, 30, 16), 1, sh(2026, 5, 6, 16)),
            # Year end: into New Year 2026 and its 调休 Sunday 01-04.
            (sh(2025, 12, 31, 18), 1, sh(2026, 1, 4, 18)),
            (sh(2025, 12, 31, 18), 2, sh(2026, 1, 5, 18)),
            # Year end into 2027 (estimated by the package): 01-01 off, then the weekend.
            (sh(2026, 12, 31, 23, 30), 2, sh(2027, 1, 5, 23, 30)),
            # Uncovered year: plain weekdays.
            (sh(2101, 1, 7, 10), 1, sh(2101, 1, 10, 10)),  # Friday → Monday
        ],
    )
    def test_same_time_of_day_on_the_nth_working_day(self, public, start, days, due):
        assert add_days(start, days, working=True, calendar=public) == due

    def test_zero_days_is_the_receipt_moment(self, public):
        start = sh(2025, 9, 30, 10, 17, 3, 5)
        assert add_days(start, 0, working=True, calendar=public) == start

    def test_no_calendar_means_the_public_calendar(self):
        assert add_days(sh(2025, 9, 30, 10), 3, working=True, calendar=None) == sh(2025, 10, 11, 10)
        assert add_days(sh(2025, 9, 30, 10), 3, working=True) == sh(2025, 10, 11, 10)


class TestWorkingDaysReceivedOnANonWorkingDay:
    @pytest.mark.parametrize(
        ("start", "days", "due"),
        [
            # Saturday and Sunday: due at the end of the Nth working day from Monday.
            (sh(2025, 11, 15, 15), 1, sh(2025, 11, 17, 23, 59, 59, 999999)),
            (sh(2025, 11, 15, 15), 2, sh(2025, 11, 18, 23, 59, 59, 999999)),
            (sh(2025, 11, 15, 0, 0), 2, sh(2025, 11, 18, 23, 59, 59, 999999)),
            (sh(2025, 11, 16, 23, 59), 2, sh(2025, 11, 18, 23, 59, 59, 999999)),
            # Received on a holiday: the clock starts on 10-09; 10-11 is a 调休 Saturday.
            (sh(2025, 10, 3, 15), 1, sh(2025, 10, 9, 23, 59, 59, 999999)),
            (sh(2025, 10, 3, 15), 3, sh(2025, 10, 11, 23, 59, 59, 999999)),
            (sh(2025, 10, 1, 0, 0), 4, sh(2025, 10, 13, 23, 59, 59, 999999)),
            # Ordinary Saturday before the 调休 Sunday 09-28.
            (sh(2025, 9, 27, 20), 1, sh(2025, 9, 28, 23, 59, 59, 999999)),
            (sh(2025, 9, 27, 20), 2, sh(2025, 9, 29, 23, 59, 59, 999999)),
            # Spring Festival 2026 (除夕 02-16).
            (sh(2026, 2, 16, 20), 1, sh(2026, 2, 24, 23, 59, 59, 999999)),
            (sh(2026, 2, 21, 10), 4, sh(2026, 2, 27, 23, 59, 59, 999999)),
            (sh(2026, 2, 21, 10), 5, sh(2026, 2, 28, 23, 59, 59, 999999)),
            # New Year's Day 2027 across the year end.
            (sh(2027, 1, 1, 9), 1, sh(2027, 1, 4, 23, 59, 59, 999999)),
        ],
    )
    def test_due_at_the_end_of_the_nth_working_day(self, public, start, days, due):
        assert add_days(start, days, working=True, calendar=public) == due

    def test_zero_days_is_the_start_of_the_next_working_day(self, public):
        assert add_days(sh(2025, 11, 15, 15), 0, working=True, calendar=public) == sh(
            2025, 11, 17, 0, 0
        )
        assert add_days(sh(2025, 10, 1, 15), 0, working=True, calendar=public) == sh(
            2025, 10, 9, 0, 0
        )

    def test_friday_night_versus_saturday_morning(self, public):
        friday = add_days(sh(2025, 11, 14, 23, 59), 1, working=True, calendar=public)
        saturday = add_days(sh(2025, 11, 15, 0, 1), 1, working=True, calendar=public)
        assert friday == sh(2025, 11, 17, 23, 59)
        assert saturday == sh(2025, 11, 17, 23, 59, 59, 999999)
        assert friday < saturday


class TestWorkingDaysWithCompanyOverrides:
    def test_an_extra_day_off_is_skipped(self):
        company = WorkCalendar({d("2025-10-13"): False})
        start = sh(2025, 10, 10, 10)  # Friday
        assert add_days(start, 2, working=True, calendar=company) == sh(2025, 10, 14, 10)
        assert add_days(start, 2, working=True, calendar=WorkCalendar()) == sh(2025, 10, 13, 10)

    def test_an_extra_working_sunday_counts(self):
        company = WorkCalendar({d("2025-10-12"): True})
        start = sh(2025, 10, 11, 9)  # 调休 Saturday
        assert add_days(start, 1, working=True, calendar=company) == sh(2025, 10, 12, 9)

    def test_a_company_that_works_through_national_day(self):
        company = WorkCalendar({day: True for day in span("2025-10-01", "2025-10-03")})
        start = sh(2025, 9, 30, 10)
        assert add_days(start, 3, working=True, calendar=company) == sh(2025, 10, 3, 10)
        assert add_days(start, 4, working=True, calendar=company) == sh(2025, 10, 9, 10)

    def test_received_on_a_company_day_off(self):
        company = WorkCalendar({d("2025-11-17"): False})  # Monday off
        start = sh(2025, 11, 17, 10)
        due = add_days(start, 1, working=True, calendar=company)
        assert due == sh(2025, 11, 18, 23, 59, 59, 999999)

    def test_received_on_a_company_working_sunday(self):
        company = WorkCalendar({d("2025-11-16"): True})
        start = sh(2025, 11, 16, 10)
        assert add_days(start, 1, working=True, calendar=company) == sh(2025, 11, 17, 10)

    def test_a_cancelled_makeup_saturday(self):
        company = WorkCalendar({d("2025-10-11"): False})
        start = sh(2025, 9, 30, 10)
        assert add_days(start, 3, working=True, calendar=company) == sh(2025, 10, 13, 10)


class TestWorkingDaysTimeZones:
    def test_utc_input_is_counted_on_the_shanghai_date(self, public):
        start = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # Tuesday 2026-12-01 00:30
        due = add_days(start, 1, working=True, calendar=public)
        assert due == sh(2026, 12, 2, 0, 30)
        assert due.tzinfo is SHANGHAI
        assert due.utcoffset() == dt.timedelta(hours=8)

    def test_utc_friday_evening_is_a_shanghai_saturday(self, public):
        # Friday 2025-09-26 16:30 UTC is Saturday 09-27 00:30 in Shanghai (a day off);
        # the next working day is the 调休 Sunday 09-28.
        start = dt.datetime(2025, 9, 26, 16, 30, tzinfo=UTC)
        due = add_days(start, 1, working=True, calendar=public)
        assert due == sh(2025, 9, 28, 23, 59, 59, 999999)

    def test_utc_saturday_evening_is_a_working_shanghai_sunday(self, public):
        # Saturday 2025-09-27 16:30 UTC is the 调休 Sunday 09-28 00:30 in Shanghai.
        start = dt.datetime(2025, 9, 27, 16, 30, tzinfo=UTC)
        assert add_days(start, 1, working=True, calendar=public) == sh(2025, 9, 29, 0, 30)

    def test_other_zone_input(self, public):
        start = dt.datetime(2025, 11, 14, 9, 0, tzinfo=ZoneInfo("America/New_York"))
        # = Friday 22:00 in Shanghai
        assert add_days(start, 1, working=True, calendar=public) == sh(2025, 11, 17, 22, 0)


class TestWorkingDaysProperties:
    """Sweeps over the holiday seasons: the rule holds everywhere, not just at the examples."""

    RANGES = [
        (sh(2025, 9, 19), sh(2025, 10, 16)),
        (sh(2025, 12, 26), sh(2026, 1, 8)),
        (sh(2026, 2, 6), sh(2026, 3, 3)),
        (sh(2026, 9, 15), sh(2026, 10, 14)),
    ]

    @pytest.mark.parametrize(("first", "last"), RANGES)
    def test_exactly_n_working_days_of_time(self, public, first, last):
        for start in moments(first, last):
            on_working_day = public.is_working_day(start.date())
            for days in range(6):
                due = add_days(start, days, working=True, calendar=public)
                allowed = dt.timedelta(days=days)
                if not on_working_day and days:
                    allowed -= dt.timedelta(microseconds=1)  # due at 23:59:59.999999
                assert working_time(public, start, due) == allowed, (start, days)
                assert due >= start
                if days:
                    assert public.is_working_day(due.date()), (start, days)

    @pytest.mark.parametrize(("first", "last"), RANGES)
    def test_later_receipt_is_never_due_earlier(self, public, first, last):
        for days in range(5):
            previous = None
            for start in moments(first, last):
                due = add_days(start, days, working=True, calendar=public)
                if previous is not None:
                    assert due >= previous, (start, days)
                previous = due

    @pytest.mark.parametrize(("first", "last"), RANGES)
    def test_one_more_day_is_later(self, public, first, last):
        for start in moments(first, last, step=dt.timedelta(hours=5)):
            dues = [add_days(start, n, working=True, calendar=public) for n in range(6)]
            assert dues == sorted(dues)
            assert len(set(dues)) == len(dues)


# --- argument checking ------------------------------------------------------------------


class TestArguments:
    @pytest.mark.parametrize("working", [True, False])
    def test_negative_days_raise(self, working):
        with pytest.raises(ValueError, match="negative"):
            add_days(sh(2025, 11, 14, 9), -1, working=working, calendar=None)

    def test_negative_minutes_raise(self):
        with pytest.raises(ValueError, match="negative"):
            add_minutes(sh(2025, 11, 14, 9), -10)

    @pytest.mark.parametrize("bad", [1.5, True, "2"])
    def test_non_integer_counts_raise(self, bad):
        with pytest.raises(TypeError):
            add_days(sh(2025, 11, 14, 9), bad, working=True, calendar=None)
        with pytest.raises(TypeError):
            add_minutes(sh(2025, 11, 14, 9), bad)

    def test_naive_datetimes_raise(self):
        naive = dt.datetime(2025, 11, 14, 9)
        aware = sh(2025, 11, 14, 9)
        for call in (
            lambda: add_days(naive, 1, working=True, calendar=None),
            lambda: add_days(naive, 1, working=False, calendar=None),
            lambda: add_minutes(naive, 10),
            lambda: end_of_local_day(naive),
            lambda: next_local_time(naive, 17),
            lambda: elapsed_fraction(naive, aware, aware),
            lambda: elapsed_fraction(aware, naive, aware),
            lambda: elapsed_fraction(aware, aware, naive),
        ):
            with pytest.raises(ValueError, match="timezone-aware"):
                call()

    def test_a_date_is_not_a_datetime(self):
        with pytest.raises(TypeError):
            add_days(d("2025-11-14"), 1, working=True, calendar=None)


# --- add_minutes ---------------------------------------------------------------------------


class TestAddMinutes:
    @pytest.mark.parametrize("working", [True, False])
    def test_round_the_clock_even_on_holidays(self, public, working):
        start = sh(2026, 12, 31, 23, 55)
        due = add_minutes(start, 10, working=working, calendar=public)
        assert due == sh(2027, 1, 1, 0, 5)

    def test_saturday_night(self, public):
        start = sh(2025, 11, 15, 2, 0)
        assert add_minutes(start, 10, working=True, calendar=public) == sh(2025, 11, 15, 2, 10)

    def test_zero_minutes(self):
        start = sh(2025, 11, 15, 2, 0)
        assert add_minutes(start, 0) == start

    def test_utc_input_gives_shanghai_result(self):
        due = add_minutes(dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC), 45)
        assert due.tzinfo is SHANGHAI
        assert (due.date(), due.time()) == (d("2026-12-01"), dt.time(1, 15))


# --- end_of_local_day ----------------------------------------------------------------------


class TestEndOfLocalDay:
    def test_shanghai_input(self):
        assert end_of_local_day(sh(2025, 10, 3, 0, 0)) == sh(2025, 10, 3, 23, 59, 59, 999999)
        assert end_of_local_day(sh(2025, 10, 3, 23, 59, 59, 999999)) == sh(
            2025, 10, 3, 23, 59, 59, 999999
        )

    def test_utc_input_uses_the_shanghai_date(self):
        late_utc = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # already 12-01 in Shanghai
        early_utc = dt.datetime(2026, 11, 30, 15, 59, tzinfo=UTC)  # still 11-30 in Shanghai
        assert end_of_local_day(late_utc) == sh(2026, 12, 1, 23, 59, 59, 999999)
        assert end_of_local_day(early_utc) == sh(2026, 11, 30, 23, 59, 59, 999999)
        assert end_of_local_day(late_utc).tzinfo is SHANGHAI

    def test_year_end(self):
        assert end_of_local_day(dt.datetime(2026, 12, 31, 15, 0, tzinfo=UTC)) == sh(
            2026, 12, 31, 23, 59, 59, 999999
        )
        assert end_of_local_day(dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == sh(
            2027, 1, 1, 23, 59, 59, 999999
        )


# --- elapsed_fraction ----------------------------------------------------------------------


class TestElapsedFraction:
    START = sh(2025, 11, 14, 8, 0)
    DUE = sh(2025, 11, 14, 18, 0)

    @pytest.mark.parametrize(
        ("now", "fraction"),
        [
            (sh(2025, 11, 14, 7, 0), 0.0),  # before the start
            (sh(2025, 11, 14, 8, 0), 0.0),
            (sh(2025, 11, 14, 13, 0), 0.5),
            (sh(2025, 11, 14, 16, 0), 0.8),
            (sh(2025, 11, 14, 18, 0), 1.0),
            (sh(2025, 11, 14, 23, 0), 1.5),
        ],
    )
    def test_fraction(self, now, fraction):
        assert elapsed_fraction(self.START, self.DUE, now) == pytest.approx(fraction)

    def test_mixed_zones(self):
        now = dt.datetime(2025, 11, 14, 5, 0, tzinfo=UTC)  # 13:00 Shanghai
        assert elapsed_fraction(self.START, self.DUE, now) == pytest.approx(0.5)

    def test_deadline_equal_to_start(self):
        moment = self.START
        assert elapsed_fraction(moment, moment, moment - dt.timedelta(seconds=1)) == 0.0
        assert elapsed_fraction(moment, moment, moment) == 1.0
        assert elapsed_fraction(moment, moment, moment + dt.timedelta(days=1)) == 1.0

    def test_deadline_before_start_raises(self):
        with pytest.raises(ValueError):
            elapsed_fraction(self.DUE, self.START, self.DUE)

    def test_returns_a_float(self):
        assert isinstance(elapsed_fraction(self.START, self.DUE, self.DUE), float)


# --- next_local_time -----------------------------------------------------------------------


class TestNextLocalTime:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (sh(2025, 11, 14, 16, 59), sh(2025, 11, 14, 17, 0)),
            (sh(2025, 11, 14, 17, 0), sh(2025, 11, 14, 17, 0)),  # on counts
            (sh(2025, 11, 14, 17, 0, 0, 1), sh(2025, 11, 15, 17, 0)),
            (sh(2025, 11, 14, 0, 0), sh(2025, 11, 14, 17, 0)),
            (sh(2026, 12, 31, 18, 0), sh(2027, 1, 1, 17, 0)),  # year end
            (sh(2026, 2, 28, 23, 0), sh(2026, 3, 1, 17, 0)),  # month end
        ],
    )
    def test_daily_report_at_five(self, moment, expected):
        assert next_local_time(moment, 17, 0) == expected

    def test_utc_input(self):
        # 09:30 UTC = 17:30 Shanghai → tomorrow's report, in Shanghai time.
        moment = dt.datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
        result = next_local_time(moment, 17)
        assert result == sh(2026, 12, 1, 17, 0)
        assert result.tzinfo is SHANGHAI
        # 08:30 UTC = 16:30 Shanghai → today's.
        assert next_local_time(moment - dt.timedelta(hours=1), 17) == sh(2026, 11, 30, 17, 0)

    def test_utc_date_differs_from_shanghai_date(self):
        # 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
        moment = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
        assert next_local_time(moment, 8, 30) == sh(2026, 12, 1, 8, 30)
        assert next_local_time(moment, 0, 0) == sh(2026, 12, 2, 0, 0)

    @pytest.mark.parametrize(("hour", "minute"), [(24, 0), (-1, 0), (17, 60)])
    def test_impossible_times_raise(self, hour, minute):
        with pytest.raises(ValueError):
            next_local_time(sh(2025, 11, 14, 9), hour, minute)
