"""Print how many launchkit:check:* keys the Redis at $CHECK_URL holds (CA in $CHECK_CA for rediss://)."""
import os

import redis

options = {"socket_timeout": 5, "decode_responses": True}
if os.environ["CHECK_URL"].startswith("rediss://"):
    options["ssl_ca_certs"] = os.environ["CHECK_CA"]
client = redis.Redis.from_url(os.environ["CHECK_URL"], **options)
print(len(list(client.scan_iter(match="launchkit:check:*"))))
client.close()
