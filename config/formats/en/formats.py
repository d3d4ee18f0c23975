"""Dates as the staff pages write them (the admin's lists and forms): the /ops pages'
format, "2026-11-27 20:01 EST" (core.staff_time.MOMENT_FORMAT), in the
time zone core.staff_time activates for them. The API writes ISO 8601 (REST_FRAMEWORK's
DATETIME_FORMAT) and never reads these."""

DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
