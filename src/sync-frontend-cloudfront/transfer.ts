import { open, readFile } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorInfo } from '../lib/aws.ts';
import { isTransientAwsError, retry, type RetryOptions } from '../lib/retry.ts';
import type { FilePlan, KnownObject, Manifest, RemoteObject } from './plan.ts';
import { decodeManifest, encodeManifest } from './manifest.ts';

export const PART_SIZE = 8 * 1024 * 1024;

/** S3 calls of the sync, each retried on transient errors after the SDK's own retries. */
export class Transfer {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly retryOptions: RetryOptions;
  /** Bytes of file content sent in successful requests. */
  bytesSent = 0;

  constructor(
    s3: S3Client,
    bucket: string,
    retryOptions: Partial<RetryOptions> & { log?: (m: string) => void } = {},
  ) {
    this.s3 = s3;
    this.bucket = bucket;
    const log = retryOptions.log;
    this.retryOptions = {
      attempts: 4,
      baseDelayMs: 500,
      maxDelayMs: 8000,
      isRetryable: isTransientAwsError,
      onRetry: (e, attempt, delay) =>
        log?.(`retrying after ${awsErrorInfo(e).name} (attempt ${attempt}, in ${delay} ms)`),
      ...retryOptions,
    };
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return retry(() => fn(), this.retryOptions);
  }

  async list(prefix: string): Promise<Map<string, RemoteObject>> {
    const out = new Map<string, RemoteObject>();
    const pages = paginateListObjectsV2(
      { client: this.s3, pageSize: 1000 },
      { Bucket: this.bucket, Prefix: prefix || undefined },
    );
    for await (const page of pages) {
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) out.set(o.Key, { key: o.Key, etag: o.ETag ?? '', size: o.Size ?? 0 });
      }
    }
    return out;
  }

  async readManifest(key: string): Promise<Manifest | undefined> {
    try {
      const res = await this.call(() =>
        this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      return decodeManifest(await res.Body!.transformToByteArray());
    } catch (error) {
      const name = awsErrorInfo(error).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw error;
    }
  }

  async writeManifest(key: string, manifest: Manifest): Promise<void> {
    const body = encodeManifest(manifest);
    await this.call(() =>
      this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json; charset=utf-8',
          ContentEncoding: 'gzip',
          CacheControl: 'no-store',
        }),
      ),
    );
  }

  async head(key: string): Promise<KnownObject> {
    const res = await this.call(() => this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
    const known: KnownObject = { etag: res.ETag ?? '' };
    if (res.Metadata?.['md5']) known.md5 = res.Metadata['md5'];
    if (res.ContentType !== undefined) known.contentType = res.ContentType;
    if (res.CacheControl !== undefined) known.cacheControl = res.CacheControl;
    return known;
  }

  /** Uploads a file (in parts from `multipartThreshold`); returns the new ETag. */
  async upload(plan: FilePlan, multipartThreshold: number, onBytes: (n: number) => void): Promise<string> {
    const common = {
      Bucket: this.bucket,
      Key: plan.key,
      ContentType: plan.contentType,
      CacheControl: plan.cacheControl,
      Metadata: { md5: plan.file.md5 },
    };
    if (plan.file.size < multipartThreshold) {
      const body = await readFile(plan.file.absPath);
      const res = await this.call(() => this.s3.send(new PutObjectCommand({ ...common, Body: body })));
      this.bytesSent += body.length;
      onBytes(body.length);
      return res.ETag ?? '';
    }
    const { UploadId } = await this.call(() =>
      this.s3.send(new CreateMultipartUploadCommand({ ...common, ChecksumAlgorithm: 'CRC32' })),
    );
    try {
      const parts: { PartNumber: number; ETag: string; ChecksumCRC32?: string }[] = [];
      const handle = await open(plan.file.absPath, 'r');
      try {
        for (let offset = 0, n = 1; offset < plan.file.size; offset += PART_SIZE, n++) {
          const length = Math.min(PART_SIZE, plan.file.size - offset);
          const buf = Buffer.alloc(length);
          await handle.read(buf, 0, length, offset);
          const res = await this.call(() =>
            this.s3.send(
              new UploadPartCommand({
                Bucket: this.bucket,
                Key: plan.key,
                UploadId,
                PartNumber: n,
                Body: buf,
                ChecksumAlgorithm: 'CRC32',
              }),
            ),
          );
          this.bytesSent += length;
          onBytes(length);
          parts.push({
            PartNumber: n,
            ETag: res.ETag ?? '',
            ...(res.ChecksumCRC32 ? { ChecksumCRC32: res.ChecksumCRC32 } : {}),
          });
        }
      } finally {
        await handle.close();
      }
      const done = await this.call(() =>
        this.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: plan.key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
      return done.ETag ?? '';
    } catch (error) {
      // Leave no parts behind (they would be billed); the failure itself is what gets reported.
      await this.s3
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: plan.key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  /** Replaces the headers in place (CopyObject onto itself, REPLACE), only if the content is still the one compared. */
  async replaceMetadata(plan: FilePlan): Promise<string> {
    const source = `${this.bucket}/${encodeURIComponent(plan.key).replace(/%2F/g, '/')}`;
    const res = await this.call(() =>
      this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: plan.key,
          CopySource: source,
          CopySourceIfMatch: plan.remoteEtag,
          MetadataDirective: 'REPLACE',
          ContentType: plan.contentType,
          CacheControl: plan.cacheControl,
          Metadata: { md5: plan.file.md5 },
        }),
      ),
    );
    return res.CopyObjectResult?.ETag ?? plan.remoteEtag ?? '';
  }

  /** Deletes up to 1,000 keys; returns the keys S3 reported as not deleted, with the reason. */
  async deleteBatch(keys: string[]): Promise<{ key: string; error: string }[]> {
    const res = await this.call(() =>
      this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    return (res.Errors ?? []).map((e) => ({
      key: e.Key ?? '',
      error: `${e.Code ?? 'Error'}: ${e.Message ?? ''}`,
    }));
  }
}
