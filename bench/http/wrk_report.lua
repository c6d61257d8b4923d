-- wrk script for bench/http/run.sh.
--
--   wrk ... -s wrk_report.lua URL -- [depth]
--
-- depth > 1 sends that many copies of the request in every write (HTTP/1.1
-- pipelining; wrk counts each response). With depth 1 no request() function
-- is defined, so wrk keeps its static, Lua-free request path.
--
-- done() prints one machine-readable line that run.sh parses, so the figures
-- do not depend on wrk's human-oriented output format:
--   WRKSTAT requests=N duration_us=N bytes=N p50_us=N p99_us=N errors=N

function init(args)
   local depth = tonumber(args[1] or "1") or 1
   if depth > 1 then
      local one = wrk.format()
      local batch = string.rep(one, depth)
      request = function() return batch end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   io.write(string.format(
      "WRKSTAT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d errors=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50.0), latency:percentile(99.0), errors))
end
