"""A TCP relay from the pod bridge to the API server, for controllers that run in pods.

Why: the host engine's API server listens on 127.0.0.1 only (nothing of the
lab is exposed to the network), and a pod has a loopback of its own, so a
controller in a pod (Traefik in notebook 10) cannot reach it. This relay
listens on the bridge's address (10.244.0.1, the pods' gateway, where CoreDNS
already answers them) on the API server's own port and copies bytes both ways
to 127.0.0.1. It does not look into them: TLS runs end to end between the pod
and the API server, which still checks the pod's ServiceAccount token. The pod
names the API server ``kubernetes.default.svc`` (a name its certificate holds)
and a ``hostAliases`` entry points that name at the bridge address.

Only pods open connections to it; the host never sends traffic to a pod's
address of its own accord. Run by the host engine as
``python -m k8slab.engines.apirelay --listen 10.244.0.1:PORT --to 127.0.0.1:PORT``
and stopped with the node.

Example:
    >>> split_address("10.244.0.1:36990")
    ('10.244.0.1', 36990)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib


def split_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` as a pair."""
    host, _, port = text.rpartition(":")
    return host, int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError):
        writer.close()


async def serve(listen: tuple[str, int], target: tuple[str, int]) -> None:
    """Accept connections on ``listen`` and relay each one to ``target``, forever."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(handle, *listen)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="HOST:PORT on the pod bridge")
    parser.add_argument("--to", required=True, help="the API server's HOST:PORT (127.0.0.1)")
    args = parser.parse_args(argv)
    asyncio.run(serve(split_address(args.listen), split_address(args.to)))


if __name__ == "__main__":
    main()
