-- wrk script for bench/memory.sh: stop after SP_REQUESTS responses (use -t1), with the
-- session cookie from SP_COOKIE.
wrk.headers["Cookie"] = os.getenv("SP_COOKIE")
local limit = tonumber(os.getenv("SP_REQUESTS"))
local count = 0
response = function(status, headers, body)
  count = count + 1
  if count >= limit then
    wrk.thread:stop()
  end
end
