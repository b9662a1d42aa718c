-- Answers per HTTP status, reported like wrk_report.lua plus one WRK_STATUSES line that wrk_load.py
-- parses. Used as is (-s) for plain requests, or by request scripts that dofile() it
-- ($WRK_STATUSES_SCRIPT) last: it numbers the threads (thread_number, set before their init).
local threads = {}
statuses = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

dofile(os.getenv("WRK_REPORT_SCRIPT"))
local report = done

done = function(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  io.write("WRK_STATUSES {" .. table.concat(parts, ", ") .. "}\n")
  report(summary, latency, requests)
end
