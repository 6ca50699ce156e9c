-- ADR-0020: a value is about to be written that carries this tag: make sure the tag's version key
-- lives at least as long as the value, so that the version the value recorded cannot expire and
-- come back as "never invalidated" while the value is still readable.
-- KEYS[1] version key; ARGV[1] the value's lifetime in ms.
if redis.call('PEXPIRE', KEYS[1], ARGV[1], 'GT') == 0 then
  redis.call('SET', KEYS[1], '0', 'NX', 'PX', ARGV[1])
end
return 1
