import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

/** An access key pair, in the shape the AWS SDK takes. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the verifier needs of an incoming HTTP request (a Node `IncomingMessage` and its body, read in full). */
export interface SignedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** AWS refuses a signature dated further than this from its own clock; so do we (bounds replays). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** SHA-256 and HMAC-SHA256 for the signer, on node:crypto. */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function header(headers: SignedRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Checks AWS Signature Version 4 on a request the way DynamoDB does: the access key must be `key`'s, the
 * date within 15 minutes of `nowMs`, the body must hash to what was signed, and the signature must be the
 * one `key`'s secret gives for the request as received (recomputed with the AWS SDK's own signer over
 * exactly the headers the client said it signed).
 */
export async function verifySigV4(request: SignedRequest, key: AccessKey, nowMs: number): Promise<boolean> {
  const authorization = AUTHORIZATION.exec(header(request.headers, "authorization") ?? "");
  const amzDate = header(request.headers, "x-amz-date") ?? "";
  const date = AMZ_DATE.exec(amzDate);
  if (!authorization || !date) return false;
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = authorization as unknown as string[];
  if (accessKeyId !== key.accessKeyId || !amzDate.startsWith(scopeDate!)) return false;
  const [, year, month, day, hour, minute, second] = date.map(Number) as number[];
  const signingDate = new Date(Date.UTC(year!, month! - 1, day, hour, minute, second));
  if (Math.abs(signingDate.getTime() - nowMs) > MAX_CLOCK_SKEW_MS) return false;

  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return false;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) return false;
    headers[name] = value;
  }
  // The signer trusts a signed payload hash header as is; the body must really hash to it.
  const payloadHash = headers["x-amz-content-sha256"];
  if (payloadHash !== undefined && payloadHash !== createHash("sha256").update(request.body).digest("hex")) return false;

  const url = new URL(request.url, "http://embedded");
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  const signer = new SignatureV4({
    credentials: key,
    region: region!,
    service: service!,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: "http:", hostname: "embedded", path: url.pathname, query, headers, body: request.body },
    { signingDate, signingRegion: region, signingService: service, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ""))?.[1] ?? "";
  return expected.length === signature!.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
}
