/**
 * A stand-in for AWS Secrets Manager on loopback, for the one call Frist's functions make:
 * GetSecretValue (JSON 1.1, `X-Amz-Target: secretsmanager.GetSecretValue`), answered as the service
 * answers it. The local stack puts its secrets here at start (the HelseID client's key, made then);
 * the functions reach it through the IAM gateway (../iam/gateway.ts), which refuses a function its role
 * does not grant the secret, as on AWS. Secrets live in memory only.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { localSecretArn } from "../iam/requests";
import { LOOPBACK, listenOnFreePort } from "../ports";

/** A running Secrets Manager stand-in. */
export interface SecretsLocal {
  /** What AWS_ENDPOINT_URL_SECRETS_MANAGER is set to (through the IAM gateway for the functions). */
  endpoint: string;
  /** Stores `value` under `name`; returns the secret's full ARN. */
  put(name: string, value: string): string;
  stop(): Promise<void>;
}

const JSON_11 = "application/x-amz-json-1.1";

function answer(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": JSON_11,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  response.end(text);
}

/** Starts the stand-in on a loopback port. */
export async function startSecretsLocal(options: {
  region: string;
  accountId?: string;
  port?: number;
}): Promise<SecretsLocal> {
  const scope = { region: options.region, ...(options.accountId ? { accountId: options.accountId } : {}) };
  const secrets = new Map<string, { name: string; value: string; versionId: string; createdDate: number }>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
        answer(response, 400, { __type: "UnknownOperationException" }, "UnknownOperationException");
        return;
      }
      let secretId: unknown;
      try {
        secretId = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { SecretId?: unknown }).SecretId;
      } catch {
        secretId = undefined;
      }
      const arn = typeof secretId === "string" ? localSecretArn(secretId, scope) : "";
      const secret = secrets.get(arn);
      if (!secret) {
        answer(
          response,
          400,
          {
            __type: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          },
          "ResourceNotFoundException",
        );
        return;
      }
      answer(response, 200, {
        ARN: arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.value,
        VersionStages: ["AWSCURRENT"],
        CreatedDate: secret.createdDate,
      });
    });
  });
  const port = await listenOnFreePort(server, LOOPBACK, options.port);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    put(name, value) {
      const arn = localSecretArn(name, scope);
      secrets.set(arn, { name, value, versionId: randomUUID(), createdDate: Date.now() / 1000 });
      return arn;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
