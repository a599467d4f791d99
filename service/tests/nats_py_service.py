# Reads a service's discovery replies with nats-py's service client
# (nats.micro): PING, INFO and STATS of the service named argv[2] at the
# server argv[1], each parsed with its from_dict. Prints what it read as
# JSON; a reply nats-py cannot parse raises and exits non-zero.
import asyncio
import json
import sys

import nats
from nats.micro.service import ServiceInfo, ServicePing, ServiceStats


async def main(url, name):
    nc = await nats.connect(url)
    out = {}
    for verb, kind in (("PING", ServicePing), ("INFO", ServiceInfo), ("STATS", ServiceStats)):
        reply = await nc.request(f"$SRV.{verb}.{name}", b"", timeout=5)
        parsed = kind.from_dict(json.loads(reply.data))
        out[verb] = parsed.to_dict()
        if verb == "STATS":
            out["started"] = parsed.started.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    await nc.close()
    print(json.dumps(out))


asyncio.run(main(sys.argv[1], sys.argv[2]))
