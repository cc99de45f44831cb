import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA_MODULE, schemaModuleText } from "../../bin/inline-xml-schemas";

describe("the inlined XML schemas", () => {
  it("are the official XSDs kept in test/fixtures/messages/skjema, byte for byte (regenerate: npx tsx bin/inline-xml-schemas.ts)", () => {
    expect(readFileSync(SCHEMA_MODULE, "utf8")).toBe(schemaModuleText());
  });
});
