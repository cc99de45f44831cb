/**
 * The POST /messages handler alone, with DynamoDB and Step Functions mocked: the AppRec is the
 * answer (200, XML) whatever the message holds, a rejected message reaches no AWS service, and the
 * log line names ids and codes only, never the patient.
 */

import { readFileSync } from "node:fs";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { pdfBytes, withAttachments } from "../support/attachments";

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const SAMPLE = readFileSync(
  new URL(
    "../fixtures/messages/eksempel/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml",
    import.meta.url,
  ),
  "utf8",
);

beforeAll(async () => {
  process.env.TABLE_NAME = "Referrals";
  process.env.ATTACHMENT_BUCKET = "frist-attachments";
  process.env.AWS_REGION = "eu-north-1";
  process.env.STATE_MACHINE_ARN = "arn:aws:states:eu-north-1:123456789012:stateMachine:frist";
  process.env.CLINIC_CONFIG = JSON.stringify({
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      postalAddress: "Postboks 1, 0424 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "23 00 00 00",
      email: "klinikk@example.no",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
      organisationHerId: "59",
      serviceHerId: "90998",
    },
    intakeTeam: [{ name: "Ingrid Lie", role: "physician", email: "ingrid@example.no", lead: true }],
  });
  ({ handler } = await import("../../functions/handlers/receive-message"));
});

let lines: string[];
beforeEach(() => {
  lines = [];
  delete process.env.FRIST_QUIET;
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  dynamo.reset();
  sfn.reset();
  s3.reset();
  process.env.FRIST_QUIET = "1";
});

function post(body: string, contentType = "application/xml"): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    path: "/messages",
    resource: "/messages",
    headers: { "content-type": contentType },
    queryStringParameters: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      identity: { accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/edi" },
    },
  } as unknown as APIGatewayProxyEvent;
}

describe("POST /messages", () => {
  it("stores the referral and starts its workflow, answering 200 with an OK AppRec; the log line holds no patient data", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});

    const answer = await handler(post(SAMPLE));

    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.["content-type"]).toBe("application/xml; charset=utf-8");
    expect(answer.body).toContain('<Status V="1" DN="OK"/>');
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const logged = lines.join("\n");
    expect(logged).toContain('"message":"message accepted"');
    expect(logged).not.toMatch(/13116900216|Danser|Line|Reumatoid|Kongsberg/);
  });

  it("answers a message it rejects with 200 and the AppRec, without calling DynamoDB or Step Functions", async () => {
    const answer = await handler(post(SAMPLE.replace("<Id>59</Id>", "<Id>60</Id>")));

    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('<Error V="E21"');
    expect(dynamo.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(lines.join("\n")).toContain('"message":"message rejected (E21)"');
  });

  it("answers 503, not 500, while DynamoDB is unavailable, so the sender delivers it again", async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }));

    const answer = await handler(post(SAMPLE));

    expect(answer.statusCode).toBe(503);
    expect(lines.join("\n")).not.toMatch(/13116900216|Danser/);
  });

  it("stores a PDF attachment in the bucket, under the referral, only if absent, before the workflow starts", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    const pdf = pdfBytes();

    const answer = await handler(
      post(withAttachments(SAMPLE, [{ mimeType: "application/pdf", content: pdf }])),
    );

    expect(answer.body).toContain('<Status V="1" DN="OK"/>');
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: "frist-attachments",
      Key: expect.stringMatching(/^referrals\/[0-9a-f-]{36}\/attachments\/1$/),
      ContentType: "application/pdf",
      IfNoneMatch: "*",
    });
    expect(Buffer.from(put?.Body as Uint8Array).equals(Buffer.from(pdf))).toBe(true);
  });

  it("answers 503 and starts no workflow while S3 is unavailable; an object already there is not an error", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error("Service Unavailable"), {
        name: "ServiceUnavailable",
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const text = withAttachments(SAMPLE, [{ mimeType: "application/pdf", content: pdfBytes() }]);

    const down = await handler(post(text));

    expect(down.statusCode).toBe(503);
    expect(down.headers?.["retry-after"] ?? down.headers?.["Retry-After"]).toBeDefined();
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);

    s3.reset();
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), {
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const stored = await handler(post(text));
    expect(stored.body).toContain('<Status V="1" DN="OK"/>');
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });
});
