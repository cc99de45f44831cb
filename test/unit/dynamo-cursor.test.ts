import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../functions/adapters/dynamo-cursor";

describe("index cursors", () => {
  it("round-trips a LastEvaluatedKey, dropping attributes that are not key attributes", () => {
    // Prepare
    const key = { sk: "REFERRAL", pk: "REFERRAL#r1", gsi1sk: "2026-01-02#r1", gsi1pk: "received", extra: 1 };
    // Act
    const cursor = encodeCursor(key);
    // Assess
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({
      gsi1pk: "received",
      gsi1sk: "2026-01-02#r1",
      pk: "REFERRAL#r1",
      sk: "REFERRAL",
    });
  });

  it.each([
    ["not JSON", Buffer.from("{nope", "utf8").toString("base64url")],
    ["an array", Buffer.from("[]", "utf8").toString("base64url")],
    [
      "a missing key",
      Buffer.from(JSON.stringify({ gsi1pk: "a", gsi1sk: "b", pk: "c" })).toString("base64url"),
    ],
    [
      "an extra key",
      Buffer.from(JSON.stringify({ gsi1pk: "a", gsi1sk: "b", pk: "c", sk: "d", x: "e" })).toString(
        "base64url",
      ),
    ],
    [
      "a number",
      Buffer.from(JSON.stringify({ gsi1pk: "a", gsi1sk: "b", pk: "c", sk: 1 })).toString("base64url"),
    ],
  ])("rejects a cursor holding %s", (_what, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});
