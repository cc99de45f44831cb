/**
 * The layer rule of biome.json, which `npm test` runs with `biome check .`: nothing under
 * functions/domain imports a view, an adapter, a handler, the AWS SDK, the Lambda types or
 * Handlebars (`noRestrictedImports` in an override for functions/domain/**), and nothing under
 * functions/ is in an import cycle, `import type` included (`noImportCycles`). Here the rule is run
 * on the code, and on a small tree that breaks it, so the rule is shown able to fail.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const BIOME = path.join(REPO_ROOT, "node_modules/.bin/biome");
const LAYER_RULES = ["style/noRestrictedImports", "suspicious/noImportCycles"];

interface Finding {
  rule: string;
  file: string;
}

/** The layer rules' findings when Biome lints `target` from `cwd` (its biome.json applies). */
function layerFindings(cwd: string, target: string): Finding[] {
  const run = spawnSync(
    BIOME,
    [
      "lint",
      "--reporter=json",
      "--max-diagnostics=none",
      ...LAYER_RULES.map((rule) => `--only=${rule}`),
      target,
    ],
    { cwd, encoding: "utf8" },
  );
  const report = JSON.parse(run.stdout) as {
    diagnostics: { category: string; location: { path: string | { file: string } } }[];
  };
  return report.diagnostics.map((diagnostic) => ({
    rule: diagnostic.category,
    file:
      typeof diagnostic.location.path === "string" ? diagnostic.location.path : diagnostic.location.path.file,
  }));
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch tree with the repository's biome.json (outside git) and the given files. */
function treeWith(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "frist-layers-"));
  scratch.push(root);
  const config = JSON.parse(readFileSync(path.join(REPO_ROOT, "biome.json"), "utf8")) as Record<
    string,
    unknown
  >;
  delete config.$schema;
  config.vcs = { enabled: false };
  writeFileSync(path.join(root, "biome.json"), JSON.stringify(config));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe("the layers of functions/", () => {
  it("has no domain import of a view, adapter, handler, the AWS SDK or Handlebars, and no import cycle", () => {
    expect(layerFindings(REPO_ROOT, "functions")).toEqual([]);
  });

  it("flags a domain module that renders, reaches AWS or Handlebars, or imports zod's `z`, and each module of an import cycle", () => {
    const root = treeWith({
      "functions/views/page.ts": 'export const page = "page";\n',
      "functions/domain/renders.ts": 'import { page } from "../views/page";\n\nexport const shown = page;\n',
      "functions/domain/stores.ts":
        'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\n\nexport const client = DynamoDBClient;\n',
      "functions/domain/templates.ts":
        'import Handlebars from "handlebars";\n\nexport const engine = Handlebars;\n',
      // The override keeps the repository-wide zod rule for the domain too.
      "functions/domain/parses.ts": 'import { z } from "zod";\n\nexport const text = z.string();\n',
      "functions/domain/pure.ts": 'import { other } from "./other";\n\nexport const pure = other;\n',
      "functions/domain/other.ts": "export const other = 1;\n",
      // A cycle held by a type import alone still counts: it ties the two modules together.
      "functions/domain/a.ts": 'import { b } from "./b";\n\nexport const a = () => b;\n',
      "functions/domain/b.ts":
        'import type { a } from "./a";\n\nexport const b: typeof a | undefined = undefined;\n',
      // The views may import the domain: the rule is one way.
      "functions/views/uses-domain.ts":
        'import { other } from "../domain/other";\n\nexport const used = other;\n',
    });

    const findings = layerFindings(root, "functions");
    expect(findings).toEqual(
      expect.arrayContaining([
        { rule: "lint/style/noRestrictedImports", file: "functions/domain/renders.ts" },
        { rule: "lint/style/noRestrictedImports", file: "functions/domain/stores.ts" },
        { rule: "lint/style/noRestrictedImports", file: "functions/domain/templates.ts" },
        { rule: "lint/style/noRestrictedImports", file: "functions/domain/parses.ts" },
        { rule: "lint/suspicious/noImportCycles", file: "functions/domain/a.ts" },
        { rule: "lint/suspicious/noImportCycles", file: "functions/domain/b.ts" },
      ]),
    );
    expect(findings).toHaveLength(6);
  });
});
