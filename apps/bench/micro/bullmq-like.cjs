// The BullMQ-like script of script-cpu.mjs and lua-engine-cpu.cjs: a dozen redis.call over keys
// sharing the {q} hash tag (KEYS: id counter, job key prefix, events stream, wait list, priority
// zset; ARGV: name, data, timestamp), cmsgpack.pack and unpack, bounded state (512 job hashes,
// 256 list and zset entries, a stream trimmed near 1,000).
exports.SCRIPT_BODY = `
local id = redis.call('INCR', KEYS[1])
local jobKey = KEYS[2] .. (id % 512)
local opts = cmsgpack.pack({ attempts = 3, delay = 0, backoff = { type = 'fixed', delay = 1000 }, jobId = tostring(id) })
redis.call('HSET', jobKey, 'name', ARGV[1], 'data', ARGV[2], 'opts', opts, 'timestamp', ARGV[3], 'delay', 0, 'priority', 0)
local name = redis.call('HGET', jobKey, 'name')
redis.call('HINCRBY', jobKey, 'atm', 1)
redis.call('LPUSH', KEYS[4], id)
if redis.call('LLEN', KEYS[4]) > 256 then redis.call('RPOP', KEYS[4]) end
redis.call('ZADD', KEYS[5], id, id)
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -257)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'event', 'added', 'jobId', id, 'name', name)
local fields = redis.call('HMGET', jobKey, 'name', 'opts', 'atm')
local o = cmsgpack.unpack(fields[2])
return { id, o.attempts, fields[3], o.backoff.type }
`;
