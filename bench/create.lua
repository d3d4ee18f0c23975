-- wrk script: POST creates, each with a number no other request of the run uses.
-- BUSINESS, KEY and AREA (a US area code, different per run) come from the environment.
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  first = 2000000 + thread_index * 1000000
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"name": "Load %d", "number": "+1%s%07d", "businessId": "%s"}',
    counter, os.getenv("AREA"), first + counter, os.getenv("BUSINESS"))
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("KEY"),
  }, body)
end

done = function(summary, latency, requests)
  local codes = summary.errors.status
  io.write(string.format("non-2xx responses: %d\n", codes))
end
