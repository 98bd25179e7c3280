-- Rate limits counted across servers: one row a request let through, kept for the longest window only.
-- UNLOGGED: no WAL for counters that live a minute; a crash empties the table, which only forgets the counts.
CREATE UNLOGGED TABLE rate_hits (
  client text NOT NULL,  -- an HMAC of the address, never the address
  at double precision NOT NULL  -- seconds since the epoch, by the database's clock: one clock for all servers
);
CREATE INDEX rate_hits_client_at ON rate_hits (client, at DESC);

-- The key of that HMAC: the same on every server, so that one citizen is one client whichever server answers.
CREATE TABLE registre_secrets (name text PRIMARY KEY, value bytea NOT NULL);
INSERT INTO registre_secrets
  VALUES ('rate_limit_key', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- Count one request of a client against moving windows (amounts[i] requests in seconds[i] seconds), at once:
-- 0 when let through (and recorded), else the seconds until the first window lets one through again.
-- The advisory lock makes test-and-record one step per client, whichever server asks.
CREATE FUNCTION rate_take(key text, amounts integer[], seconds double precision[])
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
  now double precision := extract(epoch FROM clock_timestamp());
  wait double precision := 0;
  nth double precision;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(key, 0));
  FOR i IN 1 .. cardinality(amounts) LOOP
    -- the amounts[i]-th latest hit in the window: while it is there, the window is full
    SELECT at INTO nth FROM rate_hits WHERE client = key AND at > now - seconds[i]
      ORDER BY at DESC OFFSET amounts[i] - 1 LIMIT 1;
    IF FOUND THEN
      wait := greatest(wait, nth + seconds[i] - now);
    END IF;
  END LOOP;
  IF wait = 0 THEN
    INSERT INTO rate_hits (client, at) VALUES (key, now);
  END IF;
  DELETE FROM rate_hits WHERE client = key AND at <= now - (SELECT max(s) FROM unnest(seconds) AS s);
  RETURN wait;
END
$$;
