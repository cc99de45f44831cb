#!/usr/bin/env node
// `frist` (package.json "bin"): runs bin/cli.ts through tsx's ESM loader, so the CLI uses the same
// TypeScript domain code (calendar, clinic schema) as the functions, without a build step.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("./cli.ts");
process.exitCode = await runCli(process.argv.slice(2));
