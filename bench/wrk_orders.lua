-- POST /api/v1/orders: every request a new cart of 1-3 distinct offers (1-2 units each) read from
-- $WRK_OFFERS_FILE, a customer token from $WRK_TOKENS_FILE and an Idempotency-Key never sent before
-- ($WRK_RUN_ID-<thread>-<n>). Answers are counted per status by wrk_statuses.lua (dofile'd last).
local function lines_of(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then found[#found + 1] = line end
  end
  return found
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

dofile(os.getenv("WRK_STATUSES_SCRIPT"))
