/**
 * The local Secrets Manager stand-in behind the IAM gateway: a function reads the HelseID client's
 * key only when its synthesized role grants that secret (the EDI functions, by `uses.edi`), and the
 * rest are refused as AWS refuses them. The secret is named as the template names it.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsManagerKey } from "../../functions/adapters/helseid-env";
import { EdiRejected } from "../../functions/domain/errors";
import { type SecretsLocal, startSecretsLocal } from "../../lib/local/emulators/secrets-local";
import {
  type FunctionPolicy,
  type IamGateway,
  readFunctionPolicies,
  startIamGateway,
} from "../../lib/local/iam/gateway";
import { type CfnTemplate, createResolver, readFunctions } from "../../lib/local/template";
import { fristStack, resources } from "../support/template";

const region = "eu-north-1";
const template = { Resources: resources } as CfnTemplate;
const policies = readFunctionPolicies(template, { region });
const functions = readFunctions(template);
const resolve = createResolver(template, { region, stackName: fristStack.stackName });

function byEntry(handler: string): { policy: FunctionPolicy; environment: Record<string, unknown> } {
  const fn = Object.values(functions).find(
    (candidate) => candidate.entry === `functions/handlers/${handler}`,
  );
  const policy = fn && policies[fn.logicalId];
  if (!fn || !policy) throw new Error(`no function for ${handler}`);
  return { policy, environment: fn.environment };
}

const sendStatus = byEntry("send-status-on-referral.ts");
const getReferral = byEntry("get-referral.ts");
/** The key's secret as the EDI functions are told it (HELSEID_CLIENT, resolved as on AWS). */
const keySecretArn = (
  JSON.parse(String(resolve(sendStatus.environment.HELSEID_CLIENT))) as { keySecretArn: string }
).keySecretArn;

let secrets: SecretsLocal;
let gateway: IamGateway<"secretsmanager">;
const clients: SecretsManagerClient[] = [];
const clientAs = (policy: FunctionPolicy) => {
  const client = new SecretsManagerClient({
    endpoint: gateway.endpoints.secretsmanager,
    region,
    credentials: { accessKeyId: policy.accessKeyId, secretAccessKey: "local" },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  secrets = await startSecretsLocal({ region });
  secrets.put(fristStack.config.helseId.keySecretName, JSON.stringify({ kty: "EC", crv: "P-256", d: "x" }));
  gateway = await startIamGateway({ upstreams: { secretsmanager: secrets.endpoint }, template, region });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all([gateway?.stop(), secrets?.stop()]);
});

describe("the local Secrets Manager behind IAM", () => {
  it("gives an EDI function the HelseID client's key, by the ARN its environment names", async () => {
    // Act
    const read = await clientAs(sendStatus.policy).send(
      new GetSecretValueCommand({ SecretId: keySecretArn }),
    );

    // Assess
    expect(keySecretArn).toMatch(
      /^arn:aws:secretsmanager:eu-north-1:\d+:secret:frist\/helseid-edi-client-key$/,
    );
    expect(JSON.parse(String(read.SecretString))).toMatchObject({ kty: "EC" });
    expect(read.ARN).toMatch(/:secret:frist\/helseid-edi-client-key-.{6}$/);
  });

  it("refuses the key to a function that does not call EDI, as AWS does (AccessDeniedException)", async () => {
    const reading = clientAs(getReferral.policy).send(new GetSecretValueCommand({ SecretId: keySecretArn }));
    await expect(reading).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(gateway.refusals()).toContainEqual(
      expect.objectContaining({ action: "secretsmanager:GetSecretValue" }),
    );
  });

  it("refuses an EDI function any other secret, and the key adapter says EdiRejected", async () => {
    const other = keySecretArn.replace("helseid-edi-client-key", "another-secret");
    const load = secretsManagerKey(other, () => clientAs(sendStatus.policy));
    await expect(load()).rejects.toBeInstanceOf(EdiRejected);
  });
});
