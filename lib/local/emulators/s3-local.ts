/**
 * The local stand-in for S3: s3rver (@20minutes/s3rver, a maintained fork of the S3 emulator for
 * Node), on loopback only, with the template's buckets created at start. Objects live in the data
 * directory (`<dir>/s3`), so they survive a restart as the table does, or in a temporary directory
 * removed on stop (`--in-memory`). The functions reach it through the IAM gateway (../iam/gateway.ts),
 * which checks each call against the caller's policy and forwards it unsigned: s3rver knows none of
 * the functions' local keys. Unlike S3 it ignores If-None-Match on a PUT and overwrites; the
 * functions write an attachment under its key with the same bytes again, so nothing differs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import S3rver from "@20minutes/s3rver";
import { findFreePort } from "../ports";

/** The stand-in's own account (s3rver's default): for a client in this process that reads it directly. */
export const S3_LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** A running stand-in. */
export interface S3Local {
  /** Its endpoint (AWS_ENDPOINT_URL_S3 of this process; the functions go through the IAM gateway). */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with these buckets. */
export async function startS3Local(options: {
  buckets: readonly string[];
  /** Where objects are kept; none: a temporary directory, removed on stop. */
  dataDir?: string | null;
  port?: number;
}): Promise<S3Local> {
  const temporary = options.dataDir ? undefined : mkdtempSync(path.join(tmpdir(), "frist-s3-"));
  const directory = options.dataDir ? path.join(options.dataDir, "s3") : (temporary as string);
  const host = "127.0.0.1";
  const port = await findFreePort(host, options.port);
  const server = new S3rver({
    address: host,
    port,
    silent: true,
    directory,
    // Path-style only: the functions' client addresses `/<bucket>/<key>` on the endpoint.
    vhostBuckets: false,
    // Its signature check predates the SDK's current signing of S3 requests; the IAM gateway in front
    // of it identifies the functions, and this process's own clients know its account.
    allowMismatchedSignatures: true,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  await server.run();
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        await server.close();
        if (temporary) rmSync(temporary, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
