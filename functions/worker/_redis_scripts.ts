/**
 * The Lua scripts of the Redis queue. Every state change of a job is one script, so it is atomic
 * with its event (appended to the job's event stream and announced on its channel) and with the
 * acknowledgement of its work-stream entry. Settling checks the claim token, so a worker whose
 * job was reclaimed can never overwrite the new owner's result, and a job succeeds at most once.
 *
 * @module
 */

/** Appends an event to the job's stream (`KEYS[2]`), refreshes its TTL and announces it. */
const EMIT = `
local function emit(ttl, channel, ...)
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', 10000, '*', ...)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('PUBLISH', channel, id)
end
local function done_entry(stream, group, entry)
  redis.call('XACK', stream, group, entry)
  redis.call('XDEL', stream, entry)
end
`;

/** A script and how many of its arguments are keys. */
export interface RedisScript {
  keys: number;
  lua: string;
}

/**
 * KEYS: job, events, queued set, work stream.
 * ARGV: id, capacity, now, ttl, request JSON, total steps, events channel, then field/value
 * pairs of the request's binary inputs (init image, mask), stored in the job hash.
 * Returns 1, or 0 when `capacity` jobs are already waiting.
 */
export const SUBMIT: RedisScript = {
  keys: 4,
  lua: EMIT + `
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'request', ARGV[5], 'status', 'queued', 'step', 0,
  'total', ARGV[6], 'createdAt', ARGV[3], 'updatedAt', ARGV[3], 'attempts', 0)
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], '*', 'id', ARGV[1])
emit(ARGV[4], ARGV[7], 'type', 'queued')
return 1
`,
};

/**
 * Takes a delivered (or reclaimed) work-stream entry.
 * KEYS: job, events, queued set, work stream.
 * ARGV: group, entry id, job id, claim token, consumer, now, ttl, max attempts, events channel.
 * Returns `ok`, or why the entry was dropped (`gone`, `stale`, `exhausted`, a final status).
 */
export const CLAIM: RedisScript = {
  keys: 4,
  lua: EMIT + `
local v = redis.call('HMGET', KEYS[1], 'status', 'entry')
local status = v[1]
if not status then
  done_entry(KEYS[4], ARGV[1], ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[3])
  return 'gone'
end
if status ~= 'queued' and status ~= 'running' then
  done_entry(KEYS[4], ARGV[1], ARGV[2])
  return status
end
if status == 'running' and v[2] ~= ARGV[2] then
  done_entry(KEYS[4], ARGV[1], ARGV[2])
  return 'stale'
end
redis.call('SREM', KEYS[3], ARGV[3])
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts > tonumber(ARGV[8]) then
  local message = 'The job was given up after ' .. (attempts - 1) ..
    ' workers stopped while rendering it'
  redis.call('HSET', KEYS[1], 'status', 'failed', 'updatedAt', ARGV[6], 'owner', '',
    'error', cjson.encode({ message = message, code = 'worker_lost' }))
  emit(ARGV[7], ARGV[9], 'type', 'failed')
  done_entry(KEYS[4], ARGV[1], ARGV[2])
  return 'exhausted'
end
redis.call('HSET', KEYS[1], 'status', 'running', 'owner', ARGV[4], 'worker', ARGV[5],
  'entry', ARGV[2], 'step', 0, 'updatedAt', ARGV[6], 'startedAt', ARGV[6])
emit(ARGV[7], ARGV[9], 'type', 'running')
return 'ok'
`,
};

/** Checks the claim; on success resets the entry's idle time (`XCLAIM ... JUSTID`). */
const HOLD = `
local v = redis.call('HMGET', KEYS[1], 'status', 'owner')
if v[2] ~= ARGV[4] then return 'lost' end
if v[1] ~= 'running' then return v[1] end
redis.call('XCLAIM', KEYS[3], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
`;

/**
 * Keeps a claim alive while rendering.
 * KEYS: job, events, work stream. ARGV: group, consumer, entry id, claim token.
 * Returns `ok`, `lost` (reclaimed by another worker) or the job's status (e.g. `cancelled`).
 */
export const HEARTBEAT: RedisScript = { keys: 3, lua: HOLD + `return 'ok'` };

/**
 * Records a step (and keeps the claim alive).
 * KEYS: job, events, work stream.
 * ARGV: group, consumer, entry id, claim token, step, total, now, ttl, events channel.
 */
export const PROGRESS: RedisScript = {
  keys: 3,
  lua: EMIT + HOLD + `
redis.call('HSET', KEYS[1], 'step', ARGV[5], 'total', ARGV[6], 'updatedAt', ARGV[7])
emit(ARGV[8], ARGV[9], 'type', 'step', 'step', ARGV[5], 'total', ARGV[6])
return 'ok'
`,
};

/**
 * Settles a claimed job: `succeeded` with its images, or `failed` with its error. Only the claim
 * token's holder may settle, and only a running job changes; either way the holder's entry is
 * acknowledged.
 * KEYS: job, events, work stream, stats.
 * ARGV: group, entry id, claim token, now, ttl, events channel, status, device, timings JSON,
 * error JSON, image count, images...
 * Returns `ok`, `lost`, or the job's final status when it was cancelled meanwhile.
 */
export const SETTLE: RedisScript = {
  keys: 4,
  lua: EMIT + `
local v = redis.call('HMGET', KEYS[1], 'status', 'owner', 'startedAt')
if v[2] ~= ARGV[3] then return 'lost' end
done_entry(KEYS[3], ARGV[1], ARGV[2])
if v[1] ~= 'running' then return v[1] end
redis.call('HSET', KEYS[1], 'status', ARGV[7], 'updatedAt', ARGV[4], 'owner', '')
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'device', ARGV[8]) end
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'timings', ARGV[9]) end
if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[10]) end
local count = tonumber(ARGV[11])
for i = 1, count do redis.call('HSET', KEYS[1], 'image:' .. (i - 1), ARGV[11 + i]) end
redis.call('HSET', KEYS[1], 'images', count)
redis.call('EXPIRE', KEYS[1], ARGV[5])
if ARGV[7] == 'succeeded' and v[3] then
  local took = tonumber(ARGV[4]) - tonumber(v[3])
  local average = tonumber(redis.call('HGET', KEYS[4], 'averageMs'))
  if average then took = average * 0.8 + took * 0.2 end
  redis.call('HSET', KEYS[4], 'averageMs', took)
end
emit(ARGV[5], ARGV[6], 'type', ARGV[7])
return 'ok'
`,
};

/**
 * Gives a claimed job back to the queue (the worker is shutting down).
 * KEYS: job, events, work stream, queued set.
 * ARGV: group, entry id, claim token, now, ttl, events channel, job id.
 */
export const RELEASE: RedisScript = {
  keys: 4,
  lua: EMIT + `
local v = redis.call('HMGET', KEYS[1], 'status', 'owner')
if v[2] ~= ARGV[3] then return 'lost' end
done_entry(KEYS[3], ARGV[1], ARGV[2])
if v[1] ~= 'running' then return v[1] end
redis.call('HSET', KEYS[1], 'status', 'queued', 'owner', '', 'step', 0, 'updatedAt', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
redis.call('SADD', KEYS[4], ARGV[7])
redis.call('XADD', KEYS[3], '*', 'id', ARGV[7])
emit(ARGV[5], ARGV[6], 'type', 'queued')
return 'ok'
`,
};

/**
 * Cancels a queued or running job; a running one's worker hears it on the cancel channel (and
 * from its next step or heartbeat).
 * KEYS: job, events, queued set. ARGV: job id, now, ttl, events channel, cancel channel.
 * Returns 1, or 0 when the job is unknown or final.
 */
export const CANCEL: RedisScript = {
  keys: 3,
  lua: EMIT + `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'updatedAt', ARGV[2])
redis.call('SREM', KEYS[3], ARGV[1])
emit(ARGV[3], ARGV[4], 'type', 'cancelled')
if status == 'running' then redis.call('PUBLISH', ARGV[5], ARGV[1]) end
return 1
`,
};
