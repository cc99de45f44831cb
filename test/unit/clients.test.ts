/**
 * The handlers' AWS clients (functions/adapters/clients.ts): built on first use and shared, and
 * without the SDK's logger middleware, which would walk every item through its sensitive-data filter
 * on every call only to hand it to a logger Frist never gives it.
 */
import { describe, expect, it } from "vitest";
import {
  dynamoClient,
  dynamoDocumentClient,
  sesClient,
  stepFunctionsClient,
} from "../../functions/adapters/clients";

const middlewareOf = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().map((entry) => entry.split(" - ")[0]);

describe("the handlers' AWS clients", () => {
  it("carry no SDK logger middleware (DynamoDB, Step Functions, SES)", () => {
    for (const client of [dynamoClient({ region: "eu-north-1" }), stepFunctionsClient(), sesClient()]) {
      expect(middlewareOf(client)).not.toContain("loggerMiddleware");
    }
  });

  it("still ask DynamoDB for the consumed capacity of every call", () => {
    expect(middlewareOf(dynamoClient({ region: "eu-north-1" }))).toContain("fristReturnConsumedCapacity");
  });

  it("are built once and shared by every caller", () => {
    expect(dynamoDocumentClient()).toBe(dynamoDocumentClient());
    expect(stepFunctionsClient()).toBe(stepFunctionsClient());
    expect(sesClient()).toBe(sesClient());
  });
});
