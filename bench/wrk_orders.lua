-- POST /api/v1/orders: every request a new cart of 1-3 distinct offers (1-2 units each) read from
-- $WRK_OFFERS_FILE, a customer token from $WRK_TOKENS_FILE and an Idempotency-Key never sent before
-- ($WRK_RUN_ID-<thread>-<n>). Counts answers per status; reports like wrk_report.lua plus one
-- WRK_STATUSES line.
local function lines_of(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then found[#found + 1] = line end
  end
  return found
end

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  threads[#threads + 1] = thread
end

local offers, tokens, prefix, sent
local address = '"shipping_address": {"name": "Bench Customer", "line1": "1 rue de la Paix", ' ..
                '"postal_code": "75002", "city": "Paris", "country": "FR", "phone": "+33 6 12 34 56 78"}'

function init(args)
  offers = lines_of(os.getenv("WRK_OFFERS_FILE"))
  tokens = lines_of(os.getenv("WRK_TOKENS_FILE"))
  prefix = os.getenv("WRK_RUN_ID") .. "-" .. thread_number .. "-"
  math.randomseed(os.time() + thread_number * 7919)
  sent, statuses = 0, {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local count, chosen, lines = math.random(1, 3), {}, {}
  while #lines < count do
    local offer = offers[math.random(#offers)]
    if not chosen[offer] then
      chosen[offer] = true
      lines[#lines + 1] = string.format('{"offer_id": "%s", "quantity": %d}', offer, math.random(1, 2))
    end
  end
  wrk.headers["Idempotency-Key"] = prefix .. sent
  wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format(nil, nil, nil, '{"lines": [' .. table.concat(lines, ", ") .. '], ' .. address .. '}')
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
