-- POST /api/v1/payments: each request pays the next order of $WRK_ORDERS_FILE (lines "<order id> <n>",
-- the order of the customer whose token is line n of $WRK_TOKENS_FILE) with pm_card_visa and an
-- Idempotency-Key never sent before ($WRK_RUN_ID-<order id>). Thread t of $WRK_THREADS takes lines
-- t, t + threads, ...; once its share is used up it pays an order that does not exist (404 counted,
-- so a run longer than the seeded orders shows, never a replayed 201).
local function lines_of(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then found[#found + 1] = line end
  end
  return found
end

local orders, tokens, prefix, next_line, step

function init(args)
  orders = lines_of(os.getenv("WRK_ORDERS_FILE"))
  tokens = lines_of(os.getenv("WRK_TOKENS_FILE"))
  prefix = os.getenv("WRK_RUN_ID") .. "-"
  step = tonumber(os.getenv("WRK_THREADS"))
  next_line = thread_number
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local order_id, customer = "exhausted-" .. next_line, 1
  if next_line <= #orders then
    order_id, customer = orders[next_line]:match("^(%S+) (%d+)$")
  end
  next_line = next_line + step
  wrk.headers["Idempotency-Key"] = prefix .. order_id
  wrk.headers["Authorization"] = "Bearer " .. tokens[tonumber(customer)]
  return wrk.format(nil, nil, nil, '{"order_id": "' .. order_id .. '", "payment_method": "pm_card_visa"}')
end

dofile(os.getenv("WRK_STATUSES_SCRIPT"))
