-- wrk script used by bench.js:  wrk [options] -s requests.lua BASE_URL -- METHOD PATH [PATH...]
-- POST requests carry the JSON body {"input":"hello"}. With one PATH the request
-- is static (built once, no Lua per request); with several, requests go
-- round-robin over the paths (across all connections of the thread).
function init(args)
   local method = args[1]
   wrk.method = method
   if method == "POST" then
      wrk.body = '{"input":"hello"}'
      wrk.headers["Content-Type"] = "application/json"
   end
   wrk.path = args[2]
   if #args > 2 then
      local reqs = {}
      for i = 2, #args do reqs[#reqs + 1] = wrk.format(nil, args[i]) end
      local n = 0
      request = function()
         n = n % #reqs + 1
         return reqs[n]
      end
   end
end
