-- wrk script: candidates reloading their exam page, rotating through the signed-in candidates.
local data = dofile(os.getenv("BENCH_DATA"))
local at = 0

function request()
  at = at % #data.candidates + 1
  local c = data.candidates[at]
  return wrk.format("GET", "/me/attempts/" .. c.attempt, {["Cookie"] = c.cookie})
end
