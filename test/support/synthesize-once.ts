/**
 * Vitest global setup: a directory of this test run's own where the local runtime keeps each
 * synthesized app by its context's hash (lib/local/synthesized-app.ts), so the e2e files that start a
 * local stack on the same context synthesize it once per run instead of once per file. Removed at
 * the end of the run: the next run synthesizes again, from the code as it is then. The run's
 * temporary directory (TMPDIR) is the same directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SYNTH_DIR_ENV } from "../../lib/local/synthesized-app";

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "frist-synthesized-apps-"));
  // The test workers start after this and inherit the environment.
  process.env[SYNTH_DIR_ENV] = dir;
  // Every temporary file of the run's processes too (the CDK's synthesized apps, which a worker
  // killed at the end of the run does not get to remove), so that the run leaves nothing behind.
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
