-- wrk script: autosaves as a sitting sends them. Each wrk thread takes its own share of the
-- signed-in candidates (so one candidate's numbered saves come from one thread, in order) and
-- rotates through them, saving a random answer to a random question of the paper.
local data = dofile(os.getenv("BENCH_DATA"))
local seq_base = tonumber(os.getenv("BENCH_SEQ_BASE") or "0")
local created = 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
end

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  mine = {}
  for i, c in ipairs(data.candidates) do
    if (i - 1) % threads == id then
      table.insert(mine, {attempt = c.attempt, cookie = c.cookie, csrf = c.csrf, writer = c.writer, seq = seq_base})
    end
  end
  at = 0
  letters = {"A", "B", "C", "D"}
  math.randomseed(id + seq_base)
end

function request()
  at = at % #mine + 1
  local c = mine[at]
  c.seq = c.seq + 1
  local body = string.format(
    '{"slot": %d, "answer": ["%s"], "seq": %d, "writer": "%s", "base": 0, "page": "%s"}',
    math.random(1, data.slots), letters[math.random(1, 4)], c.seq, c.writer, c.writer)
  return wrk.format("POST", "/api/attempts/" .. c.attempt .. "/responses",
    {["Content-Type"] = "application/json", ["Accept"] = "application/json",
     ["Cookie"] = c.cookie, ["X-CSRFToken"] = c.csrf}, body)
end
