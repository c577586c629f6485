-- wrk script for bench/write.sh: POST /api/v1/cases, each request a different person (names
-- and document number made from a counter), with the session cookie and CSRF token from the
-- environment (SP_COOKIE, SP_CSRF); with SP_IDEM_KEYS=1 each request also carries its own
-- Idempotency-Key (made from the start time and the counter: never reused across runs).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("SP_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("SP_CSRF")

local n = 0
local keyed = os.getenv("SP_IDEM_KEYS") == "1"
local started = os.time()
local letters = "abcdefghijklmnopqrstuvwxyz"

-- n as a word of letters (names take letters, not digits)
local function word(i)
  local s = ""
  repeat
    local d = i % 26
    s = letters:sub(d + 1, d + 1) .. s
    i = math.floor(i / 26)
  until i == 0
  return s
end

request = function()
  n = n + 1
  local w = word(n + 26 * 26 * 26)
  local body = string.format(
    '{"person":{"names":[{"role":"given","original":"Benchgiven%s","romanised":"Benchgiven%s"},'
      .. '{"role":"family","romanised":"Benchfamily%s"}],"sex":"female",'
      .. '"date_of_birth":{"date":"1999-04"},"nationalities":["UA"],"languages":["uk"],'
      .. '"documents":[{"type":"passport","country":"UA","number":"BX%09d"}]},'
      .. '"priority":"normal"}', w, w, w, n)
  local headers = nil
  if keyed then -- a table given to wrk.format replaces wrk.headers: copy them in
    headers = {["Idempotency-Key"] = string.format("bench-%d-%d", started, n)}
    for k, v in pairs(wrk.headers) do headers[k] = v end
  end
  return wrk.format(nil, nil, headers, body)
end
