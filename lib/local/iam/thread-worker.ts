/**
 * The gateway thread's code (started by ./thread.ts): runs the IAM gateway, tells the local stack
 * of each refusal as it happens, and answers its questions.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type IamService, startIamGateway } from "./gateway";
import type { FromIamThread, IamThreadSetup, ToIamThread } from "./thread";

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("iam/thread-worker runs only as a worker thread");
  const { setup } = workerData as { setup: IamThreadSetup<IamService> };
  const post = (message: FromIamThread) => port.postMessage(message);
  let gateway: Awaited<ReturnType<typeof startIamGateway<IamService>>>;
  try {
    gateway = await startIamGateway({
      ...setup,
      onRefusal: (refusal) => post({ type: "refusal", refusal }),
    });
  } catch (error) {
    post({ type: "failed", message: (error as Error).message });
    return;
  }
  port.on("message", (message: ToIamThread) => {
    if (message.type === "refusals") post({ type: "refusals", id: message.id, refusals: gateway.refusals() });
    // Its servers closed and then its port, nothing keeps the thread: it ends on its own.
    else void gateway.stop().then(() => port.close());
  });
  post({ type: "ready", endpoints: gateway.endpoints });
}

void main();
