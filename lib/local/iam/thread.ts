/**
 * The IAM gateway (./gateway.ts) on a thread of its own. Every AWS call of every function passes
 * through it twice (the request, the answer); on the local stack's main thread it waited behind the
 * workflow engine, the API emulation and the SES emulator, and they behind it. On its own thread it
 * answers as soon as the stand-in does.
 */
import type { Worker } from "node:worker_threads";
import { endWorker, startTypeScriptWorker } from "../lambda/typescript-worker";
import type { CfnTemplate } from "../template";
import type { IamGatewayOptions, IamService, Refusal } from "./gateway";

/** What the thread is started with: the gateway's options that can cross to a thread. */
export interface IamThreadSetup<S extends IamService> {
  upstreams: Record<S, string>;
  template: CfnTemplate;
  region: string;
  ports?: Partial<Record<S, number>>;
}

/** A message from the local stack to the gateway thread. */
export type ToIamThread = { type: "refusals"; id: number } | { type: "stop" };

/** A message from the gateway thread to the local stack. */
export type FromIamThread<S extends IamService = IamService> =
  | { type: "ready"; endpoints: Record<S, string> }
  | { type: "failed"; message: string }
  | { type: "refusal"; refusal: Refusal }
  | { type: "refusals"; id: number; refusals: Refusal[] };

/** A running gateway thread. */
export interface IamGatewayThread<S extends IamService> {
  /** What `AWS_ENDPOINT_URL_<SERVICE>` of the functions is set to. */
  endpoints: Record<S, string>;
  /**
   * Every refusal so far, oldest first, asked of the thread: it records a refusal before it answers
   * the call, so every refused call whose answer has come back is in the list.
   */
  refusals(): Promise<Refusal[]>;
  stop(): Promise<void>;
}

const WORKER_MODULE = new URL("./thread-worker.ts", import.meta.url);

/** Starts the gateway on its own thread and resolves once it listens. */
export async function startIamGatewayThread<S extends IamService>(
  setup: IamThreadSetup<S>,
  onRefusal?: IamGatewayOptions<S>["onRefusal"],
): Promise<IamGatewayThread<S>> {
  const worker: Worker = startTypeScriptWorker(WORKER_MODULE, { setup }, { name: "iam-gateway" });
  const asked = new Map<number, (refusals: Refusal[]) => void>();
  // Each refusal as told, for the answer once the thread is gone (after stop, nothing can be refused).
  const told: Refusal[] = [];
  let gone = false;
  let nextId = 1;
  const { promise: ready, resolve, reject } = Promise.withResolvers<Record<S, string>>();
  worker.on("message", (message: FromIamThread<S>) => {
    if (message.type === "ready") resolve(message.endpoints);
    else if (message.type === "failed") reject(new Error(`IAM gateway: ${message.message}`));
    else if (message.type === "refusal") {
      told.push(message.refusal);
      onRefusal?.(message.refusal);
    } else if (message.type === "refusals") {
      asked.get(message.id)?.(message.refusals);
      asked.delete(message.id);
    }
  });
  worker.on("error", reject);
  const { promise: exited, resolve: markExited } = Promise.withResolvers<void>();
  worker.on("exit", (code) => {
    markExited();
    gone = true;
    reject(new Error(`IAM gateway thread exited (code ${code})`));
    for (const answer of asked.values()) answer([...told]);
    asked.clear();
  });
  let endpoints: Record<S, string>;
  try {
    endpoints = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoints,
    refusals() {
      if (gone) return Promise.resolve([...told]);
      const id = nextId++;
      const { promise, resolve: answer } = Promise.withResolvers<Refusal[]>();
      asked.set(id, answer);
      worker.postMessage({ type: "refusals", id } satisfies ToIamThread);
      return promise;
    },
    stop() {
      stopping ??= (async () => {
        // The thread closes its servers and its port and then ends on its own.
        const askToStop = () => worker.postMessage({ type: "stop" } satisfies ToIamThread);
        await endWorker(worker, exited, askToStop, 5_000);
      })();
      return stopping;
    },
  };
}
