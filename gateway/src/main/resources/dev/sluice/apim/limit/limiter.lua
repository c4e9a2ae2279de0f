-- Sluice API management: one rate-limit decision (or one settlement) as a single atomic script call.
-- Time comes from the gateway (ARGV), not from Redis TIME, so that every replica and every test decides on the
-- clock it was given; see RedisRateLimiter for what that means when replica clocks drift.
--
-- admit:  KEYS = [spike key if any] .. one key per charge
--         ARGV = 'admit', nowMillis, nowMicros, hasSpike (0|1), spikeIntervalMicros, spikeTtlGraceMillis, n,
--                then per charge: kind ('c' calendar | 'r' rolling), limit, cost, ttlMillis, bucket, slots
--         reply = {allowed (1|0), violation (0 = spike arrest, i = charge i, -1 = none), spikeRetryMicros,
--                  then per charge: used (after the decision), oldest counted bucket (rolling; -1 when none)}
-- settle: KEYS = one key per adjustment
--         ARGV = 'settle', n, then per adjustment: kind, delta, bucket
--         reply = number of counters adjusted
local mode = ARGV[1]

local function rolling_used(key, bucket, slots)
  local fields = redis.call('HGETALL', key)
  local used, oldest = 0, -1
  for i = 1, #fields, 2 do
    local b = tonumber(fields[i])
    local v = tonumber(fields[i + 1])
    if b <= bucket - slots then
      redis.call('HDEL', key, fields[i])
    else
      -- Buckets ahead of this clock (written by a replica whose clock runs ahead) count too: never undercount.
      used = used + v
      if v > 0 and (oldest == -1 or b < oldest) then
        oldest = b
      end
    end
  end
  return used, oldest
end

if mode == 'admit' then
  local now_us = tonumber(ARGV[3])
  local has_spike = ARGV[4] == '1'
  local n = tonumber(ARGV[7])
  local first = has_spike and 1 or 0
  local used, oldest = {}, {}
  for i = 1, n do
    local a = 7 + (i - 1) * 6
    local key = KEYS[first + i]
    if ARGV[a + 1] == 'c' then
      used[i] = tonumber(redis.call('GET', key) or '0')
      oldest[i] = -1
    else
      used[i], oldest[i] = rolling_used(key, tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]))
    end
  end
  local function reply(allowed, violation, retry)
    local out = { allowed, violation, retry }
    for i = 1, n do
      out[#out + 1] = used[i]
      out[#out + 1] = oldest[i]
    end
    return out
  end
  local tat = 0
  if has_spike then
    tat = tonumber(redis.call('GET', KEYS[1]) or '0')
    if now_us < tat then
      return reply(0, 0, tat - now_us)
    end
  end
  for i = 1, n do
    local a = 7 + (i - 1) * 6
    local limit = tonumber(ARGV[a + 2])
    local cost = tonumber(ARGV[a + 3])
    if used[i] >= limit or used[i] + cost > limit then
      return reply(0, i, 0)
    end
  end
  if has_spike then
    local next_tat = math.max(tat, now_us) + tonumber(ARGV[5])
    redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX',
               math.floor((next_tat - now_us) / 1000) + tonumber(ARGV[6]))
  end
  for i = 1, n do
    local a = 7 + (i - 1) * 6
    local key = KEYS[first + i]
    local cost = tonumber(ARGV[a + 3])
    local ttl = tonumber(ARGV[a + 4])
    if ARGV[a + 1] == 'c' then
      redis.call('INCRBY', key, cost)
    else
      local bucket = tonumber(ARGV[a + 5])
      redis.call('HINCRBY', key, ARGV[a + 5], cost)
      if cost > 0 and (oldest[i] == -1 or bucket < oldest[i]) then
        oldest[i] = bucket
      end
    end
    redis.call('PEXPIRE', key, ttl)
    used[i] = used[i] + cost
  end
  return reply(1, -1, 0)
elseif mode == 'settle' then
  local n = tonumber(ARGV[2])
  local adjusted = 0
  for i = 1, n do
    local a = 2 + (i - 1) * 3
    local key = KEYS[i]
    local delta = tonumber(ARGV[a + 2])
    if ARGV[a + 1] == 'c' then
      -- A window whose key expired no longer counts: nothing to adjust.
      if redis.call('EXISTS', key) == 1 then
        if redis.call('INCRBY', key, delta) < 0 then
          redis.call('SET', key, '0', 'KEEPTTL')
        end
        adjusted = adjusted + 1
      end
    else
      local field = ARGV[a + 3]
      if redis.call('HEXISTS', key, field) == 1 then
        if redis.call('HINCRBY', key, field, delta) < 0 then
          redis.call('HSET', key, field, '0')
        end
        adjusted = adjusted + 1
      end
    end
  end
  return adjusted
end
return redis.error_reply('sluice limiter: unknown mode ' .. tostring(mode))
