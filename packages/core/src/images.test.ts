import { describe, expect, test } from "vitest";
import { PatchbayError, PlatformCallError } from "./errors.ts";
import { IMAGE_LIMITS, gatherImages, sniffImageType } from "./images.ts";
import type { InboundImage } from "./model.ts";
import { userTurn } from "./prompt.ts";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const GIF = Buffer.from("GIF89a\x01\x00\x01\x00", "latin1");
const WEBP = Buffer.concat([Buffer.from("RIFF"), Buffer.from([0x1a, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);
const PDF = Buffer.from("%PDF-1.7\n");

const image = (overrides: Partial<InboundImage> = {}): InboundImage => ({ ref: "ref-1", name: "photo.jpg", mediaType: "image/jpeg", size: 100, ...overrides });

/** Serves bytes by ref and remembers what was asked for. */
function downloads(files: Record<string, Uint8Array | Error>) {
  const asked: string[] = [];
  const download = async (wanted: InboundImage) => {
    asked.push(wanted.ref);
    const file = files[wanted.ref];
    if (file === undefined) throw new Error(`no file ${wanted.ref}`);
    if (file instanceof Error) throw file;
    return file;
  };
  return { asked, download };
}

describe("which pictures reach the model", () => {
  test("a message without pictures has nothing to gather", async () => {
    expect(await gatherImages(undefined, { acceptsImages: true, download: undefined })).toBeNull();
    expect(await gatherImages([], { acceptsImages: true, download: undefined })).toBeNull();
  });

  test("a model that reads pictures gets each one, typed by its bytes whatever the platform declared", async () => {
    const source = downloads({ a: PNG, b: JPEG });
    const gathered = await gatherImages([image({ ref: "a", mediaType: "image/jpeg" }), image({ ref: "b", mediaType: null, size: null })], { acceptsImages: true, download: source.download });
    expect(gathered?.images).toEqual([
      { mediaType: "image/png", data: PNG },
      { mediaType: "image/jpeg", data: JPEG },
    ]);
    expect(gathered?.report).toEqual({ received: 2, passed: 2, notPassed: [] });
  });

  test("a text-only model downloads nothing and the report says why no picture was passed", async () => {
    const source = downloads({ a: PNG });
    const gathered = await gatherImages([image({ ref: "a" })], { acceptsImages: false, download: source.download });
    expect(source.asked).toEqual([]);
    expect(gathered?.images).toEqual([]);
    expect(gathered?.report).toMatchObject({ received: 1, passed: 0, notPassed: [{ name: "photo.jpg", reason: "model_text_only" }] });
  });

  test("a declared size over the cap is left out before any download; a download that passes the cap too", async () => {
    const source = downloads({ big: new PatchbayError("PAYLOAD_TOO_LARGE", "larger") });
    const gathered = await gatherImages([image({ ref: "declared", size: IMAGE_LIMITS.maxBytes + 1 }), image({ ref: "big", size: null })], {
      acceptsImages: true,
      download: source.download,
    });
    expect(source.asked).toEqual(["big"]);
    expect(gathered?.report.notPassed.map((n) => n.reason)).toEqual(["too_large", "too_large"]);
    expect(gathered?.report.notPassed[0]?.message).toMatch(/over the 3\.75 MB a model is given; send a smaller one/);
  });

  test("types no provider reads are left out: declared (never downloaded) or found in the bytes", async () => {
    const source = downloads({ pdf: PDF });
    const gathered = await gatherImages([image({ ref: "heic", name: "IMG_1.HEIC", mediaType: "image/heic" }), image({ ref: "pdf", mediaType: "image/png" })], {
      acceptsImages: true,
      download: source.download,
    });
    expect(source.asked).toEqual(["pdf"]);
    expect(gathered?.report.notPassed).toEqual([
      { name: "IMG_1.HEIC", reason: "unsupported_type", message: "The file is of type image/heic; models are given PNG, JPEG, GIF and WebP pictures." },
      { name: "photo.jpg", reason: "unsupported_type", message: "The file is not a PNG, JPEG, GIF or WebP image; models are given PNG, JPEG, GIF and WebP pictures." },
    ]);
  });

  test("a failed download is left out with the platform's words, the others still pass", async () => {
    const refused = new PlatformCallError("INSUFFICIENT_PERMISSIONS", "Add the files:read scope.", { platform: "slack" });
    const source = downloads({ a: refused, b: GIF, c: new Error("socket hang up http://secret/url") });
    const gathered = await gatherImages([image({ ref: "a" }), image({ ref: "b" }), image({ ref: "c" })], { acceptsImages: true, download: source.download });
    expect(gathered?.images).toEqual([{ mediaType: "image/gif", data: GIF }]);
    expect(gathered?.report.notPassed).toEqual([
      { name: "photo.jpg", reason: "download_failed", message: "Add the files:read scope." },
      { name: "photo.jpg", reason: "download_failed", message: "The picture could not be downloaded." },
    ]);
  });

  test(`at most ${IMAGE_LIMITS.maxImages} pictures of a message are downloaded and passed`, async () => {
    const refs = ["1", "2", "3", "4", "5", "6"];
    const source = downloads(Object.fromEntries(refs.map((ref) => [ref, WEBP])));
    const gathered = await gatherImages(refs.map((ref) => image({ ref })), { acceptsImages: true, download: source.download });
    expect(source.asked.sort()).toEqual(["1", "2", "3", "4"]);
    expect(gathered?.report).toMatchObject({ received: 6, passed: 4 });
    expect(gathered?.report.notPassed.map((n) => n.reason)).toEqual(["too_many", "too_many"]);
  });

  test("a platform without downloads passes no picture and says so", async () => {
    const gathered = await gatherImages([image()], { acceptsImages: true, download: undefined });
    expect(gathered?.report.notPassed[0]).toMatchObject({ reason: "download_failed", message: "Pictures cannot be downloaded from this platform." });
  });
});

test("picture types are read from their first bytes", () => {
  expect([PNG, JPEG, GIF, WEBP, PDF, new Uint8Array()].map((bytes) => sniffImageType(bytes))).toEqual(["image/png", "image/jpeg", "image/gif", "image/webp", null, null]);
});

describe("the person's turn", () => {
  test("passed pictures ride on the turn; the text stays exactly as written", async () => {
    const gathered = await gatherImages([image()], { acceptsImages: true, download: downloads({ "ref-1": PNG }).download });
    expect(userTurn("what is this?", "Ada", gathered)).toEqual({ role: "user", content: "what is this?", name: "Ada", images: [{ mediaType: "image/png", data: PNG }] });
  });

  test("pictures the model cannot see are named in a note after the text, or alone when there is no text", async () => {
    const one = await gatherImages([image()], { acceptsImages: false, download: undefined });
    expect(userTurn("what is this?", "", one)).toEqual({ role: "user", content: "what is this?\n\n[The person also sent a picture that you cannot see.]" });
    const two = await gatherImages([image(), image()], { acceptsImages: false, download: undefined });
    expect(userTurn("", "", two).content).toBe("[The person also sent 2 pictures that you cannot see.]");
    expect(userTurn("plain", "", null)).toEqual({ role: "user", content: "plain" });
  });
});
