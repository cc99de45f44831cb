/**
 * Starts a worker thread on one of the local runtime's TypeScript modules, the same way under tsx
 * (`npm start`) and under vitest, neither of whose module loaders a worker thread inherits: the
 * thread's first code registers tsx, then imports the module.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/** tsx's loader, registered in each thread so that it imports TypeScript. */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href;

/** Code rather than a file, so that nothing needs compiling before tsx is registered. */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsxApi)
  .then(({ register }) => { register(); return import(workerData.workerUrl); })
  .catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * A worker thread running the module at `moduleUrl` (a `file:` URL), with `workerData` as the module
 * reads it (plus the two fields the bootstrap needs) and none of this process's command-line flags.
 */
export function startTypeScriptWorker(
  moduleUrl: URL,
  workerData: object,
  options: Omit<WorkerOptions, "eval" | "workerData" | "execArgv"> = {},
): Worker {
  return new Worker(BOOTSTRAP, {
    ...options,
    eval: true,
    // Nothing of this process's command line (a test runner's or tsx's loader flags).
    execArgv: [],
    workerData: { ...workerData, tsxApi: TSX_API, workerUrl: moduleUrl.href },
  });
}

/**
 * Ends a thread without tearing it down mid-work: `askToStop` asks it to finish and let its event
 * loop run out, and it is terminated only if it has not ended (`exited`) within `graceMs`.
 * Terminating a busy thread can fail a V8 check and abort the whole process (SIGTRAP).
 */
export async function endWorker(
  worker: Worker,
  exited: Promise<void>,
  askToStop: () => void,
  graceMs: number,
): Promise<void> {
  askToStop();
  const grace = new Promise<"late">((done) => setTimeout(() => done("late"), graceMs).unref());
  if ((await Promise.race([exited, grace])) === "late") await worker.terminate();
  await exited;
}
