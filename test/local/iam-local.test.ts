import { createServer } from "node:http";
import { connect } from "node:net";
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../lib/local/emulators/dynamodb-local";
import { type SesLocal, startSesLocal } from "../../lib/local/emulators/ses-local";
import {
  type FunctionPolicy,
  type IamGateway,
  localAccessKeyId,
  type Refusal,
  readFunctionPolicies,
  startIamGateway,
} from "../../lib/local/iam/gateway";
import { startIamGatewayThread } from "../../lib/local/iam/thread";
import {
  type StepFunctionsLocalServer,
  startStepFunctionsLocal,
} from "../../lib/local/stepfunctions/endpoint";
import { type CfnTemplate, readFunctions, readStateMachine, readTables } from "../../lib/local/template";
import { resources } from "../support/template";

// The real synthesized template, and the real local stand-ins behind one gateway. DynamoDB Local takes
// a few seconds of Java to start; the tests share it and write items under their own keys.
const region = "eu-north-1";
const template = { Resources: resources } as CfnTemplate;
const policies = readFunctionPolicies(template, { region });
const functions = readFunctions(template);
const table = String(readTables(template)[0]?.TableName);
const tableArn = `arn:aws:dynamodb:${region}:000000000000:table/${table}`;
const machine = readStateMachine(template, { region });

function byEntry(handler: string): FunctionPolicy {
  const fn = Object.values(functions).find(
    (candidate) => candidate.entry === `functions/handlers/${handler}`,
  );
  const policy = fn && policies[fn.logicalId];
  if (!policy) throw new Error(`no function for ${handler}`);
  return policy;
}
/** Reads only: Query on the referral's own items. */
const getReferral = byEntry("get-referral.ts");
/** Writes the table, answers tasks (grantTaskResponse) and sends email (grantSend). */
const submitDecision = byEntry("submit-decision.ts");
const sender = String(functions[submitDecision.functionLogicalId]?.environment.MAIL_FROM);
const configurationSet = String(
  functions[submitDecision.functionLogicalId]?.environment.SES_CONFIGURATION_SET,
);

/** A principal of a hand-written policy, for what the template's grants do not show. */
function principalWith(name: string, statements: unknown[]): FunctionPolicy {
  return {
    functionLogicalId: name,
    roleLogicalId: `${name}Role`,
    roleArn: `arn:aws:iam::000000000000:role/${name}Role`,
    principalArn: `arn:aws:sts::000000000000:assumed-role/${name}Role/${name}`,
    accessKeyId: localAccessKeyId(name),
    documents: [{ Version: "2012-10-17", Statement: statements }],
    unevaluatedManagedPolicies: [],
  };
}
/** May put, read and query only under partition keys starting AGENDA#, and do nothing else. */
const agendaOnly = principalWith("AgendaOnly", [
  {
    Effect: "Allow",
    Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"],
    Resource: [tableArn, `${tableArn}/index/*`],
    Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["AGENDA#*"] } },
  },
]);
/** May put items, but not check conditions. */
const putOnly = principalWith("PutOnly", [
  { Effect: "Allow", Action: "dynamodb:PutItem", Resource: tableArn },
]);
/** May put items and check conditions (a transaction of both). */
const putAndCheck = principalWith("PutAndCheck", [
  { Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"], Resource: tableArn },
]);

let db: DynamoDbLocal;
let ses: SesLocal;
let sfn: StepFunctionsLocalServer;
let gateway: IamGateway<"dynamodb" | "ses" | "sfn">;
const clients: Array<{ destroy(): void }> = [];

const credentialsOf = (principal: { accessKeyId: string }) => ({
  accessKeyId: principal.accessKeyId,
  secretAccessKey: "local",
});
function dynamoDbAs(principal: { accessKeyId: string }): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: gateway.endpoints.dynamodb,
    region,
    credentials: credentialsOf(principal),
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}
function sesAs(principal: { accessKeyId: string }): SESClient {
  const client = new SESClient({
    endpoint: gateway.endpoints.ses,
    region,
    credentials: credentialsOf(principal),
  });
  clients.push(client);
  return client;
}
function sfnAs(principal: { accessKeyId: string }): SFNClient {
  const client = new SFNClient({
    endpoint: gateway.endpoints.sfn,
    region,
    credentials: credentialsOf(principal),
  });
  clients.push(client);
  return client;
}
const key = (pk: string) => ({ pk: { S: pk }, sk: { S: "ITEM" } });
const email = (source: string) =>
  new SendEmailCommand({
    Source: source,
    Destination: { ToAddresses: ["ingrid.lie@smerteklinikk.example"] },
    Message: { Subject: { Data: "Ny oppgave" }, Body: { Text: { Data: "Se oppgaven." } } },
    ConfigurationSetName: configurationSet,
  });
async function mailbox(): Promise<unknown[]> {
  return ((await (await fetch(ses.mailboxJsonUrl)).json()) as { emails: unknown[] }).emails;
}

beforeAll(async () => {
  [db, ses, sfn] = await Promise.all([
    startDynamoDbLocal({ dataDir: null, tables: readTables(template), region }),
    startSesLocal(),
    startStepFunctionsLocal({ stateMachines: [machine], region, invoke: async () => ({}) }),
  ]);
  gateway = await startIamGateway({
    upstreams: { dynamodb: db.endpoint, ses: ses.endpoint, sfn: sfn.endpoint },
    template,
    principals: { ...policies, AgendaOnly: agendaOnly, PutOnly: putOnly, PutAndCheck: putAndCheck },
    region,
  });
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all([gateway?.stop(), db?.stop(), ses?.stop(), sfn?.stop()]);
});

describe("each function's policies, read from the synthesized template", () => {
  it("resolve to local ARNs, with every intrinsic gone", () => {
    // Assess
    expect(Object.keys(policies).sort()).toEqual(Object.keys(functions).sort());
    for (const policy of Object.values(policies)) {
      expect(JSON.stringify(policy.documents)).not.toMatch(/"(Ref|Fn::\w+)"/);
      expect(policy.accessKeyId).toMatch(/^LOCAL[A-Za-z0-9]+$/);
      expect(policy.unevaluatedManagedPolicies).toEqual([]);
    }
    const statements = submitDecision.documents.flatMap((document) => document.Statement as unknown[]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: "states:SendTaskSuccess", Resource: machine.arn }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ["ses:SendEmail", "ses:SendRawEmail"],
        Resource: expect.arrayContaining([`arn:aws:ses:${region}:000000000000:identity/*`]),
        Condition: { StringEquals: { "ses:FromAddress": sender } },
      }),
    );
    expect(getReferral.principalArn).toBe(
      `arn:aws:sts::000000000000:assumed-role/${getReferral.roleLogicalId}/${getReferral.functionLogicalId}`,
    );
  });
});

describe("the DynamoDB gateway", () => {
  it("forwards a call the function's policy allows to DynamoDB Local", async () => {
    // Prepare
    await db.client.send(
      new PutItemCommand({ TableName: table, Item: { ...key("REFERRAL#read"), note: { S: "x" } } }),
    );

    // Act
    const read = await dynamoDbAs(submitDecision).send(
      new GetItemCommand({ TableName: table, Key: key("REFERRAL#read") }),
    );

    // Assess
    expect(read.Item?.note?.S).toBe("x");
  });

  it("refuses a call the policy does not allow with AccessDeniedException, and DynamoDB never sees it", async () => {
    // Prepare
    await db.client.send(new PutItemCommand({ TableName: table, Item: key("REFERRAL#kept") }));

    // Act
    const refused = await dynamoDbAs(getReferral)
      .send(new DeleteItemCommand({ TableName: table, Key: key("REFERRAL#kept") }))
      .catch((error: Error) => error);

    // Assess
    expect(refused).toMatchObject({
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 400 },
      message:
        `User: ${getReferral.principalArn} is not authorized to perform: dynamodb:DeleteItem on resource: ` +
        `${tableArn} because no identity-based policy allows the dynamodb:DeleteItem action`,
    });
    const kept = await db.client.send(new GetItemCommand({ TableName: table, Key: key("REFERRAL#kept") }));
    expect(kept.Item).toBeDefined();
    expect(gateway.refusals()).toContainEqual({
      functionLogicalId: getReferral.functionLogicalId,
      action: "dynamodb:DeleteItem",
      resource: tableArn,
    });
  });

  it("gives dynamodb:LeadingKeys the partition key values, so a write outside the allowed prefix is refused", async () => {
    // Prepare
    const client = dynamoDbAs(agendaOnly);

    // Act
    await client.send(new PutItemCommand({ TableName: table, Item: key("AGENDA#1") }));
    const outside = await client
      .send(new PutItemCommand({ TableName: table, Item: key("REFERRAL#agenda") }))
      .catch((error: Error) => error);
    const query = (pk: string) =>
      client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": "pk" },
          ExpressionAttributeValues: { ":pk": { S: pk } },
        }),
      );
    const inside = await query("AGENDA#1");
    const queriedOutside = await query("REFERRAL#read").catch((error: Error) => error);

    // Assess
    expect(outside).toMatchObject({ name: "AccessDeniedException" });
    expect(inside.Items).toHaveLength(1);
    expect(queriedOutside).toMatchObject({ name: "AccessDeniedException" });
    const stored = await db.client.send(
      new GetItemCommand({ TableName: table, Key: key("REFERRAL#agenda") }),
    );
    expect(stored.Item).toBeUndefined();
  });

  it("checks each member of TransactWriteItems against its own item action", async () => {
    // Prepare
    const transaction = new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: table, Item: key("REFERRAL#tx") } },
        {
          ConditionCheck: {
            TableName: table,
            Key: key("REFERRAL#read"),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
      ],
    });

    // Act
    const refused = await dynamoDbAs(putOnly)
      .send(transaction)
      .catch((error: Error) => error);
    const written = await dynamoDbAs(putAndCheck).send(transaction);

    // Assess
    expect(refused).toMatchObject({ name: "AccessDeniedException" });
    expect((refused as Error).message).toContain("dynamodb:ConditionCheckItem");
    expect(written.$metadata.httpStatusCode).toBe(200);
  });

  it("refuses an access key it does not know as UnrecognizedClientException", async () => {
    // Act
    const refused = await dynamoDbAs({ accessKeyId: "LOCALNobody" })
      .send(new GetItemCommand({ TableName: table, Key: key("REFERRAL#read") }))
      .catch((error: Error) => error);

    // Assess
    expect(refused).toMatchObject({ name: "UnrecognizedClientException" });
  });
});

describe("the Step Functions gateway", () => {
  it("refuses SendTaskSuccess from a function without grantTaskResponse, and forwards it from one with", async () => {
    // Act
    const refused = await sfnAs(getReferral)
      .send(new SendTaskSuccessCommand({ taskToken: "no-such-token", output: "{}" }))
      .catch((error: Error) => error);
    const forwarded = await sfnAs(submitDecision)
      .send(new SendTaskSuccessCommand({ taskToken: "no-such-token", output: "{}" }))
      .catch((error: Error) => error);

    // Assess
    expect(refused).toMatchObject({ name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
    expect((refused as Error).message).toContain(`states:SendTaskSuccess on resource: ${machine.arn}`);
    // The local engine answered: the token is unknown to it, the call was allowed.
    expect((forwarded as Error).name).not.toBe("AccessDeniedException");
    expect((forwarded as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
  });

  it("refuses an unknown access key and answers 404 to what is not an API call", async () => {
    // Act
    const refused = await sfnAs({ accessKeyId: "LOCALNobody" })
      .send(new SendTaskSuccessCommand({ taskToken: "t", output: "{}" }))
      .catch((error: Error) => error);
    const page = await fetch(`${gateway.endpoints.sfn}/`);

    // Assess
    expect(refused).toMatchObject({ name: "UnrecognizedClientException" });
    expect(page.status).toBe(404);
  });
});

describe("the SES gateway", () => {
  it("delivers a send the function's grantSend allows, from the sender address only", async () => {
    // Act
    await sesAs(submitDecision).send(email(sender));
    const otherSender = await sesAs(submitDecision)
      .send(email("someone.else@smerteklinikk.example"))
      .catch((error: Error) => error);

    // Assess
    expect(await mailbox()).toHaveLength(1);
    expect(otherSender).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
  });

  it("refuses a send from a function without grantSend, and an unknown access key", async () => {
    // Prepare
    await ses.clear();

    // Act
    const refused = await sesAs(getReferral)
      .send(email(sender))
      .catch((error: Error) => error);
    const unknown = await sesAs({ accessKeyId: "LOCALNobody" })
      .send(email(sender))
      .catch((error: Error) => error);
    const mailboxPage = await fetch(`${gateway.endpoints.ses}/store`);

    // Assess
    expect(refused).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect((refused as Error).message).toContain(
      `ses:SendEmail on resource: arn:aws:ses:${region}:000000000000:identity/${sender}`,
    );
    expect(unknown).toMatchObject({ name: "InvalidClientTokenId" });
    expect(await mailbox()).toEqual([]);
    expect(mailboxPage.status).toBe(404);
  });
});

describe("the gateway on a thread of its own (as the local stack runs it)", () => {
  it("forwards what a function may do, refuses what it may not, and lists the refusal once the answer is back, stopped too", async () => {
    // Prepare
    const thread = await startIamGatewayThread({
      upstreams: { dynamodb: db.endpoint },
      template,
      region,
    });
    const seen: Refusal[] = [];
    const client = (principal: FunctionPolicy) => {
      const made = new DynamoDBClient({
        endpoint: thread.endpoints.dynamodb,
        region,
        credentials: credentialsOf(principal),
        maxAttempts: 1,
      });
      clients.push(made);
      return made;
    };
    try {
      await db.client.send(new PutItemCommand({ TableName: table, Item: key("REFERRAL#thread") }));

      // Act
      const read = await client(submitDecision).send(
        new GetItemCommand({ TableName: table, Key: key("REFERRAL#thread") }),
      );
      const refused = await client(getReferral)
        .send(new DeleteItemCommand({ TableName: table, Key: key("REFERRAL#thread") }))
        .catch((error: Error) => error);
      seen.push(...(await thread.refusals()));

      // Assess
      expect(read.Item).toBeDefined();
      expect(refused).toMatchObject({ name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
      expect(seen).toEqual([
        {
          functionLogicalId: getReferral.functionLogicalId,
          action: "dynamodb:DeleteItem",
          resource: tableArn,
        },
      ]);
      const kept = await db.client.send(
        new GetItemCommand({ TableName: table, Key: key("REFERRAL#thread") }),
      );
      expect(kept.Item).toBeDefined();
      // Stopped, it still answers (from what it told), instead of waiting for a thread that is gone.
      await thread.stop();
      expect(await thread.refusals()).toEqual(seen);
    } finally {
      await thread.stop();
    }
  });
});

describe("the gateway's kept-alive connections upstream", () => {
  it("sends a call again on a new connection when the upstream had closed the kept-alive one it was written to", async () => {
    // Arrange: an upstream that, like a server closing an idle connection as a call arrives, drops every
    // connection at its second call without reading or answering it.
    let connections = 0;
    let dropped = 0;
    const served = new WeakMap<object, number>();
    const upstream = createServer((request, response) => {
      const count = served.get(request.socket) ?? 0;
      served.set(request.socket, count + 1);
      if (count === 0) connections += 1;
      if (count >= 1) {
        dropped += 1;
        request.socket.destroy();
        return;
      }
      request.resume();
      request.on("end", () => {
        response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        response.end("{}");
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve()));
    const { port } = upstream.address() as { port: number };
    const ownGateway = await startIamGateway({
      upstreams: { dynamodb: `http://127.0.0.1:${port}` },
      template,
      principals: { AgendaOnly: agendaOnly },
      region,
    });
    const client = new DynamoDBClient({
      endpoint: ownGateway.endpoints.dynamodb,
      region,
      credentials: credentialsOf(agendaOnly),
      maxAttempts: 1,
    });
    try {
      // Act
      const answers = [];
      for (let call = 0; call < 3; call++) {
        answers.push(await client.send(new GetItemCommand({ TableName: table, Key: key("AGENDA#stale") })));
      }

      // Assess: every call answered, each dropped one sent again on a connection of its own
      expect(answers.map((answer) => answer.Item)).toEqual([undefined, undefined, undefined]);
      expect(dropped).toBe(2);
      expect(connections).toBe(3);
    } finally {
      client.destroy();
      await ownGateway.stop();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});

describe("the gateway's own kept-alive connections", () => {
  it("keeps a function's idle connection open, so a call written to it is never cut by the gateway closing it", async () => {
    // Arrange: one connection, as a function's SDK client keeps it between calls
    const { hostname, port } = new URL(gateway.endpoints.dynamodb);
    const socket = connect(Number(port), hostname);
    let closedByGateway = false;
    socket.on("end", () => {
      closedByGateway = true;
    });
    const call = async (): Promise<string> => {
      const answer = new Promise<string>((resolve) => {
        socket.once("data", (chunk) => resolve(String(chunk)));
        socket.once("close", () => resolve("closed"));
      });
      socket.write(`GET /not-an-api-call HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
      return answer;
    };
    try {
      // Act: a call, idle longer than Node's default keep-alive timeout (5 s, and its 1 s margin), another call
      const first = await call();
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      const second = await call();

      // Assess
      expect(first).toMatch(/^HTTP\/1\.1 404/);
      expect(closedByGateway).toBe(false);
      expect(second).toMatch(/^HTTP\/1\.1 404/);
    } finally {
      socket.destroy();
    }
  });
});
