-- POST the form body in $WRK_BODY on every request, then report like wrk_report.lua.
-- wrk counts answers outside 2xx/3xx in errors.status (the non-2xx figure the harness prints).
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
dofile(os.getenv("WRK_REPORT_SCRIPT"))
