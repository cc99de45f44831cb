/**
 * The attachment store on S3: one object per referral attachment, under the key the referral
 * records, in the bucket of ATTACHMENT_BUCKET (encrypted at rest, no public access, TLS only; see
 * lib/constructs/attachment-bucket.ts). Every SDK error leaves as AttachmentsUnavailable or
 * AttachmentsRejected: nothing S3 says reaches a log or an answer.
 */
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { AttachmentsRejected, AttachmentsUnavailable, FristError } from "../domain/errors";
import type { AttachmentStore } from "../domain/ports";
import { CLIENT_TIMEOUTS } from "./clients";
import { requireEnv } from "./env";
import { isPassingSdkError } from "./faults";
import { traced } from "./tracing";

/** S3 errors as Frist's: passing ones unavailable, the rest rejected. */
export function attachmentsFault(error: unknown): unknown {
  if (error instanceof FristError) return error;
  return isPassingSdkError(error) ? new AttachmentsUnavailable() : new AttachmentsRejected();
}

/** The status of an S3 answer (a conditional write that found an object answers 412). */
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** {@link AttachmentStore} on one S3 bucket. */
export class S3AttachmentStore implements AttachmentStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putIfAbsent(key: string, content: Uint8Array, mimeType: string): Promise<void> {
    try {
      // If-None-Match: S3 writes only where nothing is stored, so a second delivery of the same
      // message makes no second version of the object.
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: content,
          ContentType: mimeType,
          IfNoneMatch: "*",
        }),
      );
    } catch (error) {
      // 412: already stored; 409: a concurrent write of the same key is under way (the same bytes).
      if (statusOf(error) === 412 || statusOf(error) === 409) return;
      throw attachmentsFault(error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return answer.Body ? await answer.Body.transformToByteArray() : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      if (error instanceof S3ServiceException && error.name === "NoSuchKey") return undefined;
      throw attachmentsFault(error);
    }
  }
}

let s3: S3Client | undefined;
/**
 * The S3 client: Frist's timeouts, one attempt (the sender or the workflow retries). Path-style
 * addressing where an endpoint is configured (the local stand-in has no bucket host names).
 */
export function s3Client(): S3Client {
  s3 ??= traced(
    new S3Client({
      requestHandler: { ...CLIENT_TIMEOUTS },
      maxAttempts: 1,
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
      // Checksums only where S3 requires one: the default's chunked upload with a trailing checksum
      // is more than an attachment of a few megabytes needs (TLS guards it in transit).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    }),
  );
  return s3;
}

/** The attachment store of ATTACHMENT_BUCKET. */
export function attachmentStoreFromEnv(): AttachmentStore {
  return new S3AttachmentStore(s3Client(), requireEnv("ATTACHMENT_BUCKET"));
}
