import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LOOPBACK, listenOnFreePort } from "../../lib/local/ports";

const servers: Server[] = [];
const server = () => {
  const created = createServer((_request, response) => response.end("ok"));
  servers.push(created);
  return created;
};

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe("listenOnFreePort", () => {
  it("listens on the preferred port when it is free, and answers there", async () => {
    // Prepare: a port that was free a moment ago.
    const probe = server();
    const free = await listenOnFreePort(probe, LOOPBACK);
    await new Promise((resolve) => probe.close(resolve));

    // Act
    const port = await listenOnFreePort(server(), LOOPBACK, free);

    // Assess
    expect(port).toBe(free);
    expect(await (await fetch(`http://${LOOPBACK}:${port}/`)).text()).toBe("ok");
  });

  it("listens on another port when the preferred one is taken, instead of failing with EADDRINUSE", async () => {
    // Prepare: the preferred port held by another server.
    const holder = server();
    const taken = await listenOnFreePort(holder, LOOPBACK);

    // Act
    const other = server();
    const port = await listenOnFreePort(other, LOOPBACK, taken);

    // Assess: a port of its own, where it answers.
    expect(port).not.toBe(taken);
    expect((other.address() as AddressInfo).port).toBe(port);
    expect(await (await fetch(`http://${LOOPBACK}:${port}/`)).text()).toBe("ok");
  });
});
