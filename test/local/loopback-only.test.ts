/**
 * Every local service listens on 127.0.0.1 only: the API emulation, the SES emulator, the Step
 * Functions endpoint, the operations server (the operations page and the clock), the OpenID provider,
 * the HelseID and Secrets Manager stand-ins and DynamoDB Local.
 * Each is asked for its listening address, and reached through the machine's non-loopback address,
 * which must refuse the connection (skipped when the machine has no such address).
 */
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiLocal } from "../../lib/local/emulators/api-local";
import { startDynamoDbLocal } from "../../lib/local/emulators/dynamodb-local";
import { localClientKeyPair, startHelseIdLocal } from "../../lib/local/emulators/helseid-local";
import { startOidcLocal } from "../../lib/local/emulators/oidc-local";
import { startSecretsLocal } from "../../lib/local/emulators/secrets-local";
import { startSesLocal } from "../../lib/local/emulators/ses-local";
import { startOperationsServer } from "../../lib/local/operations/server";
import { loopbackListenAddress } from "../../lib/local/ports";
import { startStepFunctionsLocal } from "../../lib/local/stepfunctions/endpoint";

/** The machine's first IPv4 address that is not loopback, if any. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === "IPv4" && !address.internal)?.address;

/** How a TCP connection to `host:port` ends: "connected", or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("ETIMEDOUT");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const ports: Record<string, number> = {};
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const api = await startApiLocal({ routes: [], invoke: async () => ({}), port: 0 });
  stops.push(() => api.stop());
  ports.api = api.port;
  const ses = await startSesLocal();
  stops.push(() => ses.stop());
  ports.ses = Number(new URL(ses.endpoint).port);
  const sfn = await startStepFunctionsLocal({
    stateMachines: [],
    invoke: async () => ({}),
    region: "eu-north-1",
    host: "localhost",
  });
  stops.push(() => sfn.stop());
  ports.stepFunctions = sfn.port;
  const operations = await startOperationsServer({ engine: sfn.engine, host: "localhost" });
  stops.push(() => operations.stop());
  ports.operations = operations.port;
  const oidc = await startOidcLocal({ staff: [], redirectUri: "http://localhost:3000/auth/callback" });
  stops.push(() => oidc.stop());
  ports.oidc = Number(new URL(oidc.issuer).port);
  const helseId = await startHelseIdLocal({ clientPublicKey: localClientKeyPair().publicJwk });
  stops.push(() => helseId.stop());
  ports.helseId = Number(new URL(helseId.issuer).port);
  const secrets = await startSecretsLocal({ region: "eu-north-1" });
  stops.push(() => secrets.stop());
  ports.secrets = Number(new URL(secrets.endpoint).port);
  const dynamo = await startDynamoDbLocal({ dataDir: null });
  stops.push(() => dynamo.stop());
  ports.dynamodb = dynamo.port;
}, 90_000);

afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
});

describe("local services on loopback only", () => {
  it("answers on 127.0.0.1, each of them", async () => {
    for (const [name, port] of Object.entries(ports)) {
      expect(await tryConnect("127.0.0.1", port), name).toBe("connected");
    }
  });

  it.skipIf(!external)(
    "refuses a connection to each service through the machine's network address",
    async () => {
      const outcomes = Object.fromEntries(
        await Promise.all(
          Object.entries(ports).map(async ([name, port]) => [
            name,
            await tryConnect(external as string, port),
          ]),
        ),
      );
      expect(outcomes).toEqual({
        api: "ECONNREFUSED",
        ses: "ECONNREFUSED",
        stepFunctions: "ECONNREFUSED",
        operations: "ECONNREFUSED",
        oidc: "ECONNREFUSED",
        helseId: "ECONNREFUSED",
        secrets: "ECONNREFUSED",
        dynamodb: "ECONNREFUSED",
      });
    },
  );

  it("listens on 127.0.0.1 for the name localhost, and refuses to listen on every interface", () => {
    expect(loopbackListenAddress("localhost")).toBe("127.0.0.1");
    expect(loopbackListenAddress("127.0.0.1")).toBe("127.0.0.1");
    expect(() => loopbackListenAddress("0.0.0.0")).toThrow(/loopback only/);
    expect(() => loopbackListenAddress("::")).toThrow(/loopback only/);
  });
});
