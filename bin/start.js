#!/usr/bin/env node
// `npm start`: bin/local.ts, run from its kept build (see ./built-entry.js).
import { importBuilt } from "./built-entry.js";

await importBuilt("bin/local.ts");
