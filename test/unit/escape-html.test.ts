/**
 * One HTML escape for markup written outside a template, the template engine's own: the same
 * escaping as `{{value}}` in a template, and no copy of it anywhere else in functions/ or lib/.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { escapeHtml } from "../../functions/views/escape-html";
import { REPO_ROOT } from "../../lib/constructs/frist-function";

/** Every TypeScript file under a folder of the repository. */
function sourcesUnder(folder: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(folder, file));
}

describe("the HTML escape", () => {
  it("escapes what could end an element or an attribute value, and leaves other text as it is", () => {
    expect(escapeHtml(`<b title="x">Kari & 'Ola'</b> a=\`b\``)).toBe(
      "&lt;b title&#x3D;&quot;x&quot;&gt;Kari &amp; &#x27;Ola&#x27;&lt;/b&gt; a&#x3D;&#x60;b&#x60;",
    );
    expect(escapeHtml("Ås 2026-03-02T09:00:00.000Z")).toBe("Ås 2026-03-02T09:00:00.000Z");
  });

  it("is defined once: no other module in functions/ or lib/ writes its own", () => {
    const own = /function escapeHtml\b|\bescapeHtml\s*=|\.replace\(\/\[&<>/;
    const copies = [...sourcesUnder("functions"), ...sourcesUnder("lib")].filter(
      (file) =>
        file !== path.join("functions", "views", "escape-html.ts") &&
        own.test(readFileSync(path.join(REPO_ROOT, file), "utf8")),
    );

    expect(copies).toEqual([]);
  });
});
