#!/usr/bin/env node
// `frist` (package.json "bin"): bin/cli.ts, run from its kept build (see ./built-entry.js), so the
// CLI uses the same TypeScript domain code (calendar, clinic schema) as the functions; with Node's
// compile cache, as `npm start` (./start.js).
import module from "node:module";

module.enableCompileCache?.();
const { importBuilt } = await import("./built-entry.js");
const { runCli } = /** @type {typeof import("./cli.ts")} */ (await importBuilt("bin/cli.ts"));
process.exitCode = await runCli(process.argv.slice(2));
